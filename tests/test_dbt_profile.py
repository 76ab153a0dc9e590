"""Plain dbt reaches the active warehouse through profiles/ and `extract.warehouse env`."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from pathlib import Path

from tests.support.cli import PROJECT_ROOT, run_module


def exported(text: str) -> dict[str, str]:
    env = {}
    for line in text.splitlines():
        key, _, value = line.removeprefix("export ").partition("=")
        env[key] = shlex.split(value)[0] if value else ""
    return env


def test_dbt_debug_passes_against_the_warehouse(elt_env, tmp_path):
    exports = run_module("extract.warehouse", "env", env=elt_env)
    assert exports.returncode == 0, exports.stderr
    env = {
        **os.environ,
        **exported(exports.stdout),
        "DBT_PROFILES_DIR": "profiles",
        "DBT_LOG_PATH": str(tmp_path / "logs"),
        "DBT_TARGET_PATH": str(tmp_path / "target"),
    }
    dbt = Path(sys.executable).parent / "dbt"
    result = subprocess.run(
        [str(dbt), "debug"], env=env, cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stdout[-3000:]
    assert "All checks passed" in result.stdout
