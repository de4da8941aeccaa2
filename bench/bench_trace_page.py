"""Benchmark: the consumer trace page (trace:batch_public, `/trace/<gtin>/<lot>/`) and the GS1 Digital Link
redirect (`/01/<gtin>/10/<lot>`, 307) on national-scale demo data.

Data: --batches batches (300) of rated national products with valid GTINs, each with 6–8 value-chain
events (harvest, processing, packing, inspection, storage, shipping, receipt, sale) built by
`ocop.trace.events_forms.build_event` and recorded through `ocop.trace.services.record`, so the pages
show real timelines with "verified" log badges. The rows are committed (the HTTP server is another
process) and removed again at the end: the events, their transparency-log leaves and nodes (the log is
cut back to its size before the run), the audit rows, the batches and the producer accounts made for
them. Products whose stored GTIN has a wrong check digit are not used.

Figures:
  1. in-process through django.test.Client (anonymous, DEBUG off): median and p95 of --requests requests
     of each URL over random batches, the Python CPU time per request, and the SQL queries of one request;
  2. through a real HTTP server, gunicorn (`-w 4 -k gthread --threads 4`, DEBUG off) in a child process,
     with --clients (16) concurrent clients on keep-alive http.client connections for --seconds (10) per
     URL kind over random batches: requests/s, median and p95 latency, errors (anything but 200 for the
     page and 307 for the Digital Link; redirects are not followed), and the CPU time per request of the
     server's processes and of the clients, with how busy the machine's cores were (Linux /proc).
     --what-if-cache adds a pass with anonymous pages cached 60 s: a proposed change, not the app's code.

Targets (issue 5): median under 30 ms, at least 300 requests/s with 16 concurrent clients.
Run it through `make bench` (`.venv/bin/python bench/run.py --only trace_page`) or alone once the database
is ready: `.venv/bin/python bench/bench_trace_page.py` (--profile prints where a page's time goes).
"""

from __future__ import annotations

import argparse
import datetime
import http.client
import os
import random
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
if str(BENCH_DIR) not in sys.path:
    sys.path.insert(0, str(BENCH_DIR))
import common  # noqa: E402

TARGET_MEDIAN_MS = 30
TARGET_RPS = 300
STEPS = ["harvest", "transform", "pack", "inspect", "store", "ship", "receive", "sell"]
USER_PREFIX = "bench.trace."
LOT_PREFIX = "TP26-"
PARTNERS = [
    "Co.op Mart Tây Ninh",
    "Bách hóa Xanh Quận 1",
    "Hội chợ OCOP Hà Nội 2026",
    "Nhà phân phối Minh An",
]
WHAT_IF_CACHE_URL = ""
LABS = ["Trung tâm Kỹ thuật Tiêu chuẩn Đo lường Chất lượng 3", "Viện Kiểm nghiệm an toàn vệ sinh thực phẩm"]


def gtin_ok(gtin: str) -> bool:
    if not gtin.isdigit() or len(gtin) not in (8, 12, 13, 14):
        return False
    body, check = gtin[:-1], int(gtin[-1])
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return (10 - total % 10) % 10 == check


# --- Data ------------------------------------------------------------------------------------------------


def step_data(step: str, when: datetime.datetime, rng: random.Random) -> dict:
    data: dict = {"when": when, "quantity": rng.choice([120, 250, 500, 1000]), "unit": "KGM"}
    if step in ("harvest", "receive_raw"):
        data["source"] = 1
    elif step == "transform":
        data["inputs"] = [1]
    elif step in ("ship", "receive"):
        data |= {"partner": rng.choice(PARTNERS), "partner_kind": "distributor"}
    elif step == "inspect":
        data = {
            "when": when,
            "lab": rng.choice(LABS),
            "report_number": f"KQ-{rng.randrange(10000, 99999)}/2026",
            "result": "Đạt QCVN 8-2:2011/BYT (kim loại nặng), QCVN 8-3:2012/BYT (vi sinh vật).",
            "passed": True,
        }
    if rng.random() < 0.3:
        data["note"] = "Ghi chú của cơ sở: bảo quản nơi khô ráo, thoáng mát."
    return data


