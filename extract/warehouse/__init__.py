"""The warehouse: which PostgreSQL to use, how to reach it, and its `ops` schema."""

from __future__ import annotations

from psycopg2.extensions import connection as Connection

from extract.warehouse.connection import connect, warehouse_url
from extract.warehouse.migrations import apply_migrations


def open_warehouse() -> Connection:
    """Connect to the active warehouse, starting the embedded one and migrating `ops` if needed."""
    conn = connect(warehouse_url())
    apply_migrations(conn)
    return conn


__all__ = ["connect", "open_warehouse", "warehouse_url"]
