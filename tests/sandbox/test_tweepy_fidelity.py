"""A real third-party client (tweepy) cannot tell the sandbox from the X API."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

import requests
import tweepy
from requests.adapters import HTTPAdapter

from extract.sandbox import ChaosConfig
from tests.support.x_api import TOKEN, demo_account, truth_followers


class RedirectToSandbox(HTTPAdapter):
    """Rewrites https://api.twitter.com/... to the sandbox, the way the contract suggests."""

    def __init__(self, base_url: str) -> None:
        super().__init__()
        self.target = urlsplit(base_url)

    def send(self, request: requests.PreparedRequest, **kwargs):  # type: ignore[override]
        parts = urlsplit(request.url)
        request.url = urlunsplit(
            parts._replace(scheme=self.target.scheme, netloc=self.target.netloc)
        )
        return super().send(request, **kwargs)


def tweepy_client(base_url: str) -> tweepy.Client:
    client = tweepy.Client(bearer_token=TOKEN, wait_on_rate_limit=True)
    client.session.mount("https://api.twitter.com", RedirectToSandbox(base_url))
    return client


def test_tweepy_pages_all_followers_and_tweets(start_x_sandbox):
    server = start_x_sandbox(followers=12_345, posts=260)
    client = tweepy_client(server.base_url)

    user = client.get_user(username="sandbox_news", user_fields=["public_metrics", "created_at"])
    assert user.errors == []
    metrics = user.data.public_metrics
    assert user.data.created_at.tzinfo is not None

    followers = [
        follower.id
        for page in tweepy.Paginator(client.get_users_followers, user.data.id, max_results=1000)
        for follower in page.data or []
    ]
    assert len(followers) == len(set(followers)) == metrics["followers_count"] == 12_345
    assert sorted(map(str, followers)) == sorted(truth_followers(server, str(user.data.id)))

    tweets = [
        tweet
        for page in tweepy.Paginator(
            client.get_users_tweets,
            user.data.id,
            max_results=100,
            tweet_fields=["created_at", "public_metrics"],
        )
        for tweet in page.data or []
    ]
    assert len({tweet.id for tweet in tweets}) == metrics["tweet_count"] == 260
    assert all(tweet.created_at is not None for tweet in tweets)


def test_tweepy_reports_per_item_errors_without_raising(start_x_sandbox):
    client = tweepy_client(start_x_sandbox().base_url)
    response = client.get_users(usernames=["sandbox_news", "nobody_here_x", "suspended_acct"])
    assert [user.username for user in response.data] == ["sandbox_news"]
    assert {error["title"] for error in response.errors} == {"Not Found Error", "Forbidden"}


def test_tweepy_survives_rate_limits_and_429_bursts(start_x_sandbox):
    # 15 follower requests per 2-second window, plus chaos 429 bursts on a fifth of requests
    server = start_x_sandbox(
        followers=18_000,
        rate_limit_window_s=2.0,
        chaos=ChaosConfig(probability=0.2, faults=("429",), seed=7, burst_seconds=1.0),
    )
    client = tweepy_client(server.base_url)
    user_id = demo_account(server)["id"]
    followers = {
        follower.id
        for page in tweepy.Paginator(client.get_users_followers, user_id, max_results=1000)
        for follower in page.data or []
    }
    assert len(followers) == 18_000
    stats = requests.get(f"{server.base_url}/_sandbox/stats").json()
    assert stats["faults"].get("429", 0) >= 1
    assert stats["requests"]["followers"] > 18  # the budget of 15 was exceeded and waited out
