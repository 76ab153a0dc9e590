"""Drive real syncs (the CLI as a subprocess) and read back what they wrote."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import psycopg2

from extract.sandbox import SandboxServer
from tests.support.cli import PROJECT_ROOT, run_module
from tests.support.x_api import TOKEN


def sync_env(elt_env: dict[str, str], token: str = TOKEN, **extra: str) -> dict[str, str]:
    return {**elt_env, "SOURCES__X__BEARER_TOKEN": token, "ELT_HTTP_TIMEOUT": "3", **extra}


def run_sync(
    env: dict[str, str], server: SandboxServer, *args: str, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    return run_module(
        "extract.run",
        "--network",
        "x",
        "--base-url",
        server.base_url,
        *args,
        env={"COLUMNS": "200", **env},
        timeout=timeout,
    )


def start_sync(
    env: dict[str, str], server: SandboxServer, *args: str, output: int | None = subprocess.PIPE
) -> subprocess.Popen[str]:
    """A sync running in the background, to kill or to race."""
    command = [
        sys.executable,
        "-m",
        "extract.run",
        "--network",
        "x",
        "--base-url",
        server.base_url,
        *args,
    ]
    return subprocess.Popen(
        command,
        env={**os.environ, "COLUMNS": "200", **env},
        cwd=PROJECT_ROOT,
        stdout=output,
        stderr=output,
        text=True,
    )


def stopped_at(
    env: dict[str, str], server: SandboxServer, point: str, *args: str
) -> subprocess.Popen[str]:
    """A sync frozen (SIGSTOP) by its own fault hook at `point` ("after_ledger:3"): the test can
    break the infrastructure under it at a known place, then SIGCONT it."""
    process = start_sync({**env, "ELT_FAULT_AT": f"{point}:stop"}, server, *args)
    deadline = time.monotonic() + 120
    while _state(process.pid) != "T":
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "the sync never reached its fault point"
        time.sleep(0.05)
    return process


def _state(pid: int) -> str:
    # /proc/<pid>/stat: "pid (comm) state ...", comm may hold spaces
    return Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]


def sync_ok(env: dict[str, str], server: SandboxServer, *args: str) -> str:
    result = run_sync(env, server, *args)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result.stdout


def rows(url: str, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    conn = psycopg2.connect(url)
    try:
        with conn.cursor() as cur:
            cur.execute(sql, params)
            return cur.fetchall()
    finally:
        conn.close()


def raw_state(url: str) -> dict[str, set[tuple[Any, ...]]]:
    """The raw tables' contents, without the columns that name a particular load."""
    entity = "network, external_id, payload::text, content_hash, changed_at, first_seen_at, raw_key"
    edge = "network, account_id, follower_id, first_seen_at, last_seen_at, ended_at, raw_key"
    return {
        "users": set(rows(url, f"select {entity}, username from raw_x.users")),
        "posts": set(rows(url, f"select {entity}, author_id, created_at from raw_x.posts")),
        "followers": set(rows(url, f"select {edge} from raw_x.followers")),
    }


def row_versions(url: str) -> set[tuple[str, str, str]]:
    """(table, key, xmin) of every raw row: any insert or update changes this set."""
    return set(
        rows(
            url,
            """
        select 'users', external_id, xmin::text from raw_x.users
        union all select 'posts', external_id, xmin::text from raw_x.posts
        union all select 'followers', account_id || '/' || follower_id, xmin::text
        from raw_x.followers""",
        )
    )


def active_followers(url: str, account_id: str) -> set[str]:
    return {
        r[0]
        for r in rows(
            url,
            "select follower_id from raw_x.followers where account_id = %s and ended_at is null",
            (account_id,),
        )
    }


def sandbox_stats(server: SandboxServer) -> dict[str, Any]:
    return httpx.get(f"{server.base_url}/_sandbox/stats").json()
