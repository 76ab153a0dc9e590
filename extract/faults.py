"""Deterministic crash points for fault-injection tests; inert unless ELT_FAULT_AT is set.

ELT_FAULT_AT=after_archive:3 kills this process with SIGKILL the third time the sync reaches
the `after_archive` boundary: no cleanup, no finally blocks, exactly like a power cut.
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
    point, _, nth = spec.partition(":")
    if point != name:
        return
    _reached[name] += 1
    if _reached[name] >= int(nth or 1):
        os.kill(os.getpid(), signal.SIGKILL)
