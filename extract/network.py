"""What the shared machinery needs from a network package, and the rows a page yields.

A network package (extract/networks/<net>/) provides a `Network` object; the shared
machinery (sync, loading, ledger, raw zone) only ever talks to this interface.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any, Protocol

import orjson

from extract.pacing import HttpFailure, HttpSettings, PacedClient

RESOURCES = ("profiles", "posts", "followers")


class PayloadError(Exception):
    """The API answered 200 with a body that does not have the documented shape."""


@dataclass(frozen=True)
class Account:
    id: str
    username: str
    followers_count: int | None = None
    post_count: int | None = None


@dataclass(frozen=True)
class Entity:
    """One user or post as the API served it, with what the guarded upsert compares."""

    external_id: str
    payload: str  # canonical JSON of the API object
    content_hash: str
    username: str | None = None  # users
    author_id: str | None = None  # posts
    created_at: str | None = None  # posts, ISO 8601

    @classmethod
    def of(cls, external_id: str, obj: dict[str, Any], **extra: str | None) -> Entity:
        payload = orjson.dumps(obj, option=orjson.OPT_SORT_KEYS)
        if b"\\u0000" in payload:  # PostgreSQL text and jsonb cannot hold U+0000
            obj = without_nul(obj)
            extra = {name: without_nul(value) for name, value in extra.items()}
            payload = orjson.dumps(obj, option=orjson.OPT_SORT_KEYS)
        return cls(external_id, payload.decode(), hashlib.sha1(payload).hexdigest(), **extra)


def without_nul(value: Any) -> Any:
    """`value` with U+0000 in its strings and keys replaced by U+FFFD (the raw zone keeps the
    original bytes; the raw tables keep what PostgreSQL can store)."""
    if isinstance(value, str):
        return value.replace("\0", "\ufffd")
    if isinstance(value, dict):
        return {without_nul(key): without_nul(item) for key, item in value.items()}
    if isinstance(value, list):
        return [without_nul(item) for item in value]
    return value


@dataclass
class PageRows:
    users: list[Entity] = field(default_factory=list)
    posts: list[Entity] = field(default_factory=list)
    follower_ids: list[str] = field(default_factory=list)  # edges: account <- follower
    token_out: str | None = None
    newest_id: str | None = None
    oldest_id: str | None = None
    item_errors: list[dict[str, Any]] = field(default_factory=list)

    @property
    def row_count(self) -> int:
        return len(self.users) + len(self.posts) + len(self.follower_ids)


@dataclass(frozen=True)
class PageRequest:
    endpoint: str  # rate-limit bucket, e.g. "followers"
    path: str
    params: dict[str, str]


@dataclass(frozen=True)
class Window:
    """A backfill window for posts: [since, until), ISO 8601 UTC strings."""

    since: str | None = None
    until: str | None = None

    @property
    def is_set(self) -> bool:
        return self.since is not None or self.until is not None


class Network(Protocol):
    name: str
    default_base_url: str

    def client(self, base_url: str, token: str, http: HttpSettings) -> PacedClient: ...

    def validate_handle(self, handle: str) -> bool: ...

    def resolve_accounts(
        self, client: PacedClient, handles: list[str]
    ) -> tuple[list[Account], list[str]]:
        """Accounts found, and one readable line per handle that could not be used."""

    def page_request(
        self, resource: str, account: Account, cursor: dict[str, Any], window: Window
    ) -> PageRequest:
        """The request for the page after cursor['page_token'] (None: the first page)."""

    def parse_page(self, resource: str, account_id: str, response_body: Any) -> PageRows:
        """Pure: the rows of one page body; raises PayloadError on a malformed body."""

    def is_expired_token(self, failure: HttpFailure) -> bool: ...

    def expected_pages(self, resource: str, account: Account) -> int | None: ...
