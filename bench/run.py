"""`make bench`: prepare the benchmark database, then run each benchmark and print its figures.

1. Create (or reuse) the PostgreSQL database — BENCH_DATABASE_URL, else DATABASE_URL, else
   postgres://postgres@127.0.0.1:5432/ocop_bench — and migrate it.
2. Load national-scale demo data (`manage.py ocop_demo --scale national`: 9,000 producers, 20,000
   products over the 34 provinces) unless it is already there.
3. Run bench_product_list.py, bench_import.py, bench_engine.py (the scoring engine, in-process),
   bench_round_board.py (the round board with 100 and 500 dossiers) and bench_certificate_pdf.py.

Benchmarks print figures; they are not timed tests and do not fail on a slow machine. The exit status is
non-zero only when a benchmark could not run properly (an error page, a query count that grows with the
page size).
"""

from __future__ import annotations

import argparse
import importlib
import sys
import time
import traceback
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Run the OCOP benchmarks against national-scale demo data.")
    parser.add_argument(
        "--reload", action="store_true", help="replace the data with fresh national demo data"
    )
    parser.add_argument("--seed", type=int, default=None, help="demo data seed when (re)loading")
    parser.add_argument("--requests", type=int, default=200, help="timed requests per product-list case")
    parser.add_argument("--no-http", action="store_true", help="skip the run through a real HTTP server")
    parser.add_argument(
        "--only",
        choices=[
            "product_list",
            "import",
            "engine",
            "round_board",
            "certificate_pdf",
            "capture",
            "tlog",
            "trace_page",
        ],
        help="run one benchmark only",
    )
    args, rest = parser.parse_known_args(argv)

    started = time.perf_counter()
    report = common.prepare(reload=args.reload, seed=args.seed)
    print("# OCOP benchmarks")
    print(f"Machine: {common.machine()}")
    print(f"Database: {report['vendor']} {report['database']}" + (" (created)" if report["created"] else ""))
    if report["loaded"]:
        print(f"Loaded national demo data in {report['demo_national_s']:.1f} s (ocop_demo --scale national).")
    else:
        print("National demo data already present.")
    print(
        f"{report['producers']:,} producers, {report['products']:,} products, "
        f"{report['provinces']} provinces."
    )

    status = 0
    benchmarks = []
    if args.only in (None, "product_list"):
        product_argv = ["--requests", str(args.requests)] + (["--no-http"] if args.no_http else [])
        benchmarks.append(("bench_product_list", product_argv))
    if args.only in (None, "import"):
        if (common.BENCH_DIR / "bench_import.py").exists():
            benchmarks.append(("bench_import", rest))
        else:
            print("\n(bench/bench_import.py not present: import benchmark skipped)")
    if args.only in (None, "engine"):
        benchmarks.append(("bench_engine", []))
    if args.only in (None, "round_board"):
        benchmarks.append(("bench_round_board", []))
    if args.only in (None, "certificate_pdf"):
        benchmarks.append(("bench_certificate_pdf", []))
    if args.only in (None, "capture"):
        benchmarks.append(("bench_capture", []))  # EPCIS 2.0 capture
    if args.only in (None, "tlog"):
        benchmarks.append(("bench_tlog", []))  # transparency log at 1,000,000 leaves
    if args.only in (None, "trace_page"):
        benchmarks.append(("bench_trace_page", []))  # consumer trace page and Digital Link redirect
    for module_name, module_argv in benchmarks:
        try:
            module = importlib.import_module(module_name)
            result = module.main(module_argv)
        except SystemExit as exc:  # argparse inside a benchmark
            result = exc.code
        except Exception:  # noqa: BLE001 — one broken benchmark must not hide the others' figures
            traceback.print_exc()
            result = 1
        if result:
            print(f"!! {module_name} reported a problem (status {result}).")
            status = 1
    print(f"\nAll benchmarks done in {time.perf_counter() - started:.0f} s.")
    return status


if __name__ == "__main__":
    sys.exit(main())
