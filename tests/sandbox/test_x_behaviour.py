"""The sandbox's world: deterministic, consistent counts, a moving clock, expiring tokens."""

from __future__ import annotations

import time

import httpx

from tests.support.x_api import advance, api, demo_account, page_all, truth_followers


def test_same_seed_same_world_other_seed_other_world(start_x_sandbox):
    pages = []
    for seed in (1, 1, 2):
        server = start_x_sandbox(seed=seed, followers=3_000)
        client = api(server)
        user_id = demo_account(server)["id"]
        body = client.get(f"/2/users/{user_id}/followers", params={"max_results": 1000}).json()
        tweets = client.get(f"/2/users/{user_id}/tweets", params={"max_results": 100}).json()
        pages.append((body["data"], body["meta"]["next_token"], tweets["data"]))
    assert pages[0] == pages[1]
    assert pages[0][0] != pages[2][0]


def test_followers_count_equals_distinct_edges_served(start_x_sandbox):
    server = start_x_sandbox(followers=7_777, rate_limits=False)
    client = api(server)
    account = demo_account(server)
    followers = page_all(client, f"/2/users/{account['id']}/followers", max_results=1000)
    ids = [user["id"] for user in followers]
    assert len(ids) == len(set(ids)) == account["followers_count"] == 7_777
    # a follower is a real user: looking them up gives the same profile
    sample = client.get("/2/users", params={"ids": ",".join(ids[:100])}).json()["data"]
    assert sample == followers[:100]
    # and their own follower lists are consistent too
    follower = client.get(f"/2/users/{ids[0]}", params={"user.fields": "public_metrics"}).json()
    theirs = page_all(client, f"/2/users/{ids[0]}/followers", max_results=1000)
    assert len(theirs) == follower["data"]["public_metrics"]["followers_count"]


def test_previous_token_pages_back(start_x_sandbox):
    server = start_x_sandbox(followers=1_000, rate_limits=False)
    client = api(server)
    path = f"/2/users/{demo_account(server)['id']}/followers"
    first = client.get(path, params={"max_results": 100}).json()
    assert "previous_token" not in first["meta"]
    second = client.get(
        path, params={"max_results": 100, "pagination_token": first["meta"]["next_token"]}
    ).json()
    back = client.get(
        path, params={"max_results": 100, "pagination_token": second["meta"]["previous_token"]}
    ).json()
    assert back["data"] == first["data"]


def test_advancing_the_clock_changes_the_world(start_x_sandbox):
    server = start_x_sandbox(followers=20_000, rate_limits=False)
    client = api(server)
    account = demo_account(server)
    path = f"/2/users/{account['id']}"
    before_profile = client.get(path, params={"user.fields": "description,public_metrics"}).json()
    before_followers = set(truth_followers(server, account["id"]))
    before_posts = page_all(client, f"{path}/tweets", max_results=100)

    advance(server, 86400)

    after_profile = client.get(path, params={"user.fields": "description,public_metrics"}).json()
    after_followers = set(truth_followers(server, account["id"]))
    after_posts = page_all(client, f"{path}/tweets", max_results=100)
    unfollowed = before_followers - after_followers
    gained = after_followers - before_followers
    assert 150 <= len(unfollowed) <= 200  # 1% a day, a few land on the day's new followers
    assert len(gained) >= 90  # 0.5% a day
    assert after_profile["data"]["public_metrics"]["followers_count"] == len(after_followers)
    assert after_profile["data"]["description"] != before_profile["data"]["description"]
    new_posts = {post["id"] for post in after_posts} - {post["id"] for post in before_posts}
    assert len(new_posts) == 6  # six a day
    assert max(map(int, new_posts)) > max(int(post["id"]) for post in before_posts)


def test_since_id_returns_only_newer_posts(start_x_sandbox):
    server = start_x_sandbox(rate_limits=False)
    client = api(server)
    path = f"/2/users/{demo_account(server)['id']}/tweets"
    newest = client.get(path).json()["meta"]["newest_id"]
    unchanged = client.get(path, params={"since_id": newest}).json()
    assert unchanged == {"meta": {"result_count": 0}}  # empty result: no data key
    advance(server, 2 * 86400)
    fresh = page_all(client, path, since_id=newest, max_results=5)
    assert len(fresh) == 12 and all(int(post["id"]) > int(newest) for post in fresh)


