"""Each safeguard, disabled on purpose in a scratch copy, makes at least one test fail."""

from __future__ import annotations

import pytest

from tests.safeguards import SAFEGUARDS, Safeguard, check


@pytest.mark.parametrize("safeguard", SAFEGUARDS, ids=[s.name.split(" (")[0] for s in SAFEGUARDS])
def test_disabling_the_safeguard_fails_a_test(safeguard: Safeguard):
    caught_by = check(safeguard)
    assert caught_by, f"no test noticed: {safeguard.name} disabled"
