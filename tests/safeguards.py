"""Disable each safeguard on purpose and show which tests catch it.

    python -m tests.safeguards            # all safeguards, about a minute
    python -m tests.safeguards lock       # those whose name contains "lock"

Each mutation is applied to a scratch copy of the tracked files (the checkout is never
touched); the named tests then run there and must fail. Exit 1 if any safeguard goes
unnoticed. tests/test_safeguards.py runs the same check in the suite; results are recorded
in docs/resilience.md.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Safeguard:
    name: str
    path: str
    original: str
    disabled: str
    tests: tuple[str, ...]


SAFEGUARDS = (
    Safeguard(
        "write-once, local raw zone (link(2) refuses an existing name)",
        "extract/rawzone.py",
        "os.link(handle.name, target)",
        "target.unlink(missing_ok=True); os.link(handle.name, target)",
        ("tests/resilience/test_write_once.py",),
    ),
    Safeguard(
        "write-once, S3 raw zone (If-None-Match: *)",
        "extract/rawzone.py",
        'IfNoneMatch="*",',
        "",
        (
            "tests/resilience/test_write_once.py",
            "tests/resilience/test_guards.py::test_s3_raw_zone_sync_and_write_once",
        ),
    ),
    Safeguard(
        "changed_at guard of the raw upserts",
        "extract/loading.py",
        "where target.changed_at < excluded.changed_at",
        "where true",
        ("tests/extract/test_sync_lifecycle.py::test_replaying_an_old_page_regresses_nothing",),
    ),
    Safeguard(
        "complete-scan rule (edges end only after a complete scan)",
        "extract/sync.py",
        "            self.pending = []\n",
        "            self.pending = []\n"
        "            if self.job.resource == 'followers':\n"
        "                self._await_load()\n"
        "                self.loader.end_unseen_edges(datetime.now(UTC))\n",
        ("tests/resilience/test_crash_points.py::test_an_interrupted_scan_ends_no_edge",),
    ),
    Safeguard(
        "advisory lock per sync key",
        "extract/ledger.py",
        "select pg_try_advisory_lock(hashtextextended(%s, 0))",
        "select true or pg_try_advisory_lock(hashtextextended(%s, 0))",
        ("tests/resilience/test_guards.py::test_a_second_sync_of_the_same_key_is_refused",),
    ),
)


LOCAL_STATE = (
    ".git",
    ".venv",
    ".elt*",
    ".*_cache",
    ".hypothesis",
    "*.egg-info",
    "__pycache__",
    "target",
    "logs",
    "dbt_packages",
)


def scratch_copy() -> Path:
    """The project's files (tracked ones, or all but local state outside git) in a temp dir."""
    target = Path(tempfile.mkdtemp(prefix="elt-safeguards-")) / "project"
    listed = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True)
    if listed.returncode != 0:  # not a git checkout (an exported tree)
        shutil.copytree(ROOT, target, ignore=shutil.ignore_patterns(*LOCAL_STATE))
        return target
    for name in filter(None, listed.stdout.decode().split("\0")):
        destination = target / name
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, destination)
    return target


def check(safeguard: Safeguard) -> list[str]:
    """The tests that fail with the safeguard disabled (empty: it went unnoticed)."""
    project = scratch_copy()
    try:
        source = project / safeguard.path
        text = source.read_text()
        assert text.count(safeguard.original) == 1, f"{safeguard.path} changed: update me"
        source.write_text(text.replace(safeguard.original, safeguard.disabled))
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "pytest",
                "-q",
                "-p",
                "no:cacheprovider",
                f"--basetemp={project.parent / 'pytest'}",  # apart from a pytest running us
                *safeguard.tests,
            ],
            cwd=project,
            capture_output=True,
            text=True,
        )
        return re.findall(r"^FAILED (\S+)", result.stdout, re.MULTILINE)
    finally:
        shutil.rmtree(project.parent)


def main(selection: list[str]) -> int:
    unnoticed = 0
    for safeguard in SAFEGUARDS:
        if selection and not any(word in safeguard.name for word in selection):
            continue
        failed = check(safeguard)
        unnoticed += not failed
        print(f"{'CAUGHT' if failed else 'UNNOTICED'}: {safeguard.name} disabled")
        for test in failed:
            print(f"    fails {test}")
    return 1 if unnoticed else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
