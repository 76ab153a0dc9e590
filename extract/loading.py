"""Archived pages -> raw_<network> tables: dlt lands the rows, a guarded upsert applies them.

dlt has no "only if newer" merge (its upsert overwrites, dedup_sort acts within one load), so
dlt appends each chunk of pages to `raw_<network>_landing` (Arrow tables, COPY via its csv
loader) and one SQL statement per table applies the chunk to `raw_<network>`:

    insert ... on conflict (key) do update ... where target.changed_at < incoming.changed_at
                                                  and target.content_hash <> incoming.hash

PostgreSQL evaluates that WHERE on the locked, latest row version, so two syncs racing on a
shared follower profile cannot regress it, and replaying an old page changes nothing.
Follower edges of a scan stay in landing until the scan completes; then edges of the account
that the scan did not see are ended.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from psycopg2.extensions import connection as Connection

from extract.faults import fault_point
from extract.ledger import Job, Ledger
from extract.network import Entity, PageRows

os.environ.setdefault("RUNTIME__DLTHUB_TELEMETRY", "false")  # no phoning home from a sandbox
# Load files live for seconds on local disk: gzipping them cost a fifth of a sync's CPU.
os.environ.setdefault("DATA_WRITER__DISABLE_COMPRESSION", "true")

import dlt
import pyarrow as pa

RAW_TABLES_DDL = """
create schema if not exists {raw};
create table if not exists {raw}.users (
    network text not null,
    external_id text not null,
    username text,
    payload jsonb not null,
    content_hash text not null,
    changed_at timestamptz not null,
    first_seen_at timestamptz not null,
    raw_key text not null,
    load_id text not null,
    loaded_at timestamptz not null default now(),
    primary key (network, external_id)
);
create table if not exists {raw}.posts (
    network text not null,
    external_id text not null,
    author_id text not null,
    created_at timestamptz not null,
    payload jsonb not null,
    content_hash text not null,
    changed_at timestamptz not null,
    first_seen_at timestamptz not null,
    raw_key text not null,
    load_id text not null,
    loaded_at timestamptz not null default now(),
    primary key (network, external_id)
);
create table if not exists {raw}.followers (
    network text not null,
    account_id text not null,
    follower_id text not null,
    first_seen_at timestamptz not null,
    last_seen_at timestamptz not null,
    ended_at timestamptz,
    raw_key text not null,
    load_id text not null,
    loaded_at timestamptz not null default now(),
    primary key (network, account_id, follower_id)
);
create index if not exists users_by_load on {raw}.users (loaded_at);
create index if not exists posts_by_load on {raw}.posts (loaded_at);
create index if not exists followers_by_load on {raw}.followers (loaded_at);
"""

UPSERT_ENTITIES = """
with incoming as (
    select distinct on (external_id) *
    from {landing}.{table}
    where raw_key = any(%(keys)s)
    order by external_id, fetched_at desc
), applied as (
    insert into {raw}.{table} as target
        (network, external_id, {extra}, payload, content_hash, changed_at, first_seen_at,
         raw_key, load_id)
    select %(network)s, external_id, {extra_select}, payload::jsonb, content_hash, fetched_at,
           fetched_at, raw_key, %(load_id)s
    from incoming
    on conflict (network, external_id) do update set
        {extra_update},
        payload = excluded.payload,
        content_hash = excluded.content_hash,
        changed_at = excluded.changed_at,
        raw_key = excluded.raw_key,
        load_id = excluded.load_id,
        loaded_at = now()
    where target.changed_at < excluded.changed_at
      and target.content_hash <> excluded.content_hash
    returning (xmax::text = '0') as inserted
)
select
    (select count(*) from applied where inserted),
    (select count(*) from applied where not inserted),
    (select count(*) from incoming)
"""

UPSERT_EDGES = """
with incoming as (
    select distinct on (follower_id) *
    from {landing}.follower_edges
    where raw_key = any(%(keys)s)
    order by follower_id, fetched_at
), applied as (
    insert into {raw}.followers as target
        (network, account_id, follower_id, first_seen_at, last_seen_at, ended_at, raw_key,
         load_id)
    select %(network)s, account_id, follower_id, fetched_at, fetched_at, null, raw_key,
           %(load_id)s
    from incoming
    on conflict (network, account_id, follower_id) do update set
        ended_at = null,
        last_seen_at = excluded.last_seen_at,
        raw_key = excluded.raw_key,
        load_id = excluded.load_id,
        loaded_at = now()
    where target.ended_at is not null and target.ended_at < excluded.last_seen_at
    returning (xmax::text = '0') as inserted
)
select
    (select count(*) from applied where inserted),
    (select count(*) from applied where not inserted),
    (select count(*) from incoming)
