"""HTTP with pacing and retries: the one way every network client talks to its API.

- Proactive pacing per (credential, endpoint): the rate-limit headers of the last response
  say how many requests remain until the reset; at zero we wait for the reset (plus jitter)
  instead of spending a request on a 429.
- A 429 waits until the advertised reset plus jitter, then tries again.
- 5xx, timeouts, dropped connections, truncated and non-JSON bodies: bounded exponential
  backoff with jitter (tenacity).
- 401/403 fail fast. A wait longer than `max_wait_s` raises PauseRequired, so the job can be
  paused and resumed later by the orchestrator.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx
import orjson
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception_type,
    stop_after_attempt,
    wait_exponential_jitter,
)

log = logging.getLogger(__name__)

RateLimitParser = Callable[[httpx.Headers], "tuple[int, float] | None"]
WaitListener = Callable[[float, str], None]  # (seconds left, why), called while waiting
MAX_CONSECUTIVE_429 = 30


class TransientHttpError(Exception):
    """Worth retrying: the server or the network failed, not the request."""


class HttpFailure(Exception):
    """The API refused the request for good (after retries, or at once for 4xx)."""

    def __init__(self, message: str, status: int | None = None, body: Any = None) -> None:
        super().__init__(message)
        self.status = status
        self.body = body


class AuthRejected(HttpFailure):
    """401/403: the credentials are wrong or lack access; retrying cannot help."""


class PauseRequired(Exception):
    """The next allowed request is further away than the job may wait."""

    def __init__(self, resume_after: datetime, reason: str) -> None:
        super().__init__(f"{reason}; resume after {resume_after:%Y-%m-%d %H:%M:%S} UTC")
        self.resume_after = resume_after


@dataclass(frozen=True)
class HttpSettings:
    """What the operator set (ELT_HTTP_TIMEOUT, ELT_HTTP_ATTEMPTS, --max-wait)."""

    timeout_s: float
    attempts: int
    max_wait_s: float


@dataclass(frozen=True)
class ApiResponse:
    method: str
    url: str  # without query string
    params: dict[str, str]
    status: int
    headers: dict[str, str]
    text: str
    body: Any
    fetched_at: datetime


@dataclass
class Budget:
    remaining: int
    reset_epoch_s: float


@dataclass
class PacedClient:
    base_url: str
    auth_headers: dict[str, str]
    parse_rate_limit: RateLimitParser
    http: HttpSettings
    kept_headers: tuple[str, ...] = ("content-type", "date")
    on_wait: WaitListener | None = None
    _budgets: dict[str, Budget] = field(default_factory=dict)
    _http: httpx.Client | None = None
    waits: int = 0
    retries: int = 0

    def __post_init__(self) -> None:
        self._http = httpx.Client(
            base_url=self.base_url,
            headers=self.auth_headers,
            timeout=httpx.Timeout(self.http.timeout_s, connect=5.0),
        )

    def close(self) -> None:
        if self._http is not None:
            self._http.close()

    def get(self, endpoint: str, path: str, params: dict[str, str]) -> ApiResponse:
        """GET with pacing, 429 waits and retries; returns any non-error response."""
        for _ in range(MAX_CONSECUTIVE_429):
            self._pace(endpoint)
            response = self._get_with_retries(endpoint, path, params)
            if response.status != 429:
                return response
            budget = self._budgets.get(endpoint)
            reset = budget.reset_epoch_s if budget else time.time() + 60
            self._wait_until(reset + random.uniform(0.1, 1.0), "rate limited (429)")
        raise HttpFailure(f"{endpoint}: still rate limited after {MAX_CONSECUTIVE_429} waits", 429)

    # -- pacing --------------------------------------------------------------------------

    def _pace(self, endpoint: str) -> None:
        budget = self._budgets.get(endpoint)
        if budget and budget.remaining <= 0 and budget.reset_epoch_s > time.time():
            self._wait_until(
                budget.reset_epoch_s + random.uniform(0.1, 1.0), "rate-limit budget used up"
            )

    def _wait_until(self, epoch_s: float, reason: str) -> None:
        seconds = epoch_s - time.time()
        if seconds <= 0:
            return
        if seconds > self.http.max_wait_s:
            raise PauseRequired(datetime.fromtimestamp(epoch_s, tz=UTC), reason)
        self.waits += 1
        log.info("%s: waiting %.0fs", reason, seconds)
        while (left := epoch_s - time.time()) > 0:
            if self.on_wait:
                self.on_wait(left, reason)
            time.sleep(min(left, 0.5))
        if self.on_wait:
            self.on_wait(0.0, reason)

    # -- one request -----------------------------------------------------------------------

    def _get_with_retries(self, endpoint: str, path: str, params: dict[str, str]) -> ApiResponse:
        retrying = Retrying(
            retry=retry_if_exception_type(TransientHttpError),
            wait=wait_exponential_jitter(initial=0.5, max=20.0, jitter=1.0),
            stop=stop_after_attempt(self.http.attempts),
            before_sleep=self._count_retry,
            reraise=True,
        )
        try:
            return retrying(self._get_once, endpoint, path, params)
        except TransientHttpError as exc:
            raise HttpFailure(
                f"{endpoint}: gave up after {self.http.attempts} attempts: {exc}"
            ) from None

    def _count_retry(self, state: RetryCallState) -> None:
        self.retries += 1
        outcome = state.outcome.exception() if state.outcome else None
        log.info("retrying after: %s", outcome)

    def _get_once(self, endpoint: str, path: str, params: dict[str, str]) -> ApiResponse:
        assert self._http is not None
        try:
            response = self._http.get(path, params=params)
        except httpx.TimeoutException as exc:
            raise TransientHttpError(f"timed out ({type(exc).__name__})") from None
        except httpx.TransportError as exc:  # refused, reset, dropped, truncated body
            raise TransientHttpError(f"connection failed ({type(exc).__name__})") from None
        fetched_at = datetime.now(UTC)
        budget = self.parse_rate_limit(response.headers)
        if budget is not None:
            self._budgets[endpoint] = Budget(*budget)
        status = response.status_code
        if status >= 500:
            raise TransientHttpError(f"HTTP {status}")
        try:
            # JSON is UTF-8 (RFC 8259); httpx's lenient decoding would hide a garbled body
            text = response.content.decode("utf-8")
            body = orjson.loads(text) if text else None
        except UnicodeDecodeError:
            if status == 200:
                raise TransientHttpError("HTTP 200 with a body that is not UTF-8") from None
            text, body = response.text, None
        except orjson.JSONDecodeError:
            body = None
        if status == 200 and not isinstance(body, dict):
            raise TransientHttpError(
                f"HTTP 200 with a non-JSON body ({response.headers.get('content-type', 'no type')})"
            )
        if status in (401, 403):
            raise AuthRejected(
                f"{endpoint}: HTTP {status} {problem_title(body)}; check the "
                "credentials and the API access level",
                status,
                body,
            )
        if status >= 400 and status != 429:
            raise HttpFailure(f"{endpoint}: HTTP {status} {problem_title(body)}", status, body)
        kept = {
            name: value
            for name, value in response.headers.items()
            if name in self.kept_headers or "rate" in name
        }
        return ApiResponse(
            "GET",
            str(response.url.copy_with(query=None)),
            dict(params),
            status,
            kept,
            text,
            body,
            fetched_at,
        )


def problem_title(body: Any) -> str:
    """The readable part of an API error body."""
    if isinstance(body, dict):
        errors = body.get("errors")
        if isinstance(errors, list) and errors and isinstance(errors[0], dict):
            first = errors[0]
            return str(first.get("message") or first.get("detail") or body.get("title", ""))
        return str(body.get("detail") or body.get("title") or body.get("error") or "")
    return ""
