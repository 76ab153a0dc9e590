"""Bad input: one clear line, a non-zero exit, and nothing changed."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from tests.support.cli import assert_one_line_error, run_module
from tests.support.ports import free_port
from tests.support.sync import rows, run_sync, sync_env, sync_ok


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--network", "myspace"], "unknown network 'myspace'"),
        (["--accounts", "../x"], "not a valid x handle"),
        (["--accounts", "has space,ok"], "not a valid x handle"),
        (["--accounts", "a" * 16], "not a valid x handle"),
        (["--since", "yesterday-ish"], "--since must be a date"),
        (["--since", "1999-01-01"], "outside"),
        (["--until", "2999-01-01"], "outside"),
        (["--since", "2026-05-01", "--until", "2026-04-01"], "--since must be before --until"),
        (["--resource", "likes"], "--resource must be a subset"),
        (["--max-wait", "-1"], "--max-wait must be >= 0"),
        (["--chunk-pages", "0"], "--chunk-pages >= 1"),
        (["--batches", "b1"], "--batches only applies"),
    ],
)
def test_bad_arguments(start_x_sandbox, elt_env, args, expected):
    server = start_x_sandbox()
    env = sync_env(elt_env)
    sync_ok(env, server, "--accounts", "pg_tinkerer", "--resource", "profiles")
    before = rows(
        elt_env["ELT_WAREHOUSE_URL"],
        "select job_id, status, cursor::text from ops.sync_jobs order by job_id",
    )
    network_args = [] if args[0] == "--network" else ["--network", "x"]
    result = run_module("extract.run", *network_args, *args, "--base-url", server.base_url, env=env)
    assert expected in assert_one_line_error(result)
    after = rows(
        elt_env["ELT_WAREHOUSE_URL"],
        "select job_id, status, cursor::text from ops.sync_jobs order by job_id",
    )
    assert after == before


def test_accounts_are_required_with_credentials(start_x_sandbox, elt_env):
    server = start_x_sandbox()
    line = assert_one_line_error(run_sync(sync_env(elt_env), server))
    assert "--accounts is required" in line


def test_missing_credentials_for_a_real_api(elt_env):
    result = run_module(
        "extract.run",
        "--network",
        "x",
        "--base-url",
        "https://api.x.com",
        "--accounts",
        "jack",
        env={**elt_env, "SOURCES__X__BEARER_TOKEN": ""},
    )
    line = assert_one_line_error(result)
    assert "no credentials for x to call a real API" in line
    assert "SOURCES__X__BEARER_TOKEN" in line


def test_rejected_credentials_fail_fast_and_keep_the_cursor(start_x_sandbox, elt_env):
    server = start_x_sandbox(token="the-right-one")
    result = run_sync(sync_env(elt_env, token="a-wrong-one"), server, "--accounts", "sandbox_news")
    assert result.returncode != 0
    assert "HTTP 401" in result.stderr and "credentials" in result.stderr
    assert "a-wrong-one" not in result.stderr + result.stdout


@pytest.mark.parametrize(
    ("setting", "expected"),
    [
        (
            {"ELT_WAREHOUSE_URL": "postgresql://postgres:x@127.0.0.1:{port}/elt"},
            "cannot connect to the warehouse",
        ),
        ({"ELT_WAREHOUSE_URL": "{wrong_password}"}, "password authentication failed"),
        ({"ELT_RAW_ZONE": "s3://no-such-bucket-here/elt"}, "raw zone"),
        ({"ELT_RAW_ZONE": "ftp://somewhere/elt"}, "ELT_RAW_ZONE must be"),
        ({"ELT_HTTP_TIMEOUT": "soon"}, "ELT_HTTP_TIMEOUT"),
        ({"ELT_HTTP_ATTEMPTS": "0"}, "ELT_HTTP_ATTEMPTS must be a whole number >= 1"),
    ],
    ids=[
        "unreachable-warehouse",
        "wrong-password",
        "unknown-bucket",
        "bad-raw-zone-url",
        "bad-timeout",
        "no-attempts",
    ],
)
def test_bad_configuration(start_x_sandbox, elt_env, s3_server, setting, expected):
    server = start_x_sandbox()
    env = sync_env(elt_env, **s3_server.env)
    url = elt_env["ELT_WAREHOUSE_URL"]
    wrong_password = url.replace(f":{urlsplit(url).password}@", ":not-the-password@")
    env.update(
        {k: v.format(port=free_port(), wrong_password=wrong_password) for k, v in setting.items()}
    )
    result = run_sync(env, server, "--accounts", "sandbox_news")
    line = assert_one_line_error(result)
    assert expected in line and "not-the-password" not in line
    if "ELT_WAREHOUSE_URL" not in setting:
        assert rows(elt_env["ELT_WAREHOUSE_URL"], "select count(*) from ops.sync_pages") == [(0,)]
