"""Where the real recorded API responses live: ../shared/fixtures/real beside the checkout."""

from __future__ import annotations

from pathlib import Path


def recordings_dir(network: str) -> Path:
    for parent in Path(__file__).resolve().parents:
        candidate = parent / "shared" / "fixtures" / "real" / network
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"no shared/fixtures/real/{network} above {Path(__file__).parent}")
