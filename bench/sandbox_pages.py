"""Pages per second the X sandbox serves, and its resident memory while paging.

Runs the sandbox as its own process (one core, as in a real sync) and pages followers of
its largest demo account with 1000-user pages over one keep-alive connection. Baseline in
the same run: the same loop against a static 1000-user page served by the same HTTP stack,
which separates the cost of the world from the cost of HTTP.

    python bench/sandbox_pages.py --followers 10000000 --pages 10000
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support.ports import free_port  # noqa: E402

TOKEN = "sandbox-token"


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def start(followers: int) -> tuple[subprocess.Popen[str], str]:
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "extract.sandbox",
            "--port",
            str(port),
            "--followers",
            str(followers),
            "--no-rate-limits",
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    process.stdout.readline()
    return process, f"http://127.0.0.1:{port}"


def page_followers(base_url: str, pid: int, pages: int, fields: str | None) -> dict[str, float]:
    client = httpx.Client(
        base_url=base_url, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=60
    )
    account = client.get("/_sandbox/accounts").json()["accounts"][0]
    path = f"/2/users/{account['id']}/followers"
    params: dict[str, str | int] = {"max_results": 1000}
    if fields:
        params["user.fields"] = fields
    seen = 0
    peak = start_rss = rss_mb(pid)
    began = time.perf_counter()
    token = None
    served = 0
    while served < pages:
        query = dict(params, **({"pagination_token": token} if token else {}))
        body = client.get(path, params=query).json()
        seen += body["meta"]["result_count"]
        served += 1
        if served % 200 == 0:
            peak = max(peak, rss_mb(pid))
        token = body["meta"].get("next_token")
        if token is None:
            break
    elapsed = time.perf_counter() - began
    return {
        "pages": served,
        "users": seen,
        "seconds": elapsed,
        "pages_per_s": served / elapsed,
        "rss_start_mb": start_rss,
        "rss_peak_mb": max(peak, rss_mb(pid)),
        "complete": token is None,
    }


def static_baseline(pages: int) -> float:
    """The same loop against http.server returning one fixed 1000-user body."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    import orjson

    body = orjson.dumps(
        {
            "data": [
                {"id": str(10**12 + i), "name": "Ada Okafor", "username": f"otter_{i}"}
                for i in range(1000)
            ],
            "meta": {"result_count": 1000, "next_token": "X"},
        }
    )

    class Static(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Static)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    client = httpx.Client(base_url=f"http://127.0.0.1:{server.server_address[1]}")
    began = time.perf_counter()
    for _ in range(pages):
        client.get("/").json()
    elapsed = time.perf_counter() - began
    server.shutdown()
    return pages / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--followers", type=int, default=10_000_000)
    parser.add_argument("--pages", type=int, default=2_000, help="stop after this many pages")
    parser.add_argument(
        "--fields",
        default="created_at,description,public_metrics,location,"
        "protected,verified,url,profile_image_url",
        help="user.fields to request ('' for the default id,name,username)",
    )
    args = parser.parse_args()
    process, base_url = start(args.followers)
    try:
        for label, fields in (("default fields", None), ("extractor fields", args.fields)):
            result = page_followers(base_url, process.pid, args.pages, fields or None)
            print(
                f"sandbox, {label:16}: {result['pages']} pages, {result['users']} users in "
                f"{result['seconds']:.1f}s = {result['pages_per_s']:.0f} pages/s; "
                f"RSS {result['rss_start_mb']:.0f} MB -> peak {result['rss_peak_mb']:.0f} MB; "
                f"complete scan: {result['complete']}"
            )
    finally:
        process.terminate()
        process.wait()
    print(
        f"baseline, static page  : {static_baseline(min(args.pages, 1000)):.0f} pages/s "
        "(same HTTP stack and client, no world)"
    )


if __name__ == "__main__":
    main()
