"""The embedded PostgreSQL server: pgserver's binaries, run as a loopback-only TCP server.

pgserver's own `get_server` listens on a Unix socket only and trusts every local user, which
dbt, dlt and `psql URL` cannot all reach the same way and which cannot reject a wrong password.
So we keep its binaries and its convention for root (a `pgserver` service user), and run
initdb / pg_ctl ourselves: TCP on 127.0.0.1, scram-sha-256 for TCP clients, data under
$ELT_HOME/pgdata. The server outlives the process that started it (`python -m
extract.warehouse stop` stops it); an exclusive file lock makes concurrent starters wait for
one another, so two of them leave one healthy server.
"""

from __future__ import annotations

import fcntl
import importlib.util
import logging
import os
import pwd
import shutil
import socket
import stat
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg2

from extract.config import DEFAULT_PG_DATABASE, DEFAULT_PG_USER
from extract.errors import UserError

log = logging.getLogger(__name__)


def _pgserver_bin() -> Path:
    # Located without importing pgserver: its __init__ sets up runtime dirs we do not use.
    spec = importlib.util.find_spec("pgserver")
    if spec is None or not spec.submodule_search_locations:
        raise UserError("the pgserver package is not installed; run pip install -e .")
    return Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin"


PG_BIN = _pgserver_bin()
SERVICE_USER = "pgserver"  # PostgreSQL refuses to run as root; pgserver's convention
SERVER_SETTINGS = {
    "listen_addresses": "'127.0.0.1'",
    "unix_socket_directories": "''",
    "timezone": "'UTC'",
    "log_timezone": "'UTC'",
    "max_connections": "200",
}


@dataclass(frozen=True)
class ServerStatus:
    running: bool
    port: int | None
    pid: int | None


class EmbeddedPostgres:
    def __init__(self, home: Path, port: int, password: str) -> None:
        self.home = home
        self.pgdata = home / "pgdata"
        self.port = port
        self.password = password
        self._run_as = self._service_user()

    def url(self, database: str = DEFAULT_PG_DATABASE) -> str:
        status = self.status()
        port = status.port or self.port
        return f"postgresql://{DEFAULT_PG_USER}:{self.password}@127.0.0.1:{port}/{database}"

    def status(self) -> ServerStatus:
        pid_file = self.pgdata / "postmaster.pid"
        if not pid_file.exists():
            return ServerStatus(False, None, None)
        lines = pid_file.read_text().splitlines()
        pid, port = int(lines[0]), int(lines[3])
        if not _process_alive(pid):
            return ServerStatus(False, None, None)
        return ServerStatus(True, port, pid)

    def start(self) -> ServerStatus:
        """Initialise and start the server unless it already runs; safe to call concurrently."""
        with self._lock():
            if not (self.pgdata / "PG_VERSION").exists():
                self._initdb()
            status = self.status()
            if not status.running:
                self._pg_ctl_start()
                status = self.status()
            self._ensure_database()
            return status

    def stop(self) -> bool:
        """Stop the server; returns False when it was not running."""
        with self._lock():
            if not self.status().running:
                return False
            self._run([str(PG_BIN / "pg_ctl"), "-D", str(self.pgdata), "-w", "-m", "fast", "stop"])
            return True

    @contextmanager
    def _lock(self) -> Iterator[None]:
        self.home.mkdir(parents=True, exist_ok=True)
        with open(self.home / "warehouse.lock", "a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def _initdb(self) -> None:
        log.info("initialising embedded PostgreSQL in %s", self.pgdata)
        if self.pgdata.exists():  # a half-finished earlier initdb: start over
            shutil.rmtree(self.pgdata)
        self.pgdata.mkdir(parents=True)
        self._hand_over(self.pgdata)
        with tempfile.NamedTemporaryFile("w", dir=self.home, delete=False) as pwfile:
            pwfile.write(self.password)
        self._hand_over(Path(pwfile.name))
        try:
            self._run(
                [
                    str(PG_BIN / "initdb"),
                    "-D",
                    str(self.pgdata),
                    "-U",
                    DEFAULT_PG_USER,
                    f"--pwfile={pwfile.name}",
                    "--auth-local=trust",
                    "--auth-host=scram-sha-256",
                    "--encoding=UTF8",
                    "--locale=C",
                    "--no-instructions",
                ]
            )
        finally:
            os.unlink(pwfile.name)
        with open(self.pgdata / "postgresql.conf", "a") as conf:
            conf.write("\n# set by extract.warehouse.embedded\n")
            conf.writelines(f"{key} = {value}\n" for key, value in SERVER_SETTINGS.items())

    def _pg_ctl_start(self) -> None:
        if _port_in_use(self.port):
            raise UserError(
                f"cannot start the embedded warehouse: port {self.port} on 127.0.0.1 is taken "
                "by another program; set ELT_PG_PORT to a free port"
            )
        log.info("starting embedded PostgreSQL on 127.0.0.1:%s", self.port)
        try:
            self._run(
                [
                    str(PG_BIN / "pg_ctl"),
                    "-D",
                    str(self.pgdata),
                    "-w",
                    "-t",
                    "60",
                    "-l",
                    str(self.pgdata / "server.log"),
                    "-o",
                    f"-p {self.port}",
                    "start",
                ]
            )
        except subprocess.CalledProcessError as exc:
            raise UserError(
                f"the embedded warehouse failed to start; see {self.pgdata / 'server.log'}"
            ) from exc

    def _ensure_database(self) -> None:
        conn = psycopg2.connect(self.url(database="postgres"))
        try:
            conn.autocommit = True
            with conn.cursor() as cur:
                cur.execute("select 1 from pg_database where datname = %s", (DEFAULT_PG_DATABASE,))
                if cur.fetchone() is None:
                    cur.execute(f'create database "{DEFAULT_PG_DATABASE}"')
        finally:
            conn.close()

    def _run(self, args: list[str]) -> None:
        subprocess.run(
            args,
            check=True,
            user=self._run_as,
            cwd="/",
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )

    def _hand_over(self, path: Path) -> None:
        """As root, let the service user own `path` and traverse every folder above it."""
        if self._run_as is None:
            return
        traverse = stat.S_IXGRP | stat.S_IXOTH
        for folder in path.parents:
            folder.chmod(folder.stat().st_mode | traverse)
        shutil.chown(path, self._run_as, self._run_as)

    @staticmethod
    def _service_user() -> str | None:
        if os.geteuid() != 0:
            return None
        try:
            pwd.getpwnam(SERVICE_USER)
        except KeyError:
            subprocess.run(["useradd", "--system", SERVICE_USER], check=True, capture_output=True)
        return SERVICE_USER


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _port_in_use(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.settimeout(0.5)
        return probe.connect_ex(("127.0.0.1", port)) == 0
