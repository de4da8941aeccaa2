"""Benchmark: the product list page (registry:product_list) on national-scale data.

What it measures, for a provincial officer of Tây Ninh (about 400 products in scope) and a ministry officer
(all 20,000):
  1. response time through django.test.Client in-process (URL routing, middleware, view, SQL, template),
     median and p95 over --requests requests per filter after a warm-up;
  2. the number of SQL queries at page sizes 10, 50 and 100 — it must not grow with the page;
  3. optionally (--http) one run through a real HTTP server (Django's WSGI server in a child process),
     which adds the socket, the request parsing and the response writing.

Run it through `make bench` (bench/run.py prepares the database), or alone once the database is ready:
`.venv/bin/python bench/bench_product_list.py`.
"""

from __future__ import annotations

import argparse
import http.client
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402

USERS = ["demo.province", "demo.ministry"]
FILTERS = [
    ("(none)", ""),
    ("stars=4", "?stars=4"),
    ("group=I&status=rated", "?group=I&status=rated"),
    ("q=banh trang", "?q=banh+trang"),
    ("page=3", "?page=3"),
]
PAGE_SIZES = (10, 50, 100)
TARGET_MEDIAN_MS = 60


def rows_in(html: str, pattern: re.Pattern) -> int:
    return len(set(pattern.findall(html)))


def product_link_pattern() -> re.Pattern:
    from django.urls import reverse

    sample = reverse("registry:product_detail", args=[987654321])
    return re.compile(re.escape(sample).replace("987654321", r"(\d+)") + '"')


def client_for(username: str):
    from django.test import Client

    from ocop.accounts.models import User

    client = Client()
    client.force_login(User.objects.get(username=username))
    return client


def time_requests(client, url: str, n: int, warmup: int) -> tuple[list[float], list[float], object]:
    """Wall-clock time of each request, and the CPU time this process spent on it (Python: middleware,
    view, ORM, template — not PostgreSQL's side), which says more than wall time on a busy machine."""
    response = None
    for _ in range(warmup):
        response = client.get(url)
    timings, cpu = [], []
    for _ in range(n):
        started, started_cpu = time.perf_counter(), time.process_time()
        response = client.get(url)
        timings.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
    return timings, cpu, response


def in_process(requests: int, warmup: int) -> list[dict]:
    from django.urls import reverse

    base = reverse("registry:product_list")
    pattern = product_link_pattern()
    results = []
    for username in USERS:
        client = client_for(username)
        for label, query in FILTERS:
            timings, cpu, response = time_requests(client, base + query, requests, warmup)
            results.append(
                {
                    "user": username,
                    "filter": label,
                    "status": response.status_code,
                    "rows": rows_in(response.content.decode(), pattern) if response.status_code == 200 else 0,
                    "cpu_median": common.summarize_ms(cpu)["median"],
                    **common.summarize_ms(timings),
                }
            )
    return results


