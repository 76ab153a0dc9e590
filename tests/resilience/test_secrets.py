"""A recognisable API token and warehouse password appear nowhere the product writes."""

from __future__ import annotations

import gzip
import uuid
from pathlib import Path
from urllib.parse import urlsplit

import psycopg2

from extract.sandbox import ChaosConfig
from tests.support.dbt import dbt, dbt_env
from tests.support.sync import run_sync, sync_env


def files_containing(root: Path, secrets: list[bytes]) -> list[str]:
    """Every file under root (gzip objects decompressed) that holds one of the secrets."""
    hits = []
    for path in root.rglob("*"):
        if path.is_file() and "pgdata" not in path.parts:
            data = path.read_bytes()
            if path.suffix == ".gz":
                data = gzip.decompress(data)
            hits += [f"{path}: {secret!r}" for secret in secrets if secret in data]
    return hits


def test_the_token_leaks_nowhere(start_x_sandbox, elt_env, elt_home, tmp_path):
    token = f"tok-{uuid.uuid4().hex}"
    password = urlsplit(elt_env["ELT_WAREHOUSE_URL"]).password
    server = start_x_sandbox(
        token=token,
        followers=2_000,
        rate_limits=False,
        chaos=ChaosConfig(probability=0.1, seed=3, faults=("500", "429", "nonjson")),
    )
    ok = run_sync(sync_env(elt_env, token=token), server, "--accounts", "sandbox_news", "-v")
    assert ok.returncode == 0, ok.stderr[-2000:]
    wrong = run_sync(sync_env(elt_env, token=token + "x"), server, "--accounts", "sandbox_news")
    assert wrong.returncode != 0
    workdir = tmp_path / "dbt"
    build = dbt(dbt_env(elt_env["ELT_WAREHOUSE_URL"], workdir), "build")

    outputs = "".join(r.stdout + r.stderr for r in (ok, wrong, build))
    assert token not in outputs and password not in outputs
    assert list(workdir.rglob("manifest.json")) and list(workdir.rglob("dbt.log"))
    secrets = [token.encode(), password.encode()]
    # raw zone, dlt working dirs, dbt target/ and logs/
    assert files_containing(Path(elt_home), secrets) + files_containing(workdir, secrets) == []
    conn = psycopg2.connect(elt_env["ELT_WAREHOUSE_URL"])
    with conn.cursor() as cur:
        cur.execute(
            "select table_schema, table_name from information_schema.tables"
            " where table_schema in ('ops', 'raw_x', 'raw_x_landing', 'analytics')"
            " and table_type = 'BASE TABLE'"
        )
        tables = cur.fetchall()
        assert len(tables) > 10
        for schema, table in tables:
            cur.execute(
                f'select count(*) from "{schema}"."{table}" t where t::text like any(%s)',
                ([f"%{token}%", f"%{password}%"],),
            )
            assert cur.fetchone()[0] == 0, f"{schema}.{table}"
    conn.close()
