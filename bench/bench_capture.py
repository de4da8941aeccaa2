"""Benchmark of EPCIS 2.0 capture (ocop.trace.services.capture) on PostgreSQL, and the generator of a
national-scale event history for the other traceability benchmarks.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ocop_bench .venv/bin/python bench/bench_capture.py

Options: --documents N (5) 1,000-event documents captured; --events-per-document N (1000);
--to-million (fill the database up to 1,000,000 events first, with `ensure_events`).

Prints, for 1,000-event documents of realistic ObjectEvents (SGTIN EPCs and GS1 Digital Link URIs of
national-scale products): events/s of the whole capture (schema validation, CBV 2.0 event hash, indexed
fields, transparency log, INSERTs — COPY on PostgreSQL), the time of each part on one document, and the
rate of plain bulk INSERTs of the same rows (Event + EventEpc through bulk_create) with the capture's rate
as a share of it.

`ensure_events(target)` (for other benchmarks) inserts events until the database holds `target`, with real
event hashes, EPC rows, and leaves in the transparency log, in 10,000-event chunks through COPY.
"""

from __future__ import annotations

import argparse
import datetime
import random
import sys
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
if str(BENCH_DIR) not in sys.path:
    sys.path.insert(0, str(BENCH_DIR))
import common  # noqa: E402

VN_PREFIXES = [f"893{n:04d}" for n in range(1000, 1400)]  # GS1 Vietnam company prefixes (893…)
BIZ_STEPS = [
    ("commissioning", "active", "ADD"),
    ("packing", "in_progress", "OBSERVE"),
    ("storing", "in_progress", "OBSERVE"),
    ("shipping", "in_transit", "OBSERVE"),
    ("receiving", "in_progress", "OBSERVE"),
    ("retail_selling", "retail_sold", "OBSERVE"),
]
CONTEXT = ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"]


def gtin14(prefix: str, item: int) -> str:
    body = ("0" + prefix + f"{item:05d}")[-13:]
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return body + str((10 - total % 10) % 10)


def make_event(rng: random.Random, n: int) -> dict:
    """A realistic ObjectEvent of an OCOP product: 1–6 serialised items (SGTIN URNs or Digital Links)."""
    prefix = rng.choice(VN_PREFIXES)
    item = rng.randrange(20000)
    step, disposition, action = BIZ_STEPS[n % len(BIZ_STEPS)]
    count = rng.randint(1, 6)
    serial0 = rng.randrange(10**9)
    if rng.random() < 0.5:
        epcs = [f"urn:epc:id:sgtin:{prefix}.0{item:05d}.{serial0 + i}" for i in range(count)]
    else:
        gtin = gtin14(prefix, item)
        epcs = [f"https://id.gs1.org/01/{gtin}/21/{serial0 + i}" for i in range(count)]
    moment = datetime.datetime(2024, 1, 1, tzinfo=datetime.UTC) + datetime.timedelta(
        seconds=rng.randrange(63_000_000)
    )
    local = moment.astimezone(datetime.timezone(datetime.timedelta(hours=7)))
    site = rng.randrange(1, 99999)
    event = {
        "type": "ObjectEvent",
        "eventTime": local.isoformat(timespec="milliseconds"),
        "eventTimeZoneOffset": "+07:00",
        "epcList": epcs,
        "action": action,
        "bizStep": step,
        "disposition": disposition,
        "readPoint": {"id": f"urn:epc:id:sgln:{prefix}.{site:05d}.0"},
        "bizLocation": {"id": f"urn:epc:id:sgln:{prefix}.{site:05d}.1"},
    }
    if step in ("shipping", "receiving"):
        event["bizTransactionList"] = [
            {"type": "desadv", "bizTransaction": f"urn:epcglobal:cbv:bt:{gtin14(prefix, 0)[1:]}:{serial0}"}
        ]
    return event


def make_document(rng: random.Random, size: int, start: int = 0) -> dict:
    return {
        "@context": CONTEXT,
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": "2025-01-01T00:00:00Z",
        "epcisBody": {"eventList": [make_event(rng, start + i) for i in range(size)]},
    }


