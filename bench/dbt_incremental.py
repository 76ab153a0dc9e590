"""Incremental dbt build after a 1% change vs a full refresh of the same marts.

Fills raw_x directly with SQL (this measures the models, not the extractor): one tracked
account with N follower edges and N follower profiles, plus posts. Then:
  1. `dbt run` (first build; one row per raw table was loaded an hour after the bulk, so the
     marts' watermark is recent, as in steady state),
  2. a 1% change: 1% of edges end, 1% of follower profiles change (loaded_at = now()),
  3. `dbt run` (incremental) and `dbt run --full-refresh`, in that order, on the same data.
Reported: the models' execution times from target/run_results.json, and dbt's wall time.

    python bench/dbt_incremental.py --edges 1000000 10000000
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psycopg2

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from extract.loading import ensure_raw_tables  # noqa: E402
from extract.warehouse.embedded import EmbeddedPostgres  # noqa: E402
from extract.warehouse.migrations import apply_migrations  # noqa: E402
from tests.support.dbt import dbt_env  # noqa: E402
from tests.support.ports import free_port  # noqa: E402

FILL = """
insert into ops.sync_jobs (batch_id, network, resource, account, status)
values ('bench', 'x', 'profiles', '1', 'succeeded');
insert into raw_x.users (network, external_id, username, payload, content_hash, changed_at,
                         first_seen_at, raw_key, load_id)
select 'x', g::text, 'user_' || g,
       jsonb_build_object('id', g::text, 'name', 'User ' || g, 'username', 'user_' || g,
                          'created_at', '2020-01-01T00:00:00.000Z',
                          'public_metrics', jsonb_build_object('followers_count', g %% 1000,
                              'following_count', 10, 'tweet_count', 5, 'listed_count', 0)),
       md5(g::text), now() - interval '5 days', now() - interval '5 days', 'bench', 'bench'
from generate_series(1, %(edges)s + 1) as g;
insert into raw_x.followers (network, account_id, follower_id, first_seen_at, last_seen_at,
                             raw_key, load_id)
select 'x', '1', g::text, now() - interval '5 days' + (g %% 4) * interval '1 day',
       now() - interval '5 days' + (g %% 4) * interval '1 day', 'bench', 'bench'
from generate_series(2, %(edges)s + 1) as g;
insert into raw_x.posts (network, external_id, author_id, created_at, payload, content_hash,
                         changed_at, first_seen_at, raw_key, load_id)
select 'x', (10^12 + g)::bigint::text, '1', now() - g * interval '1 hour',
       jsonb_build_object('id', (10^12 + g)::bigint::text, 'text', 'post #dbt ' || g,
                          'public_metrics', jsonb_build_object('like_count', g %% 50)),
       md5(g::text), now() - interval '5 days', now() - interval '5 days', 'bench', 'bench'
from generate_series(1, 3000) as g;
update raw_x.users set loaded_at = now() - interval '5 days';
update raw_x.followers set loaded_at = now() - interval '5 days';
update raw_x.posts set loaded_at = now() - interval '5 days';
-- steady state: the last regular sync touched a row an hour ago, so the marts' watermark is
-- recent and the bulk history lies outside the lookback (as after any regular sync)
update raw_x.users set loaded_at = now() - interval '1 hour' where external_id = '1';
update raw_x.followers set loaded_at = now() - interval '1 hour' where follower_id = '2';
update raw_x.posts set loaded_at = now() - interval '1 hour'
where external_id = (select min(external_id) from raw_x.posts);
analyze;
"""

CHANGE = """
update raw_x.followers set ended_at = now(), loaded_at = now()
where follower_id::bigint % 100 = 0;
update raw_x.users set payload = jsonb_set(payload, '{name}', '"renamed"'),
                       content_hash = md5('renamed' || external_id), loaded_at = now()
where external_id::bigint % 100 = 1;
analyze;
"""


def model_seconds(target: Path) -> tuple[float, float]:
    """(all models, the four marts) execution seconds of the last dbt invocation."""
    results = json.loads((target / "run_results.json").read_text())["results"]
    models = [r for r in results if r["unique_id"].startswith("model.")]
    marts = [
        r
        for r in models
        if r["unique_id"].split(".")[-1]
        in ("dim_accounts", "fct_posts", "fct_follows", "fct_account_daily")
    ]
    return sum(r["execution_time"] for r in models), sum(r["execution_time"] for r in marts)


def dbt(env: dict[str, str], *args: str) -> float:
    began = time.perf_counter()
    subprocess.run(
        [str(Path(sys.executable).parent / "dbt"), *args, "--quiet"], env=env, cwd=ROOT, check=True
    )
    return time.perf_counter() - began


def bench(edges: int) -> None:
    home = Path(tempfile.mkdtemp(prefix="dbt-bench-"))
    server = EmbeddedPostgres(home, free_port(), "bench")
    server.start()
    try:
        conn = psycopg2.connect(server.url())
        apply_migrations(conn)
        ensure_raw_tables(conn, "x")
        began = time.perf_counter()
        with conn, conn.cursor() as cur:
            cur.execute(FILL, {"edges": edges})
        fill_s = time.perf_counter() - began
        env = dbt_env(server.url(), home)
        target = home / "target-analytics"
        first_s = dbt(env, "run")  # models only: the tests are not what is measured
        with conn, conn.cursor() as cur:
            cur.execute(CHANGE)
        incremental_wall = dbt(env, "run")
        incremental_all, incremental_marts = model_seconds(target)
        if os.environ.get("BENCH_VERBOSE"):
            for result in json.loads((target / "run_results.json").read_text())["results"]:
                print(f"  {result['unique_id']}: {result['execution_time']:.2f}s")
        full_wall = dbt(env, "run", "--full-refresh")
        full_all, full_marts = model_seconds(target)
        conn.close()
        print(
            f"{edges:,} edges (raw fill {fill_s:.0f}s, first build {first_s:.0f}s): "
            f"incremental after a 1% change: models {incremental_all:.1f}s "
            f"(marts {incremental_marts:.1f}s), dbt wall {incremental_wall:.1f}s | "
            f"full refresh: models {full_all:.1f}s (marts {full_marts:.1f}s), dbt wall "
            f"{full_wall:.1f}s | incremental/full (models) = "
            f"{incremental_all / full_all:.0%}"
        )
    finally:
        server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--edges", type=int, nargs="+", default=[1_000_000])
    args = parser.parse_args()
    os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
    for edges in args.edges:
        bench(edges)


if __name__ == "__main__":
    main()
