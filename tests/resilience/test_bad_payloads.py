"""Bad API payloads: the parser refuses them in one clear line, or stores them exactly.

Two layers: hypothesis drives the parser and the real loader (into PostgreSQL) with
generated bodies; a table drives the real CLI through a proxy that corrupts one endpoint.
"""

from __future__ import annotations

import uuid
from contextlib import closing
from datetime import UTC, datetime
from typing import Any, ClassVar

import httpx
import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from extract.loading import LoadablePage, RawLoader, Scan
from extract.network import PageRows, PayloadError, without_nul
from extract.networks.x.source import parse_page
from extract.warehouse import open_warehouse
from tests.support.cli import assert_one_line_error
from tests.support.stub_http import StubHandler, serving
from tests.support.sync import row_versions, rows, run_sync, sync_env, sync_ok

# -- generated bodies ------------------------------------------------------------------------

# bodies come from orjson.loads, whose integers are within [-2**63, 2**64) (larger -> float)
scalars = (
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**64 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text()
)
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
)
# strings that have broken loaders: NULs, control characters, CSV and JSON syntax, huge ones
nasty_text = st.one_of(
    st.text(),
    st.text(st.sampled_from(["\x00", "\r", "\n", '"', ",", "\\", "\t", "é", "\U0001d54f"])),
    st.integers(10_000, 300_000).map(lambda n: 'ab\x00,"\n' * (n // 6)),
)


@st.composite
def user_objects(draw: st.DrawFn, user_id: int) -> dict[str, Any]:
    username = draw(nasty_text.filter(bool))  # X has no empty handles; the parser refuses them
    user = {"id": str(user_id), "username": username, "name": draw(nasty_text)}
    extra = st.dictionaries(st.sampled_from(["description", "location", "entities"]), json_values)
    user.update(draw(extra))
    return user


@st.composite
def follower_pages(draw: st.DrawFn) -> dict[str, Any]:
    base = draw(st.integers(1, 10**15))
    count = draw(st.integers(0, 5))
    users = [draw(user_objects(base + i)) for i in range(count)]
    meta: dict[str, Any] = {"result_count": count}
    if draw(st.booleans()):
        meta["next_token"] = draw(st.text(min_size=1))
    return {"data": users, "meta": meta}


def mutations(page: dict[str, Any]) -> st.SearchStrategy[Any]:
    """The page with one thing broken the way real APIs break: missing, null, mistyped."""
    broken: list[Any] = [
        {k: v for k, v in page.items() if k != "meta"},
        {**page, "meta": None},
        {**page, "meta": {**page["meta"], "result_count": page["meta"]["result_count"] + 1}},
        {**page, "meta": {**page["meta"], "result_count": str(page["meta"]["result_count"])}},
        {**page, "meta": {**page["meta"], "next_token": 7}},
        {**page, "data": {"not": "a list"}},
        {**page, "data": [*page["data"], None]},
        [page],
        None,
    ]
    for i, user in enumerate(page["data"]):
        wrong = (("id", None), ("id", int(user["id"])), ("id", "12ab"), ("username", ""))
        for field, value in wrong:
            users = [dict(u) for u in page["data"]]
            users[i][field] = value
            broken.append({**page, "data": users})
        users = [dict(u) for u in page["data"]]
        del users[i]["username"]
        broken.append({**page, "data": users})
    return st.sampled_from(broken)


@settings(max_examples=300, deadline=None)
@given(st.one_of(json_values, follower_pages().flatmap(mutations)))
def test_any_body_parses_or_is_refused_with_a_payload_error(body):
    try:
        page = parse_page("followers", "42", body)
    except PayloadError as error:
        assert str(error) and "\n" not in str(error)
        return
    # what the parser accepts is a documented page: counted, ids digits
    assert isinstance(page, PageRows)
    assert len(page.follower_ids) == body["meta"]["result_count"]
    assert all(i.isdigit() for i in page.follower_ids)


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(page_body=follower_pages())
def test_accepted_pages_are_stored_exactly(database_url, tmp_path, page_body):
    rows_in = parse_page("followers", "42", page_body)
    with closing(open_warehouse(database_url)) as conn:
        loader = RawLoader(
            conn,
            database_url,
            "x",
            Scan(f"b-{uuid.uuid4().hex[:8]}", "followers", "42"),
            tmp_path / uuid.uuid4().hex,
        )
        page = LoadablePage(f"k/{uuid.uuid4().hex}", 0, datetime.now(UTC), rows_in)
        loader.load([page], None)
    for user in page_body["data"]:
        # stored as served (compared as jsonb: a number is its JSON text, not a Python float),
        # except U+0000, which PostgreSQL cannot hold (the raw zone keeps the original bytes)
        stored = rows(
            database_url,
            "select payload = %s::jsonb, username from raw_x.users where external_id = %s",
            (orjson.dumps(without_nul(user)).decode(), user["id"]),
        )
        assert stored == [(True, without_nul(user["username"]))]


# -- the real CLI through a corrupting proxy ---------------------------------------------------

HTML = b"<!DOCTYPE html><html><body><h1>Something went wrong</h1></body></html>"


def page_json(**overrides: Any) -> bytes:
    page = {"data": [{"id": "11", "username": "ok", "name": "OK"}], "meta": {"result_count": 1}}
    page.update(overrides)
    return orjson.dumps(page)


BAD_FOLLOWER_PAGES = {
    "html-error-page": (b"text/html", HTML, "non-JSON body (text/html)"),
    "empty-200": (b"application/json", b"", "non-JSON body"),
    "invalid-utf8": (b"application/json", page_json().replace(b'"ok"', b'"\xff\xfe"'), "not UTF-8"),
    "truncated": (b"application/json", page_json()[:-9], "non-JSON body"),
    "empty-object": (b"application/json", b"{}", "without a 'meta' object"),
    "data-not-a-list": (b"application/json", page_json(data="users"), "'data' is not a list"),
    "null-user": (b"application/json", page_json(data=[None], meta={"result_count": 1}), "'data'"),
    "numeric-id": (
        b"application/json",
        page_json(data=[{"id": 11, "username": "ok"}]),
        "a user without a valid id",
    ),
    "missing-username": (b"application/json", page_json(data=[{"id": "11"}]), "has no username"),
    "count-mismatch": (
        b"application/json",
        page_json(meta={"result_count": 1000}),
        "'meta.result_count' is '1000' for 1 objects",
    ),
    "numeric-next-token": (
        b"application/json",
        page_json(meta={"result_count": 1, "next_token": 5}),
        "'meta.next_token' is not a string",
    ),
}


class SandboxProxy(StubHandler):
    """Forwards to the sandbox; subclasses rewrite the followers endpoint's answer."""

    upstream: ClassVar[str] = ""

    def do_GET(self) -> None:
        upstream = httpx.get(
            self.upstream + self.path, headers={"Authorization": self.headers["Authorization"]}
        )
        kept = ("x-rate", "content-type")
        headers = {k: v for k, v in upstream.headers.items() if k.startswith(kept)}
        if "/followers" in self.path:
            headers, body = self.followers(headers, upstream.content)
            self.reply(200, headers, body)
        else:
            self.reply(upstream.status_code, headers, upstream.content)

    def followers(self, headers: dict[str, str], body: bytes) -> tuple[dict[str, str], bytes]:
        return headers, body


class CorruptingProxy(SandboxProxy):
    """Answers the followers endpoint with a bad 200."""

    bad: ClassVar[tuple[bytes, bytes]] = (b"", b"")

    def followers(self, headers: dict[str, str], body: bytes) -> tuple[dict[str, str], bytes]:
        content_type, bad_body = self.bad
        return {"content-type": content_type.decode()}, bad_body


ITEM_ERROR = {
    "resource_id": "1234567",
    "resource_type": "user",
    "title": "Forbidden",
    "detail": "User has been suspended: [1234567].",
    "type": "https://api.twitter.com/2/problems/resource-not-found",
}


class ItemErrorProxy(SandboxProxy):
    """Adds a per-item error, as X reports one, to every good followers page."""

    def followers(self, headers: dict[str, str], body: bytes) -> tuple[dict[str, str], bytes]:
        return headers, orjson.dumps({**orjson.loads(body), "errors": [ITEM_ERROR]})


def test_per_item_errors_are_recorded_and_the_rest_is_loaded(start_x_sandbox, elt_env):
    server = start_x_sandbox(followers=2_500, rate_limits=False)
    url = elt_env["ELT_WAREHOUSE_URL"]
    ItemErrorProxy.upstream = server.base_url
    with serving(ItemErrorProxy) as proxy:
        result = run_sync(sync_env(elt_env), proxy, "--accounts", "sandbox_news")
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stderr.strip().splitlines() == [
        "warning: followers of @sandbox_news: the API reported 3 per-item errors, "
        "kept in ops.sync_pages.item_errors"
    ]
    recorded = rows(url, "select item_errors from ops.sync_pages where item_errors is not null")
    assert recorded == [([ITEM_ERROR],)] * 3
    assert rows(url, "select count(*) from raw_x.followers where ended_at is null") == [(2_500,)]


@pytest.mark.parametrize("case", BAD_FOLLOWER_PAGES)
def test_a_bad_page_fails_the_job_in_one_line_and_changes_nothing(start_x_sandbox, elt_env, case):
    server = start_x_sandbox(followers=2_000, rate_limits=False)
    env = sync_env(elt_env, ELT_HTTP_ATTEMPTS="2")
    url = elt_env["ELT_WAREHOUSE_URL"]
    args = ("--accounts", "sandbox_news", "--resource", "profiles,followers")
    sync_ok(env, server, *args)
    data, jobs = row_versions(url), rows(url, "select job_id, status, cursor from ops.sync_jobs")

    content_type, body, expected = BAD_FOLLOWER_PAGES[case]
    CorruptingProxy.upstream, CorruptingProxy.bad = server.base_url, (content_type, body)
    with serving(CorruptingProxy) as proxy:
        result = run_sync(env, proxy, "--accounts", "sandbox_news", "--resource", "followers")
    assert result.returncode == 1
    line = assert_one_line_error(result)
    assert "followers of @sandbox_news" in line and expected in line, line
    assert row_versions(url) == data  # not a row written
    assert (
        rows(
            url,
            "select job_id, status, cursor from ops.sync_jobs where job_id <= %s",
            (max(j[0] for j in jobs),),
        )
        == jobs
    )
    ((status, cursor, pages),) = rows(
        url,
        "select status, cursor, pages from ops.sync_jobs where job_id > %s",
        (max(j[0] for j in jobs),),
    )
    assert (status, cursor, pages) == ("failed", {}, 0)  # the next run starts the scan again
