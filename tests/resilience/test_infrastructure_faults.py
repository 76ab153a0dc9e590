"""The warehouse, the S3 server or the raw-zone folder fails under a running sync.

Each sync freezes itself (SIGSTOP) at a known boundary, the test breaks the infrastructure,
lets the sync go on, and expects: one clear line, exit 1, the job not left "running" where
the warehouse can still record it; then, once repaired, a re-run that completes exactly.
"""

from __future__ import annotations

import signal
import subprocess
import uuid
from pathlib import Path

from extract.warehouse.embedded import EmbeddedPostgres
from tests.resilience.test_crash_points import assert_exact
from tests.support.ports import free_port
from tests.support.seaweedfs import SeaweedS3
from tests.support.sync import rows, sandbox_stats, stopped_at, sync_env, sync_ok
from tests.support.x_api import demo_account

ARGS = ("--accounts", "sandbox_news", "--resource", "followers", "--chunk-pages", "2")
PAGES = 12


def resume_and_finish(process: subprocess.Popen[str]) -> str:
    """SIGCONT the frozen sync; it must fail with one error line and exit 1."""
    process.send_signal(signal.SIGCONT)
    _, err = process.communicate(timeout=180)
    assert process.returncode == 1, err[-3000:]
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), err[-3000:]
    assert "run the same command again" in lines[0]
    return lines[0]


def jobs(url: str) -> list[tuple[str, bool]]:
    return rows(
        url, "select status, previous_job_id is not null from ops.sync_jobs order by job_id"
    )


def refetched(server) -> int:
    return sandbox_stats(server)["requests"]["followers"] - PAGES


def test_the_warehouse_stops_mid_run(start_x_sandbox, tmp_path):
    warehouse = EmbeddedPostgres(tmp_path / "pg", free_port(), "pw")
    warehouse.start()
    try:
        url = warehouse.url()
        env = sync_env({"ELT_HOME": str(tmp_path / "home"), "ELT_WAREHOUSE_URL": url})
        server = start_x_sandbox(followers=PAGES * 1000, rate_limits=False)
        process = stopped_at(env, server, "after_ledger:3", *ARGS)
        warehouse.stop()
        line = resume_and_finish(process)
        assert "the warehouse failed" in line
        warehouse.start()
        # nobody could record the failure: the next run finds the job running, unlocked
        assert jobs(url) == [("running", False)]
        sync_ok(env, server, *ARGS)
        assert jobs(url) == [("interrupted", False), ("succeeded", True)]
        assert_exact(url, server, demo_account(server)["id"])
        assert refetched(server) <= 1
    finally:
        warehouse.stop()


def test_the_s3_server_stops_mid_run(start_x_sandbox, elt_env, tmp_path):
    s3 = SeaweedS3(tmp_path / "s3")
    s3.start()
    try:
        bucket = f"raw-{uuid.uuid4().hex[:8]}"
        s3.client().create_bucket(Bucket=bucket)
        env = sync_env(elt_env, ELT_RAW_ZONE=f"s3://{bucket}/elt", **s3.env)
        url = elt_env["ELT_WAREHOUSE_URL"]
        server = start_x_sandbox(followers=PAGES * 1000, rate_limits=False)
        process = stopped_at(env, server, "after_ledger:3", *ARGS)
        s3.stop()
        line = resume_and_finish(process)
        assert f"cannot reach the raw zone s3://{bucket}/elt" in line
        assert jobs(url) == [("failed", False)]
        s3.start()
        sync_ok(env, server, *ARGS)
        assert jobs(url) == [("failed", False), ("succeeded", True)]
        assert_exact(url, server, demo_account(server)["id"])
        assert refetched(server) <= 1
        stored = s3.client().list_objects_v2(Bucket=bucket, Prefix="elt/")["KeyCount"]
        assert stored == rows(url, "select count(*) from ops.sync_pages")[0][0]
    finally:
        s3.stop()


def test_the_raw_zone_folder_becomes_unwritable(start_x_sandbox, elt_env, elt_home):
    # A file where the folder was: writes fail for any user, root included (chmod would not
    # stop root), as when the volume behind the path goes away.
    env = sync_env(elt_env)
    url = elt_env["ELT_WAREHOUSE_URL"]
    server = start_x_sandbox(followers=PAGES * 1000, rate_limits=False)
    process = stopped_at(env, server, "after_ledger:3", *ARGS)
    raw, away = Path(elt_home) / "raw", Path(elt_home) / "raw.away"
    raw.rename(away)
    raw.write_text("not a folder")
    line = resume_and_finish(process)
    assert f"cannot write to the raw zone file://{raw}" in line
    assert jobs(url) == [("failed", False)]
    raw.unlink()
    away.rename(raw)
    sync_ok(env, server, *ARGS)
    assert jobs(url) == [("failed", False), ("succeeded", True)]
    assert_exact(url, server, demo_account(server)["id"])
    assert refetched(server) <= 1
