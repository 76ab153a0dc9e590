"""Process-wide settings read from the environment (dlt-style names, ELT_ prefix)."""

from __future__ import annotations

import os
from pathlib import Path

from extract.errors import UserError

DEFAULT_PG_PORT = 55432
DEFAULT_PG_USER = "postgres"
DEFAULT_PG_PASSWORD = "elt"  # embedded server only; it listens on 127.0.0.1
DEFAULT_PG_DATABASE = "elt"


def elt_home() -> Path:
    """Where local state lives: embedded PostgreSQL data, local raw zone, dlt working dirs."""
    return Path(os.environ.get("ELT_HOME", ".elt")).expanduser().resolve()


def warehouse_url_override() -> str | None:
    """An external warehouse; when set, the embedded server is never started."""
    return os.environ.get("ELT_WAREHOUSE_URL") or None


def embedded_port() -> int:
    raw = os.environ.get("ELT_PG_PORT", str(DEFAULT_PG_PORT))
    if not raw.isdigit() or not 1 <= int(raw) <= 65535:
        raise UserError(f"ELT_PG_PORT must be a TCP port number, got {raw!r}")
    return int(raw)


def embedded_password() -> str:
    return os.environ.get("ELT_PG_PASSWORD", DEFAULT_PG_PASSWORD)


def raw_zone_url() -> str:
    """ELT_RAW_ZONE, or a folder under ELT_HOME."""
    return os.environ.get("ELT_RAW_ZONE") or f"file://{elt_home() / 'raw'}"


def http_timeout_s() -> float:
    raw = os.environ.get("ELT_HTTP_TIMEOUT", "10")
    try:
        return float(raw)
    except ValueError:
        raise UserError(f"ELT_HTTP_TIMEOUT must be a number of seconds, got {raw!r}") from None


def http_attempts() -> int:
    """Tries per request before a transient failure (5xx, timeout, garbled body) fails the job."""
    raw = os.environ.get("ELT_HTTP_ATTEMPTS", "8")
    if not raw.isdigit() or int(raw) < 1:
        raise UserError(f"ELT_HTTP_ATTEMPTS must be a whole number >= 1, got {raw!r}")
    return int(raw)
