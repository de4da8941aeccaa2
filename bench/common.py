"""Shared set-up for the benchmarks: a PostgreSQL database holding national-scale demo data, a Django
environment configured against it, timing helpers, and a small HTTP server for end-to-end figures.

The database is BENCH_DATABASE_URL, else DATABASE_URL, else postgres://postgres@127.0.0.1:5432/ocop_bench.
It is created when missing and migrated; national-scale demo data (`ocop_demo --scale national`) is loaded
when it is not there exactly (9,000 producers, 20,000 products, 34 provinces). A database that holds other
data is only replaced when its name starts with "ocop_bench" or with --reload, so that a developer's own
DATABASE_URL is never flushed by accident.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BENCH_DIR = Path(__file__).resolve().parent
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/ocop_bench"
NATIONAL_PRODUCERS = 9000
NATIONAL_PRODUCTS = 20000
NATIONAL_PROVINCES = 34


def database_url() -> str:
    return os.environ.get("BENCH_DATABASE_URL") or os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL


def ensure_database(url: str) -> bool:
    """Creates the PostgreSQL database when it does not exist; returns True when it was created."""
    import dj_database_url
    import psycopg
    from psycopg import sql

    config = dj_database_url.parse(url)
    if "postgresql" not in config["ENGINE"]:
        return False
    params = {
        "dbname": "postgres",
        "user": config.get("USER") or None,
        "password": config.get("PASSWORD") or None,
        "host": config.get("HOST") or None,
        "port": config.get("PORT") or None,
    }
    with psycopg.connect(**{k: v for k, v in params.items() if v}, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [config["NAME"]]).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(config["NAME"])))
            return True
    return False


def configure(url: str | None = None) -> str:
    """Points Django at the benchmark database and sets it up, with DEBUG off as in production."""
    url = url or database_url()
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ocop.settings")
    os.environ.setdefault("AXES_ENABLED", "0")
    if str(REPO) not in sys.path:
        sys.path.insert(0, str(REPO))
    if str(BENCH_DIR) not in sys.path:
        sys.path.insert(0, str(BENCH_DIR))
    import warnings

    import django
    from django.conf import settings

    # WhiteNoise warns that STATIC_ROOT (var/static) does not exist: collectstatic is not needed here.
    warnings.filterwarnings("ignore", message="No directory at")
    django.setup()
    # Settings read DEBUG once at import; the rest of the local defaults (no HTTPS redirect, plain static
    # storage) stay. Template engines are built lazily, so they too are built without debug.
    settings.DEBUG = False
    return url


def is_configured() -> bool:
    from django.apps import apps

    return apps.ready


def national_data_present() -> tuple[bool, dict]:
    from ocop.registry.models import Producer, Product

    counts = {
        "producers": Producer.objects.count(),
        "products": Product.objects.count(),
        "provinces": Producer.objects.values("commune__province").distinct().count(),
    }
    # Exactly what `ocop_demo --scale national` writes: rows another benchmark left behind (the import
    # benchmark keeps the producers it creates) would change the figures, so they trigger a reload.
    ok = (counts["producers"], counts["products"], counts["provinces"]) == (
        NATIONAL_PRODUCERS,
        NATIONAL_PRODUCTS,
        NATIONAL_PROVINCES,
    )
    return ok, counts


def prepare(url: str | None = None, reload: bool = False, seed: int | None = None) -> dict:
    """Create, migrate and fill the benchmark database; returns what was done and how long it took."""
    url = url or database_url()
    started = time.perf_counter()
    created = ensure_database(url)
    configure(url)
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", interactive=False, verbosity=0)
    report = {
        "database": connection.settings_dict["NAME"],
        "vendor": connection.vendor,
        "created": created,
        "migrate_s": time.perf_counter() - started,
    }
    present, counts = national_data_present()
    if present and not reload:
        from ocop.demo.registry import analyze_tables

        analyze_tables()  # other benchmarks may have added and removed rows since the last run
        report.update(loaded=False, **counts)
        return report
    if counts["producers"] and not reload and not str(report["database"]).startswith("ocop_bench"):
        raise SystemExit(
            f"Database {report['database']} already holds {counts['producers']} producers but not "
            "national-scale demo data. Point BENCH_DATABASE_URL at a benchmark database, or pass --reload "
            "to replace its data."
        )
    options = {"scale": "national", "flush": True, "verbosity": 0}
    if seed is not None:
        options["seed"] = seed
    load_started = time.perf_counter()
    call_command("ocop_demo", **options)
    report["demo_national_s"] = time.perf_counter() - load_started
    _present, counts = national_data_present()
    report.update(loaded=True, **counts)
    return report


# --- Figures -------------------------------------------------------------------------------------------


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0–100) by linear interpolation, as numpy's default does."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = (len(ordered) - 1) * q / 100
    low = int(k)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (k - low)


def summarize_ms(seconds: list[float]) -> dict[str, float]:
    ms = [s * 1000 for s in seconds]
    return {
        "n": len(ms),
        "median": statistics.median(ms),
        "p95": percentile(ms, 95),
        "min": min(ms),
        "max": max(ms),
    }


def print_table(headers: list[str], rows: list[list]) -> None:
    """A Markdown table, so the output can go straight into bench/README.md."""
    cells = [[str(c) for c in row] for row in rows]
    widths = [max(len(h), *(len(r[i]) for r in cells)) if cells else len(h) for i, h in enumerate(headers)]
    print("| " + " | ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)) + " |")
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for row in cells:
        print("| " + " | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) + " |")


def machine() -> str:
    import platform

    cpus = os.cpu_count()
    try:
        load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        load = "?"
    return f"{platform.node()} · {cpus} CPU(s) · Python {platform.python_version()} · load {load}"


# --- A real HTTP server, in a child process --------------------------------------------------------------


def serve(port: int) -> None:
    """Serves the site single-threaded on 127.0.0.1:port (Django's own WSGI server), DEBUG off."""
    configure()
    from django.core.servers.basehttp import WSGIRequestHandler, WSGIServer
    from django.core.wsgi import get_wsgi_application

    class QuietHandler(WSGIRequestHandler):
        def log_message(self, *args):
            pass

    httpd = WSGIServer(("127.0.0.1", port), QuietHandler, ipv6=False)
    httpd.set_app(get_wsgi_application())
    print("ready", flush=True)
    httpd.serve_forever()


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "serve":
        serve(int(sys.argv[2]))
    else:
        print("usage: common.py serve PORT", file=sys.stderr)
        sys.exit(2)
