"""ELT_WAREHOUSE_URL: used as is, never starts a server; bad values fail in one line."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from tests.support.cli import assert_one_line_error, run_module
from tests.support.ports import free_port


def test_override_is_used_and_nothing_is_started(elt_env, elt_home):
    result = run_module("extract.warehouse", "url", env=elt_env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == elt_env["ELT_WAREHOUSE_URL"]
    assert not (elt_home / "pgdata").exists()


def test_override_refuses_to_manage_the_embedded_server(elt_env):
    result = run_module("extract.warehouse", "stop", env=elt_env)
    assert "ELT_WAREHOUSE_URL" in assert_one_line_error(result)


def test_env_prints_dbt_variables_of_the_active_warehouse(elt_env):
    result = run_module("extract.warehouse", "env", env=elt_env)
    parts = urlsplit(elt_env["ELT_WAREHOUSE_URL"])
    assert f"export ELT_PG_PORT={parts.port}" in result.stdout
    assert f"export ELT_PG_DATABASE={parts.path.lstrip('/')}" in result.stdout


@pytest.mark.parametrize(
    ("make_url", "expected"),
    [
        (
            lambda url: url.replace(":test-password@", ":wrong-password@"),
            "password authentication failed",
        ),
        (lambda url: f"postgresql://postgres:pw@127.0.0.1:{free_port()}/elt", "Connection refused"),
        (lambda url: url.rsplit("/", 1)[0] + "/no_such_database", "does not exist"),
        (lambda url: "not a url at all", "invalid warehouse URL"),
    ],
    ids=["wrong-password", "unreachable", "unknown-database", "malformed"],
)
def test_bad_warehouse_url_is_one_clear_line(elt_env, elt_home, make_url, expected):
    env = {**elt_env, "ELT_WAREHOUSE_URL": make_url(elt_env["ELT_WAREHOUSE_URL"])}
    for command in (["extract.warehouse", "url"], ["extract.jobs"]):
        line = assert_one_line_error(run_module(*command, env=env))
        assert expected in line
        assert "wrong-password" not in line and "test-password" not in line
    assert not (elt_home / "pgdata").exists()
