"""Kill -9 a real sync at every boundary and at random instants; restarts lose nothing."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time

import httpx
import pytest

from extract.faults import POINTS
from tests.support.cli import PROJECT_ROOT
from tests.support.sync import active_followers, rows, run_sync, sandbox_stats, sync_env, sync_ok
from tests.support.x_api import demo_account, truth_followers


def assert_exact(url: str, server, account_id: str) -> None:
    assert active_followers(url, account_id) == set(truth_followers(server, account_id))
    assert rows(url, "select count(*) = count(distinct follower_id) from raw_x.followers") == [
        (True,)
    ]


@pytest.mark.parametrize("point", POINTS)
def test_kill_at_each_boundary_then_resume(start_x_sandbox, elt_env, point):
    server = start_x_sandbox(followers=5_000, rate_limits=False)
    env = sync_env(elt_env)
    url = elt_env["ELT_WAREHOUSE_URL"]
    account = demo_account(server)
    args = ("--accounts", "sandbox_news", "--resource", "followers", "--chunk-pages", "2")

    killed = run_sync({**env, "ELT_FAULT_AT": f"{point}:3"}, server, *args)
    assert killed.returncode == -signal.SIGKILL, killed.stderr[-2000:]
    sync_ok(env, server, *args)

    assert_exact(url, server, account["id"])
    fetched = sandbox_stats(server)["requests"]["followers"]
    refetched = fetched - 5
    assert refetched == (1 if point in ("after_fetch", "after_archive") else 0)
    jobs = rows(url, "select job_id, previous_job_id, status from ops.sync_jobs order by job_id")
    assert [(status, previous) for _, previous, status in jobs] == [
        ("interrupted", None),
        ("succeeded", jobs[0][0]),
    ]


def test_five_random_kills_during_a_sync(start_x_sandbox, elt_env):
    server = start_x_sandbox(followers=30_000, rate_limits=False)
    env = {**os.environ, **sync_env(elt_env)}
    url = elt_env["ELT_WAREHOUSE_URL"]
    account = demo_account(server)
    command = [
        sys.executable,
        "-m",
        "extract.run",
        "--network",
        "x",
        "--base-url",
        server.base_url,
        "--accounts",
        "sandbox_news",
        "--resource",
        "followers",
        "--chunk-pages",
        "3",
    ]
    rng = random.Random(20261204)
    kills = 0
    for _ in range(5):
        process = subprocess.Popen(
            command, env=env, cwd=PROJECT_ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        # wait until this run has fetched a page or two, then kill it at a random instant
        start = sandbox_stats(server)["requests"].get("followers", 0)
        deadline = time.monotonic() + 60
        while (
            sandbox_stats(server)["requests"].get("followers", 0) < start + 1
            and time.monotonic() < deadline
            and process.poll() is None
        ):
            time.sleep(0.05)
        time.sleep(rng.uniform(0.0, 1.0))
        if process.poll() is None:
            process.send_signal(signal.SIGKILL)
            kills += 1
        process.wait()
    sync_ok(
        sync_env(elt_env),
        server,
        "--accounts",
        "sandbox_news",
        "--resource",
        "followers",
        "--chunk-pages",
        "3",
    )

    assert kills >= 3
    assert_exact(url, server, account["id"])
    pages = rows(url, "select count(*) from ops.sync_pages")[0][0]
    fetched = sandbox_stats(server)["requests"]["followers"]
    assert pages == 30  # one scan, however many jobs it took
    assert fetched - pages <= kills  # at most the in-flight page per kill
    chain = rows(url, "select previous_job_id from ops.sync_jobs order by job_id")
    assert chain[0] == (None,) and all(previous is not None for (previous,) in chain[1:])
    assert len({r[0] for r in rows(url, "select batch_id from ops.sync_jobs")}) == 1
    httpx.get(f"{server.base_url}/_sandbox/stats")
