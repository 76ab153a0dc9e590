"""Fixed-window request budgets per (credential, endpoint), as the emulated APIs count them."""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass


@dataclass(frozen=True)
class Budget:
    allowed: bool
    limit: int
    remaining: int
    reset_epoch_s: int


class RateLimiter:
    def __init__(self, limits: dict[str, int], window_s: float, enabled: bool = True) -> None:
        self.limits = limits
        self.window_s = window_s
        self.enabled = enabled
        self._origin = time.time()
        self._used: dict[tuple[str, str, int], int] = {}
        self._blocked_until: dict[tuple[str, str], float] = {}
        self._lock = threading.Lock()

    def take(self, credential: str, endpoint: str) -> Budget:
        """Spend one request of the budget; `allowed` is False when it is exhausted."""
        limit = self.limits.get(endpoint, 300)
        now = time.time()
        window = int((now - self._origin) // self.window_s)
        reset = math.ceil(self._origin + (window + 1) * self.window_s)
        if not self.enabled:
            return Budget(True, limit, limit, reset)
        with self._lock:
            blocked_until = self._blocked_until.get((credential, endpoint), 0.0)
            if now < blocked_until:
                return Budget(False, limit, 0, math.ceil(blocked_until))
            key = (credential, endpoint, window)
            used = self._used.get(key, 0)
            if used >= limit:
                return Budget(False, limit, 0, reset)
            self._used[key] = used + 1
            return Budget(True, limit, limit - used - 1, reset)

    def block(self, credential: str, endpoint: str, seconds: float) -> Budget:
        """A 429 burst: refuse this endpoint for `seconds`, whatever its budget says."""
        until = time.time() + seconds
        with self._lock:
            self._blocked_until[(credential, endpoint)] = until
        return Budget(False, self.limits.get(endpoint, 300), 0, math.ceil(until))
