"""Slim CI: after a prod manifest is saved, state:modified+ selects a changed model and its
children, nothing else."""

from __future__ import annotations

import shutil

from tests.support.cli import PROJECT_ROOT
from tests.support.dbt import dbt, dbt_env

FOLLOWS_AND_CHILDREN = {
    "int_follows_unioned",
    "int_follower_events",
    "fct_follows",
    "int_account_activity_daily",
    "int_account_daily",
    "fct_account_daily",
}


def selected_models(env, project, *args: str) -> set[str]:
    listed = dbt(
        env,
        "ls",
        "--project-dir",
        str(project),
        "--resource-type",
        "model",
        "--output",
        "name",
        "--quiet",
        *args,
    )
    return {line.strip() for line in listed.stdout.splitlines() if line.strip()}


def test_state_modified_selects_the_changed_model_and_its_children(database_url, tmp_path):
    project = tmp_path / "project"
    project.mkdir()
    for name in ("dbt_project.yml", "dbt_project", "profiles"):
        source = PROJECT_ROOT / name
        if source.is_dir():
            shutil.copytree(source, project / name)
        else:
            shutil.copy(source, project / name)
    env = {**dbt_env(database_url, tmp_path), "DBT_PROFILES_DIR": str(project / "profiles")}

    dbt(env, "parse", "--project-dir", str(project))  # what `dbt build` in prod leaves behind
    state = tmp_path / "state"
    shutil.copytree(tmp_path / "target-analytics", state)
    assert (
        selected_models(env, project, "--select", "state:modified+", "--state", str(state)) == set()
    )

    model = project / "dbt_project" / "models" / "intermediate" / "int_follows_unioned.sql"
    model.write_text(
        model.read_text().replace(
            "first_seen_at as followed_at", "first_seen_at as followed_at  -- changed"
        )
    )
    assert (
        selected_models(env, project, "--select", "state:modified+", "--state", str(state))
        == FOLLOWS_AND_CHILDREN
    )
