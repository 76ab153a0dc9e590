"""The ops schema migrations: exact ledger shape, idempotent, forward-only, concurrent-safe."""

from __future__ import annotations

import threading

import psycopg2
import pytest

from extract.errors import UserError
from extract.warehouse.migrations import Migration, apply_migrations, bundled_migrations

SYNC_JOBS_COLUMNS = {
    "job_id",
    "batch_id",
    "network",
    "resource",
    "account",
    "status",
    "cursor",
    "previous_job_id",
    "last_synced_at",
    "resume_after",
    "pages",
    "rows_new",
    "rows_updated",
    "rows_unchanged",
    "started_at",
    "finished_at",
    "error",
}
SYNC_PAGES_COLUMNS = {
    "job_id",
    "seq",
    "token_in",
    "token_out",
    "raw_key",
    "sha256",
    "rows",
    "newest_id",
    "oldest_id",
    "fetched_at",
    "load_id",
    "item_errors",  # beyond DESIGN.md: the API's per-item errors inside a good page
}


def columns(conn, table: str) -> set[str]:
    with conn.cursor() as cur:
        cur.execute(
            "select column_name from information_schema.columns "
            "where table_schema = 'ops' and table_name = %s",
            (table,),
        )
        return {row[0] for row in cur.fetchall()}


def recorded_versions(conn) -> list[int]:
    with conn.cursor() as cur:
        cur.execute("select version from ops.schema_migrations order by version")
        return [row[0] for row in cur.fetchall()]


def test_ledger_tables_match_the_design(database_url):
    conn = psycopg2.connect(database_url)
    apply_migrations(conn)
    assert columns(conn, "sync_jobs") == SYNC_JOBS_COLUMNS
    assert columns(conn, "sync_pages") == SYNC_PAGES_COLUMNS
    with conn, conn.cursor() as cur:
        cur.execute(
            "insert into ops.sync_jobs (batch_id, network, resource, account) "
            "values ('b1', 'x', 'followers', '42') returning job_id, status, cursor"
        )
        job_id, status, cursor = cur.fetchone()
        assert (status, cursor) == ("running", {})
        with pytest.raises(psycopg2.errors.CheckViolation):
            cur.execute("update ops.sync_jobs set status = 'exploded' where job_id = %s", (job_id,))
    conn.close()


def test_applying_twice_is_a_no_op(database_url):
    conn = psycopg2.connect(database_url)
    first = apply_migrations(conn)
    assert first == [m.version for m in bundled_migrations()]
    assert apply_migrations(conn) == []
    assert recorded_versions(conn) == first
    conn.close()


def test_a_newer_migration_applies_on_an_old_database(database_url):
    conn = psycopg2.connect(database_url)
    old = apply_migrations(conn)
    newer = Migration(9999, "add_probe", "alter table ops.sync_jobs add column probe text;")
    assert apply_migrations(conn, [*bundled_migrations(), newer]) == [9999]
    assert "probe" in columns(conn, "sync_jobs")
    assert recorded_versions(conn) == [*old, 9999]
    conn.close()


def test_an_edited_applied_migration_is_refused(database_url):
    conn = psycopg2.connect(database_url)
    apply_migrations(conn)
    first = bundled_migrations()[0]
    edited = Migration(first.version, first.name, first.sql + "\n-- edited")
    with pytest.raises(UserError, match="edited after it was applied"):
        apply_migrations(conn, [edited])
    conn.close()


def test_concurrent_migrators_apply_each_migration_once(database_url):
    results: list[list[int]] = []
    errors: list[BaseException] = []

    def migrate() -> None:
        conn = psycopg2.connect(database_url)
        try:
            results.append(apply_migrations(conn))
        except BaseException as exc:  # surfaced by the assertion below
            errors.append(exc)
        finally:
            conn.close()

    threads = [threading.Thread(target=migrate) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(map(len, results)) == [0, 0, 0, len(bundled_migrations())]
