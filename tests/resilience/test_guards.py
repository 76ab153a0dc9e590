"""Concurrency, pacing, pausing, S3, secrets: the guards around a sync."""

from __future__ import annotations

import os
import time
import uuid

from extract.rawzone import S3RawZone
from extract.sandbox import ChaosConfig
from extract.sandbox.chaos import FAULTS
from tests.support.sync import (
    active_followers,
    rows,
    run_sync,
    sandbox_stats,
    start_sync,
    sync_env,
    sync_ok,
)
from tests.support.x_api import demo_account, truth_followers


def test_a_second_sync_of_the_same_key_is_refused(start_x_sandbox, elt_env):
    # a 2-second rate-limit window keeps the first sync busy while the second starts
    server = start_x_sandbox(followers=40_000, rate_limit_window_s=2.0)
    env = sync_env(elt_env)
    url = elt_env["ELT_WAREHOUSE_URL"]
    args = ("--accounts", "sandbox_news", "--resource", "followers")
    first = start_sync(env, server, *args)
    while not _has_pages(url):  # the first sync is under way
        assert first.poll() is None, first.communicate()
        time.sleep(0.05)
    second = run_sync(env, server, *args)
    _, err = first.communicate(timeout=300)
    assert first.returncode == 0, err[-2000:]
    assert second.returncode == 3
    assert "another sync of x/followers/@sandbox_news is running" in second.stderr
    assert rows(url, "select count(*), count(distinct follower_id) from raw_x.followers") == [
        (40_000, 40_000)
    ]
    assert rows(url, "select count(*) from ops.sync_jobs") == [(1,)]


def _has_pages(url: str) -> bool:
    exists = rows(url, "select to_regclass('ops.sync_pages') is not null")[0][0]
    return exists and bool(rows(url, "select 1 from ops.sync_pages limit 1"))


def test_syncs_of_different_accounts_run_in_parallel(start_x_sandbox, elt_env):
    server = start_x_sandbox(followers=8_000, rate_limits=False)
    env = sync_env(elt_env)
    url = elt_env["ELT_WAREHOUSE_URL"]
    processes = [
        start_sync(env, server, "--accounts", handle)
        for handle in ("sandbox_news", "quiet_mapmaker", "pg_tinkerer")
    ]
    for process in processes:
        _, err = process.communicate(timeout=300)
        assert process.returncode == 0, err[-2000:]
    for handle in ("sandbox_news", "quiet_mapmaker", "pg_tinkerer"):
        account = demo_account(server, handle)
        assert active_followers(url, account["id"]) == set(truth_followers(server, account["id"]))
    # followers shared between accounts are one user row each
    assert rows(url, "select count(*) = count(distinct external_id) from raw_x.users") == [(True,)]


def test_pacing_uses_the_budget_without_provoking_429(start_x_sandbox, elt_env):
    server = start_x_sandbox(followers=35_000, rate_limit_window_s=2.0)
    sync_ok(sync_env(elt_env), server, "--accounts", "sandbox_news", "--resource", "followers")
    stats = sandbox_stats(server)
    assert stats["requests"]["followers"] == 35  # more than two windows' budget of 15
    assert "429" not in stats["statuses"]


def test_chaos_sync_is_exact(start_x_sandbox, elt_env):
    # seed 15: all seven kinds of fault land within the 20k-follower sync (it is reproducible)
    chaos = ChaosConfig(probability=0.35, seed=15, slow_seconds=1.5, burst_seconds=1.0)
    followers = int(os.environ.get("ELT_DRILL_FOLLOWERS", "20000"))
    server = start_x_sandbox(followers=followers, rate_limits=False, chaos=chaos)
    url = elt_env["ELT_WAREHOUSE_URL"]
    sync_ok(sync_env(elt_env, ELT_HTTP_TIMEOUT="1"), server, "--accounts", "sandbox_news")
    account = demo_account(server)
    assert active_followers(url, account["id"]) == set(truth_followers(server, account["id"]))
    assert set(sandbox_stats(server)["faults"]) == set(FAULTS)  # every kind really happened


def test_a_long_rate_limit_wait_pauses_the_job(start_x_sandbox, elt_env):
    server = start_x_sandbox(followers=20_000, rate_limit_window_s=3600)
    env = sync_env(elt_env)
    url = elt_env["ELT_WAREHOUSE_URL"]
    result = run_sync(
        env, server, "--accounts", "sandbox_news", "--resource", "followers", "--max-wait", "5"
    )
    assert result.returncode == 0
    assert "paused" in result.stdout and "resume after" in result.stdout
    ((status, resume_after, cursor),) = rows(
        url, "select status, resume_after, cursor from ops.sync_jobs"
    )
    assert status == "paused" and resume_after is not None
    assert cursor["page_token"]  # 15 pages done, the 16th is next
    assert rows(url, "select count(*) from ops.sync_pages where load_id is not null") == [(15,)]


def test_s3_raw_zone_sync_and_write_once(start_x_sandbox, elt_env, s3_server):
    bucket = f"raw-{uuid.uuid4().hex[:8]}"
    s3_server.client().create_bucket(Bucket=bucket)
    server = start_x_sandbox(followers=3_000, rate_limits=False)
    env = sync_env(elt_env, ELT_RAW_ZONE=f"s3://{bucket}/elt", **s3_server.env)
    sync_ok(env, server, "--accounts", "sandbox_news")
    url = elt_env["ELT_WAREHOUSE_URL"]
    keys = [r[0] for r in rows(url, "select raw_key from ops.sync_pages order by raw_key")]
    stored = s3_server.client().list_objects_v2(Bucket=bucket, Prefix="elt/")["Contents"]
    assert sorted(obj["Key"] for obj in stored) == sorted(f"elt/{key}" for key in keys)
    account = demo_account(server)
    assert active_followers(url, account["id"]) == set(truth_followers(server, account["id"]))

    os.environ.update(s3_server.env)
    try:
        zone = S3RawZone(bucket, "elt")
        original = zone.get(keys[0])
        assert zone.put_once(keys[0], b"a second writer") is False
        assert zone.get(keys[0]) == original
    finally:
        for name in s3_server.env:
            os.environ.pop(name, None)
