"""python -m extract.sandbox as a real process."""

from __future__ import annotations

import os
import subprocess
import sys

import httpx

from tests.support.cli import PROJECT_ROOT, assert_one_line_error, run_module
from tests.support.ports import free_port


def test_serves_on_the_requested_port_with_the_requested_token():
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "extract.sandbox",
            "--network",
            "x",
            "--port",
            str(port),
            "--followers",
            "123",
            "--token",
            "cli-token",
            "--seed",
            "5",
        ],
        cwd=PROJECT_ROOT,
        env=os.environ,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        banner = process.stdout.readline()
        assert f"http://127.0.0.1:{port}" in banner
        accounts = httpx.get(f"http://127.0.0.1:{port}/_sandbox/accounts").json()["accounts"]
        assert accounts[0]["followers_count"] == 123
        user = httpx.get(
            f"http://127.0.0.1:{port}/2/users/{accounts[0]['id']}",
            headers={"Authorization": "Bearer cli-token"},
        )
        assert user.json()["data"]["username"] == accounts[0]["username"]
    finally:
        process.terminate()
        process.wait(10)


def test_bad_arguments_are_one_line_errors():
    for args in (
        ["--followers", "-5"],
        ["--chaos-faults", "meteor"],
        ["--chaos", "2"],
        ["--rate-limit-window", "0"],
    ):
        assert_one_line_error(run_module("extract.sandbox", *args, env={}))
