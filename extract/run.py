"""python -m extract.run --network x: sync accounts' profiles, posts and followers.

With no credentials configured for the network, it starts the bundled sandbox in this process
and syncs its demo accounts (and says so first). Re-running continues unfinished jobs from
their last archived page; `--from-stage extracted` rebuilds raw tables from the raw zone.
"""

from __future__ import annotations

import argparse
import ipaddress
import logging
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from urllib.parse import urlsplit

import httpx
from rich.console import Console

from extract import config
from extract.errors import EXIT_FAILED, UserError, run_cli
from extract.network import RESOURCES, Account, Network, Window
from extract.networks import NETWORKS, load_network
from extract.pacing import HttpSettings, PacedClient
from extract.progress import SyncProgress, summary_table
from extract.rawzone import open_raw_zone
from extract.replay import replay
from extract.sync import Outcome, SyncContext, SyncOptions, sync_resource
from extract.warehouse import open_warehouse, warehouse_url

EARLIEST_DATE = datetime(2006, 3, 21, tzinfo=UTC)  # the first post on X
EXIT_REFUSED = 3


def parse_date(value: str, flag: str) -> str:
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise UserError(
            f"{flag} must be a date like 2026-01-31 or 2026-01-31T12:00:00Z, got {value!r}"
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    if not EARLIEST_DATE <= moment <= datetime.now(UTC):
        raise UserError(f"{flag} {value!r} is outside {EARLIEST_DATE:%Y-%m-%d} .. today")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m extract.run",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--network", required=True, help=f"one of: {', '.join(NETWORKS)}")
    parser.add_argument(
        "--accounts", help="comma-separated handles (default with the sandbox: its demo accounts)"
    )
    parser.add_argument(
        "--resource",
        default=",".join(RESOURCES),
        help=f"comma-separated subset of {','.join(RESOURCES)}",
    )
    parser.add_argument("--since", help="backfill posts from this date (UTC)")
    parser.add_argument("--until", help="backfill posts before this date (UTC)")
    parser.add_argument(
        "--from-stage",
        choices=["extracted"],
        help="rebuild the raw tables from archived pages; no API calls",
    )
    parser.add_argument("--batches", help="with --from-stage: only these batch ids")
    parser.add_argument(
        "--resume",
        type=int,
        metavar="JOB_ID",
        help="continue this unfinished job (the default for the latest job)",
    )
    parser.add_argument(
        "--max-wait",
        type=float,
        default=900.0,
        metavar="SECONDS",
        help="pause a job instead of waiting longer than this (default 900)",
    )
    parser.add_argument("--base-url", help="API base URL (default: the network's)")
    parser.add_argument(
        "--chunk-pages", type=int, default=20, help="load every N archived pages (default 20)"
    )
    parser.add_argument(
        "--chunk-seconds",
        type=float,
        default=30.0,
        help="or every T seconds, whichever comes first (default 30)",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log details to stderr")
    args = parser.parse_args(argv)

    args.resources = [r for r in args.resource.split(",") if r]
    unknown = set(args.resources) - set(RESOURCES)
    if unknown or not args.resources:
        raise UserError(
            f"--resource must be a subset of {','.join(RESOURCES)}, got {args.resource!r}"
        )
    args.handles = [h.strip().lstrip("@") for h in (args.accounts or "").split(",") if h.strip()]
    args.window = Window(
        parse_date(args.since, "--since") if args.since else None,
        parse_date(args.until, "--until") if args.until else None,
    )
    if args.window.since and args.window.until and args.window.since >= args.window.until:
        raise UserError("--since must be before --until")
    if args.max_wait < 0 or args.chunk_pages < 1 or args.chunk_seconds <= 0:
        raise UserError("--max-wait must be >= 0, --chunk-pages >= 1, --chunk-seconds > 0")
    if args.batches and not args.from_stage:
        raise UserError("--batches only applies with --from-stage extracted")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    network = load_network(args.network)
    for handle in args.handles:
        if not network.validate_handle(handle):
            raise UserError(f"not a valid {network.name} handle: {handle[:40]!r}")
    console = Console()
    if args.from_stage:
        return run_replay(args, network, console)
    token = configured_token(network.name)
    with api_endpoint(network, token, args.base_url, console) as (base_url, api_token, demo):
        conn = open_warehouse()
        raw_zone = open_raw_zone()
        client = network.client(
            base_url,
            api_token,
            HttpSettings(config.http_timeout_s(), config.http_attempts(), args.max_wait),
        )
        try:
            if not args.handles and not demo:
                raise UserError(
                    "--accounts is required when syncing a configured API "
                    "(the demo accounts exist only in the bundled sandbox)"
                )
            accounts = resolve(network, client, args.handles or demo)
            with SyncProgress(console) as progress:
                client.on_wait = progress.waiting
                ctx = SyncContext(
                    network,
                    client,
                    raw_zone,
                    conn,
                    warehouse_url(),
                    config.elt_home() / "dlt",
                    SyncOptions(
                        window=args.window,
                        chunk_pages=args.chunk_pages,
                        chunk_seconds=args.chunk_seconds,
                        resume_job_id=args.resume,
                    ),
                    progress,
                )
                outcomes = [
                    sync_resource(ctx, resource, account)
                    for account in accounts
                    for resource in args.resources
                ]
        finally:
            client.close()
            conn.close()
    return report(console, outcomes, client.waits, client.retries)


def resolve(network: Network, client: PacedClient, handles: list[str]) -> list[Account]:
    accounts, problems = network.resolve_accounts(client, handles)
    for problem in problems:
        print(f"warning: skipped {problem}", file=sys.stderr)
    if not accounts:
        raise UserError("none of the accounts could be found: " + "; ".join(problems))
    return accounts


def report(console: Console, outcomes: list[Outcome], waits: int, retries: int) -> int:
    console.print(summary_table(outcomes))
    console.print(f"rate-limit waits: {waits}, retried requests: {retries}")
    for outcome in outcomes:
        if outcome.item_errors:
            print(
                f"warning: {outcome.resource} of @{outcome.account.username}: the API reported "
                f"{outcome.item_errors} per-item errors, kept in ops.sync_pages.item_errors",
                file=sys.stderr,
            )
        if outcome.status in ("failed", "refused", "paused"):
            stream = sys.stdout if outcome.status == "paused" else sys.stderr
            print(
                f"{'note' if outcome.status == 'paused' else 'error'}: "
                f"{outcome.resource} of @{outcome.account.username}: {outcome.message}",
                file=stream,
            )
    if any(outcome.status == "failed" for outcome in outcomes):
        return EXIT_FAILED
    if any(outcome.status == "refused" for outcome in outcomes):
        return EXIT_REFUSED
    return 0


def run_replay(args: argparse.Namespace, network: Network, console: Console) -> int:
    conn = open_warehouse()
    try:
        result = replay(
            conn,
            warehouse_url(),
            network,
            open_raw_zone(),
            config.elt_home() / "dlt",
            _csv(args.batches),
            args.resources if args.resource != ",".join(RESOURCES) else None,
            None,
        )
    finally:
        conn.close()
    counts = result.counts
    console.print(
        f"replayed {result.batches} batches, {result.pages} pages from the raw zone "
        f"(0 API calls): rows new {counts.new}, updated {counts.updated}, "
        f"unchanged {counts.unchanged}; edges ended {result.ended_edges}"
    )
    return 0


def _csv(value: str | None) -> list[str] | None:
    items = [item for item in (value or "").split(",") if item]
    return items or None


def configured_token(network: str) -> str | None:
    """The network's token from dlt config: env SOURCES__<NET>__BEARER_TOKEN or .dlt/."""
    import dlt

    value = dlt.secrets.get(f"sources.{network}.bearer_token")
    return str(value) if value else None


def _is_loopback(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    try:
        return host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@contextmanager
def api_endpoint(
    network: Network, token: str | None, base_url: str | None, console: Console
) -> Iterator[tuple[str, str, list[str]]]:
    """(base URL, token, default handles): the configured API, or the bundled sandbox."""
    if token:
        yield base_url or network.default_base_url, token, []
        return
    if base_url:
        kind = "the local" if _is_loopback(base_url) else "a real"
        raise UserError(
            f"no credentials for {network.name} to call {kind} API at {base_url}: "
            f"set SOURCES__{network.name.upper()}__BEARER_TOKEN or "
            f"sources.{network.name}.bearer_token in .dlt/secrets.toml"
        )
    from extract.sandbox import ChaosConfig, SandboxOptions, start_sandbox

    options = SandboxOptions(
        network=network.name,
        rate_limit_window_s=float(os.environ.get("ELT_SANDBOX_RATE_WINDOW", "15")),
        chaos=ChaosConfig(
            probability=0.02, faults=("429", "500", "503", "drop", "truncate", "nonjson")
        ),
    )
    server = start_sandbox(options)
    console.print(
        f"No {network.name} credentials configured: syncing the bundled sandbox's "
        f"demo accounts at {server.base_url} (seed {options.seed}, 2% chaos)."
    )
    try:
        accounts = httpx.get(f"{server.base_url}/_sandbox/accounts").json()["accounts"]
        yield server.base_url, options.token, [account["username"] for account in accounts]
    finally:
        server.stop()


if __name__ == "__main__":
    run_cli(main)