"""

END_UNSEEN_EDGES = """
update {raw}.followers as edge
set ended_at = %(ended_at)s, load_id = %(load_id)s, loaded_at = now()
where edge.network = %(network)s
  and edge.account_id = %(account)s
  and edge.ended_at is null
  and edge.first_seen_at <= %(ended_at)s
  and not exists (
      select 1 from {landing}.follower_edges as seen
      where seen.batch_id = %(batch)s
        and seen.account_id = edge.account_id
        and seen.follower_id = edge.follower_id
  )
"""


@dataclass(frozen=True)
class Scan:
    """What a chunk of pages belongs to: one batch of one (resource, account)."""

    batch_id: str
    resource: str
    account: str


@dataclass(frozen=True)
class LoadablePage:
    raw_key: str
    seq: int
    fetched_at: datetime
    rows: PageRows


@dataclass(frozen=True)
class LoadCounts:
    new: int = 0
    updated: int = 0
    unchanged: int = 0

    def __add__(self, other: LoadCounts) -> LoadCounts:
        return LoadCounts(
            self.new + other.new, self.updated + other.updated, self.unchanged + other.unchanged
        )


def ensure_raw_tables(conn: Connection, network: str) -> None:
    with conn, conn.cursor() as cur:
        cur.execute(
            "select pg_advisory_xact_lock(hashtextextended(%s, 0))", (f"ddl:raw_{network}",)
        )
        cur.execute(RAW_TABLES_DDL.format(raw=raw_schema(network)))


def raw_schema(network: str) -> str:
    if not re.fullmatch(r"[a-z][a-z0-9_]*", network):
        raise ValueError(f"not a network name: {network!r}")
    return f"raw_{network}"


def _entities_table(pages: list[LoadablePage], attribute: str, extra: tuple[str, ...]) -> pa.Table:
    columns: dict[str, list[object]] = {
        name: []
        for name in ("raw_key", "fetched_at", "external_id", *extra, "payload", "content_hash")
    }
    for page in pages:
        entities: list[Entity] = getattr(page.rows, attribute)
        for entity in entities:
            columns["raw_key"].append(page.raw_key)
            columns["fetched_at"].append(page.fetched_at)
            columns["external_id"].append(entity.external_id)
            for name in extra:
                columns[name].append(getattr(entity, name))
            columns["payload"].append(entity.payload)
            columns["content_hash"].append(entity.content_hash)
    return pa.table(columns)


class RawLoader:
    """Loads chunks of archived pages of one job into raw_<network>."""

    def __init__(
        self, conn: Connection, warehouse_url: str, network: str, scan: Scan, workdir: Path
    ) -> None:
        self.conn = conn
        self.network = network
        self.scan = scan
        self.raw = raw_schema(network)
        self.landing = f"{self.raw}_landing"
        # One working directory per job: parallel runs never share dlt's local state.
        self.pipeline = dlt.pipeline(
            pipeline_name=f"{network}_{scan.resource}_{scan.account}",
            pipelines_dir=str(workdir),
            destination=dlt.destinations.postgres(credentials=warehouse_url),
            dataset_name=self.landing,
        )
        ensure_raw_tables(conn, network)

    def load(self, pages: list[LoadablePage], job: Job | None) -> LoadCounts:
        """Land `pages` with dlt, apply them with guarded upserts, mark them loaded.

        The counts go to `job` (None when replaying from the raw zone)."""
        if not pages:
            return LoadCounts()
        keys = [page.raw_key for page in pages]
        self._forget_landed(keys)  # rows of an earlier, crashed attempt
        load_id = self._land(pages)
        fault_point("after_load")
        landed = self._landing_tables()
        counts = LoadCounts()
        params = {"keys": keys, "network": self.network, "load_id": load_id}
        with self.conn, self.conn.cursor() as cur:
            if "users" in landed:
                cur.execute(
                    UPSERT_ENTITIES.format(
                        raw=self.raw,
                        landing=self.landing,
                        table="users",
                        extra="username",
                        extra_select="username",
                        extra_update="username = excluded.username",
                    ),
                    params,
                )
                counts += LoadCounts(*_changes(cur.fetchone()))
            if "posts" in landed:
                cur.execute(
                    UPSERT_ENTITIES.format(
                        raw=self.raw,
                        landing=self.landing,
                        table="posts",
                        extra="author_id, created_at",
                        extra_select="author_id, created_at::timestamptz",
                        extra_update="author_id = excluded.author_id, "
                        "created_at = excluded.created_at",
                    ),
                    params,
                )
                counts += LoadCounts(*_changes(cur.fetchone()))
            if "follower_edges" in landed:
                cur.execute(UPSERT_EDGES.format(raw=self.raw, landing=self.landing), params)
                counts += LoadCounts(*_changes(cur.fetchone()))
            for table in {"users", "posts"} & landed:
                cur.execute(f"delete from {self.landing}.{table} where raw_key = any(%s)", (keys,))
            Ledger.mark_loaded(
                cur, job, keys, load_id, (counts.new, counts.updated, counts.unchanged)
            )
        return counts

    def end_unseen_edges(self, ended_at: datetime) -> int:
        """After a complete scan: end the account's edges the scan did not see."""
        if "follower_edges" not in self._landing_tables():
            return 0
        with self.conn, self.conn.cursor() as cur:
            # Fresh statistics: without them the planner picks a nested-loop anti-join that
            # takes minutes on a first scan of tens of thousands of edges.
            cur.execute(f"analyze {self.landing}.follower_edges, {self.raw}.followers")
            cur.execute(
                END_UNSEEN_EDGES.format(raw=self.raw, landing=self.landing),
                {
                    "ended_at": ended_at,
                    "load_id": f"scan:{self.scan.batch_id}",
                    "network": self.network,
                    "account": self.scan.account,
                    "batch": self.scan.batch_id,
                },
            )
            ended = cur.rowcount
            cur.execute(
                f"delete from {self.landing}.follower_edges "
                "where batch_id = %s and account_id = %s",
                (self.scan.batch_id, self.scan.account),
            )
        return ended

    # -- dlt ---------------------------------------------------------------------------------

    def _land(self, pages: list[LoadablePage]) -> str:
        tables = {
            "pages": pa.table(
                {
                    "raw_key": [page.raw_key for page in pages],
                    "batch_id": [self.scan.batch_id] * len(pages),
                    "seq": [page.seq for page in pages],
                    "fetched_at": [page.fetched_at for page in pages],
                    "rows": [page.rows.row_count for page in pages],
                }
            ),
            "users": _entities_table(pages, "users", ("username",)),
            "posts": _entities_table(pages, "posts", ("author_id", "created_at")),
            "follower_edges": pa.table(
                {
                    "raw_key": [p.raw_key for p in pages for _ in p.rows.follower_ids],
                    "fetched_at": [p.fetched_at for p in pages for _ in p.rows.follower_ids],
                    "batch_id": [self.scan.batch_id for p in pages for _ in p.rows.follower_ids],
                    "account_id": [self.scan.account for p in pages for _ in p.rows.follower_ids],
                    "follower_id": [f for p in pages for f in p.rows.follower_ids],
                }
            ),
        }

        @dlt.source(name=f"{self.network}_landing", max_table_nesting=0)
        def landing() -> Iterator[object]:
            for name, table in tables.items():
                if table.num_rows:
                    yield dlt.resource(table, name=name, write_disposition="append")

        with self._serialised("dlt-landing"):  # concurrent first loads would race on DDL
            fault_point("during_load")
            info = self.pipeline.run(landing(), loader_file_format="csv")
            self._index_edges()
        return info.loads_ids[-1]

    def _index_edges(self) -> None:
        if "follower_edges" in self._landing_tables():
            with self.conn, self.conn.cursor() as cur:
                cur.execute(
                    f"create index if not exists follower_edges_by_scan on "
                    f"{self.landing}.follower_edges (batch_id, account_id, follower_id)"
                )

    @contextmanager
    def _serialised(self, name: str) -> Iterator[None]:
        key = f"{name}:{self.landing}"
        with self.conn, self.conn.cursor() as cur:
            cur.execute("select pg_advisory_lock(hashtextextended(%s, 0))", (key,))
        try:
            yield
        finally:
            with self.conn, self.conn.cursor() as cur:
                cur.execute("select pg_advisory_unlock(hashtextextended(%s, 0))", (key,))

    def _landing_tables(self) -> set[str]:
        with self.conn, self.conn.cursor() as cur:
            cur.execute("select tablename from pg_tables where schemaname = %s", (self.landing,))
            return {row[0] for row in cur.fetchall()}

    def _forget_landed(self, keys: list[str]) -> None:
        tables = {"users", "posts", "pages", "follower_edges"} & self._landing_tables()
        with self.conn, self.conn.cursor() as cur:
            for table in tables:
                cur.execute(f"delete from {self.landing}.{table} where raw_key = any(%s)", (keys,))


def _changes(row: tuple[int, int, int]) -> tuple[int, int, int]:
    new, updated, incoming = row
    return new, updated, incoming - new - updated
