"""One resumable sync of one (network, resource, account): fetch -> archive -> ledger -> load.

The order of effects is what makes a crash cheap:
  1. fetch a page                     (crash: the page is fetched again)
  2. archive it, write-once           (crash: refetched, the archived object is kept)
  3. record it + move the cursor      (one transaction; from here the page is never refetched)
  4. load chunks of recorded pages    (crash: reloaded from the raw zone, not refetched)
A restart first loads what was archived but not loaded, then continues from the cursor.
"""

from __future__ import annotations

import logging
import time
import uuid
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

import psycopg2
from psycopg2.extensions import connection as Connection

from extract.errors import RunAborted, UserError
from extract.faults import fault_point
from extract.ledger import Job, Ledger, PageRecord
from extract.loading import LoadablePage, LoadCounts, RawLoader, Scan
from extract.network import Account, Network, PageRows, PayloadError, Window
from extract.pacing import HttpFailure, PacedClient, PauseRequired
from extract.rawzone import PageEnvelope, RawZone, page_key, redact_params, sha256
from extract.warehouse.connection import connect

log = logging.getLogger(__name__)


class LoadFailed(Exception):
    """The loader thread failed; the pages stay in the ledger and load on the next run."""


def describe_infrastructure_error(error: BaseException) -> str:
    """One line for a raw-zone or warehouse failure: the innermost cause, no traceback."""
    if isinstance(error, UserError):
        return str(error)
    while error.__cause__ is not None or error.__context__ is not None:
        error = error.__cause__ or error.__context__  # type: ignore[assignment]
    what = "the warehouse failed" if isinstance(error, psycopg2.Error) else "loading failed"
    return f"{what}: {' '.join(str(error).split()) or type(error).__name__}"


class SyncListener(Protocol):
    def started(self, job: Job, account: Account, expected_pages: int | None) -> None: ...

    def page(self, job: Job, rows: int) -> None: ...

    def finished(self, outcome: Outcome) -> None: ...


@dataclass(frozen=True)
class SyncOptions:
    window: Window = field(default_factory=Window)
    chunk_pages: int = 20
    chunk_seconds: float = 30.0
    resume_job_id: int | None = None


@dataclass
class SyncContext:
    network: Network
    client: PacedClient
    raw_zone: RawZone
    conn: Connection
    warehouse_url: str
    pipelines_dir: Path
    options: SyncOptions
    listener: SyncListener


@dataclass
class Outcome:
    resource: str
    account: Account
    status: str  # succeeded / paused / failed / refused
    message: str = ""
    job: Job | None = None
    fetched: int = 0  # pages fetched from the API by this job
    reloaded: int = 0  # pages loaded from the raw zone without an API call
    counts: LoadCounts = field(default_factory=LoadCounts)
    ended_edges: int = 0
    item_errors: int = 0  # per-item errors the API reported, kept in ops.sync_pages


def new_batch_id() -> str:
    return f"{datetime.now(UTC):%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:8]}"


def sync_resource(ctx: SyncContext, resource: str, account: Account) -> Outcome:
    ledger = Ledger(ctx.conn)
    network = ctx.network.name
    if not ledger.try_lock(network, resource, account.id):
        running = ledger.running_job_id(network, resource, account.id)
        return Outcome(
            resource,
            account,
            "refused",
            f"another sync of {network}/{resource}/@{account.username} is running"
            + (f" (job {running})" if running else ""),
        )
    job = _start_job(ledger, ctx, resource, account)
    return ResourceSync(ctx, ledger, job, account).run()


def _start_job(ledger: Ledger, ctx: SyncContext, resource: str, account: Account) -> Job:
    network = ctx.network.name
    if ctx.options.resume_job_id is not None:
        previous = ledger.job(ctx.options.resume_job_id)
        latest = ledger.latest_job(network, resource, account.id)
        if (
            previous is None
            or latest is None
            or previous.job_id != latest.job_id
            or previous.status == "succeeded"
        ):
            raise UserError(
                f"job {ctx.options.resume_job_id} is not the unfinished latest job "
                f"of {network}/{resource}/{account.id}"
            )
    else:
        previous = ledger.latest_job(network, resource, account.id)
    if previous is not None and previous.status == "running":
        # We hold the key's lock, so whoever ran it is gone.
        ledger.set_status(previous, "interrupted", "the process running this job died")
    if previous is not None and previous.status != "succeeded":
        return ledger.start_job(
            network, resource, account.id, previous.batch_id, dict(previous.cursor), previous
        )
    cursor: dict[str, Any] = {}
    if previous is not None and previous.cursor.get("since_id"):
        cursor["since_id"] = previous.cursor["since_id"]
    window = ctx.options.window
    if window.is_set and resource == "posts":
        cursor["window"] = {"since": window.since, "until": window.until}
    return ledger.start_job(network, resource, account.id, new_batch_id(), cursor, None)


