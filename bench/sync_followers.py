"""End-to-end follower sync throughput and peak memory, next to PostgreSQL COPY of the rows.

Starts a fresh embedded warehouse and an X sandbox process without rate limits, runs
`python -m extract.run --resource followers` for one account, then copies the rows it wrote
(users and edges) with plain COPY into fresh tables in the same database: the floor that any
loader is measured against.

    python bench/sync_followers.py --followers 1000000
"""

from __future__ import annotations

import argparse
import io
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import psycopg2

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.sandbox_pages import start as start_sandbox_process  # noqa: E402
from extract.warehouse.embedded import EmbeddedPostgres  # noqa: E402
from tests.support.ports import free_port  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--followers", type=int, default=1_000_000)
    parser.add_argument("--chunk-pages", type=int, default=50)
    args = parser.parse_args()

    home = Path(tempfile.mkdtemp(prefix="elt-bench-"))
    server = EmbeddedPostgres(home, free_port(), "bench")
    server.start()
    sandbox, base_url = start_sandbox_process(args.followers)
    env = {
        **os.environ,
        "ELT_HOME": str(home),
        "ELT_WAREHOUSE_URL": server.url(),
        "SOURCES__X__BEARER_TOKEN": "sandbox-token",
        "COLUMNS": "120",
    }
    try:
        began = time.perf_counter()
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "extract.run",
                "--network",
                "x",
                "--base-url",
                base_url,
                "--accounts",
                "sandbox_news",
                "--resource",
                "followers",
                "--chunk-pages",
                str(args.chunk_pages),
            ],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
        )
        elapsed = time.perf_counter() - began
        peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        if result.returncode != 0:
            sys.exit(result.stderr[-3000:])
        stats = httpx.get(f"{base_url}/_sandbox/stats").json()
        conn = psycopg2.connect(server.url())
        with conn.cursor() as cur:
            cur.execute("select count(*) from raw_x.followers")
            edges = cur.fetchone()[0]
            cur.execute("select count(*) from raw_x.users")
            users = cur.fetchone()[0]
        rows = edges + users
        print(
            f"sync: {args.followers:,} followers -> {users:,} user rows + {edges:,} edge rows "
            f"in {elapsed:.1f}s = {args.followers / elapsed:,.0f} followers/s, "
            f"{rows / elapsed:,.0f} rows/s end to end; {stats['total']} API requests; "
            f"peak RSS of the sync process {peak_mb:.0f} MB"
        )
        copy_s = copy_baseline(conn)
        print(
            f"baseline: COPY of the same {rows:,} rows into fresh tables: {copy_s:.1f}s = "
            f"{rows / copy_s:,.0f} rows/s (sync is {elapsed / copy_s:.1f}x the COPY time)"
        )
        conn.close()
    finally:
        sandbox.terminate()
        sandbox.wait()
        server.stop()


def copy_baseline(conn: psycopg2.extensions.connection) -> float:
    """COPY out the synced rows, then time COPY of them into fresh tables."""
    buffers = {}
    with conn.cursor() as cur:
        for table in ("users", "followers"):
            buffer = io.StringIO()
            cur.copy_expert(f"copy raw_x.{table} to stdout", buffer)
            buffers[table] = buffer
            cur.execute(
                f"create table public.copy_{table} (like raw_x.{table} "
                "including defaults including constraints including indexes)"
            )
        conn.commit()
        began = time.perf_counter()
        for table, buffer in buffers.items():
            buffer.seek(0)
            cur.copy_expert(f"copy public.copy_{table} from stdin", buffer)
        conn.commit()
        return time.perf_counter() - began


if __name__ == "__main__":
    main()
