"""python -m extract.warehouse {url,start,stop,status,env}: manage the active warehouse."""

from __future__ import annotations

import argparse
import shlex
from urllib.parse import unquote, urlsplit

from extract import config
from extract.errors import UserError, run_cli
from extract.warehouse import open_warehouse
from extract.warehouse.connection import embedded_server, redact_url, warehouse_url


def dbt_environment(url: str) -> dict[str, str]:
    """The ELT_PG_* variables that profiles/profiles.yml reads, derived from a libpq URL."""
    parts = urlsplit(url)
    return {
        "ELT_PG_HOST": parts.hostname or "127.0.0.1",
        "ELT_PG_PORT": str(parts.port or 5432),
        "ELT_PG_USER": unquote(parts.username or ""),
        "ELT_PG_PASSWORD": unquote(parts.password or ""),
        "ELT_PG_DATABASE": parts.path.lstrip("/") or "postgres",
    }


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m extract.warehouse", description=__doc__)
    parser.add_argument(
        "command",
        choices=["url", "start", "stop", "status", "env"],
        help="url: print the libpq URL (starting the embedded server if needed); "
        "start/stop/status: the embedded server; env: shell exports for dbt",
    )
    command = parser.parse_args().command

    if command in ("url", "env", "start"):
        conn = open_warehouse()  # first use applies the ops migrations
        conn.close()
        url = warehouse_url()
        if command == "url":
            print(url)
        elif command == "env":
            for key, value in dbt_environment(url).items():
                print(f"export {key}={shlex.quote(value)}")
        else:
            print(f"warehouse ready at {redact_url(url)}")
        return 0

    if config.warehouse_url_override():
        raise UserError(f"ELT_WAREHOUSE_URL is set: '{command}' only manages the embedded server")
    server = embedded_server()
    if command == "stop":
        print("stopped" if server.stop() else "not running")
        return 0
    status = server.status()
    if status.running:
        print(f"running (pid {status.pid}) at {redact_url(server.url())}, data in {server.pgdata}")
        return 0
    print(f"not running (data in {server.pgdata})")
    return 3


if __name__ == "__main__":
    run_cli(main)
