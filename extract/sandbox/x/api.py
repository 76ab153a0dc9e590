"""X API v2 routes: parameter validation, envelopes, errors and rate-limit headers.

Shapes and messages follow ../shared/contracts/social_apis.md section 1 and the recorded
responses in ../shared/fixtures/real/x/.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from extract.sandbox.chaos import ChaosConfig, stable_hash
from extract.sandbox.ratelimit import Budget, RateLimiter
from extract.sandbox.server import Reply, Request
from extract.sandbox.x.render import (
    DEFAULT_TWEET_FIELDS,
    DEFAULT_USER_FIELDS,
    TWEET_FIELDS,
    USER_FIELDS,
    Renderer,
)
from extract.sandbox.x.world import DAY_S, Post, User, World

PROBLEMS = "https://api.twitter.com/2/problems"
ID_PATTERN = "^[0-9]{1,19}$"
USERNAME_PATTERN = "^[A-Za-z0-9_]{1,15}$"
DEFAULT_LIMITS = {  # requests per window per credential, as X documents for app auth
    "users/by/username": 300,
    "users/:id": 300,
    "users": 300,
    "users/by": 300,
    "followers": 15,
    "following": 15,
    "tweets": 1500,
    "mentions": 450,
    "search/recent": 450,
}
REACHABLE_TIMELINE = 3200  # X serves only the newest 3200 posts of a timeline
USER_EXPANSIONS = ("pinned_tweet_id", "most_recent_tweet_id", "affiliation.user_id")
TWEET_EXPANSIONS = (
    "article.cover_media",
    "article.media_entities",
    "attachments.media_keys",
    "attachments.media_source_tweet",
    "attachments.poll_ids",
    "author_id",
    "edit_history_tweet_ids",
    "entities.mentions.username",
    "geo.place_id",
    "in_reply_to_user_id",
    "entities.note.mentions.username",
    "referenced_tweets.id",
    "referenced_tweets.id.attachments.media_keys",
    "referenced_tweets.id.author_id",
)
OTHER_FIELDS = {
    "media.fields": (
        "alt_text",
        "duration_ms",
        "height",
        "media_key",
        "non_public_metrics",
        "organic_metrics",
        "preview_image_url",
        "promoted_metrics",
        "public_metrics",
        "type",
        "url",
        "variants",
        "width",
    ),
    "place.fields": (
        "contained_within",
        "country",
        "country_code",
        "full_name",
        "geo",
        "id",
        "name",
        "place_type",
    ),
    "poll.fields": ("duration_minutes", "end_datetime", "id", "options", "voting_status"),
}
USER_PARAMS = ("expansions", "user.fields", "tweet.fields")
FOLLOW_PARAMS = (*USER_PARAMS, "max_results", "pagination_token")
TIMELINE_PARAMS = (
    "expansions",
    "tweet.fields",
    "user.fields",
    "media.fields",
    "place.fields",
    "poll.fields",
    "max_results",
    "pagination_token",
    "since_id",
    "until_id",
    "start_time",
    "end_time",
)
SEARCH_PARAMS = (
    *TIMELINE_PARAMS[:6],
    "query",
    "max_results",
    "next_token",
    "since_id",
    "until_id",
    "start_time",
    "end_time",
    "sort_order",
)


class InvalidRequest(Exception):
    def __init__(self, errors: list[dict[str, Any]]) -> None:
        super().__init__(errors)
        self.errors = errors


def invalid(parameter: str, value: str, message: str) -> InvalidRequest:
    return InvalidRequest([{"parameters": {parameter: [value]}, "message": message}])


def not_found(parameter: str, value: str) -> dict[str, Any]:
    return {
        "value": value,
        "detail": f"Could not find user with {parameter}: [{value}].",
        "title": "Not Found Error",
        "resource_type": "user",
        "parameter": parameter,
        "resource_id": value,
        "type": f"{PROBLEMS}/resource-not-found",
    }


def suspended(parameter: str, value: str) -> dict[str, Any]:
    return {
        "value": value,
        "detail": f"User has been suspended: [{value}].",
        "title": "Forbidden",
        "resource_type": "user",
        "parameter": parameter,
        "resource_id": value,
        "type": f"{PROBLEMS}/resource-not-found",
    }


@dataclass(frozen=True)
class Route:
    pattern: re.Pattern[str]
    endpoint: str
    params: tuple[str, ...]
    handler: Callable[[Request, dict[str, str]], dict[str, Any]]


class PageTokens:
    """Opaque, tamper-evident page tokens that expire after `ttl_s` seconds of world time."""

    def __init__(self, world: World, secret: int, ttl_s: int) -> None:
        self.world = world
        self.secret = secret
        self.ttl_s = ttl_s

    def encode(self, scope: str, direction: str, position: int, upper: bool) -> str:
        payload = f"{direction}{position}.{self.world.now_s()}"
        check = stable_hash(f"{self.secret}|{scope}|{payload}") & 0xFFFFFFFF
        raw = f"{payload}.{check:08x}".encode()
        token = base64.b32encode(raw).decode().rstrip("=")
        return token if upper else token.lower()

    def decode(self, scope: str, token: str, parameter: str) -> tuple[str, int]:
        """(direction, position) of a token issued for `scope`, or a 400 if bad or expired."""
        rejected = invalid(
            parameter, token, f"The `{parameter}` query parameter value [{token}] is not valid"
        )
        try:
            padded = token.upper() + "=" * (-len(token) % 8)
            payload, _, check = base64.b32decode(padded).decode().rpartition(".")
            expected = stable_hash(f"{self.secret}|{scope}|{payload}") & 0xFFFFFFFF
            position, issued = payload[1:].split(".")
            if int(check, 16) != expected or payload[0] not in "np":
                raise rejected
        except (ValueError, UnicodeDecodeError) as exc:
            raise rejected from exc
        if self.world.now_s() - int(issued) > self.ttl_s:
            raise rejected
        return payload[0], int(position)


class XEmulator:
    def __init__(
        self, world: World, bearer_token: str, limiter: RateLimiter, token_ttl_s: int = 6 * 3600
    ) -> None:
        self.world = world
        self.bearer_token = bearer_token
        self.limiter = limiter
        self.render = Renderer(world)
        self.tokens = PageTokens(world, world.config.seed, token_ttl_s)
        user = r"/2/users/(?P<id>[^/]+)"
        self.routes = [
            Route(
                re.compile(r"^/2/users/by/username/(?P<username>[^/]*)$"),
                "users/by/username",
                USER_PARAMS,
                self.user_by_username,
            ),
            Route(
                re.compile(r"^/2/users/by$"),
                "users/by",
                (*USER_PARAMS, "usernames"),
                self.users_by_usernames,
            ),
            Route(re.compile(r"^/2/users$"), "users", (*USER_PARAMS, "ids"), self.users_by_ids),
            Route(
                re.compile(f"^{user}/followers$"),
                "followers",
                FOLLOW_PARAMS,
                lambda r, p: self.follows(r, p, "followers"),
            ),
            Route(
                re.compile(f"^{user}/following$"),
                "following",
                FOLLOW_PARAMS,
                lambda r, p: self.follows(r, p, "following"),
            ),
            Route(
                re.compile(f"^{user}/tweets$"),
                "tweets",
                (*TIMELINE_PARAMS, "exclude"),
                self.timeline,
            ),
            Route(re.compile(f"^{user}/mentions$"), "mentions", TIMELINE_PARAMS, self.mentions),
            Route(re.compile(f"^{user}$"), "users/:id", USER_PARAMS, self.user_by_id),
            Route(
                re.compile(r"^/2/tweets/search/recent$"),
                "search/recent",
                SEARCH_PARAMS,
                self.search_recent,
            ),
        ]

    # -- emulator protocol ---------------------------------------------------------------

    def endpoint(self, request: Request) -> str | None:
        if request.path.startswith("/2/tweets/search/stream"):
            return "search/stream"
        route = self._route(request)
        return route[0].endpoint if route else None

    def handle(self, request: Request) -> Reply:
        if not self._authorised(request):
            return Reply(
                401,
                {
                    "title": "Unauthorized",
                    "type": "about:blank",
                    "status": 401,
                    "detail": "Unauthorized",
                },
            )
        if request.path.startswith("/2/tweets/search/stream"):
            return Reply(
                403,
                {
                    "client_id": "1",
                    "required_enrollment": "Appropriate Level of API Access",
                    "registration_url": "https://developer.x.com/en/portal/product",
                    "title": "Client Forbidden",
                    "detail": "This request must be made using an approved developer account that "
                    "is enrolled in the requested endpoint. Learn more by visiting our "
                    "documentation.",
                    "reason": "client-not-enrolled",
                    "type": f"{PROBLEMS}/client-forbidden",
                },
                {"x-access-level": "read"},
            )
        route = self._route(request)
        if route is None:
            return Reply(
                404,
                {
                    "title": "Not Found Error",
                    "type": "about:blank",
                    "status": 404,
                    "detail": "Not Found",
                },
            )
        handler_route, path_params = route
        budget = self.limiter.take(self._credential(request), handler_route.endpoint)
        if not budget.allowed:
            return self._too_many(budget)
        try:
            self._check_params(request, handler_route.params)
            body = handler_route.handler(request, path_params)
        except InvalidRequest as exc:
            return Reply(
                400,
                {
                    "errors": exc.errors,
                    "title": "Invalid Request",
                    "detail": "One or more parameters to your request was invalid.",
                    "type": f"{PROBLEMS}/invalid-request",
                },
                self._headers(budget),
            )
        return Reply(200, body, self._headers(budget))

    def fault(self, fault: str, request: Request, chaos: ChaosConfig) -> Reply:
        if fault == "429":
            endpoint = self.endpoint(request) or "unknown"
            credential = self._credential(request)
            return self._too_many(self.limiter.block(credential, endpoint, chaos.burst_seconds))
        if fault == "nonjson":
            return Reply(
                200,
                "<html><body><h1>Over capacity</h1></body></html>",
                content_type="text/html; charset=utf-8",
            )
        status = int(fault)
        title = "Service Unavailable" if status == 503 else "Internal Server Error"
        return Reply(
            status, {"title": title, "detail": title, "type": "about:blank", "status": status}
        )

    def control(self, request: Request) -> Reply | None:
        name = request.path.removeprefix("/_sandbox/")
        if name == "accounts" and request.method == "GET":
            return Reply(
                200,
                {
                    "accounts": [
                        {
                            "id": str(user.user_id),
                            "username": user.username,
                            "followers_count": self.world.followers_count(user),
                            "tweet_count": self.world.post_count(user),
                        }
                        for user in self.world.demo
                        if not user.suspended
                    ]
                },
            )
        if name == "clock" and request.method == "GET":
            return Reply(200, self._clock())
        if name == "advance" and request.method == "POST":
            try:
                self.world.advance(int(request.param("seconds") or "0"))
            except ValueError:
                return Reply(400, {"error": "seconds must be a non-negative integer"})
            return Reply(200, self._clock())
        match = re.fullmatch(r"truth/(followers|posts)/(\d+)", name)
        if match and request.method == "GET":
            user = self.world.user_by_id(int(match[2]))
            if user is None:
                return Reply(404, {"error": "no such user"})
            if match[1] == "followers":
                page = self.world.follower_page(user, 1 << 62, None, None)
                ids = [str(i) for i in self.world.follower_ids(user, page.ordinals)]
            else:
                count = self.world.post_count(user)
                ids = [str(self.world.post(user, seq).post_id) for seq in range(count)]
            return Reply(200, {"ids": ids})
        return None

    # -- plumbing ------------------------------------------------------------------------

    def _route(self, request: Request) -> tuple[Route, dict[str, str]] | None:
        for route in self.routes:
            match = route.pattern.match(request.path)
            if match:
                return route, match.groupdict()
        return None

    def _authorised(self, request: Request) -> bool:
        header = request.headers.get("authorization", "")
        if header.startswith("OAuth "):
            return True  # user-context OAuth 1.0a: signature checks are out of scope
        return header == f"Bearer {self.bearer_token}"

    @staticmethod
    def _credential(request: Request) -> str:
        return request.headers.get("authorization", "")

    def _headers(self, budget: Budget) -> dict[str, str]:
        return {
            "x-rate-limit-limit": str(budget.limit),
            "x-rate-limit-remaining": str(budget.remaining),
            "x-rate-limit-reset": str(budget.reset_epoch_s),
            "x-access-level": "read",
            "api-version": "2.140",
            "cache-control": "no-cache, no-store, max-age=0",
        }

    def _too_many(self, budget: Budget) -> Reply:
        return Reply(
            429,
            {
                "title": "Too Many Requests",
                "detail": "Too Many Requests",
                "type": "about:blank",
                "status": 429,
            },
            self._headers(budget),
        )

    def _clock(self) -> dict[str, Any]:
        return {
            "now": datetime.fromtimestamp(self.world.now_s(), tz=UTC).isoformat(),
            "now_epoch_s": self.world.now_s(),
            "clock_s": self.world.clock_s(),
        }

    @staticmethod
    def _check_params(request: Request, allowed: tuple[str, ...]) -> None:
        errors = []
        for name, values in request.query.items():
            if name not in allowed:
                errors.append(
                    {
                        "parameters": {name: values},
                        "message": f"The query parameter [{name}] is not one of "
                        f"[{','.join(allowed)}]",
                    }
                )
        fields = {
            "user.fields": USER_FIELDS,
            "tweet.fields": TWEET_FIELDS,
            **OTHER_FIELDS,
            "expansions": USER_EXPANSIONS
            if "tweets" not in request.path
            and "search" not in request.path
            and "mentions" not in request.path
            else TWEET_EXPANSIONS,
        }
        for name, valid in fields.items():
            for value in _csv(request.param(name)):
                if value not in valid:
                    errors.append(
                        {
                            "parameters": {name: [value]},
                            "message": f"The `{name}` query parameter value [{value}] "
                            f"is not one of [{','.join(valid)}]",
                        }
                    )
        if errors:
            raise InvalidRequest(errors)

    # -- users ---------------------------------------------------------------------------

    def _user_fields(self, request: Request) -> frozenset[str]:
        return frozenset((*DEFAULT_USER_FIELDS, *_csv(request.param("user.fields"))))

    def _tweet_fields(self, request: Request) -> frozenset[str]:
        return frozenset((*DEFAULT_TWEET_FIELDS, *_csv(request.param("tweet.fields"))))

    def _users_envelope(
        self,
        request: Request,
        users: list[User],
        errors: list[dict[str, Any]],
        single: bool = False,
    ) -> dict[str, Any]:
        fields = self._user_fields(request)
        data = [self.render.user(user, fields) for user in users]
        body: dict[str, Any] = {}
        if data:
            body["data"] = data[0] if single else data
        if "pinned_tweet_id" in _csv(request.param("expansions")):
            pinned = [post for post in map(self.world.pinned_post, users) if post is not None]
            tweet_fields = self._tweet_fields(request)
            if pinned:
                body["includes"] = {"tweets": [self.render.tweet(p, tweet_fields) for p in pinned]}
        if errors:
            body["errors"] = errors
        return body

    def _lookup_id(self, value: str, parameter: str) -> User | dict[str, Any]:
        if not re.fullmatch(r"[0-9]{1,19}", value):
            raise invalid(
                parameter,
                value,
                f"The `{parameter}` query parameter value [{value}] does not match {ID_PATTERN}",
            )
        user = self.world.user_by_id(int(value))
        if user is None:
            return not_found(parameter, value)
        return suspended(parameter, value) if user.suspended else user

    def _lookup_username(self, value: str, parameter: str) -> User | dict[str, Any]:
        if not re.fullmatch(r"[A-Za-z0-9_]{1,15}", value):
            raise invalid(
                parameter,
                value,
                f"The `{parameter}` query parameter value [{value}] "
                f"does not match {USERNAME_PATTERN}",
            )
        user = self.world.user_by_username(value)
        if user is None:
            return not_found(parameter, value)
        return suspended(parameter, value) if user.suspended else user

    def _lookup_many(
        self, request: Request, parameter: str, lookup: Callable[[str, str], User | dict[str, Any]]
    ) -> dict[str, Any]:
        values = _csv(request.param(parameter))
        if not 1 <= len(values) <= 100:
            raise invalid(
                parameter,
                request.param(parameter) or "",
                f"size [{len(values)}] is not between 1 and 100",
            )
        found = [lookup(value, parameter) for value in values]
        users = [item for item in found if isinstance(item, User)]
        errors = [item for item in found if not isinstance(item, User)]
        return self._users_envelope(request, users, errors)

    def _one(self, request: Request, found: User | dict[str, Any]) -> dict[str, Any]:
        if isinstance(found, User):
            return self._users_envelope(request, [found], [], single=True)
        return {"errors": [found]}

    def user_by_username(self, request: Request, path: dict[str, str]) -> dict[str, Any]:
        return self._one(request, self._lookup_username(path["username"], "username"))

    def user_by_id(self, request: Request, path: dict[str, str]) -> dict[str, Any]:
        return self._one(request, self._lookup_id(path["id"], "id"))

    def users_by_usernames(self, request: Request, _: dict[str, str]) -> dict[str, Any]:
        return self._lookup_many(request, "usernames", self._lookup_username)

    def users_by_ids(self, request: Request, _: dict[str, str]) -> dict[str, Any]:
        return self._lookup_many(request, "ids", self._lookup_id)

    # -- follows -------------------------------------------------------------------------

    def follows(self, request: Request, path: dict[str, str], kind: str) -> dict[str, Any]:
        owner = self._lookup_id(path["id"], "id")
        if not isinstance(owner, User):
            return {"errors": [owner]}
        max_results = _int_param(request, "max_results", 100, 1, 1000)
        scope = f"{kind}:{owner.user_id}"
        token = request.param("pagination_token")
        direction, position = (
            self.tokens.decode(scope, token, "pagination_token") if token else ("n", None)
        )
        if kind == "followers":
            page = self.world.follower_page(
                owner,
                max_results,
                before=position if direction == "n" else None,
                after=position if direction == "p" else None,
            )
            ids = self.world.follower_ids(owner, page.ordinals)
            next_before, previous_after = page.next_before, page.previous_after
        else:
            top = owner.following if direction == "n" and position is None else position or 0
            if direction == "p":
                ordinals = list(range(min(top + max_results, owner.following) - 1, top, -1))
                ordinals = ordinals[:max_results]
            else:
                ordinals = list(range(min(top, owner.following) - 1, -1, -1))[:max_results]
            ids = self.world.following_ids(owner, ordinals)
            next_before = ordinals[-1] if ordinals and ordinals[-1] > 0 else None
            previous_after = ordinals[0] if ordinals and ordinals[0] < owner.following - 1 else None
        users = [user for user in map(self.world.user_by_id, ids) if user is not None]
        body = self._users_envelope(request, users, [])
        meta: dict[str, Any] = {"result_count": len(users)}
        if next_before is not None:
            meta["next_token"] = self.tokens.encode(scope, "n", next_before, upper=True)
        if token and previous_after is not None:
            meta["previous_token"] = self.tokens.encode(scope, "p", previous_after, upper=True)
        body["meta"] = meta
        return body

    # -- posts ---------------------------------------------------------------------------

    def _id_param(self, request: Request, name: str) -> int | None:
        value = request.param(name)
        if value is None:
            return None
        if not re.fullmatch(r"[0-9]{1,19}", value):
            raise invalid(
                name,
                value,
                f"The `{name}` query parameter value [{value}] does not match {ID_PATTERN}",
            )
        return int(value)

    @staticmethod
    def _time_param(request: Request, name: str) -> int | None:
        value = request.param(name)
        if value is None:
            return None
        try:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
            if moment.tzinfo is None:
                raise ValueError(value)
        except ValueError as exc:
            raise invalid(
                name,
                value,
                f"The `{name}` query parameter value [{value}] does "
                "not match a valid RFC3339 date-time",
            ) from exc
        return int(moment.timestamp() * 1000)

    def _seq_range(self, request: Request, user: User) -> tuple[int, int]:
        """[low, high) of post seqs a timeline request may reach, newest page first."""
        count = self.world.post_count(user)
        low, high = max(0, count - REACHABLE_TIMELINE), count
        since_id, until_id = (
            self._id_param(request, "since_id"),
            self._id_param(request, "until_id"),
        )
        start_ms, end_ms = (
            self._time_param(request, "start_time"),
            self._time_param(request, "end_time"),
        )
        if since_id is not None:
            low = max(low, self.world.post_seq_after(user, since_id, count))
        elif start_ms is not None:
            low = max(low, self.world.post_seq_at_or_after_ms(user, start_ms, count))
        if until_id is not None:
            high = min(high, self.world.post_seq_after(user, until_id - 1, count))
        if end_ms is not None:
            high = min(high, self.world.post_seq_at_or_after_ms(user, end_ms, count))
        return low, high

    def timeline(self, request: Request, path: dict[str, str]) -> dict[str, Any]:
        owner = self._lookup_id(path["id"], "id")
        if not isinstance(owner, User):
            return {"errors": [owner]}
        max_results = _int_param(request, "max_results", 10, 5, 100)
        excluded = set(_csv(request.param("exclude")))
        for value in excluded - {"replies", "retweets"}:
            raise invalid(
                "exclude",
                value,
                f"The `exclude` query parameter value [{value}] is not one of [replies,retweets]",
            )
        low, high = self._seq_range(request, owner)
        scope = f"tweets:{owner.user_id}"
        token = request.param("pagination_token")
        direction, position = (
            self.tokens.decode(scope, token, "pagination_token") if token else ("n", high)
        )
        if direction == "n":
            seqs = range(min(position, high) - 1, low - 1, -1)
        else:
            seqs = range(max(position + 1, low), high)
        picked: list[Post] = []
        for seq in seqs:
            post = self.world.post(owner, seq)
            if "replies" in excluded and post.reply_to is not None:
                continue
            picked.append(post)
            if len(picked) == max_results:
                break
        if direction == "p":
            picked.reverse()
        body = self._tweets_envelope(request, picked)
        if picked:
            oldest, newest = picked[-1].seq, picked[0].seq
            if oldest > low:
                body["meta"]["next_token"] = self.tokens.encode(scope, "n", oldest, upper=False)
            if token and newest < high - 1:
                body["meta"]["previous_token"] = self.tokens.encode(scope, "p", newest, upper=False)
        return body

    def _demo_posts_since(self, since_s: int) -> Iterable[Post]:
        for user in self.world.demo:
            count = self.world.post_count(user)
            first = self.world.post_seq_at_or_after_ms(user, since_s * 1000, count)
            for seq in range(first, count):
                yield self.world.post(user, seq)

    def mentions(self, request: Request, path: dict[str, str]) -> dict[str, Any]:
        owner = self._lookup_id(path["id"], "id")
        if not isinstance(owner, User):
            return {"errors": [owner]}
        needle = f"@{owner.username}"
        candidates = [
            post
            for post in self._demo_posts_since(self.world.now_s() - 30 * DAY_S)
            if post.author != owner and needle in self.render.text(post)[0]
        ]
        return self._offset_page(
            request, candidates, f"mentions:{owner.user_id}", "pagination_token", 10, 5
        )

    def search_recent(self, request: Request, _: dict[str, str]) -> dict[str, Any]:
        query = request.param("query")
        if not query:
            raise invalid("query", query or "", "The `query` query parameter can not be empty")
        if len(query) > 512:
            raise invalid(
                "query",
                query,
                f"The `query` query parameter value [{query}] is not between 1 and 512",
            )
        terms = query.lower().split()
        since_s = self.world.now_s() - 7 * DAY_S
        matched = []
        for post in self._demo_posts_since(since_s):
            text = self.render.text(post)[0].lower()
            if all(self._matches(term, post, text) for term in terms):
                matched.append(post)
        return self._offset_page(
            request, matched, f"search:{stable_hash(query)}", "next_token", 10, 10
        )

    def _matches(self, term: str, post: Post, text: str) -> bool:
        if term.startswith("from:"):
            return post.author.username.lower() == term[5:]
        if term.startswith("conversation_id:"):
            return str(self.world.conversation_root(post).post_id) == term[16:]
        return term in text

    def _offset_page(
        self,
        request: Request,
        posts: list[Post],
        scope: str,
        token_name: str,
        default: int,
        minimum: int,
    ) -> dict[str, Any]:
        max_results = _int_param(request, "max_results", default, minimum, 100)
        since_id = self._id_param(request, "since_id")
        until_id = self._id_param(request, "until_id")
        start_ms = self._time_param(request, "start_time")
        end_ms = self._time_param(request, "end_time")
        posts = sorted(
            (
                post
                for post in posts
                if (since_id is None or post.post_id > since_id)
                and (until_id is None or post.post_id < until_id)
                and (start_ms is None or post.created_ms >= start_ms)
                and (end_ms is None or post.created_ms < end_ms)
            ),
            key=lambda post: post.post_id,
            reverse=True,
        )
        token = request.param(token_name)
        offset = self.tokens.decode(scope, token, token_name)[1] if token else 0
        picked = posts[offset : offset + max_results]
        body = self._tweets_envelope(request, picked)
        if offset + max_results < len(posts):
            body["meta"]["next_token"] = self.tokens.encode(
                scope, "n", offset + max_results, upper=False
            )
        return body

    def _tweets_envelope(self, request: Request, posts: list[Post]) -> dict[str, Any]:
        fields = self._tweet_fields(request)
        expansions = set(_csv(request.param("expansions")))
        body: dict[str, Any] = {}
        if posts:
            body["data"] = [self.render.tweet(post, fields) for post in posts]
        includes: dict[str, list[dict[str, Any]]] = {}
        users: dict[int, User] = {}
        if "author_id" in expansions:
            users.update((post.author.user_id, post.author) for post in posts)
        if expansions & {"entities.mentions.username", "in_reply_to_user_id"}:
            for obj in body.get("data", []):
                for mention in (
                    obj.get("entities", {}).get("mentions", [])
                    if "entities.mentions.username" in expansions
                    else []
                ):
                    user = self.world.user_by_id(int(mention["id"]))
                    if user is not None:
                        users[user.user_id] = user
            users.update(
                (post.author.user_id, post.author)
                for post in posts
                if post.reply_to is not None and "in_reply_to_user_id" in expansions
            )
        if users:
            user_fields = self._user_fields(request)
            includes["users"] = [self.render.user(user, user_fields) for user in users.values()]
        if "referenced_tweets.id" in expansions:
            referenced = [
                self.world.post(post.author, post.seq - 1)
                for post in posts
                if post.reply_to is not None
            ]
            if referenced:
                includes["tweets"] = [self.render.tweet(post, fields) for post in referenced]
        if "attachments.media_keys" in expansions:
            media = [
                {"media_key": key, "type": "photo"}
                for obj in body.get("data", [])
                for key in obj.get("attachments", {}).get("media_keys", [])
            ]
            if media:
                includes["media"] = media
        if includes:
            body["includes"] = includes
        meta: dict[str, Any] = {"result_count": len(posts)}
        if posts:
            meta["newest_id"] = str(posts[0].post_id)
            meta["oldest_id"] = str(posts[-1].post_id)
        body["meta"] = meta
        return body


def _csv(value: str | None) -> list[str]:
    return [item for item in (value or "").split(",") if item]


def _int_param(request: Request, name: str, default: int, low: int, high: int) -> int:
    value = request.param(name)
    if value is None:
        return default
    if not value.isdigit() or not low <= int(value) <= high:
        raise invalid(
            name,
            value,
            f"The `{name}` query parameter value [{value}] is not between {low} and {high}",
        )
    return int(value)
