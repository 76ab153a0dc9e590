"""dbt over real synced data: incremental builds equal a full refresh, re-runs change nothing."""

from __future__ import annotations

from tests.support.dbt import MARTS, dbt, dbt_env, mart_rows
from tests.support.sync import rows, sync_env, sync_ok
from tests.support.x_api import advance

ACCOUNTS = ("--accounts", "sandbox_news,quiet_mapmaker,pg_tinkerer")


def marts(url: str, schema: str) -> dict[str, list[tuple[str, ...]]]:
    return {mart: mart_rows(url, schema, mart) for mart in MARTS}


def test_incremental_builds_equal_a_full_refresh(start_x_sandbox, elt_env, tmp_path):
    server = start_x_sandbox(followers=3_000, posts=120, rate_limits=False)
    env = sync_env(elt_env)
    url = elt_env["ELT_WAREHOUSE_URL"]
    incremental = dbt_env(url, tmp_path, "analytics")

    sync_ok(env, server, *ACCOUNTS)
    dbt(incremental, "build")
    # a second build with no new raw data: same mart contents, no new snapshot version
    before = marts(url, "analytics")
    versions = rows(url, "select count(*) from analytics_snapshots.snap_accounts")
    dbt(incremental, "build")
    assert marts(url, "analytics") == before
    assert rows(url, "select count(*) from analytics_snapshots.snap_accounts") == versions

    for _ in range(3):  # days pass: posts, profile edits, follows, unfollows
        advance(server, 86_400)
        sync_ok(env, server, *ACCOUNTS)
        dbt(incremental, "build")
    assert rows(url, "select count(*) > 4 from analytics_snapshots.snap_accounts") == [(True,)]
    assert rows(url, "select count(*) > 0 from analytics.fct_follows where not is_active") == [
        (True,)
    ]

    rebuild = dbt_env(url, tmp_path, "rebuild")
    dbt(rebuild, "build", "--full-refresh")
    for mart, contents in marts(url, "analytics").items():
        assert contents == mart_rows(url, "rebuild", mart), mart


def test_a_broken_lookback_is_caught(start_x_sandbox, elt_env, tmp_path):
    """The same comparison fails when the incremental filter misses late rows."""
    server = start_x_sandbox(followers=1_000, posts=50, rate_limits=False)
    env = sync_env(elt_env)
    url = elt_env["ELT_WAREHOUSE_URL"]
    incremental = dbt_env(url, tmp_path, "analytics")
    sync_ok(env, server, *ACCOUNTS)
    dbt(incremental, "build")
    advance(server, 86_400)
    sync_ok(env, server, *ACCOUNTS)
    # a lookback of minus ten days: only rows loaded 10 days after the last build qualify
    broken = dbt(incremental, "build", "--vars", "{lookback_hours: -240}", check=False)
    assert broken.returncode != 0  # equals_relation fails in the same build
    assert "equals_relation" in broken.stdout
    dbt(dbt_env(url, tmp_path, "rebuild"), "build", "--full-refresh")
    assert marts(url, "analytics") != marts(url, "rebuild")
