"""X (Twitter) API v2: profiles, posts and followers of accounts."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from extract.network import Account, PageRequest, PageRows, Window
from extract.networks.x import client, settings, source
from extract.pacing import HttpFailure, HttpSettings, PacedClient


@dataclass(frozen=True)
class XNetwork:
    name: str = "x"
    default_base_url: str = settings.DEFAULT_BASE_URL

    def client(self, base_url: str, token: str, http: HttpSettings) -> PacedClient:
        return client.x_client(base_url, token, http)

    def validate_handle(self, handle: str) -> bool:
        return client.valid_handle(handle)

    def resolve_accounts(
        self, paced: PacedClient, handles: list[str]
    ) -> tuple[list[Account], list[str]]:
        return client.resolve_accounts(paced, handles)

    def page_request(
        self, resource: str, account: Account, cursor: dict[str, Any], window: Window
    ) -> PageRequest:
        return client.page_request(resource, account, cursor, window)

    def parse_page(self, resource: str, account_id: str, response_body: Any) -> PageRows:
        return source.parse_page(resource, account_id, response_body)

    def is_expired_token(self, failure: HttpFailure) -> bool:
        return client.is_expired_token(failure)

    def expected_pages(self, resource: str, account: Account) -> int | None:
        if resource == "profiles":
            return 1
        if resource == "followers" and account.followers_count is not None:
            return max(1, -(-account.followers_count // settings.FOLLOWERS_PAGE_SIZE))
        if resource == "posts" and account.post_count is not None:
            reachable = min(account.post_count, settings.REACHABLE_POSTS)
            return max(1, -(-reachable // settings.POSTS_PAGE_SIZE))
        return None


NETWORK = XNetwork()
