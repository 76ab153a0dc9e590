"""Rows of archived X pages: users, posts and follower edges, validated as X documents them."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from extract.network import Entity, PageRows, PayloadError

TWITTER_EPOCH_MS = 1288834974657


def _objects(body: Any, key: str = "data") -> list[dict[str, Any]]:
    if not isinstance(body, dict):
        raise PayloadError("the body is not a JSON object")
    value = body.get(key, [])
    if isinstance(value, dict):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise PayloadError(f"'{key}' is not a list of objects")
    return value


def _checked_id(obj: dict[str, Any], what: str) -> str:
    value = obj.get("id")
    if not isinstance(value, str) or not value.isdigit() or len(value) > 19:
        raise PayloadError(f"a {what} without a valid id: {str(value)[:40]!r}")
    return value


def _user(obj: dict[str, Any]) -> Entity:
    user_id = _checked_id(obj, "user")
    username = obj.get("username")
    if not isinstance(username, str) or not username:
        raise PayloadError(f"user {user_id} has no username")
    return Entity.of(user_id, obj, username=username)


def snowflake_time(post_id: str) -> str:
    """Creation time encoded in an X id (milliseconds since the Twitter epoch, shifted 22)."""
    epoch_ms = (int(post_id) >> 22) + TWITTER_EPOCH_MS
    moment = datetime.fromtimestamp(epoch_ms / 1000, tz=UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _post(obj: dict[str, Any], account_id: str) -> Entity:
    post_id = _checked_id(obj, "post")
    if not isinstance(obj.get("text"), str):
        raise PayloadError(f"post {post_id} has no text")
    # A timeline requested with default fields carries neither; both are implied.
    created_at = obj.get("created_at") or snowflake_time(post_id)
    author_id = obj.get("author_id") or account_id
    if not isinstance(created_at, str) or not isinstance(author_id, str):
        raise PayloadError(f"post {post_id} has a malformed created_at or author_id")
    return Entity.of(post_id, obj, author_id=author_id, created_at=created_at)


def _meta(body: dict[str, Any], data: list[dict[str, Any]]) -> dict[str, Any]:
    meta = body.get("meta")
    if not isinstance(meta, dict):
        raise PayloadError("a page without a 'meta' object")
    # X counts every page (0 for an empty one). Requiring it is what keeps a blank or cut-down
    # 200 from passing as the last page of a scan, which would end every edge not seen.
    count = meta.get("result_count")
    if type(count) is not int or count != len(data):
        raise PayloadError(f"'meta.result_count' is {str(count)[:20]!r} for {len(data)} objects")
    token = meta.get("next_token")
    if token is not None and not isinstance(token, str):
        raise PayloadError("'meta.next_token' is not a string")
    return meta


def parse_page(resource: str, account_id: str, body: Any) -> PageRows:
    data = _objects(body)
    errors = body.get("errors", []) if isinstance(body.get("errors"), list) else []
    if resource == "profiles":
        return PageRows(users=[_user(obj) for obj in data], item_errors=errors)
    meta = _meta(body, data)
    if resource == "followers":
        users = [_user(obj) for obj in data]
        return PageRows(
            users=users,
            follower_ids=[user.external_id for user in users],
            token_out=meta.get("next_token"),
            item_errors=errors,
        )
    posts = [_post(obj, account_id) for obj in data]
    return PageRows(
        posts=posts,
        token_out=meta.get("next_token"),
        newest_id=meta.get("newest_id"),
        oldest_id=meta.get("oldest_id"),
        item_errors=errors,
    )
