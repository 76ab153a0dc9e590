"""The generated dbt docs site renders the lineage in a real browser (headless Chromium)."""

from __future__ import annotations

import functools
import re
import shutil
import subprocess
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.support.dbt import dbt, dbt_env

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_FLAGS = [  # what this machine's closed network needs (see the env notes)
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--virtual-time-budget=15000",
]
# each model's docs page must list its parent under "Depends On": source -> ... -> mart
LINEAGE = [
    ("model.social_elt.stg_x__posts", "posts"),  # the source table raw_x.posts
    ("model.social_elt.int_posts_enriched", "stg_x__posts"),
    ("model.social_elt.fct_posts", "int_posts_enriched"),
    ("model.social_elt.int_follows_unioned", "stg_x__followers"),
    ("model.social_elt.fct_follows", "int_follows_unioned"),
]


@pytest.fixture
def docs_site(database_url, tmp_path):
    env = dbt_env(database_url, tmp_path)
    dbt(env, "docs", "generate")
    target = tmp_path / "target-analytics"
    handler = functools.partial(SimpleHTTPRequestHandler, directory=str(target))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/index.html"
    server.shutdown()


def chromium(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    assert CHROMIUM, "Debian's chromium package is required (.ci/run installs it)"
    profile = tmp_path / f"chromium-{len(list(tmp_path.glob('chromium-*')))}"
    return subprocess.run(
        [CHROMIUM, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args],
        capture_output=True,
        text=True,
        timeout=120,
    )


def rendered_text(html: str) -> str:
    """The page's visible text: scripts (which embed the manifest) removed, tags dropped."""
    without_scripts = re.sub(r"<script.*?</script>", " ", html, flags=re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", without_scripts).split())


def test_lineage_renders_from_sources_to_marts(docs_site, tmp_path):
    for node, parent in LINEAGE:
        page = chromium(tmp_path, "--dump-dom", f"{docs_site}#!/model/{node}")
        text = rendered_text(page.stdout)
        # the rendered section: "Depends On Models Macros int_posts_enriched Code ..."
        section = re.search(r"Depends On (?:Nodes|Models) (.*?) Code", text)
        assert section, (node, "no rendered Depends On section")
        assert parent in section.group(1).split(), (node, section.group(1))

    screenshot = tmp_path / "lineage.png"
    chromium(
        tmp_path,
        "--window-size=1600,1000",
        f"--screenshot={screenshot}",
        f"{docs_site}#!/overview?g_v=1",
    )
    assert screenshot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert screenshot.stat().st_size > 30_000  # a drawn graph, not a blank page