def create(count: int, seed: int) -> dict:
    """Commits `count` batches with their events; returns what cleanup() needs and what the load uses."""
    from django.db import transaction

    from ocop.accounts.models import Role, User
    from ocop.registry.models import Product
    from ocop.trace import tlog
    from ocop.trace.events_forms import build_event
    from ocop.trace.models import Batch
    from ocop.trace.services.batches import batch_ref
    from ocop.trace.services.events import record

    rng = random.Random(seed)
    state = {"log_size": tlog.size(), "users": [], "batches": [], "targets": []}
    candidates = list(
        Product.objects.filter(stars__isnull=False).exclude(gtin="").order_by("id").values_list("id", "gtin")
    )
    rng.shuffle(candidates)
    chosen = [pk for pk, gtin in candidates if gtin_ok(gtin)][:count]
    skipped = sum(1 for _pk, gtin in candidates if not gtin_ok(gtin))
    by_id = Product.objects.select_related("producer__commune").in_bulk(chosen)
    products = [by_id[pk] for pk in chosen]
    if len(products) < count:
        raise SystemExit(f"Only {len(products)} rated products with a valid GTIN; {count} needed.")
    users: dict[int, User] = {}
    events = 0
    for n, product in enumerate(products):
        with transaction.atomic():
            user = users.get(product.producer_id)
            if user is None:
                user = User.objects.create(
                    username=f"{USER_PREFIX}{product.producer_id}",
                    role=Role.PRODUCER,
                    producer_id=product.producer_id,
                    full_name="Trace page bench",
                )
                users[product.producer_id] = user
                state["users"].append(user.pk)
            produced = datetime.date(2026, 3, 1) + datetime.timedelta(days=rng.randrange(200))
            batch = Batch.objects.create(
                product=product,
                producer_id=product.producer_id,
                gtin=product.gtin.zfill(14),
                lot=f"{LOT_PREFIX}{n:04d}",
                produced_on=produced,
                packed_on=produced + datetime.timedelta(days=1),
                expires_on=produced + datetime.timedelta(days=365),
                quantity=500,
                unit="KGM",
                sources=[
                    {
                        "kind": "farm",
                        "name": f"Hợp tác xã {product.producer.commune.name}",
                        "plot": f"Thửa {rng.randrange(1, 99)}",
                        "address": product.producer.commune.name,
                        "certificate": "VietGAP",
                        "certificate_number": f"VG-{rng.randrange(1000, 9999)}",
                    }
                ],
                created_by=user,
            )
            state["batches"].append(batch.pk)
            ref = batch_ref(batch)
            when = datetime.datetime.combine(produced, datetime.time(6, 30), tzinfo=datetime.UTC)
            for step in STEPS[: rng.randint(6, 8)]:
                record(user, batch, build_event(step, step_data(step, when, rng), ref))
                when += datetime.timedelta(hours=rng.randint(3, 30))
                events += 1
        state["targets"].append((batch.gtin, batch.lot))
    state["events"] = events
    state["skipped_gtins"] = skipped
    return state


def cleanup(state: dict) -> list[str]:
    """Removes everything create() wrote; returns warnings (what could not be removed safely)."""
    from django.db import connection, transaction

    from ocop.accounts.models import User
    from ocop.core.models import AuditEvent
    from ocop.trace.models import Batch, Checkpoint, Event, LogNode

    warnings = []
    size = state["log_size"]
    with transaction.atomic():
        ours = Event.objects.filter(batch_id__in=state["batches"])
        others_after = Event.objects.filter(leaf_index__gte=size).exclude(batch_id__in=state["batches"])
        cut_log = not others_after.exists()
        ours.delete()  # EventEpc rows go with them
        if cut_log:
            table = LogNode._meta.db_table
            with connection.cursor() as cursor:
                # every node covering a leaf appended during the run: (index + 1) · 2^level > size
                cursor.execute(
                    f'DELETE FROM "{table}" WHERE ("index" + 1) * (1::bigint << level) > %s',  # noqa: S608
                    [size],
                )
            Checkpoint.objects.filter(tree_size__gt=size).delete()
        else:
            warnings.append(
                "other events were appended to the transparency log during the run: its nodes are kept "
                f"(log size before the run: {size})"
            )
        AuditEvent.objects.filter(actor_id__in=state["users"]).delete()
        Batch.objects.filter(pk__in=state["batches"]).delete()
        User.objects.filter(pk__in=state["users"]).delete()
    if not cut_log:
        return warnings
    from ocop.trace import tlog

    if tlog.size() != size:
        warnings.append(f"transparency log size {tlog.size()} after clean-up, {size} before")
    return warnings


def leftovers() -> int:
    from ocop.accounts.models import User
    from ocop.trace.models import Batch

    return (
        Batch.objects.filter(lot__startswith=LOT_PREFIX, created_by__username__startswith=USER_PREFIX).count()
        + User.objects.filter(username__startswith=USER_PREFIX).count()
    )


