"""A real sync against the sandbox, then every kind of re-run: unchanged, moved clock, replay."""

from __future__ import annotations

import httpx

from tests.support.sync import (
    active_followers,
    raw_state,
    row_versions,
    rows,
    sandbox_stats,
    sync_env,
    sync_ok,
)
from tests.support.x_api import (
    advance,
    api,
    demo_account,
    page_all,
    truth_followers,
    truth_posts,
)


def test_sync_rerun_advance_and_replay(start_x_sandbox, elt_env):
    server = start_x_sandbox(followers=4_321, posts=150, rate_limits=False)
    env = sync_env(elt_env)
    url = elt_env["ELT_WAREHOUSE_URL"]
    account = demo_account(server)
    accounts = "sandbox_news,quiet_mapmaker"

    # 1. first sync: exactly the source
    sync_ok(env, server, "--accounts", accounts)
    assert active_followers(url, account["id"]) == set(truth_followers(server, account["id"]))
    assert rows(
        url,
        "select count(*), count(distinct (account_id, follower_id)) "
        "from raw_x.followers where account_id = %s",
        (account["id"],),
    ) == [(4_321, 4_321)]
    posts = {
        r[0]
        for r in rows(
            url, "select external_id from raw_x.posts where author_id = %s", (account["id"],)
        )
    }
    assert posts == set(truth_posts(server, account["id"]))
    profile = rows(url, "select payload from raw_x.users where external_id = %s", (account["id"],))[
        0
    ][0]
    assert profile["public_metrics"]["followers_count"] == 4_321
    assert rows(url, "select count(*) from ops.sync_jobs where status <> 'succeeded'") == [(0,)]

    # 2. the same world again: no raw row inserted or updated; one cheap posts request
    versions = row_versions(url)
    httpx.post(f"{server.base_url}/_sandbox/stats/reset")
    sync_ok(env, server, "--accounts", accounts)
    assert row_versions(url) == versions
    stats = sandbox_stats(server)
    assert stats["requests"]["tweets"] == 2  # one per account, with since_id
    counters = rows(
        url,
        "select sum(rows_new), sum(rows_updated) from ops.sync_jobs "
        "where job_id > (select max(job_id) - 6 from ops.sync_jobs)",
    )
    assert counters == [(0, 0)]

    # 3. a day later: new posts, edited profiles, unfollows ended, new follows
    before = set(truth_followers(server, account["id"]))
    advance(server, 86_400)
    after = set(truth_followers(server, account["id"]))
    sync_ok(env, server, "--accounts", accounts)
    assert active_followers(url, account["id"]) == after
    ended = {
        r[0]
        for r in rows(
            url,
            "select follower_id from raw_x.followers where account_id "
            "= %s and ended_at is not null",
            (account["id"],),
        )
    }
    assert ended == before - after and len(ended) >= 40
    new_posts = set(truth_posts(server, account["id"])) - posts
    assert len(new_posts) == 6
    assert new_posts <= {r[0] for r in rows(url, "select external_id from raw_x.posts")}
    live = (
        api(server)
        .get(f"/2/users/{account['id']}", params={"user.fields": "description"})
        .json()["data"]
    )
    stored = rows(url, "select payload from raw_x.users where external_id = %s", (account["id"],))[
        0
    ][0]
    assert stored["description"] == live["description"]

    # 4. drop raw_x and replay the raw zone: identical tables, zero API calls
    state = raw_state(url)
    rows_dropped = rows(url, "drop schema raw_x cascade; select 1")
    assert rows_dropped == [(1,)]
    httpx.post(f"{server.base_url}/_sandbox/stats/reset")
    sync_ok(env, server, "--from-stage", "extracted")
    assert sandbox_stats(server)["total"] == 0
    assert raw_state(url) == state


def test_replaying_an_old_page_regresses_nothing(start_x_sandbox, elt_env):
    server = start_x_sandbox(followers=300, rate_limits=False)
    env = sync_env(elt_env)
    url = elt_env["ELT_WAREHOUSE_URL"]
    sync_ok(env, server, "--accounts", "sandbox_news", "--resource", "profiles,followers")
    advance(server, 40 * 86_400)  # every follower edits their profile within 30 days
    sync_ok(env, server, "--accounts", "sandbox_news", "--resource", "profiles,followers")
    newer = raw_state(url)
    updated = rows(url, "select sum(rows_updated) from ops.sync_jobs where job_id > 2")[0][0]
    assert updated >= 150  # the second sync really changed most profiles it saw again
    first_sync = [r[0] for r in rows(url, "select batch_id from ops.sync_jobs where job_id <= 2")]
    # replay the first (older) sync's pages on top of the newer data
    sync_ok(env, server, "--from-stage", "extracted", "--batches", ",".join(first_sync))
    assert raw_state(url) == newer


def test_posts_backfill_window(start_x_sandbox, elt_env):
    server = start_x_sandbox(rate_limits=False)
    env = sync_env(elt_env)
    url = elt_env["ELT_WAREHOUSE_URL"]
    sync_ok(
        env,
        server,
        "--accounts",
        "sandbox_news",
        "--resource",
        "posts",
        "--since",
        "2026-03-01",
        "--until",
        "2026-04-01",
    )
    created = [r[0] for r in rows(url, "select created_at from raw_x.posts")]
    assert created and all(c.year == 2026 and c.month == 3 for c in created)
    window_posts = page_all(
        api(server),
        f"/2/users/{demo_account(server)['id']}/tweets",
        start_time="2026-03-01T00:00:00Z",
        end_time="2026-04-01T00:00:00Z",
        max_results=100,
    )
    assert len(created) == len(window_posts)
    # the backfill does not move the incremental cursor
    assert rows(url, "select cursor from ops.sync_jobs") == [({},)]