def test_time_window_bounds_the_timeline(start_x_sandbox):
    server = start_x_sandbox(rate_limits=False)
    client = api(server)
    path = f"/2/users/{demo_account(server)['id']}/tweets"
    window = {
        "start_time": "2026-06-01T00:00:00Z",
        "end_time": "2026-07-01T00:00:00+00:00",
        "tweet.fields": "created_at",
        "max_results": 100,
    }
    posts = page_all(client, path, **window)
    assert posts and all("2026-06" in post["created_at"] for post in posts)


def test_expired_page_token_gets_the_invalid_request_body(start_x_sandbox):
    server = start_x_sandbox(followers=5_000, token_ttl_s=3600, rate_limits=False)
    client = api(server)
    path = f"/2/users/{demo_account(server)['id']}/followers"
    token = client.get(path).json()["meta"]["next_token"]
    assert client.get(path, params={"pagination_token": token}).status_code == 200
    advance(server, 3601)
    expired = client.get(path, params={"pagination_token": token})
    assert expired.status_code == 400
    assert expired.json()["title"] == "Invalid Request"
    assert expired.json()["errors"][0]["parameters"] == {"pagination_token": [token]}


def test_invalid_parameters_get_the_real_messages(start_x_sandbox):
    server = start_x_sandbox()
    client = api(server)
    user_id = demo_account(server)["id"]
    cases = {
        (
            f"/2/users/{user_id}/tweets",
            "max_results=3",
        ): "The `max_results` query parameter value [3] is not between 5 and 100",
        ("/2/users/foo", ""): "The `id` query parameter value [foo] does not match ^[0-9]{1,19}$",
        (
            "/2/users/by",
            "usernames=" + ",".join(f"u{i}" for i in range(110)),
        ): "size [110] is not between 1 and 100",
        (
            f"/2/users/{user_id}",
            "user.fields=nonsense",
        ): "The `user.fields` query parameter value [nonsense] is not one of [",
    }
    for (path, query), message in cases.items():
        response = client.get(f"{path}?{query}")
        assert response.status_code == 400
        assert response.json()["errors"][0]["message"].startswith(message)
    # twarc's defaults: every known field and expansion is accepted
    twarc_style = client.get(
        f"/2/users/{user_id}/tweets",
        params={
            "tweet.fields": "edit_controls,edit_history_tweet_ids,context_annotations,"
            "reply_settings,non_public_metrics,organic_metrics",
            "user.fields": "verified_type,most_recent_tweet_id",
            "expansions": "author_id,referenced_tweets.id,attachments.media_keys,geo.place_id",
            "media.fields": "url,variants",
            "max_results": 100,
        },
    )
    assert twarc_style.status_code == 200


def test_rate_limit_headers_and_429(start_x_sandbox):
    server = start_x_sandbox(rate_limit_window_s=30)
    client = api(server)
    path = f"/2/users/{demo_account(server)['id']}/followers"
    remaining = []
    for _ in range(15):
        response = client.get(path)
        remaining.append(int(response.headers["x-rate-limit-remaining"]))
        assert response.headers["x-rate-limit-limit"] == "15"
    assert remaining == list(range(14, -1, -1))
    limited = client.get(path)
    assert limited.status_code == 429
    assert limited.headers["x-rate-limit-remaining"] == "0"
    assert int(limited.headers["x-rate-limit-reset"]) > time.time()
    # a different endpoint and a different credential have their own budgets
    assert client.get(f"{path[:-10]}/tweets").status_code == 200
    user_context = httpx.get(
        f"{server.base_url}{path}", headers={"Authorization": 'OAuth oauth_consumer_key="k"'}
    )
    assert user_context.status_code == 200


def test_wrong_or_missing_token_gets_the_real_401(start_x_sandbox):
    server = start_x_sandbox(token="right-token")
    for headers in ({}, {"Authorization": "Bearer wrong"}):
        response = httpx.get(f"{server.base_url}/2/users/by/username/sandbox_news", headers=headers)
        assert response.status_code == 401
        assert response.json() == {
            "title": "Unauthorized",
            "type": "about:blank",
            "status": 401,
            "detail": "Unauthorized",
        }


def test_control_api_counts_requests(start_x_sandbox):
    server = start_x_sandbox()
    client = api(server)
    user_id = demo_account(server)["id"]
    client.get(f"/2/users/{user_id}/followers")
    client.get(f"/2/users/{user_id}/followers")
    client.get(f"/2/users/{user_id}")
    stats = httpx.get(f"{server.base_url}/_sandbox/stats").json()
    assert stats["requests"] == {"followers": 2, "users/:id": 1} and stats["total"] == 3
    httpx.post(f"{server.base_url}/_sandbox/stats/reset")
    assert httpx.get(f"{server.base_url}/_sandbox/stats").json()["total"] == 0
