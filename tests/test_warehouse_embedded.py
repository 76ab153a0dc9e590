"""The embedded PostgreSQL: start, reuse, concurrent starters, stop, port conflicts."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import psycopg2
import pytest

from extract.errors import UserError
from extract.warehouse.embedded import EmbeddedPostgres
from tests.support.cli import PROJECT_ROOT, assert_one_line_error, run_module
from tests.support.ports import free_port


def postmasters_for(pgdata: Path) -> list[int]:
    """PIDs of postgres server processes (not their children) serving `pgdata`."""
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().split(b"\0")
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        if cmdline and cmdline[0].endswith(b"postgres") and str(pgdata).encode() in cmdline:
            parent = int(stat.rsplit(")", 1)[1].split()[1])
            parent_cmd = Path(f"/proc/{parent}/cmdline").read_bytes().split(b"\0")[0]
            if not parent_cmd.endswith(b"postgres"):
                pids.append(int(entry.name))
    return pids


def select_one(url: str) -> int:
    conn = psycopg2.connect(url)
    try:
        with conn.cursor() as cur:
            cur.execute("select 1")
            return cur.fetchone()[0]
    finally:
        conn.close()


@pytest.fixture
def embedded_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv("ELT_WAREHOUSE_URL", raising=False)
    env = {
        "ELT_HOME": str(tmp_path / "home"),
        "ELT_PG_PORT": str(free_port()),
        "ELT_PG_PASSWORD": "s3cret-pw",
    }
    yield env
    EmbeddedPostgres(Path(env["ELT_HOME"]), int(env["ELT_PG_PORT"]), "s3cret-pw").stop()


def test_url_starts_server_then_reuses_it(embedded_env):
    first = run_module("extract.warehouse", "url", env=embedded_env)
    assert first.returncode == 0, first.stderr
    url = first.stdout.strip()
    assert url == f"postgresql://postgres:s3cret-pw@127.0.0.1:{embedded_env['ELT_PG_PORT']}/elt"
    assert select_one(url) == 1
    pgdata = Path(embedded_env["ELT_HOME"]) / "pgdata"
    (pid,) = postmasters_for(pgdata)

    second = run_module("extract.warehouse", "url", env=embedded_env)
    assert second.stdout.strip() == url
    assert postmasters_for(pgdata) == [pid]  # reused, not restarted

    status = run_module("extract.warehouse", "status", env=embedded_env)
    assert status.returncode == 0 and f"pid {pid}" in status.stdout
    assert "s3cret-pw" not in status.stdout


def test_first_use_creates_the_ledger(embedded_env):
    url = run_module("extract.warehouse", "url", env=embedded_env).stdout.strip()
    conn = psycopg2.connect(url)
    with conn.cursor() as cur:
        cur.execute("select to_regclass('ops.sync_jobs'), to_regclass('ops.sync_pages')")
        assert cur.fetchone() == ("ops.sync_jobs", "ops.sync_pages")
    conn.close()


def test_two_concurrent_starters_leave_one_healthy_server(embedded_env):
    env = {**os.environ, **embedded_env}
    starters = [
        subprocess.Popen(
            [sys.executable, "-m", "extract.warehouse", "url"],
            env=env,
            cwd=PROJECT_ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    outputs = [starter.communicate(timeout=120) for starter in starters]
    assert [starter.returncode for starter in starters] == [0, 0], outputs
    urls = {stdout.strip() for stdout, _ in outputs}
    assert len(urls) == 1
    assert len(postmasters_for(Path(embedded_env["ELT_HOME"]) / "pgdata")) == 1
    assert select_one(urls.pop()) == 1


def test_stop_then_status_reports_not_running(embedded_env):
    assert run_module("extract.warehouse", "start", env=embedded_env).returncode == 0
    stopped = run_module("extract.warehouse", "stop", env=embedded_env)
    assert stopped.stdout.strip() == "stopped"
    assert postmasters_for(Path(embedded_env["ELT_HOME"]) / "pgdata") == []
    status = run_module("extract.warehouse", "status", env=embedded_env)
    assert status.returncode == 3 and "not running" in status.stdout
    # and it starts again on the same data
    assert run_module("extract.warehouse", "start", env=embedded_env).returncode == 0


def test_port_taken_by_another_program_is_one_clear_error(tmp_path):
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        port = squatter.getsockname()[1]
        server = EmbeddedPostgres(tmp_path / "home", port, "pw")
        with pytest.raises(UserError, match=f"port {port} .* taken"):
            server.start()
        result = run_module(
            "extract.warehouse",
            "url",
            env={"ELT_HOME": str(tmp_path / "home"), "ELT_PG_PORT": str(port)},
        )
        assert "ELT_PG_PORT" in assert_one_line_error(result)


def test_bad_port_setting_is_one_clear_error(tmp_path):
    result = run_module(
        "extract.warehouse",
        "url",
        env={"ELT_HOME": str(tmp_path / "home"), "ELT_PG_PORT": "not-a-port"},
    )
    assert "ELT_PG_PORT" in assert_one_line_error(result)
    assert not (tmp_path / "home" / "pgdata").exists()