# --- In-process ------------------------------------------------------------------------------------------


def urls_for(targets, kind: str) -> list[str]:
    from urllib.parse import quote

    if kind == "page":
        return [f"/trace/{gtin}/{quote(lot, safe='')}/" for gtin, lot in targets]
    return [f"/01/{gtin}/10/{quote(lot, safe='')}" for gtin, lot in targets]


def in_process(urls: list[str], expected: int, requests: int, warmup: int, rng: random.Random) -> dict:
    from django.db import connection
    from django.test import Client

    client = Client()
    for url in rng.sample(urls, min(warmup, len(urls))):
        client.get(url)
    queries = []

    def count(execute, sql, params, many, context):
        queries.append(sql)
        return execute(sql, params, many, context)

    # An execute wrapper, not CaptureQueriesContext: the request_started signal empties the query log.
    with connection.execute_wrapper(count):
        sample = client.get(urls[0])
    timings, cpu, bad, size = [], [], 0, 0
    for _ in range(requests):
        url = rng.choice(urls)
        started, started_cpu = time.perf_counter(), time.process_time()
        response = client.get(url)
        timings.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
        bad += response.status_code != expected
        size = max(size, len(response.content))
    return {
        **common.summarize_ms(timings),
        "cpu": common.summarize_ms(cpu)["median"],
        "queries": len(queries),
        "bad": bad,
        "bytes": size,
        "sample": sample,
    }


def profile(url: str, requests: int = 100, top: int = 25) -> None:
    """cProfile of `requests` requests of one URL, by cumulative and own time."""
    import cProfile
    import io
    import pstats

    from django.test import Client

    client = Client()
    client.get(url)
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(requests):
        client.get(url)
    profiler.disable()
    for key in ("cumulative", "tottime"):
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats(key).print_stats(top)
        print(f"\n#### {url}: {requests} requests, by {key}\n```")
        print("\n".join(line for line in out.getvalue().splitlines() if line.strip())[:6000])
        print("```")


# --- Through gunicorn ------------------------------------------------------------------------------------


def wsgi_application():
    """The site with DEBUG off, configured as the other benchmarks are (gunicorn's app factory)."""
    common.configure()
    from django.core.wsgi import get_wsgi_application

    if os.environ.get("BENCH_TRACE_WHAT_IF") == "cache":
        what_if_cache()
    return get_wsgi_application()