def bench_user():
    from ocop.accounts.models import Role, User

    user, _created = User.objects.get_or_create(
        username="bench_epcis_integrator", defaults={"role": Role.INTEGRATOR, "full_name": "EPCIS bench"}
    )
    return user


def _rows(events: list[dict], context, record_time):
    """Event and EventEpc objects for plain inserts (fields as the capture computes them)."""
    from ocop.trace import epcis
    from ocop.trace.services import events as services

    hashes = epcis.event_hashes(events, context)
    return services._build(events, hashes, context, record_time)


def ensure_events(target: int = 1_000_000, chunk: int = 10_000, seed: int = 7, log: bool = True) -> int:
    """Fills the database up to `target` events (real hashes, EPC rows, log leaves); returns how many were
    added. COPY on PostgreSQL; idempotent (counts what is there first)."""
    from django.db import connection, transaction
    from django.utils import timezone

    from ocop.trace.models import Event, EventEpc
    from ocop.trace.services import events as services

    have = Event.objects.count()
    added = 0
    rng = random.Random(seed + have)
    started = time.perf_counter()
    while have + added < target:
        size = min(chunk, target - have - added)
        events = [make_event(rng, have + added + i) for i in range(size)]
        for i, event in enumerate(events):  # unique even when the random EPCs repeat
            event["example:n"] = have + added + i
        context = [*CONTEXT, {"example": "https://ocop.example.vn/ns/"}]
        rows, epcs = _rows(events, context, timezone.now())
        with transaction.atomic():
            if log:
                services._append_to_log(rows)
            if connection.vendor == "postgresql":
                _copy(rows, epcs)
            else:
                Event.objects.bulk_create(rows, batch_size=2000)
                EventEpc.objects.bulk_create(
                    [
                        EventEpc(event_id=r.pk, epc=e, role=role)
                        for r, names in zip(rows, epcs, strict=True)
                        for e, role in names
                    ],
                    batch_size=5000,
                )
        added += size
        if added % 100_000 < chunk:
            rate = added / (time.perf_counter() - started)
            print(f"  … {have + added:,} events ({rate:,.0f} events/s)", flush=True)
    return added


