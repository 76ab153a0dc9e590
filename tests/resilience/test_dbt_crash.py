"""SIGKILL `dbt build` inside a mart's transaction: nothing half-built stays, a re-run heals."""

from __future__ import annotations

import time

from tests.support.dbt import active_mart_follows, dbt, dbt_env, start_dbt
from tests.support.sync import rows, sync_env, sync_ok
from tests.support.x_api import advance, demo_account, truth_followers, truth_posts

HANDLES = ("sandbox_news", "quiet_mapmaker", "pg_tinkerer")


def parked_backend(url: str, marker: str, process) -> int:
    """The PostgreSQL backend of dbt once it sits at the fault point (the post-hook)."""
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        assert process.poll() is None, "dbt ended before reaching the fault point"
        found = rows(
            url,
            "select pid from pg_stat_activity where state = 'active' and query like %s",
            (f"%{marker}%",),
        )
        if found:
            return found[0][0]
        time.sleep(0.1)
    raise AssertionError("dbt never reached the fault point")


def active_follows(url: str, account_id: str) -> set[str]:
    return set(active_mart_follows(url, account_id))


def test_a_dbt_build_killed_before_a_mart_commits(start_x_sandbox, elt_env, tmp_path):
    server = start_x_sandbox(followers=3_000, posts=120, rate_limits=False)
    env = sync_env(elt_env)
    url = elt_env["ELT_WAREHOUSE_URL"]
    build = dbt_env(url, tmp_path)
    accounts = [demo_account(server, handle) for handle in HANDLES]
    sync_ok(env, server, "--accounts", ",".join(HANDLES))
    dbt(build, "run")  # the marts as of yesterday (their tests run in the builds below)
    yesterday = {a["id"]: active_follows(url, a["id"]) for a in accounts}

    advance(server, 86_400)  # follows, unfollows, posts, profile edits
    sync_ok(env, server, "--accounts", ",".join(HANDLES))
    process = start_dbt({**build, "ELT_FAULT_AT": "dbt:fct_follows"}, "build")
    backend = parked_backend(url, "elt fault point: fct_follows", process)
    process.kill()  # SIGKILL: dbt gets no chance to clean up
    process.wait()
    rows(url, "select pg_terminate_backend(%s)", (backend,))  # the orphan, as TCP would

    # the merge into fct_follows ran but never committed: the mart is still yesterday's
    assert {a["id"]: active_follows(url, a["id"]) for a in accounts} == yesterday
    dbt(build, "build")  # includes equals_relation: every mart equals its full rebuild
    for account in accounts:
        assert active_follows(url, account["id"]) == set(truth_followers(server, account["id"]))
        posts = rows(
            url,
            "select p.post_id from analytics.fct_posts as p join analytics.dim_accounts as a"
            " on a.account_key = p.author_key where a.account_id = %s",
            (account["id"],),
        )
        assert {r[0] for r in posts} == set(truth_posts(server, account["id"]))
    assert any(yesterday[a["id"]] != active_follows(url, a["id"]) for a in accounts)
