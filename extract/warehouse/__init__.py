"""The warehouse: which PostgreSQL to use, how to reach it, and its `ops` schema."""

from __future__ import annotations

from psycopg2.extensions import connection as Connection

from extract.warehouse.connection import connect, warehouse_url
from extract.warehouse.migrations import apply_migrations


def open_warehouse(url: str | None = None) -> Connection:
    """Connect to `url` or the active warehouse (starting the embedded one), migrating `ops`."""
    conn = connect(url or warehouse_url())
    apply_migrations(conn)
    return conn


__all__ = ["connect", "open_warehouse", "warehouse_url"]
