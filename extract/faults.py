"""Deterministic crash points for fault-injection tests; inert unless ELT_FAULT_AT is set.

ELT_FAULT_AT=after_archive:3 kills this process with SIGKILL the third time the sync reaches
the `after_archive` boundary: no cleanup, no finally blocks, exactly like a power cut.
ELT_FAULT_AT=after_ledger:3:stop stops it there instead (SIGSTOP), so a test can break the
infrastructure under a process frozen at a known point and then let it go on (SIGCONT).
ELT_FAULT_AT=dbt:<model> parks `dbt build` after that model's statements, before commit (the
`fault_point` macro); the test kills dbt once PostgreSQL shows it there.
"""

from __future__ import annotations

import os
import signal
from collections import Counter

FAULT_ENV = "ELT_FAULT_AT"
POINTS = ("after_fetch", "after_archive", "after_ledger", "during_load", "after_load")
_reached: Counter[str] = Counter()


def fault_point(name: str) -> None:
    spec = os.environ.get(FAULT_ENV)
    if not spec:
        return
    point, _, rest = spec.partition(":")
    if point != name:
        return
    nth, _, action = rest.partition(":")
    _reached[name] += 1
    if _reached[name] == int(nth or 1):  # once: after SIGCONT the run goes on untouched
        os.kill(os.getpid(), signal.SIGSTOP if action == "stop" else signal.SIGKILL)
