"""--from-stage extracted: rebuild raw_<network> from the raw zone, with zero API calls.

Batches are replayed in the order they were fetched, page by page, through the same loader as
a live sync; a follower scan that completed ends the same edges again, at the same time (the
scan's last fetch), so the rebuilt tables equal the ones the live syncs produced.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from psycopg2.extensions import connection as Connection

from extract.errors import UserError
from extract.loading import LoadablePage, LoadCounts, RawLoader, Scan
from extract.network import Network
from extract.rawzone import PageEnvelope, RawZone

BATCHES = """
select j.batch_id, j.resource, j.account, bool_or(j.status = 'succeeded')
from ops.sync_jobs j
where j.network = %(network)s
  and (%(batches)s::text[] is null or j.batch_id = any(%(batches)s))
  and (%(resources)s::text[] is null or j.resource = any(%(resources)s))
  and (%(accounts)s::text[] is null or j.account = any(%(accounts)s))
group by j.batch_id, j.resource, j.account
order by min(j.job_id)
"""

PAGES = """
select p.raw_key, p.seq, p.fetched_at
from ops.sync_pages p join ops.sync_jobs j using (job_id)
where j.network = %s and j.batch_id = %s and j.resource = %s and j.account = %s
order by p.seq
"""


@dataclass
class ReplayResult:
    batches: int = 0
    pages: int = 0
    counts: LoadCounts = field(default_factory=LoadCounts)
    ended_edges: int = 0


def replay(
    conn: Connection,
    warehouse_url: str,
    network: Network,
    raw_zone: RawZone,
    workdir: Path,
    batches: list[str] | None,
    resources: list[str] | None,
    accounts: list[str] | None,
    chunk_pages: int = 50,
) -> ReplayResult:
    with conn, conn.cursor() as cur:
        cur.execute(
            BATCHES,
            {
                "network": network.name,
                "batches": batches,
                "resources": resources,
                "accounts": accounts,
            },
        )
        found = cur.fetchall()
    if batches and {row[0] for row in found} != set(batches):
        missing = sorted(set(batches) - {row[0] for row in found})
        raise UserError(f"no archived pages for batch(es) {', '.join(missing)}")
    result = ReplayResult()
    for batch_id, resource, account, completed in found:
        scan = Scan(batch_id, resource, account)
        loader = RawLoader(
            conn,
            warehouse_url,
            network.name,
            scan,
            workdir / f"replay-{batch_id}-{resource}-{account}",
        )
        with conn, conn.cursor() as cur:
            cur.execute(PAGES, (network.name, batch_id, resource, account))
            records = cur.fetchall()
        chunk: list[LoadablePage] = []
        for raw_key, seq, fetched_at in records:
            body = PageEnvelope.decode(raw_zone.get(raw_key)).body()
            chunk.append(
                LoadablePage(raw_key, seq, fetched_at, network.parse_page(resource, account, body))
            )
            if len(chunk) >= chunk_pages:
                result.counts += loader.load(chunk, None)
                chunk = []
        result.counts += loader.load(chunk, None)
        if resource == "followers" and completed and records:
            result.ended_edges += loader.end_unseen_edges(max(r[2] for r in records))
        result.batches += 1
        result.pages += len(records)
    return result
