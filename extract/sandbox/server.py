"""The HTTP side of every emulator: a threaded loopback server, chaos delivery, request stats.

An emulator (one per network) turns a parsed request into a Reply; this module owns the
socket: it counts requests, injects transport faults (slow, dropped, truncated responses)
and serves the network-independent control routes under /_sandbox/.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Protocol
from urllib.parse import parse_qs, urlsplit

import orjson

from extract.sandbox.chaos import TRANSPORT_FAULTS, Chaos, ChaosConfig

log = logging.getLogger(__name__)
CONTROL_PREFIX = "/_sandbox/"


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]  # lower-cased names

    def param(self, name: str) -> str | None:
        values = self.query.get(name)
        return values[-1] if values else None

    @property
    def fingerprint(self) -> str:
        """The request without credentials: what chaos and stats key on."""
        query = "&".join(f"{k}={','.join(v)}" for k, v in sorted(self.query.items()))
        return f"{self.method} {self.path}?{query}"


@dataclass
class Reply:
    status: int
    body: Any  # dict/list -> JSON; str -> text as is
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = "application/json; charset=utf-8"

    def encode(self) -> bytes:
        if isinstance(self.body, str):
            return self.body.encode()
        return orjson.dumps(self.body)


class Emulator(Protocol):
    def endpoint(self, request: Request) -> str | None:
        """The rate-limit / stats key of an API request, None when no route matches."""

    def handle(self, request: Request) -> Reply: ...

    def fault(self, fault: str, request: Request, chaos: ChaosConfig) -> Reply:
        """The network's own body for an HTTP-level chaos fault (429, 500, 503, nonjson)."""

    def control(self, request: Request) -> Reply | None:
        """Network-specific /_sandbox/ routes (accounts, clock, ground truth)."""


@dataclass
class Stats:
    requests: Counter[str] = field(default_factory=Counter)
    faults: Counter[str] = field(default_factory=Counter)
    statuses: Counter[str] = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, endpoint: str, fault: str | None) -> None:
        with self.lock:
            self.requests[endpoint] += 1
            if fault:
                self.faults[fault] += 1

    def record_status(self, status: str) -> None:
        with self.lock:
            self.statuses[status] += 1

    def snapshot(self) -> dict[str, Any]:
        with self.lock:
            return {
                "requests": dict(self.requests),
                "faults": dict(self.faults),
                "statuses": dict(self.statuses),
                "total": sum(self.requests.values()),
            }

    def reset(self) -> None:
        with self.lock:
            self.requests.clear()
            self.faults.clear()
            self.statuses.clear()


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that goes away mid-response (killed by a fault test, timed out) is normal
        # here; anything else still gets the standard report.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class SandboxServer:
    """Serves one emulator on 127.0.0.1 in a background thread."""

    def __init__(self, emulator: Emulator, chaos: ChaosConfig, port: int = 0) -> None:
        self.emulator = emulator
        self.chaos = Chaos(chaos)
        self.stats = Stats()
        handler = type("Handler", (_Handler,), {"sandbox": self})
        self.httpd = _QuietServer(("127.0.0.1", port), handler)
        self.httpd.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return self.httpd.server_address[1]

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> SandboxServer:
        self._thread = threading.Thread(
            target=self.httpd.serve_forever, name="sandbox", daemon=True
        )
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        self.httpd.serve_forever()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def control(self, request: Request) -> Reply:
        name = request.path.removeprefix(CONTROL_PREFIX)
        if name == "stats" and request.method == "GET":
            return Reply(200, self.stats.snapshot())
        if name == "stats/reset" and request.method == "POST":
            self.stats.reset()
            return Reply(200, self.stats.snapshot())
        if name == "chaos" and request.method == "POST":
            config = self.chaos.config
            try:
                faults = request.param("faults")
                self.chaos = Chaos(
                    ChaosConfig(
                        probability=float(request.param("probability") or config.probability),
                        faults=tuple(faults.split(",")) if faults else config.faults,
                        seed=int(request.param("seed") or config.seed),
                        slow_seconds=float(request.param("slow_seconds") or config.slow_seconds),
                        burst_seconds=float(request.param("burst_seconds") or config.burst_seconds),
                    )
                )
            except ValueError as exc:
                return Reply(400, {"error": str(exc)})
            return Reply(
                200,
                {
                    "probability": self.chaos.config.probability,
                    "faults": list(self.chaos.config.faults),
                },
            )
        reply = self.emulator.control(request)
        return reply or Reply(404, {"error": f"no control route {request.method} {name}"})


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as real clients expect
    sandbox: SandboxServer

    def do_GET(self) -> None:
        self._dispatch()

    def do_POST(self) -> None:
        self._dispatch()

    def do_PUT(self) -> None:
        self._dispatch()

    def do_DELETE(self) -> None:
        self._dispatch()

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s " + format, self.address_string(), *args)

    def _dispatch(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        if length:
            self.rfile.read(length)
        parts = urlsplit(self.path)
        request = Request(
            method=self.command,
            path=parts.path,
            query=parse_qs(parts.query, keep_blank_values=True),
            headers={k.lower(): v for k, v in self.headers.items()},
        )
        if request.path.startswith(CONTROL_PREFIX):
            self._send(self.sandbox.control(request))
            return
        emulator = self.sandbox.emulator
        endpoint = emulator.endpoint(request) or "unknown"
        fault = self.sandbox.chaos.decide(request.fingerprint) if endpoint != "unknown" else None
        self.sandbox.stats.record(endpoint, fault)
        if fault == "drop":
            self.sandbox.stats.record_status("dropped")
            self._drop()
            return
        if fault == "slow":
            time.sleep(self.sandbox.chaos.config.slow_seconds)
        reply = (
            emulator.handle(request)
            if fault in (None, *TRANSPORT_FAULTS)
            else emulator.fault(fault, request, self.sandbox.chaos.config)
        )
        self.sandbox.stats.record_status("truncated" if fault == "truncate" else str(reply.status))
        self._send(reply, truncate=fault == "truncate")

    def _send(self, reply: Reply, truncate: bool = False) -> None:
        body = reply.encode()
        try:
            self.send_response(reply.status)
            self.send_header("content-type", reply.content_type)
            self.send_header("content-length", str(len(body)))
            for name, value in reply.headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body[: len(body) // 2] if truncate else body)
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
            return
        if truncate:
            self._drop()

    def _drop(self) -> None:
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)
