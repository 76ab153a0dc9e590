"""python -m extract.jobs against a real warehouse."""

from __future__ import annotations

import psycopg2

from tests.support.cli import assert_one_line_error, run_module


def test_lists_no_jobs_on_a_fresh_warehouse_and_migrates_it(elt_env):
    result = run_module("extract.jobs", env=elt_env)
    assert result.returncode == 0, result.stderr
    assert "no sync jobs yet" in result.stdout
    conn = psycopg2.connect(elt_env["ELT_WAREHOUSE_URL"])
    with conn.cursor() as cur:
        cur.execute("select count(*) from ops.schema_migrations")
        assert cur.fetchone()[0] >= 1
    conn.close()


def test_lists_jobs_with_status_cursor_and_previous_job(elt_env):
    run_module("extract.jobs", env=elt_env)
    conn = psycopg2.connect(elt_env["ELT_WAREHOUSE_URL"])
    with conn, conn.cursor() as cur:
        cur.execute(
            "insert into ops.sync_jobs (batch_id, network, resource, account, status, cursor, "
            "pages) values ('b1', 'x', 'followers', 'alice', 'interrupted', "
            '\'{"page_token": "TOK1"}\', 7) returning job_id'
        )
        first = cur.fetchone()[0]
        cur.execute(
            "insert into ops.sync_jobs (batch_id, network, resource, account, previous_job_id) "
            "values ('b1', 'x', 'followers', 'alice', %s)",
            (first,),
        )
    conn.close()
    result = run_module("extract.jobs", env={**elt_env, "COLUMNS": "250"})
    assert result.returncode == 0, result.stderr
    assert "interrupted" in result.stdout and "TOK1" in result.stdout
    assert "x/followers/alice" in result.stdout
    only_interrupted = run_module(
        "extract.jobs", "--status", "interrupted", env={**elt_env, "COLUMNS": "250"}
    )
    assert "running" not in only_interrupted.stdout


def test_bad_limit_is_one_clear_line(elt_env):
    assert "--limit" in assert_one_line_error(
        run_module("extract.jobs", "--limit", "0", env=elt_env)
    )
