"""Small helpers for talking to an X sandbox in tests (plain httpx, no product code)."""

from __future__ import annotations

from typing import Any

import httpx

from extract.sandbox import SandboxServer

TOKEN = "sandbox-token"


def api(server: SandboxServer, token: str = TOKEN, timeout: float = 30) -> httpx.Client:
    return httpx.Client(
        base_url=server.base_url, timeout=timeout, headers={"Authorization": f"Bearer {token}"}
    )


def demo_account(server: SandboxServer, username: str = "sandbox_news") -> dict[str, Any]:
    accounts = httpx.get(f"{server.base_url}/_sandbox/accounts").json()["accounts"]
    return next(account for account in accounts if account["username"] == username)


def truth_followers(server: SandboxServer, user_id: str) -> list[str]:
    return _truth(server, "followers", user_id)


def truth_posts(server: SandboxServer, user_id: str) -> list[str]:
    return _truth(server, "posts", user_id)


def _truth(server: SandboxServer, what: str, user_id: str) -> list[str]:
    """The sandbox's ground truth: ids of an account's active followers or of its posts."""
    return httpx.get(f"{server.base_url}/_sandbox/truth/{what}/{user_id}", timeout=60).json()["ids"]


def advance(server: SandboxServer, seconds: int) -> dict[str, Any]:
    return httpx.post(f"{server.base_url}/_sandbox/advance", params={"seconds": seconds}).json()


def page_all(client: httpx.Client, path: str, **params: Any) -> list[dict[str, Any]]:
    """Every item of a paginated list endpoint, following meta.next_token."""
    items: list[dict[str, Any]] = []
    token = None
    while True:
        query = dict(params, **({"pagination_token": token} if token else {}))
        body = client.get(path, params=query).raise_for_status().json()
        items.extend(body.get("data", []))
        token = body["meta"].get("next_token")
        if not token:
            return items