def _copy(rows, epcs) -> None:
    import json

    from django.db import connection

    from ocop.trace.models import Event, EventEpc

    table = Event._meta.db_table
    columns = [
        "event_id", "event_hash", "event_type", "event_time", "event_time_zone_offset", "record_time",
        "biz_step", "disposition", "read_point", "biz_location", "document", "public", "leaf_index",
    ]  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT nextval(pg_get_serial_sequence('{table}', 'id')) FROM generate_series(1, %s)",
            [len(rows)],
        )
        ids = [r[0] for r in cursor.fetchall()]
        with cursor.cursor.copy(f'COPY "{table}" (id, {", ".join(columns)}) FROM STDIN') as copy:
            for pk, row in zip(ids, rows, strict=True):
                row.pk = pk
                values = [pk, row.event_id, row.event_hash, row.event_type, row.event_time]
                values += [row.event_time_zone_offset, row.record_time, row.biz_step, row.disposition]
                values += [
                    row.read_point,
                    row.biz_location,
                    json.dumps(row.document),
                    row.public,
                    row.leaf_index,
                ]
                copy.write_row(values)
        with cursor.cursor.copy(f'COPY "{EventEpc._meta.db_table}" (event_id, epc, role) FROM STDIN') as copy:
            for row, names in zip(rows, epcs, strict=True):
                for epc, role in names:
                    copy.write_row([row.pk, epc, role])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=5)
    parser.add_argument("--events-per-document", type=int, default=1000)
    parser.add_argument(
        "--to-million", action="store_true", help="first fill the database to 1,000,000 events"
    )
    args = parser.parse_args(argv)
    if not common.is_configured():
        url = common.database_url()
        common.ensure_database(url)
        common.configure(url)
        from django.core.management import call_command

        call_command("migrate", interactive=False, verbosity=0)

    from django.db import connection, transaction
    from django.utils import timezone

    from ocop.trace import epcis
    from ocop.trace.models import CaptureJob, Event, EventEpc
    from ocop.trace.services import events as services

    print("\n## EPCIS 2.0 capture")
    before = Event.objects.count()
    print(f"Database: {connection.vendor} {connection.settings_dict['NAME']}; {before:,} events before.")
    if args.to_million:
        t = time.perf_counter()
        added = ensure_events(1_000_000)
        print(
            f"Generated {added:,} events in {time.perf_counter() - t:.0f} s (now {Event.objects.count():,})."
        )

    rng = random.Random(2026 + Event.objects.count())
    user = bench_user()
    size = args.events_per_document
    epcis.validator()
    epcis.event_hashes([make_event(rng, 0)], CONTEXT)  # warm up (imports, compiled schema)

    # Parts, on one document
    document = make_document(rng, size)
    t = time.perf_counter()
    errors = epcis.validate(document)
    validate_s = time.perf_counter() - t
    assert not errors, errors[:3]
    t = time.perf_counter()
    hashes = epcis.event_hashes(document["epcisBody"]["eventList"], CONTEXT)
    hash_s = time.perf_counter() - t
    t = time.perf_counter()
    rows, epcs = services._build(document["epcisBody"]["eventList"], hashes, CONTEXT, timezone.now())
    build_s = time.perf_counter() - t
    with transaction.atomic():  # rolled back: these rows are captured again below
        t = time.perf_counter()
        services._append_to_log(rows)
        log_s = time.perf_counter() - t
        t = time.perf_counter()
        services._insert(rows, epcs)
        insert_part_s = time.perf_counter() - t
        transaction.set_rollback(True)

    # Whole captures
    total_events, elapsed = 0, 0.0
    for i in range(args.documents):
        document = make_document(rng, size, start=i * size)
        t = time.perf_counter()
        job = services.capture(user, document)
        elapsed += time.perf_counter() - t
        if job.status != CaptureJob.Status.SUCCESS:
            print(f"!! capture failed: {job.errors[:3]}")
            return 1
        total_events += job.event_count
    capture_rate = total_events / elapsed

    # Plain bulk INSERTs of the same kind of rows (fields precomputed, no validation, hash or log)
    insert_events, insert_s = 0, 0.0
    for i in range(args.documents):
        document = make_document(rng, size, start=(args.documents + i) * size)
        rows, epcs = _rows(document["epcisBody"]["eventList"], CONTEXT, timezone.now())
        t = time.perf_counter()
        with transaction.atomic():
            Event.objects.bulk_create(rows, batch_size=1000)
            EventEpc.objects.bulk_create(
                [
                    EventEpc(event_id=r.pk, epc=e, role=role)
                    for r, names in zip(rows, epcs, strict=True)
                    for e, role in names
                ],
                batch_size=2000,
            )
        insert_s += time.perf_counter() - t
        insert_events += len(rows)
        # these rows are not in the transparency log: remove them again
        Event.objects.filter(pk__in=[r.pk for r in rows]).delete()
    insert_rate = insert_events / insert_s

    common.print_table(
        ["measure", "value"],
        [
            [f"capture, {args.documents} × {size}-event documents", f"{capture_rate:,.0f} events/s"],
            [
                "  schema validation (one document)",
                f"{validate_s * 1000:,.0f} ms ({size / validate_s:,.0f} events/s)",
            ],
            [
                "  CBV 2.0 event hashes (one document)",
                f"{hash_s * 1000:,.0f} ms ({size / hash_s:,.0f} events/s)",
            ],
            ["  indexed fields, EPCs (one document)", f"{build_s * 1000:,.0f} ms"],
            ["  transparency-log append (one document)", f"{log_s * 1000:,.0f} ms"],
            [
                f"  INSERTs ({'COPY' if connection.vendor == 'postgresql' else 'bulk_create'}, one document)",
                f"{insert_part_s * 1000:,.0f} ms",
            ],
            ["plain bulk INSERT of the same rows", f"{insert_rate:,.0f} events/s"],
            ["capture as a share of plain INSERTs", f"{capture_rate / insert_rate:.0%}"],
            ["target", "≥ 2,000 events/s " + ("(met)" if capture_rate >= 2000 else "(NOT met)")],
        ],
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
