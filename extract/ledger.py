"""The page ledger (ops.sync_jobs, ops.sync_pages): jobs, page boundaries, cursors, locks.

`ops.sync_jobs.cursor` is the one cursor of truth: dlt state never holds one. Each archived
page is recorded in the same transaction that moves its job's cursor past it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from psycopg2.extensions import connection as Connection
from psycopg2.extensions import cursor as Cursor
from psycopg2.extras import Json

JOB_COLUMNS = (
    "job_id",
    "batch_id",
    "network",
    "resource",
    "account",
    "status",
    "cursor",
    "previous_job_id",
    "last_synced_at",
    "pages",
    "rows_new",
    "rows_updated",
    "rows_unchanged",
)


@dataclass
class Job:
    job_id: int
    batch_id: str
    network: str
    resource: str
    account: str
    status: str
    cursor: dict[str, Any]
    previous_job_id: int | None
    last_synced_at: datetime | None
    pages: int
    rows_new: int
    rows_updated: int
    rows_unchanged: int


@dataclass(frozen=True)
class PageRecord:
    job_id: int
    seq: int
    token_in: str | None
    token_out: str | None
    raw_key: str
    sha256: str
    rows: int
    newest_id: str | None
    oldest_id: str | None
    fetched_at: datetime
    item_errors: list[dict[str, Any]] | None = None  # the API's per-item errors in the page


class Ledger:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    # -- the per-key lock ------------------------------------------------------------------

    def try_lock(self, network: str, resource: str, account: str) -> bool:
        """Session advisory lock on the key: a second sync of it is refused, never interleaved."""
        with self.conn, self.conn.cursor() as cur:
            cur.execute(
                "select pg_try_advisory_lock(hashtextextended(%s, 0))",
                (f"sync:{network}/{resource}/{account}",),
            )
            return bool(cur.fetchone()[0])

    def running_job_id(self, network: str, resource: str, account: str) -> int | None:
        job = self.latest_job(network, resource, account)
        return job.job_id if job and job.status == "running" else None

    # -- jobs ------------------------------------------------------------------------------

    def _job(self, where: str, params: tuple[Any, ...]) -> Job | None:
        with self.conn, self.conn.cursor() as cur:
            cur.execute(
                f"select {', '.join(JOB_COLUMNS)} from ops.sync_jobs where {where} "
                "order by job_id desc limit 1",
                params,
            )
            row = cur.fetchone()
        return Job(*row) if row else None

    def latest_job(self, network: str, resource: str, account: str) -> Job | None:
        return self._job(
            "network = %s and resource = %s and account = %s", (network, resource, account)
        )

    def job(self, job_id: int) -> Job | None:
        return self._job("job_id = %s", (job_id,))

    def start_job(
        self,
        network: str,
        resource: str,
        account: str,
        batch_id: str,
        cursor: dict[str, Any],
        resumed: Job | None,
    ) -> Job:
        """A new job; `resumed` is the unfinished job it continues (same batch), if any."""
        with self.conn, self.conn.cursor() as cur:
            cur.execute(
                "insert into ops.sync_jobs (batch_id, network, resource, account, cursor, "
                "previous_job_id, last_synced_at) values (%s, %s, %s, %s, %s, %s, %s) "
                f"returning {', '.join(JOB_COLUMNS)}",
                (
                    batch_id,
                    network,
                    resource,
                    account,
                    Json(cursor),
                    resumed.job_id if resumed else None,
                    resumed.last_synced_at if resumed else None,
                ),
            )
            return Job(*cur.fetchone())

    def set_status(
        self,
        job: Job,
        status: str,
        error: str | None = None,
        resume_after: datetime | None = None,
        finished: bool = True,
    ) -> None:
        with self.conn, self.conn.cursor() as cur:
            cur.execute(
                "update ops.sync_jobs set status = %s, error = %s, resume_after = %s, "
                "finished_at = case when %s then now() end where job_id = %s",
                (status, error, resume_after, finished, job.job_id),
            )
        job.status = status

    def succeed(self, job: Job, cursor: dict[str, Any], synced_at: datetime) -> None:
        with self.conn, self.conn.cursor() as cur:
            cur.execute(
                "update ops.sync_jobs set status = 'succeeded', cursor = %s, "
                "last_synced_at = %s, finished_at = now(), error = null, resume_after = null "
                "where job_id = %s",
                (Json(cursor), synced_at, job.job_id),
            )
        job.status, job.cursor, job.last_synced_at = "succeeded", cursor, synced_at

    def save_cursor(self, job: Job, cursor: dict[str, Any]) -> None:
        with self.conn, self.conn.cursor() as cur:
            cur.execute(
                "update ops.sync_jobs set cursor = %s where job_id = %s", (Json(cursor), job.job_id)
            )
        job.cursor = cursor

    # -- pages -----------------------------------------------------------------------------

    def next_seq(self, job: Job) -> int:
        with self.conn, self.conn.cursor() as cur:
            cur.execute(
                "select coalesce(max(p.seq) + 1, 0) from ops.sync_pages p "
                "join ops.sync_jobs j using (job_id) where j.batch_id = %s and j.network = %s "
                "and j.resource = %s and j.account = %s",
                (job.batch_id, job.network, job.resource, job.account),
            )
            return int(cur.fetchone()[0])

    def record_page(self, job: Job, page: PageRecord, cursor: dict[str, Any]) -> None:
        """The page and the cursor past it, in one transaction."""
        with self.conn, self.conn.cursor() as cur:
            cur.execute(
                "insert into ops.sync_pages (job_id, seq, token_in, token_out, raw_key, sha256, "
                "rows, newest_id, oldest_id, fetched_at, item_errors) "
                "values (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                (
                    page.job_id,
                    page.seq,
                    page.token_in,
                    page.token_out,
                    page.raw_key,
                    page.sha256,
                    page.rows,
                    page.newest_id,
                    page.oldest_id,
                    page.fetched_at,
                    Json(page.item_errors) if page.item_errors else None,
                ),
            )
            cur.execute(
                "update ops.sync_jobs set cursor = %s, pages = pages + 1 where job_id = %s",
                (Json(cursor), job.job_id),
            )
        job.cursor = cursor
        job.pages += 1

    def batch_pages(self, job: Job, unloaded_only: bool) -> list[PageRecord]:
        """Pages of the job's batch in fetch order (all of them, or those not yet loaded)."""
        with self.conn, self.conn.cursor() as cur:
            cur.execute(
                "select p.job_id, p.seq, p.token_in, p.token_out, p.raw_key, p.sha256, p.rows, "
                "p.newest_id, p.oldest_id, p.fetched_at from ops.sync_pages p "
                "join ops.sync_jobs j using (job_id) where j.batch_id = %s and j.network = %s "
                "and j.resource = %s and j.account = %s "
                f"{'and p.load_id is null' if unloaded_only else ''} order by p.seq",
                (job.batch_id, job.network, job.resource, job.account),
            )
            return [PageRecord(*row) for row in cur.fetchall()]

    @staticmethod
    def mark_loaded(
        cur: Cursor,
        job: Job | None,
        raw_keys: list[str],
        load_id: str,
        counts: tuple[int, int, int],
    ) -> None:
        """Run by the loader inside its upsert transaction, so both commit together."""
        cur.execute(
            "update ops.sync_pages set load_id = %s where raw_key = any(%s)", (load_id, raw_keys)
        )
        if job is None:
            return
        cur.execute(
            "update ops.sync_jobs set rows_new = rows_new + %s, rows_updated = rows_updated + %s,"
            " rows_unchanged = rows_unchanged + %s where job_id = %s",
            (*counts, job.job_id),
        )
        job.rows_new += counts[0]
        job.rows_updated += counts[1]
        job.rows_unchanged += counts[2]
