"""Real recorded X responses go through the real client, the parser and the loader unchanged."""

from __future__ import annotations

import json
import re
from typing import ClassVar
from urllib.parse import parse_qs, urlsplit

import pytest

from extract.networks.x.source import parse_page
from tests.support.recordings import recordings_dir
from tests.support.stub_http import StubHandler, serving
from tests.support.sync import rows, run_sync, sync_env

FIXTURES = recordings_dir("x")


def recording(name: str) -> dict:
    return json.loads((FIXTURES / name).read_text())


RESOURCE_BY_PATH = [
    (re.compile(r"/2/users/\d+/(followers|following)$"), "followers"),
    (re.compile(r"/2/users/\d+/(tweets|mentions)$"), "posts"),
    (re.compile(r"/2/tweets/search/recent$"), "posts"),
    (re.compile(r"/2/users(/by)?(/username/\w+|/\d+)?$"), "profiles"),
]


SUCCESSFUL = sorted(
    p.name for p in FIXTURES.glob("*.json") if json.loads(p.read_text())["status"] == 200
)


def test_the_recordings_are_there():
    assert len(SUCCESSFUL) == 14


@pytest.mark.parametrize("name", SUCCESSFUL)
def test_every_successful_recording_parses(name):
    recorded = recording(name)
    path = urlsplit(recorded["request"]["url"]).path
    resource = next(r for pattern, r in RESOURCE_BY_PATH if pattern.search(path))
    page = parse_page(resource, "783214", recorded["body"])
    data = recorded["body"].get("data", [])
    expected = 1 if isinstance(data, dict) else len(data)
    assert len(page.users) + len(page.posts) == expected
    assert page.token_out == recorded["body"].get("meta", {}).get("next_token")
    assert page.item_errors == recorded["body"].get("errors", [])


class RecordedApi(StubHandler):
    """Serves recorded bodies (with their recorded headers) by path and page token."""

    routes: ClassVar[dict[tuple[str, bool], str]] = {}

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        paged = "pagination_token" in parse_qs(parts.query)
        shape = re.sub(r"/\d{3,}", "/:id", parts.path)
        recorded = recording(self.routes[(shape, paged)])
        headers = {
            name: value
            for name, value in recorded["headers"].items()
            if name.startswith("x-rate-limit") or name == "content-type"
        }
        self.reply(recorded["status"], headers, json.dumps(recorded["body"]).encode())


def test_recorded_responses_sync_end_to_end(elt_env):
    RecordedApi.routes = {
        ("/2/users/by", False): "postman_users_by_usernames_partial_not_found_200.json",
        ("/2/users/:id", False): "postman_user_by_username_user_and_pinned_tweet_fields.json",
        (
            "/2/users/:id/followers",
            False,
        ): "tweepy_get_users_followers_page1_default_max_results.json",
        ("/2/users/:id/followers", True): "tweepy_get_users_following_last_page.json",
        ("/2/users/:id/tweets", False): "tweepy_get_users_tweets_default.json",
        ("/2/users/:id/tweets", True): "postman_search_recent_expansions_author_referenced.json",
    }
    with serving(RecordedApi) as server:
        result = run_sync(sync_env(elt_env), server, "--accounts", "TwitterNYC,twitterrrrrrr")
    assert result.returncode == 0, result.stderr[-2000:]
    assert "warning: skipped @twitterrrrrrr: Could not find user" in result.stderr
    url = elt_env["ELT_WAREHOUSE_URL"]
    followers_page = recording("tweepy_get_users_followers_page1_default_max_results.json")
    last_page = recording("tweepy_get_users_following_last_page.json")
    expected_edges = {u["id"] for u in followers_page["body"]["data"] + last_page["body"]["data"]}
    edges = {r[0] for r in rows(url, "select follower_id from raw_x.followers")}
    assert edges == expected_edges
    tweets = recording("tweepy_get_users_tweets_default.json")["body"]["data"]
    search = recording("postman_search_recent_expansions_author_referenced.json")["body"]["data"]
    posts = {r[0] for r in rows(url, "select external_id from raw_x.posts")}
    assert posts == {t["id"] for t in tweets + search}
    profile = rows(url, "select payload from raw_x.users where external_id = '2244994945'")
    assert profile[0][0]["pinned_tweet_id"] == "1255542774432063488"
