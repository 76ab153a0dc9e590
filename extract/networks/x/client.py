"""X API v2 requests: auth, rate-limit headers, the right page parameters per endpoint."""

from __future__ import annotations

import re
from typing import Any

import httpx

from extract.network import Account, PageRequest, Window
from extract.networks.x import settings
from extract.pacing import HttpFailure, HttpSettings, PacedClient


def parse_rate_limit(headers: httpx.Headers) -> tuple[int, float] | None:
    """X sends x-rate-limit-remaining and x-rate-limit-reset (epoch seconds)."""
    remaining, reset = headers.get("x-rate-limit-remaining"), headers.get("x-rate-limit-reset")
    if remaining is None or reset is None:
        return None
    try:
        return int(remaining), float(reset)
    except ValueError:
        return None


def x_client(base_url: str, token: str, http: HttpSettings) -> PacedClient:
    return PacedClient(
        base_url=base_url,
        auth_headers={"Authorization": f"Bearer {token}"},
        parse_rate_limit=parse_rate_limit,
        http=http,
    )


def valid_handle(handle: str) -> bool:
    return re.fullmatch(settings.HANDLE_PATTERN, handle) is not None


def resolve_accounts(client: PacedClient, handles: list[str]) -> tuple[list[Account], list[str]]:
    """Look handles up (100 per request); unknown or suspended ones become messages."""
    accounts: list[Account] = []
    problems: list[str] = []
    for start in range(0, len(handles), 100):
        chunk = handles[start : start + 100]
        response = client.get(
            "users/by",
            "/2/users/by",
            {"usernames": ",".join(chunk), "user.fields": "public_metrics"},
        )
        body: dict[str, Any] = response.body
        for user in body.get("data", []):
            metrics = user.get("public_metrics", {})
            accounts.append(
                Account(
                    user["id"],
                    user["username"],
                    metrics.get("followers_count"),
                    metrics.get("tweet_count"),
                )
            )
        for error in body.get("errors", []):
            problems.append(f"@{error.get('value')}: {error.get('detail') or error.get('title')}")
    return accounts, problems


def page_request(
    resource: str, account: Account, cursor: dict[str, Any], window: Window
) -> PageRequest:
    token = cursor.get("page_token")
    if resource == "profiles":
        return PageRequest(
            "users/:id", f"/2/users/{account.id}", {"user.fields": ",".join(settings.USER_FIELDS)}
        )
    if resource == "followers":
        params = {
            "max_results": str(settings.FOLLOWERS_PAGE_SIZE),
            "user.fields": ",".join(settings.USER_FIELDS),
        }
        if token:
            params["pagination_token"] = token
        return PageRequest("followers", f"/2/users/{account.id}/followers", params)
    params = {
        "max_results": str(settings.POSTS_PAGE_SIZE),
        "tweet.fields": ",".join(settings.TWEET_FIELDS),
    }
    if window.is_set:
        if window.since:
            params["start_time"] = window.since
        if window.until:
            params["end_time"] = window.until
    elif cursor.get("since_id"):
        params["since_id"] = cursor["since_id"]
    if token:
        params["pagination_token"] = token
    return PageRequest("tweets", f"/2/users/{account.id}/tweets", params)


def is_expired_token(failure: HttpFailure) -> bool:
    """X rejects a stale pagination token with a 400 naming the parameter."""
    if failure.status != 400 or not isinstance(failure.body, dict):
        return False
    return any(
        "pagination_token" in (error.get("parameters") or {})
        for error in failure.body.get("errors", [])
        if isinstance(error, dict)
    )
