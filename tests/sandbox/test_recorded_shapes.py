"""Every recorded real X response has a sandbox counterpart with the same keys and types."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from tests.support.recordings import recordings_dir
from tests.support.x_api import TOKEN, advance, api, demo_account

FIXTURES = recordings_dir("x")

# Keys the sandbox adds that the recordings predate or omit, each documented by X:
# edit_history_tweet_ids (since 2022), resource_id (on problems since 2021), mention ids,
# hashtags and unwound link-card fields (recorded on another response: the pinned user/tweet).
ALLOWED_EXTRA = {
    "edit_history_tweet_ids",
    "resource_id",
    "id",
    "hashtags",
    "images",
    "status",
    "title",
    "description",
    "unwound_url",
}
TWEET_FIELDS = (
    "attachments,author_id,created_at,entities,geo,id,in_reply_to_user_id,lang,"
    "possibly_sensitive,referenced_tweets,source,text,withheld"
)
PINNED_USER_FIELDS = (
    "created_at,description,entities,id,location,name,pinned_tweet_id,"
    "profile_image_url,protected,url,username,verified,withheld"
)
PINNED_TWEET_FIELDS = (
    "attachments,author_id,conversation_id,created_at,entities,geo,id,"
    "in_reply_to_user_id,lang,possibly_sensitive,referenced_tweets,source,"
    "text,withheld"
)


def shape(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: shape(item) for key, item in value.items()}
    if isinstance(value, list):
        merged: Any = None
        for item in value:
            merged = merge(merged, shape(item))
        return [merged]
    return type(value).__name__


def merge(a: Any, b: Any) -> Any:
    if a is None:
        return b
    if isinstance(a, dict) and isinstance(b, dict):
        return {key: merge(a.get(key), b.get(key)) for key in a.keys() | b.keys()}
    if isinstance(a, list) and isinstance(b, list):
        return [merge(a[0], b[0])]
    return a


def keys_anywhere(value: Any) -> set[str]:
    if isinstance(value, dict):
        return set(value).union(*(keys_anywhere(item) for item in value.values()))
    if isinstance(value, list):
        return set().union(*(keys_anywhere(item) for item in value))
    return set()


def differences(recorded: Any, emulated: Any, allowed: set[str], path: str = "$") -> list[str]:
    """What the emulated shape lacks or adds; it may add keys in `allowed`."""
    if recorded is None:
        return []
    if isinstance(recorded, dict):
        if not isinstance(emulated, dict):
            return [f"{path}: expected an object, got {emulated}"]
        found = [f"{path}.{key}: missing" for key in recorded if key not in emulated]
        found += [
            f"{path}.{key}: unexpected"
            for key in emulated
            if key not in recorded and key not in allowed
        ]
        for key in recorded.keys() & emulated.keys():
            found += differences(recorded[key], emulated[key], allowed, f"{path}.{key}")
        return found
    if isinstance(recorded, list):
        if not isinstance(emulated, list):
            return [f"{path}: expected an array, got {emulated}"]
        return differences(recorded[0], emulated[0], allowed, f"{path}[]") if emulated[0] else []
    return [] if recorded == emulated else [f"{path}: {recorded} recorded, {emulated} emulated"]


@pytest.fixture(scope="module")
def world(request):
    from extract.sandbox import SandboxOptions, start_sandbox

    server = start_sandbox(SandboxOptions(followers=5_000))
    advance(server, 30 * 86400)  # a month of posts, so mentions and searches have pages
    request.addfinalizer(server.stop)
    return server


def sandbox_request(server, name: str) -> httpx.Response:
    news = demo_account(server)["id"]
    mapmaker = demo_account(server, "quiet_mapmaker")["id"]
    client = api(server)
    usernames = ",".join(
        ["sandbox_news", "quiet_mapmaker", "nobody_home1", "pg_tinkerer", "not_a_user22"]
    )
    requests = {
        "postman_search_recent_expansions_author_referenced.json": (
            "/2/tweets/search/recent",
            {
                "query": "from:sandbox_news",
                "max_results": 100,
                "tweet.fields": TWEET_FIELDS,
                "expansions": "author_id,referenced_tweets.id",
                "user.fields": "description,created_at",
            },
        ),
        "postman_stream_rules_403_client_not_enrolled.json": ("/2/tweets/search/stream/rules", {}),
        "postman_user_by_id_not_found_200.json": ("/2/users/999999999", {}),
        "postman_user_by_username_default_payload.json": ("/2/users/by/username/sandbox_news", {}),
        "postman_user_by_username_not_found_200.json": ("/2/users/by/username/NoSuchUser99", {}),
        "postman_user_by_username_user_and_pinned_tweet_fields.json": (
            "/2/users/by/username/sandbox_news",
            {
                "user.fields": PINNED_USER_FIELDS,
                "expansions": "pinned_tweet_id",
                "tweet.fields": PINNED_TWEET_FIELDS,
            },
        ),
        "postman_users_by_usernames_partial_not_found_200.json": (
            "/2/users/by",
            {"usernames": usernames},
        ),
        "postman_users_by_usernames_too_many_400.json": (
            "/2/users/by",
            {"usernames": ",".join(f"user{i}" for i in range(110))},
        ),
        "tweepy_get_user_by_username_default_fields.json": ("/2/users/by/username/pg_tinkerer", {}),
        "tweepy_get_users_by_usernames.json": (
            "/2/users/by",
            {"usernames": "sandbox_news,pg_tinkerer"},
        ),
        "tweepy_get_users_followers_page1_default_max_results.json": (
            f"/2/users/{news}/followers",
            {},
        ),
        "tweepy_get_users_following_2022_page1.json": (f"/2/users/{news}/following", {}),
        "tweepy_get_users_following_last_page.json": (f"/2/users/{mapmaker}/following", {}),
        "tweepy_get_users_mentions_default.json": (f"/2/users/{news}/mentions", {}),
        "tweepy_get_users_tweets_default.json": (f"/2/users/{news}/tweets", {}),
        "tweepy_search_recent_tweets_default.json": (
            "/2/tweets/search/recent",
            {"query": "from:sandbox_news"},
        ),
    }
    if name == "postman_stream_rules_401_unauthorized.json":
        return httpx.get(f"{server.base_url}/2/tweets/search/stream/rules")
    path, params = requests[name]
    return client.get(path, params=params)


RECORDINGS = sorted(path.name for path in FIXTURES.glob("*.json"))
JSON_RECORDINGS = [name for name in RECORDINGS if "plaintext" not in name]


def test_every_recording_is_covered():
    assert len(RECORDINGS) == 18
    assert set(JSON_RECORDINGS) | {"postman_users_by_username_429_plaintext_2020.json"} == set(
        RECORDINGS
    )


@pytest.mark.parametrize("name", JSON_RECORDINGS)
def test_sandbox_matches_recording(world, name):
    recorded = json.loads((FIXTURES / name).read_text())
    response = sandbox_request(world, name)
    assert response.status_code == recorded["status"], response.text[:500]
    # optional keys the same recording shows on a sibling object are allowed too
    allowed = ALLOWED_EXTRA | keys_anywhere(recorded["body"])
    assert differences(shape(recorded["body"]), shape(response.json()), allowed) == []
    missing_headers = set(recorded["headers"]) - set(response.headers) - {"date"}
    assert missing_headers == set()
    assert response.headers["content-type"] == "application/json; charset=utf-8"


def test_rate_limited_response_matches_the_recorded_headers(start_x_sandbox):
    """The 2020 recording's 429 body was text/plain; since 2021 X sends a JSON problem
    (contracts 1.4). The headers clients rely on are the same in both eras."""
    recorded = json.loads(
        (FIXTURES / "postman_users_by_username_429_plaintext_2020.json").read_text()
    )
    server = start_x_sandbox(rate_limit_window_s=60)
    client = api(server)
    user_id = demo_account(server)["id"]
    for _ in range(15):
        assert client.get(f"/2/users/{user_id}/followers").status_code == 200
    response = client.get(f"/2/users/{user_id}/followers")
    assert response.status_code == recorded["status"] == 429
    assert (
        response.headers["x-rate-limit-remaining"]
        == recorded["headers"]["x-rate-limit-remaining"]
        == "0"
    )
    assert set(recorded["headers"]) - set(response.headers) - {"date", "content-type"} == set()
    assert response.json() == {
        "title": "Too Many Requests",
        "detail": "Too Many Requests",
        "type": "about:blank",
        "status": 429,
    }
    assert TOKEN not in response.text