def what_if_cache() -> None:
    """--what-if-cache: NOT the application's behaviour. Serves anonymous consumer pages from the cache for
    60 s (django.views.decorators.cache.cache_page, keyed by URL and Accept-Language), to show what the
    change proposed in the report would give. Must run before the URLconf is imported."""
    from django.views.decorators.cache import cache_page

    from ocop.trace.views import public as views_public

    original = views_public.batch_public
    cached = cache_page(60)(original)

    def batch_public(request, *args, **kwargs):
        view = original if request.user.is_authenticated else cached
        return view(request, *args, **kwargs)

    views_public.batch_public = batch_public


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_gunicorn(port: int, workers: int, threads: int, what_if: str = "") -> subprocess.Popen:
    env = dict(os.environ, DATABASE_URL=common.database_url(), AXES_ENABLED="0", BENCH_TRACE_WHAT_IF=what_if)
    if what_if == "cache" and WHAT_IF_CACHE_URL:
        env["REDIS_URL"] = WHAT_IF_CACHE_URL  # one cache shared by the workers, as in production
    server = subprocess.Popen(
        [
            sys.executable, "-m", "gunicorn",
            "--pythonpath", str(BENCH_DIR),
            "-w", str(workers), "-k", "gthread", "--threads", str(threads),
            "-b", f"127.0.0.1:{port}", "--log-level", "warning",
            "bench_trace_page:wsgi_application()",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn exited: {server.stderr.read()[-2000:]}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/.well-known/gs1resolver", headers={"Host": "127.0.0.1"})
            if conn.getresponse().status == 200:
                conn.close()
                return server
        except OSError:
            time.sleep(0.2)
    server.terminate()
    raise RuntimeError("gunicorn did not answer within 60 s")


def machine_cpu() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine so far, from /proc/stat (Linux); (0, 0) elsewhere."""
    try:
        fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except OSError:
        return 0.0, 0.0
    tick = os.sysconf("SC_CLK_TCK")
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
    return (sum(fields) - idle) / tick, sum(fields) / tick


def server_cpu(pid: int) -> float:
    """CPU seconds used by the gunicorn master `pid` and its workers (Linux /proc); 0 elsewhere."""
    total = 0.0
    tick = os.sysconf("SC_CLK_TCK")
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parts = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(stat.parent.name) == pid or int(parts[1]) == pid:  # parts[1] is the parent's pid
            total += (int(parts[11]) + int(parts[12])) / tick  # utime + stime
    return total


def load(
    port: int, urls: list[str], expected: int, clients: int, seconds: float, warmup: float, server_pid: int
) -> dict:
    """`clients` threads, each on its own keep-alive connection, requesting random URLs; also the CPU the
    server's processes, this process (the clients) and the whole machine used in the measured window."""
    stop_at = time.perf_counter() + warmup + seconds
    measure_from = time.perf_counter() + warmup
    results: list[list] = [[] for _ in range(clients)]
    errors = [0] * clients
    statuses: dict[int, int] = {}
    headers = {"Host": "127.0.0.1", "Accept-Language": "vi", "Accept": "text/html"}

    def worker(i: int) -> None:
        rng = random.Random(i)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while True:
            started = time.perf_counter()
            if started >= stop_at:
                break
            try:
                conn.request("GET", rng.choice(urls), headers=headers)
                response = conn.getresponse()
                response.read()
                status = response.status
                if response.will_close:
                    conn.close()
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            except (OSError, http.client.HTTPException):
                status = 0
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            ended = time.perf_counter()
            if started >= measure_from:
                results[i].append(ended - started)
                if status != expected:
                    errors[i] += 1
                    statuses[status] = statuses.get(status, 0) + 1
        conn.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    time.sleep(max(0.0, measure_from - time.perf_counter()))
    cpu0 = (server_cpu(server_pid), time.process_time(), *machine_cpu())
    for t in threads:
        t.join()
    cpu1 = (server_cpu(server_pid), time.process_time(), *machine_cpu())
    timings = [x for r in results for x in r]
    n = max(len(timings), 1)
    wall_total = cpu1[3] - cpu0[3]
    return {
        **common.summarize_ms(timings),
        "rps": len(timings) / seconds,
        "errors": sum(errors),
        "statuses": statuses,
        "server_cpu_ms": (cpu1[0] - cpu0[0]) * 1000 / n,
        "client_cpu_ms": (cpu1[1] - cpu0[1]) * 1000 / n,
        "machine_busy": (cpu1[2] - cpu0[2]) / wall_total if wall_total else float("nan"),
    }


# --- Main ------------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batches", type=int, default=300)
    parser.add_argument("--requests", type=int, default=200, help="in-process requests per URL kind")
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=10.0, help="load per URL kind")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--no-http", dest="http", action="store_false")
    parser.add_argument("--profile", action="store_true", help="also print a cProfile of each URL kind")
    parser.add_argument(
        "--what-if-cache",
        action="store_true",
        help="also load the page with anonymous responses cached 60 s (a proposed change, not the app's)",
    )
    parser.add_argument(
        "--what-if-cache-url",
        default="",
        help="REDIS_URL for --what-if-cache (e.g. redis://127.0.0.1:6379/9); default: each worker's memory",
    )
    args = parser.parse_args(argv)
    global WHAT_IF_CACHE_URL
    WHAT_IF_CACHE_URL = args.what_if_cache_url
    if not common.is_configured():
        common.prepare()

    from django.db import connection

    print("\n## Consumer trace page and GS1 Digital Link redirect")
    if leftovers():
        print("!! Rows of an earlier interrupted run are still there (lots TP26-…, users bench.trace.…).")
        return 1
    t = time.perf_counter()
    state = {"log_size": None, "users": [], "batches": []}
    status = 0
    try:
        state = create(args.batches, args.seed)
        made_s = time.perf_counter() - t
        print(
            f"{len(state['batches'])} batches of rated national products, {state['events']:,} events "
            f"recorded through ocop.trace.services.record in {made_s:.1f} s "
            f"({state['events'] / made_s:,.0f} events/s); {state['skipped_gtins']} rated products have a "
            f"GTIN with a wrong check digit (not used). "
            f"{connection.vendor} {connection.settings_dict['NAME']}."
        )
        from ocop.demo.registry import analyze_tables

        analyze_tables()
        rng = random.Random(args.seed)
        kinds = [
            ("consumer page /trace/<gtin>/<lot>/", "page", 200),
            ("Digital Link /01/<gtin>/10/<lot>", "dl", 307),
        ]
        rows = []
        for label, kind, expected in kinds:
            r = in_process(urls_for(state["targets"], kind), expected, args.requests, args.warmup, rng)
            if r["sample"].status_code != expected:
                print(f"!! {label} answered {r['sample'].status_code}, not {expected}.")
                status = 1
            if kind == "page":
                page = r["sample"].content.decode()
                badges = page.count("/transparency/proof?event=")
                print(f"Sample page: {r['bytes'] / 1024:.0f} KiB, {badges} verified-event links.")
                if badges < 6:
                    print("!! The page does not show the batch's events with their log badges.")
                    status = 1
            else:
                print(f"Sample redirect: {r['sample'].status_code} → {r['sample'].headers.get('Location')}")
            rows.append(
                [
                    label,
                    r["n"],
                    f"{r['median']:.1f}",
                    f"{r['p95']:.1f}",
                    f"{r['max']:.1f}",
                    f"{r['cpu']:.1f}",
                    r["queries"],
                    r["bad"],
                ]
            )
            status |= bool(r["bad"])
        print(
            "\n### In-process (django.test.Client, anonymous, DEBUG off), random batches, "
            f"{args.warmup} warm-up"
        )
        common.print_table(
            [
                "URL",
                "requests",
                "median ms",
                "p95 ms",
                "max ms",
                "Python CPU ms (median)",
                "queries",
                "errors",
            ],
            rows,
        )
        slow = [r for r in rows if float(r[2]) >= TARGET_MEDIAN_MS]
        print(f"Target: median under {TARGET_MEDIAN_MS} ms — " + ("met" if not slow else "MISSED"))
        if args.profile:
            for _label, kind, _expected in kinds:
                profile(urls_for(state["targets"], kind)[0])

        if args.http:
            status |= over_http(args, state)
    finally:
        if state.get("log_size") is not None:
            for warning in cleanup(state):
                print(f"!! clean-up: {warning}")
            print(
                f"Cleaned up: {len(state['batches'])} batches, their events and log nodes, "
                f"{len(state['users'])} accounts."
            )
    return status


def over_http(args, state) -> int:
    try:
        import gunicorn  # noqa: F401
    except ImportError:
        print("\n(gunicorn is not installed — `.venv/bin/pip install gunicorn`: load test skipped)")
        return 0
    rows, status = [], 0
    runs = [("", "consumer page", "page", 200), ("", "Digital Link (307, not followed)", "dl", 307)]
    if args.what_if_cache:
        where = "Redis" if args.what_if_cache_url else "per-worker memory"
        runs.append(("cache", f"what-if: page cached 60 s in {where} (not the app)", "page", 200))
    for what_if, label, kind, expected in runs:
        port = free_port()
        server = start_gunicorn(port, args.workers, args.threads, what_if)
        try:
            urls = urls_for(state["targets"], kind)
            r = load(port, urls, expected, args.clients, args.seconds, 2.0, server.pid)
            rows.append(
                [
                    label,
                    r["n"],
                    f"{r['rps']:,.0f}",
                    f"{r['median']:.1f}",
                    f"{r['p95']:.1f}",
                    f"{r['max']:.1f}",
                    r["errors"] or "0",
                    f"{r['server_cpu_ms']:.1f}",
                    f"{r['client_cpu_ms']:.1f}",
                    f"{r['machine_busy']:.0%}",
                ]
            )
            if r["errors"]:
                print(f"!! {label}: {r['errors']} errors, statuses {r['statuses']}")
                status = 1
        finally:
            server.terminate()
            server.wait(timeout=30)
    print(
        f"\n### Through gunicorn (-w {args.workers} -k gthread --threads {args.threads}, DEBUG off), "
        f"{args.clients} concurrent keep-alive clients, {args.seconds:.0f} s per URL after 2 s warm-up"
    )
    print(f"Machine: {common.machine()}")
    common.print_table(
        [
            "URL",
            "requests",
            "req/s",
            "median ms",
            "p95 ms",
            "max ms",
            "errors",
            "server CPU ms/req",
            "clients CPU ms/req",
            "machine CPU busy",
        ],
        rows,
    )
    print(
        "Server CPU: gunicorn's processes (Django); clients: this process's 16 threads; machine: all of both "
        "cores (PostgreSQL and anything else running included)."
    )
    low = [r for r in rows if not r[0].startswith("what-if") and float(r[2].replace(",", "")) < TARGET_RPS]
    print(f"Target: at least {TARGET_RPS} requests/s — " + ("met" if not low else "MISSED"))
    return status


if __name__ == "__main__":
    sys.exit(main())
