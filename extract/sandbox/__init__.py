"""Local emulators of the social networks' APIs, for the default run, tests and benchmarks.

Only the CLI's default-run wiring and the tests import this package; it shares no code with
the API clients it stands in for (an emulator built from the client's code proves nothing).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from extract.sandbox.chaos import FAULTS, ChaosConfig
from extract.sandbox.ratelimit import RateLimiter
from extract.sandbox.server import SandboxServer
from extract.sandbox.x.api import DEFAULT_LIMITS, XEmulator
from extract.sandbox.x.world import World, WorldConfig

NETWORKS = ("x",)


@dataclass
class SandboxOptions:
    network: str = "x"
    port: int = 0  # 0: any free port
    seed: int = 42
    followers: int = 25_000
    posts: int = 300
    token: str = "sandbox-token"
    rate_limit_window_s: float = 900.0
    rate_limits: bool = True
    token_ttl_s: int = 6 * 3600
    time_scale: float = 0.0
    chaos: ChaosConfig = field(default_factory=ChaosConfig)


def build_sandbox(options: SandboxOptions) -> SandboxServer:
    if options.network not in NETWORKS:
        raise ValueError(f"no sandbox for network {options.network!r}; have {', '.join(NETWORKS)}")
    world = World(
        WorldConfig(
            seed=options.seed,
            followers=options.followers,
            posts=options.posts,
            time_scale=options.time_scale,
        )
    )
    limiter = RateLimiter(DEFAULT_LIMITS, options.rate_limit_window_s, options.rate_limits)
    emulator = XEmulator(world, options.token, limiter, options.token_ttl_s)
    return SandboxServer(emulator, options.chaos, options.port)


def start_sandbox(options: SandboxOptions | None = None) -> SandboxServer:
    """Build and serve a sandbox in a background thread of this process."""
    return build_sandbox(options or SandboxOptions()).start()


__all__ = [
    "FAULTS",
    "ChaosConfig",
    "SandboxOptions",
    "SandboxServer",
    "build_sandbox",
    "start_sandbox",
]
