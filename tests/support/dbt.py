"""Run the real dbt CLI against a test's own database."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from tests.support.cli import PROJECT_ROOT
from tests.support.sync import rows

DBT = str(Path(sys.executable).parent / "dbt")
MARTS = ("dim_accounts", "fct_posts", "fct_follows", "fct_account_daily")


def dbt_env(database_url: str, workdir: Path, schema: str = "analytics") -> dict[str, str]:
    parts = urlsplit(database_url)
    return {
        **os.environ,
        "DBT_PROFILES_DIR": "profiles",
        "DBT_TARGET_PATH": str(workdir / f"target-{schema}"),
        "DBT_LOG_PATH": str(workdir / "logs"),
        "DBT_SCHEMA": schema,
        "ELT_PG_HOST": parts.hostname or "127.0.0.1",
        "ELT_PG_PORT": str(parts.port),
        "ELT_PG_USER": parts.username or "",
        "ELT_PG_PASSWORD": parts.password or "",
        "ELT_PG_DATABASE": parts.path.lstrip("/"),
    }


def dbt(env: dict[str, str], *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [DBT, *args], env=env, cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=600
    )
    if check:
        assert result.returncode == 0, result.stdout[-4000:]
    return result


def mart_rows(url: str, schema: str, mart: str) -> list[tuple[Any, ...]]:
    """All rows of a mart as text tuples, sorted: comparable across schemas."""
    return sorted(rows(url, f"select t::text from {schema}.{mart} as t"))


def start_dbt(env: dict[str, str], *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [DBT, *args],
        env=env,
        cwd=PROJECT_ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        text=True,
    )


def active_mart_follows(url: str, account_id: str, schema: str = "analytics") -> list[str]:
    """Active follower ids of an account in fct_follows (a list: duplicates must show)."""
    found = rows(
        url,
        f"select follower_id from {schema}.fct_follows where account_id = %s and is_active",
        (account_id,),
    )
    return [r[0] for r in found]
