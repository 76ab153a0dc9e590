"""python -m extract.jobs: list sync jobs with status, progress, cursor and previous job."""

from __future__ import annotations

import argparse
import json

from rich.console import Console
from rich.table import Table

from extract.errors import UserError, run_cli
from extract.warehouse import open_warehouse

STATUSES = ("running", "succeeded", "failed", "paused", "interrupted")

LIST_JOBS = """
select job_id, batch_id, network, resource, account, status, pages,
       rows_new, rows_updated, rows_unchanged, cursor, previous_job_id,
       started_at, finished_at, resume_after, error
from ops.sync_jobs
where (%(network)s::text is null or network = %(network)s)
  and (%(status)s::text is null or status = %(status)s)
order by job_id desc
limit %(limit)s
"""


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m extract.jobs", description=__doc__)
    parser.add_argument("--network", help="only jobs of this network")
    parser.add_argument("--status", choices=STATUSES, help="only jobs in this status")
    parser.add_argument("--limit", type=int, default=50, help="newest N jobs (default 50)")
    args = parser.parse_args()
    if args.limit < 1:
        raise UserError(f"--limit must be at least 1, got {args.limit}")

    conn = open_warehouse()
    try:
        with conn.cursor() as cur:
            cur.execute(
                LIST_JOBS, {"network": args.network, "status": args.status, "limit": args.limit}
            )
            rows = cur.fetchall()
    finally:
        conn.close()

    console = Console()
    if not rows:
        console.print("no sync jobs yet")
        return 0
    table = Table(title="sync jobs (newest first)")
    for column in (
        "job",
        "previous",
        "network/resource/account",
        "status",
        "pages",
        "rows new/upd/same",
        "cursor",
        "started",
        "finished / note",
    ):
        table.add_column(column)
    for (
        job_id,
        _batch,
        network,
        resource,
        account,
        status,
        pages,
        new,
        updated,
        same,
        cursor,
        previous,
        started,
        finished,
        resume_after,
        error,
    ) in rows:
        note = error or (f"resume after {resume_after:%Y-%m-%d %H:%M:%S}" if resume_after else "")
        table.add_row(
            str(job_id),
            str(previous or ""),
            f"{network}/{resource}/{account}",
            status,
            str(pages),
            f"{new}/{updated}/{same}",
            json.dumps(cursor, sort_keys=True),
            f"{started:%Y-%m-%d %H:%M:%S}",
            f"{finished:%Y-%m-%d %H:%M:%S}" if finished else note,
        )
    console.print(table)
    return 0


if __name__ == "__main__":
    run_cli(main)
