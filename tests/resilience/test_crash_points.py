"""Kill -9 a real sync at every boundary and at random instants; restarts lose nothing."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import time

import httpx
import pytest

from extract.faults import POINTS
from tests.support.dbt import active_mart_follows, dbt, dbt_env
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


def assert_exact(url: str, server, account_id: str) -> None:
    assert active_followers(url, account_id) == set(truth_followers(server, account_id))
    assert rows(url, "select count(*) = count(distinct follower_id) from raw_x.followers") == [
        (True,)
    ]


def mart_differences(url: str, server, account_id: str) -> tuple[int, int, int]:
    """(lost, extra, duplicated) active followers of fct_follows against the source's truth."""
    active = active_mart_follows(url, account_id)
    truth = set(truth_followers(server, account_id))
    return len(truth - set(active)), len(set(active) - truth), len(active) - len(set(active))


@pytest.mark.parametrize("point", POINTS)
def test_kill_at_each_boundary_then_resume(start_x_sandbox, elt_env, tmp_path, point):
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
    dbt(dbt_env(url, tmp_path), "run", "--select", "+fct_follows")
    assert mart_differences(url, server, account["id"]) == (0, 0, 0)


def test_random_kills_during_a_sync(start_x_sandbox, elt_env, tmp_path):
    """The drill. Short in CI; the long one (README, docs/resilience.md) is
    ELT_DRILL_FOLLOWERS=1000000 ELT_DRILL_KILLS=50 on the same test."""
    followers = int(os.environ.get("ELT_DRILL_FOLLOWERS", "30000"))
    kills_wanted = int(os.environ.get("ELT_DRILL_KILLS", "5"))
    server = start_x_sandbox(followers=followers, rate_limits=False)
    env = sync_env(elt_env)
    url = elt_env["ELT_WAREHOUSE_URL"]
    account = demo_account(server)
    args = ("--accounts", "sandbox_news", "--resource", "followers", "--chunk-pages", "3")
    rng = random.Random(20261204)
    requests_per_run: list[int] = []
    started = time.monotonic()
    while len(requests_per_run) < kills_wanted:
        before = fetched_pages(server)
        process = start_sync(env, server, *args, output=subprocess.DEVNULL)
        # kill it at a random instant a few pages into its run: random in where it lands
        # (fetching, archiving, recording, loading), bounded so the scan outlasts the kills
        pages_in = rng.randint(1, 3)
        while fetched_pages(server) < before + pages_in and process.poll() is None:
            time.sleep(0.01)
        time.sleep(rng.uniform(0.0, 0.15))
        process.send_signal(signal.SIGKILL)
        assert process.wait() == -signal.SIGKILL, "the sync finished before it was killed"
        requests_per_run.append(fetched_pages(server) - before)
    before = fetched_pages(server)
    sync_ok(env, server, *args)
    requests_per_run.append(fetched_pages(server) - before)
    elapsed = time.monotonic() - started

    assert_exact(url, server, account["id"])
    recorded = rows(
        url,
        "select job_id, count(p.job_id) from ops.sync_jobs left join ops.sync_pages as p"
        " using (job_id) where resource = 'followers' group by 1 order by 1",
    )
    pages = [count for _, count in recorded]
    assert sum(pages) == -(-followers // 1000)  # one scan, however many jobs it took
    # a killed run loses at most its in-flight page: the next run fetches it again
    refetched = [fetched - kept for fetched, kept in zip(requests_per_run, pages, strict=True)]
    assert all(0 <= lost <= 1 for lost in refetched), refetched
    chain = rows(
        url,
        "select previous_job_id, batch_id from ops.sync_jobs"
        " where resource = 'followers' order by job_id",
    )
    assert chain[0][0] is None and all(previous is not None for previous, _ in chain[1:])
    assert len({batch for _, batch in chain}) == 1

    # and the marts built on top hold exactly the source's followers
    dbt(dbt_env(url, tmp_path), "run", "--select", "+fct_follows")
    lost, extra, duplicates = mart_differences(url, server, account["id"])
    assert (lost, extra, duplicates) == (0, 0, 0)
    print(
        f"\ndrill: {followers} followers, {kills_wanted} kills survived, {len(chain)} jobs, "
        f"pages refetched per restart {refetched[:-1]} (total {sum(refetched)}), "
        f"rows lost {lost}, duplicates {duplicates}, {elapsed:.0f} s"
    )


def fetched_pages(server) -> int:
    return sandbox_stats(server)["requests"].get("followers", 0)


def test_an_interrupted_scan_ends_no_edge(start_x_sandbox, elt_env, tmp_path):
    server = start_x_sandbox(followers=6_000, rate_limits=False)
    env = sync_env(elt_env)
    url = elt_env["ELT_WAREHOUSE_URL"]
    account = demo_account(server)
    args = ("--accounts", "sandbox_news", "--resource", "followers", "--chunk-pages", "1")
    sync_ok(env, server, *args)
    before = set(truth_followers(server, account["id"]))
    httpx.post(f"{server.base_url}/_sandbox/advance", params={"seconds": 2 * 86_400})
    killed = run_sync({**env, "ELT_FAULT_AT": "after_ledger:4"}, server, *args)
    assert killed.returncode == -signal.SIGKILL
    assert rows(url, "select count(*) from raw_x.followers where ended_at is not null") == [(0,)]
    sync_ok(env, server, *args)
    after = set(truth_followers(server, account["id"]))
    ended = {
        r[0]
        for r in rows(url, "select follower_id from raw_x.followers where ended_at is not null")
    }
    assert ended == before - after and ended
    assert_exact(url, server, account["id"])
    dbt(dbt_env(url, tmp_path), "run", "--select", "+fct_follows")
    assert mart_differences(url, server, account["id"]) == (0, 0, 0)
    unfollowed = rows(
        url,
        "select follower_id from analytics.fct_follows where account_id = %s and not is_active",
        (account["id"],),
    )
    assert {r[0] for r in unfollowed} == ended


def test_an_expired_page_token_restarts_the_scan_in_the_same_batch(start_x_sandbox, elt_env):
    server = start_x_sandbox(followers=20_000, rate_limit_window_s=3600, token_ttl_s=600)
    env = sync_env(elt_env)
    url = elt_env["ELT_WAREHOUSE_URL"]
    account = demo_account(server)
    args = ("--accounts", "sandbox_news", "--resource", "followers", "--max-wait", "1")
    sync_ok(env, server, *args)  # 15 pages, then paused by the rate limit
    assert rows(url, "select status from ops.sync_jobs") == [("paused",)]
    fresh = start_x_sandbox(followers=20_000, rate_limits=False, token_ttl_s=600)
    httpx.post(f"{fresh.base_url}/_sandbox/advance", params={"seconds": 3_600})
    sync_ok(env, fresh, *args)  # the saved token is an hour old: 400, restart at page one
    ((cursor, status),) = rows(
        url,
        "select cursor, status from ops.sync_jobs "
        "where job_id = (select max(job_id) from ops.sync_jobs)",
    )
    assert status == "succeeded"
    assert len({r[0] for r in rows(url, "select batch_id from ops.sync_jobs")}) == 1
    scan_restarts = rows(url, "select count(*) from ops.sync_pages where token_in is null")
    assert scan_restarts == [(2,)]  # page one fetched twice in the batch: once per scan start
    assert cursor == {}
    # Edges seen before the restart count for this scan, even those unfollowed since then:
    # an edge is ended only by a complete scan that did not see it, i.e. the next one.
    then, now = (
        set(truth_followers(server, account["id"])),
        set(truth_followers(fresh, account["id"])),
    )
    active = active_followers(url, account["id"])
    assert now <= active and active - now <= then - now
    sync_ok(sync_env(elt_env), fresh, "--accounts", "sandbox_news", "--resource", "followers")
    assert active_followers(url, account["id"]) == now