def query_counts() -> list[dict]:
    """SQL queries for one page at each page size; the page size is the OCOP_PAGE_SIZE setting."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext, override_settings
    from django.urls import reverse

    url = reverse("registry:product_list")
    pattern = product_link_pattern()
    results = []
    for username in USERS:
        client = client_for(username)
        for label, query in (FILTERS[0], FILTERS[2]):
            counts, rows = [], []
            for size in PAGE_SIZES:
                with override_settings(OCOP_PAGE_SIZE=size):
                    client.get(url + query)  # warm caches (sessions, content types) out of the count
                    with CaptureQueriesContext(connection) as captured:
                        response = client.get(url + query)
                counts.append(len(captured))
                rows.append(rows_in(response.content.decode(), pattern) if response.status_code == 200 else 0)
            results.append(
                {
                    "user": username,
                    "filter": label,
                    "queries": counts,
                    "rows": rows,
                    "status": response.status_code,
                }
            )
    return results


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def over_http(requests: int, warmup: int) -> list[dict]:
    """The same page through Django's WSGI server in a child process (single-threaded), over a socket."""
    import os

    from django.conf import settings
    from django.urls import reverse

    port = free_port()
    env = dict(os.environ, DATABASE_URL=common.database_url())
    server = subprocess.Popen(
        [sys.executable, str(Path(common.__file__)), "serve", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    results = []
    try:
        if server.stdout.readline().strip() != "ready":
            raise RuntimeError("the HTTP server did not start")
        for username in USERS:
            cookie = client_for(username).cookies[settings.SESSION_COOKIE_NAME].value
            path = reverse("registry:product_list")
            timings, status, size = [], None, 0
            for i in range(warmup + requests):
                started = time.perf_counter()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                conn.request(
                    "GET",
                    path,
                    headers={
                        "Cookie": f"{settings.SESSION_COOKIE_NAME}={cookie}",
                        "Host": "127.0.0.1",
                        "Accept-Language": "vi",
                    },
                )
                response = conn.getresponse()
                body = response.read()
                conn.close()
                if i >= warmup:
                    timings.append(time.perf_counter() - started)
                status, size = response.status, len(body)
            results.append(
                {
                    "user": username,
                    "filter": "(none)",
                    "status": status,
                    "bytes": size,
                    **common.summarize_ms(timings),
                }
            )
    finally:
        server.terminate()
        server.wait(timeout=10)
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=200, help="timed requests per case (default 200)")
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument(
        "--http",
        dest="http",
        action="store_true",
        default=True,
        help="also measure through a real HTTP server (default)",
    )
    parser.add_argument("--no-http", dest="http", action="store_false")
    parser.add_argument("--http-requests", type=int, default=100)
    args = parser.parse_args(argv)

    if not common.is_configured():
        common.configure()

    print(
        f"\n## Product list (registry:product_list) — {args.requests} requests per case, "
        f"{args.warmup} warm-up, django.test.Client in-process"
    )
    results = in_process(args.requests, args.warmup)
    common.print_table(
        ["user", "filter", "HTTP", "rows", "median ms", "p95 ms", "max ms", "Python CPU ms (median)"],
        [
            [
                r["user"],
                r["filter"],
                r["status"],
                r["rows"],
                f"{r['median']:.1f}",
                f"{r['p95']:.1f}",
                f"{r['max']:.1f}",
                f"{r['cpu_median']:.1f}",
            ]
            for r in results
        ],
    )
    failed = [r for r in results if r["status"] != 200]
    slow = [r for r in results if r["status"] == 200 and r["median"] >= TARGET_MEDIAN_MS]
    if failed:
        print(f"!! {len(failed)} case(s) did not answer 200: the page is not ready; ignore these figures.")
    print(
        f"Target: median under {TARGET_MEDIAN_MS} ms — "
        + (
            "met"
            if not slow and not failed
            else f"NOT met in {len(slow)} case(s)"
            if slow
            else "not measured"
        )
    )

    print("\n### SQL queries per page at page sizes " + "/".join(map(str, PAGE_SIZES)))
    counts = query_counts()
    common.print_table(
        ["user", "filter", "HTTP", "rows shown", "queries", "constant"],
        [
            [
                c["user"],
                c["filter"],
                c["status"],
                "/".join(map(str, c["rows"])),
                "/".join(map(str, c["queries"])),
                "yes" if len(set(c["queries"])) == 1 else "NO",
            ]
            for c in counts
        ],
    )

    if args.http:
        print(
            f"\n### Through a real HTTP server (Django WSGI server, 1 thread): {args.http_requests} requests"
        )
        try:
            http_results = over_http(args.http_requests, args.warmup)
        except Exception as exc:  # noqa: BLE001 — report and carry on: the in-process figures stand
            print(f"HTTP run skipped: {exc}")
        else:
            common.print_table(
                ["user", "filter", "HTTP", "bytes", "median ms", "p95 ms"],
                [
                    [r["user"], r["filter"], r["status"], r["bytes"], f"{r['median']:.1f}", f"{r['p95']:.1f}"]
                    for r in http_results
                ],
            )
    not_constant = [c for c in counts if len(set(c["queries"])) != 1]
    return 1 if failed or not_constant else 0


if __name__ == "__main__":
    sys.exit(main())
