"""python -m extract.sandbox --network x --port N: serve an emulated API on 127.0.0.1."""

from __future__ import annotations

import argparse
import logging

from extract.errors import UserError, run_cli
from extract.sandbox import FAULTS, NETWORKS, ChaosConfig, SandboxOptions, build_sandbox


def parse_options(argv: list[str] | None = None) -> SandboxOptions:
    parser = argparse.ArgumentParser(prog="python -m extract.sandbox", description=__doc__)
    parser.add_argument("--network", choices=NETWORKS, default="x")
    parser.add_argument("--port", type=int, default=8086, help="0 picks a free port")
    parser.add_argument("--seed", type=int, default=42, help="world and chaos seed")
    parser.add_argument(
        "--followers",
        type=int,
        default=25_000,
        help="followers of the largest demo account (up to tens of millions)",
    )
    parser.add_argument(
        "--posts",
        type=int,
        default=300,
        help="posts of the largest demo account before the clock starts",
    )
    parser.add_argument("--token", default="sandbox-token", help="the accepted bearer token")
    parser.add_argument(
        "--rate-limit-window",
        type=float,
        default=900.0,
        metavar="SECONDS",
        help="length of a rate-limit window (X: 900)",
    )
    parser.add_argument(
        "--no-rate-limits",
        action="store_true",
        help="never answer 429 for budget (headers still sent)",
    )
    parser.add_argument(
        "--token-ttl",
        type=int,
        default=6 * 3600,
        metavar="SECONDS",
        help="world seconds after which a page token expires",
    )
    parser.add_argument(
        "--time-scale",
        type=float,
        default=0.0,
        help="world seconds per real second (0: the clock moves only on POST /_sandbox/advance)",
    )
    parser.add_argument(
        "--chaos",
        type=float,
        default=0.0,
        metavar="PROBABILITY",
        help="probability that a request meets a fault",
    )
    parser.add_argument(
        "--chaos-faults",
        default=",".join(FAULTS),
        help=f"comma-separated subset of {','.join(FAULTS)}",
    )
    parser.add_argument("--chaos-seed", type=int, help="defaults to --seed")
    parser.add_argument("--chaos-slow-seconds", type=float, default=12.0)
    parser.add_argument(
        "--chaos-burst-seconds",
        type=float,
        default=2.0,
        help="how long a chaos 429 burst blocks its endpoint",
    )
    args = parser.parse_args(argv)
    for name in ("followers", "posts", "token_ttl", "port"):
        if getattr(args, name) < 0:
            raise UserError(f"--{name.replace('_', '-')} must not be negative")
    if args.rate_limit_window <= 0:
        raise UserError("--rate-limit-window must be positive")
    try:
        chaos = ChaosConfig(
            probability=args.chaos,
            faults=tuple(args.chaos_faults.split(",")),
            seed=args.seed if args.chaos_seed is None else args.chaos_seed,
            slow_seconds=args.chaos_slow_seconds,
            burst_seconds=args.chaos_burst_seconds,
        )
    except ValueError as exc:
        raise UserError(str(exc)) from None
    return SandboxOptions(
        network=args.network,
        port=args.port,
        seed=args.seed,
        followers=args.followers,
        posts=args.posts,
        token=args.token,
        rate_limit_window_s=args.rate_limit_window,
        rate_limits=not args.no_rate_limits,
        token_ttl_s=args.token_ttl,
        time_scale=args.time_scale,
        chaos=chaos,
    )


def main() -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    options = parse_options()
    try:
        server = build_sandbox(options)
    except OSError as exc:
        raise UserError(f"cannot listen on 127.0.0.1:{options.port}: {exc.strerror}") from None
    print(
        f"{options.network} sandbox on {server.base_url} (token {options.token!r}, "
        f"seed {options.seed}); control API under {server.base_url}/_sandbox/",
        flush=True,
    )
    try:
        server.serve_forever()
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    run_cli(main)
