"""Resolve the active warehouse and open connections with one-line errors."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

import psycopg2
from psycopg2.extensions import connection as Connection

from extract import config
from extract.errors import UserError
from extract.warehouse.embedded import EmbeddedPostgres

CONNECT_TIMEOUT_SECONDS = 5


def embedded_server() -> EmbeddedPostgres:
    return EmbeddedPostgres(config.elt_home(), config.embedded_port(), config.embedded_password())


def warehouse_url() -> str:
    """ELT_WAREHOUSE_URL if set (never starting anything), else the embedded server's URL."""
    override = config.warehouse_url_override()
    if override:
        return override
    server = embedded_server()
    server.start()
    return server.url()


def redact_url(url: str) -> str:
    """The URL without its password, for messages."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


def connect(url: str) -> Connection:
    """Open a connection, turning every failure into one readable line without secrets."""
    try:
        return psycopg2.connect(url, connect_timeout=CONNECT_TIMEOUT_SECONDS)
    except psycopg2.OperationalError as exc:
        reason = _one_line(str(exc)) or type(exc).__name__
        raise UserError(f"cannot connect to the warehouse at {redact_url(url)}: {reason}") from None
    except psycopg2.ProgrammingError as exc:  # malformed URL / options
        raise UserError(f"invalid warehouse URL {redact_url(url)}: {_one_line(str(exc))}") from None


def _one_line(text: str) -> str:
    return " ".join(text.split())
