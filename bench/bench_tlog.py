"""Benchmark of the transparency log (ocop.trace.tlog) on PostgreSQL:

    .venv/bin/python bench/bench_tlog.py [--leaves N] [--batch N] [--runs N]

Appends 1,000,000 leaves in 1,000-leaf batches through the log's own node-building code
(`tlog.append_leaf_hashes`: the same lock, frontier read, `merkle.new_nodes` and bulk insert that
`tlog.append` uses; the event rows themselves are left out to keep the run short), then appends 20
batches of 1,000 real Event rows with `tlog.append` (half after their INSERT, half before it), and times
at the final size: the inclusion proof (issue 5 target: median < 5 ms), the consistency proof, the root,
the checkpoint (signed once, then read back) and the /transparency/proof request in-process.

Everything happens in one transaction that is rolled back at the end: the benchmark database's own log
is left as it was. Exit status 1 when the inclusion-proof target is missed.
"""

from __future__ import annotations

import argparse
import hashlib
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402

PROOF_TARGET_MS = 5.0


class Rollback(Exception):
    pass


def setup() -> None:
    """The benchmark database of bench/run.py, created and migrated; no demo data is needed here."""
    url = common.database_url()
    common.ensure_database(url)
    common.configure(url)
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)


def timed(fn, runs: int) -> dict[str, float]:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return common.summarize_ms(times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leaves", type=int, default=1_000_000, help="leaves to append (default 1,000,000)")
    parser.add_argument("--batch", type=int, default=1000, help="leaves per append (default 1,000)")
    parser.add_argument("--runs", type=int, default=300, help="timed proofs (default 300)")
    args = parser.parse_args(argv)
    if not common.is_configured():
        setup()

    from django.db import connection, transaction
    from django.test import Client
    from django.urls import reverse
    from django.utils import timezone

    from ocop.trace import tlog
    from ocop.trace.models import Event

    print("\n## Transparency log (ocop.trace.tlog)")
    if connection.vendor != "postgresql":
        print(f"(on {connection.vendor}: the figures that matter are PostgreSQL's)")
    status = 0
    rng = random.Random(5)
    try:
        with transaction.atomic():
            start_size = tlog.size()
            batch_times = []
            t_all = time.perf_counter()
            counter = 0
            while counter < args.leaves:
                count = min(args.batch, args.leaves - counter)
                leaves = [
                    hashlib.sha256(b"\x00" + hashlib.sha256(b"bench %d" % (counter + i)).digest()).digest()
                    for i in range(count)
                ]
                t0 = time.perf_counter()
                tlog.append_leaf_hashes(leaves)
                batch_times.append(time.perf_counter() - t0)
                counter += count
                if counter % 100_000 == 0:
                    print(
                        f"  … {counter:,} leaves appended ({time.perf_counter() - t_all:.0f} s)", flush=True
                    )
            total_s = time.perf_counter() - t_all

            # Real events through tlog.append, as the capture service calls it: after their INSERT (the
            # leaf indexes are then written back with an UPDATE), or before it (they go in with the rows).
            now = timezone.now()
            event_times, before_times = [], []
            events = []
            for b in range(20):
                rows = [
                    Event(
                        event_id=f"urn:uuid:bench-tlog-{b}-{i}",
                        event_hash=hashlib.sha256(b"event %d %d" % (b, i)).hexdigest(),
                        event_type="ObjectEvent",
                        event_time=now,
                        event_time_zone_offset="+07:00",
                        record_time=now,
                        document={},
                    )
                    for i in range(args.batch)
                ]
                if b % 2:
                    t0 = time.perf_counter()
                    tlog.append(rows)
                    before_times.append(time.perf_counter() - t0)
                    Event.objects.bulk_create(rows, batch_size=1000)
                else:
                    Event.objects.bulk_create(rows, batch_size=1000)
                    t0 = time.perf_counter()
                    tlog.append(rows)
                    event_times.append(time.perf_counter() - t0)
                events += rows
            size = tlog.size()

            with connection.cursor() as cursor:  # the planner should know the table's new size
                cursor.execute("ANALYZE trace_lognode" if connection.vendor == "postgresql" else "SELECT 1")

            inclusion = timed(lambda: tlog.inclusion_proof(rng.randrange(size), size), args.runs)
            consistency = timed(
                lambda: tlog.consistency_proof(rng.randrange(1, size), size), max(args.runs // 3, 10)
            )
            root = timed(lambda: tlog.root(size), max(args.runs // 3, 10))
            t0 = time.perf_counter()
            tlog.checkpoint()
            sign_ms = (time.perf_counter() - t0) * 1000
            checkpoint = timed(tlog.checkpoint, max(args.runs // 3, 10))
            client = Client()
            url = reverse("trace:tlog_proof")

            def request():
                response = client.get(url, {"event": rng.choice(events).event_id})
                if response.status_code != 200:
                    raise RuntimeError(f"/transparency/proof answered {response.status_code}")

            request()
            http = timed(request, max(args.runs // 3, 10))
            raise Rollback
    except Rollback:
        pass

    appended = args.leaves
    print(
        f"Appended {appended:,} leaves in {total_s:.1f} s ({appended / total_s:,.0f} leaves/s); "
        f"per {args.batch:,}-leaf batch: median {statistics.median(batch_times) * 1000:.1f} ms, "
        f"max {max(batch_times) * 1000:.1f} ms."
    )
    after, before = statistics.median(event_times) * 1000, statistics.median(before_times) * 1000
    print(
        f"tlog.append of {args.batch:,} events: median {after:.1f} ms after their INSERT (leaf indexes "
        f"written back), {before:.1f} ms before it (leaf indexes inserted with the rows)."
    )
    print(
        f"Tree size {size:,} (the log held {start_size:,} before); "
        f"signing and storing a new checkpoint: {sign_ms:.1f} ms."
    )
    rows = [
        [name, f["n"], f"{f['median']:.2f}", f"{f['p95']:.2f}", f"{f['max']:.2f}"]
        for name, f in [
            ("inclusion proof", inclusion),
            ("consistency proof", consistency),
            ("root", root),
            ("checkpoint (unchanged size)", checkpoint),
            ("GET /transparency/proof (in-process)", http),
        ]
    ]
    common.print_table(["at " + f"{size:,} leaves", "runs", "median ms", "p95 ms", "max ms"], rows)
    if inclusion["median"] >= PROOF_TARGET_MS:
        print(f"!! inclusion proof median {inclusion['median']:.2f} ms ≥ target {PROOF_TARGET_MS} ms")
        status = 1
    else:
        print(f"Inclusion proof median {inclusion['median']:.2f} ms < target {PROOF_TARGET_MS} ms.")
    print("(All of it rolled back: the benchmark database's log is unchanged.)")
    return status


if __name__ == "__main__":
    sys.exit(main())
