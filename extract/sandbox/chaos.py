"""Reproducible fault injection: the same seed gives the same faults in the same places.

A fault is drawn from a hash of (seed, request, attempt): the n-th attempt of a given request
meets the same fault whatever else runs concurrently, and a retried request draws again.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass, field

FAULTS = ("429", "500", "503", "slow", "drop", "truncate", "nonjson")
TRANSPORT_FAULTS = frozenset({"slow", "drop", "truncate"})


def stable_hash(text: str) -> int:
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "big")


@dataclass
class ChaosConfig:
    probability: float = 0.0
    faults: tuple[str, ...] = FAULTS
    seed: int = 42
    slow_seconds: float = 12.0  # longer than a sane client timeout
    burst_seconds: float = 2.0  # how long a 429 burst blocks its endpoint

    def __post_init__(self) -> None:
        unknown = set(self.faults) - set(FAULTS)
        if unknown or not self.faults:
            raise ValueError(f"chaos faults must be among {', '.join(FAULTS)}")
        if not 0.0 <= self.probability <= 1.0:
            raise ValueError("chaos probability must be between 0 and 1")


@dataclass
class Chaos:
    config: ChaosConfig
    _attempts: dict[str, int] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def decide(self, request_key: str) -> str | None:
        """The fault for this attempt of `request_key`, or None to serve it normally."""
        if self.config.probability <= 0:
            return None
        with self._lock:
            attempt = self._attempts.get(request_key, 0)
            self._attempts[request_key] = attempt + 1
        draw = stable_hash(f"{self.config.seed}|{request_key}|{attempt}")
        if (draw >> 11) / float(1 << 53) >= self.config.probability:
            return None
        return self.config.faults[(draw & 0x7FF) % len(self.config.faults)]
