"""Session-wide real servers (embedded PostgreSQL, SeaweedFS S3) and per-test isolation."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg2
import pytest

from extract.sandbox import SandboxOptions, SandboxServer, start_sandbox
from extract.warehouse.embedded import EmbeddedPostgres
from tests.support.ports import free_port
from tests.support.seaweedfs import SeaweedS3

TEST_PG_PASSWORD = "test-password"


@pytest.fixture(scope="session")
def pg_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedPostgres]:
    """One real embedded PostgreSQL for the whole session, on a free port."""
    server = EmbeddedPostgres(tmp_path_factory.mktemp("pg-home"), free_port(), TEST_PG_PASSWORD)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def database_url(pg_server: EmbeddedPostgres) -> Iterator[str]:
    """A fresh, empty database per test on the session server."""
    name = f"t_{uuid.uuid4().hex[:12]}"
    admin = psycopg2.connect(pg_server.url("postgres"))
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute(f'create database "{name}"')
    yield pg_server.url(name)
    with admin.cursor() as cur:
        cur.execute(f'drop database "{name}" with (force)')
    admin.close()


@pytest.fixture
def elt_home(tmp_path: Path) -> Path:
    home = tmp_path / "elt-home"
    home.mkdir()
    return home


@pytest.fixture
def elt_env(elt_home: Path, database_url: str) -> dict[str, str]:
    """Environment for a subprocess of the product: isolated home, the test's own database."""
    return {"ELT_HOME": str(elt_home), "ELT_WAREHOUSE_URL": database_url}


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SeaweedS3]:
    server = SeaweedS3(tmp_path_factory.mktemp("seaweedfs"))
    server.start()
    yield server
    server.stop()


@pytest.fixture
def start_x_sandbox() -> Iterator[Callable[..., SandboxServer]]:
    """Start in-process X sandboxes with the given options; all are stopped after the test."""
    started: list[SandboxServer] = []

    def start(**options: object) -> SandboxServer:
        server = start_sandbox(SandboxOptions(**options))  # type: ignore[arg-type]
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()
