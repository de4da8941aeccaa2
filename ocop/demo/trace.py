"""Demo traceability: two batches of the showcase producer's products with their journey from the
source to the shelf, recorded through the same services as the producer's forms (so the events are
valid EPCIS 2.0, hashed and in the transparency log). Scanning `/01/<gtin>/10/<lot>` then shows a trace."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from ocop.trace.models import Batch, CaptureJob, Checkpoint, Event, LogNode

SHOWCASE_USER = "demo.producer"
VIETNAM = dt.timezone(dt.timedelta(hours=7))
SOURCES = [
    {
        "kind": "farm",
        "name": "Cánh đồng lúa ấp Lộc Thành",
        "plot": "Thửa 27, tờ bản đồ số 5",
        "certificate": "VietGAP",
        "certificate_number": "VietGAP-TT-24-03-72-0015",
    },
    {"kind": "supplier", "name": "Cơ sở muối Tây Ninh", "certificate": "", "certificate_number": ""},
]
# (step, days before packing, extra form data)
JOURNEY = [
    ("harvest", -6, {"source": 1, "quantity": 800, "unit": "KGM"}),
    ("receive_raw", -5, {"source": 2, "quantity": 20, "unit": "KGM"}),
    ("transform", -3, {"inputs": [1, 2], "quantity": 2400, "unit": "H87"}),
    ("pack", 0, {"quantity": 2400, "unit": "H87"}),
    (
        "inspect",
        1,
        {
            "lab": "Trung tâm Kỹ thuật Tiêu chuẩn Đo lường Chất lượng 3",
            "report_number": "KQ-2026-1187",
            "result": "Đạt QCVN 8-3:2012/BYT (vi sinh vật)",
            "passed": True,
        },
    ),
    ("store", 1, {"quantity": 2400, "unit": "H87"}),
    (
        "ship",
        2,
        {
            "partner": "Siêu thị Co.opmart Tây Ninh",
            "partner_kind": "point_of_sale",
            "quantity": 600,
            "unit": "H87",
        },
    ),
]


def write(today: dt.date) -> int:
    """Two batches with their journeys; returns the number of events recorded (0 without the account)."""
    from ocop.accounts.models import User
    from ocop.trace.services import batches

    user = User.objects.filter(username=SHOWCASE_USER).select_related("producer").first()
    if user is None or user.producer is None:
        return 0
    products = list(user.producer.products.exclude(gtin="").order_by("pk")[:2])
    recorded = 0
    for number, product in enumerate(products):
        packed = today - dt.timedelta(days=20 + 15 * number)
        batch = batches.create_batch(
            user,
            product,
            {
                "lot": f"TB{packed:%y%m%d}-{number + 1:02d}",
                "produced_on": packed - dt.timedelta(days=3),
                "packed_on": packed,
                "expires_on": packed + dt.timedelta(days=365),
                "best_before": True,
                "quantity": 2400,
                "unit": "H87",
                "sources": SOURCES,
            },
        )
        for step, offset, extra in JOURNEY:
            day = packed + dt.timedelta(days=offset)
            when = dt.datetime.combine(day, dt.time(7 + recorded % 9, 30), VIETNAM)
            batches.record_step(user, batch, step, {"when": when} | extra)
            recorded += 1
    return recorded


def flush() -> None:
    """Deletes every batch and event and the transparency log (the registry is about to go)."""
    with transaction.atomic():
        Event.objects.all().delete()
        Batch.objects.all().delete()
        CaptureJob.objects.all().delete()
        LogNode.objects.all().delete()
        Checkpoint.objects.all().delete()