class ResourceSync:
    def __init__(self, ctx: SyncContext, ledger: Ledger, job: Job, account: Account) -> None:
        self.ctx = ctx
        self.ledger = ledger
        self.job = job
        self.account = account
        self.outcome = Outcome(job.resource, account, "running", job=job)
        # Loading overlaps fetching: one chunk loads on its own connection in a worker thread
        # while the next chunk is fetched and archived. Pages are in the ledger before they
        # are queued, so a crash mid-load costs nothing but a reload from the raw zone.
        self.load_conn = connect(ctx.warehouse_url)
        self.loading = ThreadPoolExecutor(max_workers=1, thread_name_prefix="loader")
        self.in_flight: Future[LoadCounts] | None = None
        self.loader = RawLoader(
            self.load_conn,
            ctx.warehouse_url,
            ctx.network.name,
            Scan(job.batch_id, job.resource, job.account),
            ctx.pipelines_dir / f"job-{job.job_id}",
        )
        self.pending: list[LoadablePage] = []
        self.last_load = time.monotonic()

    @property
    def window(self) -> Window:
        bounds = self.job.cursor.get("window") or {}
        return Window(bounds.get("since"), bounds.get("until"))

    def run(self) -> Outcome:
        self.ctx.listener.started(
            self.job, self.account, self.ctx.network.expected_pages(self.job.resource, self.account)
        )
        try:
            try:
                self._load_archived_backlog()
                while not self.job.cursor.get("fetch_done"):
                    self._fetch_next_page()
                self._flush(wait=True)
                self._finish()
            except PauseRequired as pause:
                self._flush(wait=True)
                self.ledger.set_status(
                    self.job, "paused", str(pause), pause.resume_after, finished=False
                )
                self._close("paused", f"paused: {pause}; run the same command again to resume")
            except (HttpFailure, PayloadError) as failure:
                self._flush(wait=True)  # what was fetched is kept and loaded
                self.ledger.set_status(self.job, "failed", str(failure))
                self._close(
                    "failed", f"{failure}; the cursor is kept, job {self.job.job_id} failed"
                )
        except KeyboardInterrupt:
            self.ledger.set_status(self.job, "interrupted", "interrupted by the user")
            raise
        except (UserError, LoadFailed, psycopg2.Error) as error:
            # The raw zone or the warehouse failed under us: stop the whole run, resumably.
            log.info("job %s aborted", self.job.job_id, exc_info=True)
            reason = describe_infrastructure_error(error)
            self._mark_failed_if_possible(reason)
            raise RunAborted(
                f"{self.job.resource} of @{self.account.username} stopped (job "
                f"{self.job.job_id}): {reason}; run the same command again once it is fixed"
            ) from None
        finally:
            self.loading.shutdown(wait=True)
            self.load_conn.close()
        return self.outcome

    # -- steps -----------------------------------------------------------------------------

    def _load_archived_backlog(self) -> None:
        """Pages an earlier job archived but did not load: from the raw zone, no API call."""
        for record in self.ledger.batch_pages(self.job, unloaded_only=True):
            envelope = PageEnvelope.decode(self.ctx.raw_zone.get(record.raw_key))
            rows = self._parse(envelope.body())
            self._queue(LoadablePage(record.raw_key, record.seq, record.fetched_at, rows))
            self.outcome.reloaded += 1
        self._flush()

    def _fetch_next_page(self) -> None:
        cursor = self.job.cursor
        request = self.ctx.network.page_request(
            self.job.resource, self.account, cursor, self.window
        )
        try:
            response = self.ctx.client.get(request.endpoint, request.path, request.params)
        except HttpFailure as failure:
            if cursor.get("page_token") and self.ctx.network.is_expired_token(failure):
                log.warning("page token expired: restarting the scan from its first page")
                self.ledger.save_cursor(
                    self.job,
                    {
                        **cursor,
                        "page_token": None,
                        "scan_restarts": cursor.get("scan_restarts", 0) + 1,
                    },
                )
                return
            raise
        fault_point("after_fetch")
        self.outcome.fetched += 1
        rows = self._parse(response.body)
        envelope = PageEnvelope(
            response.method,
            response.url,
            response.params,
            response.status,
            response.headers,
            response.fetched_at.isoformat(),
            response.text,
        )
        seq, data, envelope, rows = self._archive(envelope, rows)
        fault_point("after_archive")
        token_out = rows.token_out
        newest = max((int(i) for i in (cursor.get("newest_id"), rows.newest_id) if i), default=None)
        next_cursor = {
            **cursor,
            "page_token": token_out,
            "fetch_done": token_out is None,
            "newest_id": str(newest) if newest else None,
        }
        fetched_at = datetime.fromisoformat(envelope.fetched_at)
        record = PageRecord(
            self.job.job_id,
            seq,
            cursor.get("page_token"),
            token_out,
            self._key(seq),
            sha256(data),
            rows.row_count,
            rows.newest_id,
            rows.oldest_id,
            fetched_at,
            rows.item_errors,
        )
        self.ledger.record_page(self.job, record, next_cursor)
        self.outcome.item_errors += len(rows.item_errors)
        fault_point("after_ledger")
        self._queue(LoadablePage(record.raw_key, seq, fetched_at, rows))
        self.ctx.listener.page(self.job, rows.row_count)

    def _archive(
        self, envelope: PageEnvelope, rows: PageRows
    ) -> tuple[int, bytes, PageEnvelope, PageRows]:
        """Write the page at the batch's next free seq; keep an earlier attempt's object."""
        seq = self.ledger.next_seq(self.job)
        while True:
            data = envelope.encode()
            if self.ctx.raw_zone.put_once(self._key(seq), data):
                return seq, data, envelope, rows
            stored_data = self.ctx.raw_zone.get(self._key(seq))
            stored = PageEnvelope.decode(stored_data)
            if stored.params == redact_params(envelope.params):
                # The same request, archived before a crash: the stored page is the truth.
                return seq, stored_data, stored, self._parse(stored.body())
            seq += 1  # an orphan of another request (e.g. before a token expired)

    def _key(self, seq: int) -> str:
        job = self.job
        return page_key(job.batch_id, job.network, job.resource, job.account, seq)

    def _parse(self, body: Any) -> PageRows:
        return self.ctx.network.parse_page(self.job.resource, self.account.id, body)

    def _queue(self, page: LoadablePage) -> None:
        self.pending.append(page)
        options = self.ctx.options
        if (
            len(self.pending) >= options.chunk_pages
            or time.monotonic() - self.last_load >= options.chunk_seconds
        ):
            self._flush()

    def _flush(self, wait: bool = False) -> None:
        """Start loading the pending pages (after the previous chunk finished loading)."""
        if self.pending:
            self._await_load()
            self.in_flight = self.loading.submit(self.loader.load, self.pending, self.job)
            self.pending = []
        if wait:
            self._await_load()
        self.last_load = time.monotonic()

    def _await_load(self) -> None:
        if self.in_flight is not None:
            future, self.in_flight = self.in_flight, None
            try:
                self.outcome.counts += future.result()
            except (UserError, psycopg2.Error):
                raise
            except Exception as exc:  # dlt wraps the warehouse's error in its own
                raise LoadFailed(exc) from exc

    def _finish(self) -> None:
        pages = self.ledger.batch_pages(self.job, unloaded_only=False)
        scanned_at = max((page.fetched_at for page in pages), default=datetime.now(UTC))
        if self.job.resource == "followers":
            self.outcome.ended_edges = self.loader.end_unseen_edges(scanned_at)
        cursor = self.job.cursor
        final: dict[str, Any] = {}
        if self.job.resource == "posts":
            # A backfill window does not move the incremental cursor.
            since = (
                cursor.get("since_id")
                if cursor.get("window")
                else cursor.get("newest_id") or cursor.get("since_id")
            )
            if since:
                final["since_id"] = since
        self.ledger.succeed(self.job, final, scanned_at)
        self._close("succeeded")

    def _close(self, status: str, message: str = "") -> None:
        self.outcome.status = status
        self.outcome.message = message
        self.ctx.listener.finished(self.outcome)

    def _mark_failed_if_possible(self, error: str) -> None:
        try:
            self.ledger.set_status(self.job, "failed", error)
        except Exception:  # the warehouse itself may be what failed
            log.debug("could not record the failure of job %s", self.job.job_id, exc_info=True)
