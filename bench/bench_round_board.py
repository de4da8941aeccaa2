"""Benchmark: the provincial office's round board (evaluation:round_board) with 100 and 500 dossiers.

A round of the province with the most rated products (national-scale demo data) gets dossiers in every
state the province sees (at the province, checked, in council, re-scoring, scored, at the Ministry,
recognised, not recognised, returned), a council of five with members' sheets on the dossiers being
scored, and a provincial officer of that province. The board is rendered through django.test.Client
in-process: median and p95 over --runs requests after a warm-up, and the number of SQL queries, which
must be the same at both sizes. Everything is written in one transaction that is rolled back at the end,
so the benchmark database keeps exactly the demo data.

Run it through `make bench` (bench/run.py prepares the database), or alone once the database is ready:
`.venv/bin/python bench/bench_round_board.py`. Target (issue 4): median under 150 ms at 500 dossiers.
"""

from __future__ import annotations

import argparse
import datetime
import re
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402

TARGET_MEDIAN_MS = 150
SIZES = (100, 500)


class Rollback(Exception):
    pass


def states():
    from ocop.evaluation.workflow import DossierStatus as S

    return [
        S.AT_PROVINCE,
        S.CHECKED,
        S.IN_COUNCIL,
        S.IN_COUNCIL,
        S.RESCORING,
        S.SCORED,
        S.AT_MINISTRY,
        S.CENTRAL_SCORED,
        S.RECOGNISED,
        S.NOT_RECOGNISED,
        S.RETURNED,
    ]


def pick_province(needed: int) -> str:
    from django.db.models import Count

    from ocop.registry.models import Product

    rows = (
        Product.objects.filter(stars__isnull=False)
        .values("producer__commune__province_id")
        .annotate(n=Count("id"))
        .order_by("-n")
    )
    best = rows.first()
    if best is None or best["n"] < needed:
        raise SystemExit(f"No province has {needed} rated products: load the national demo data first.")
    return best["producer__commune__province_id"]


def build(province: str, count: int, start: int, round_, council, seats, sheet_ids) -> int:
    """Adds `count` dossiers (products `start`…) to the round; returns how many were added."""
    from ocop.core.calendar import default_calendar
    from ocop.evaluation.models import Dossier, MemberScore, RequestType
    from ocop.evaluation.workflow import DossierStatus as S
    from ocop.registry.models import Product

    products = list(
        Product.objects.filter(producer__commune__province_id=province, stars__isnull=False)
        .exclude(dossiers__status__in=[s for s in S.values if s not in S.finished()])
        .select_related("producer")
        .order_by("id")[start : start + count]
    )
    if len(products) < count:
        raise SystemExit(f"Only {len(products)} free products in province {province}; {count} needed.")
    now = datetime.datetime(2026, 9, 15, 8, tzinfo=datetime.UTC)
    calendar = default_calendar()
    cycle = states()
    dossiers = []
    for i, product in enumerate(products, start=start):
        status = cycle[i % len(cycle)]
        received = datetime.date(2026, 8, 1) + datetime.timedelta(days=i % 60)
        commune = product.producer.commune_id
        d = Dossier(
            round=round_,
            product=product,
            producer=product.producer,
            commune_id=commune,
            sheet_id=sheet_ids[product.sheet],
            request_type=[RequestType.FIRST, RequestType.UPGRADE, RequestType.REEVALUATION][i % 3],
            status=status,
            form01={"product_name": product.name_vi},
            receipt_number=f"{9000 + i}/PĐK-{province}-{commune}-2026",
            product_code=product.ocop_code or f"{province}-{commune}-{900 + i}-2026",
            submitted_at=now,
            received_on=received,
            commune_deadline=calendar.add_working_days(received, 15),
            sent_to_province_at=now,
        )
        if status == S.RETURNED:
            d.returned_at, d.return_reason = now, "Thiếu phiếu kết quả kiểm nghiệm."
        if status not in (S.AT_PROVINCE, S.RETURNED):
            d.checked_at = now
        if status not in (S.AT_PROVINCE, S.CHECKED, S.RETURNED):
            d.council = council
        if status in (S.SCORED, S.AT_MINISTRY, S.CENTRAL_SCORED, S.RECOGNISED, S.NOT_RECOGNISED):
            d.closed_at = now
            d.points = Decimal("48.60") if status == S.NOT_RECOGNISED else Decimal("76.40")
            d.stars = 2 if status == S.NOT_RECOGNISED else 4
        if status in (S.AT_MINISTRY, S.CENTRAL_SCORED):
            d.points, d.stars, d.forwarded_at = Decimal("91.20"), 5, now
        dossiers.append(d)
    Dossier.objects.bulk_create(dossiers, batch_size=500)
    scores = [
        MemberScore(
            dossier=d,
            member=seat,
            scoring_round=1,
            answers={},
            total=Decimal(70 + j),
            stars=4,
            submitted_at=now if j < 3 else None,
        )
        for d in dossiers
        if d.council_id
        for j, seat in enumerate(seats)
    ]
    MemberScore.objects.bulk_create(scores, batch_size=1000)
    return len(dossiers)


def measure(client, url: str, runs: int, warmup: int):
    from django.db import connection

    for _ in range(warmup):
        response = client.get(url)
    queries = []

    def count(execute, sql, params, many, context):
        queries.append(sql)
        return execute(sql, params, many, context)

    # An execute wrapper, not CaptureQueriesContext: the request_started signal empties the query log.
    with connection.execute_wrapper(count):
        response = client.get(url)
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        response = client.get(url)
        timings.append(time.perf_counter() - started)
    return timings, len(queries), response


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30, help="timed requests per size (default 30)")
    parser.add_argument("--warmup", type=int, default=3)
    args = parser.parse_args(argv)
    if not common.is_configured():
        common.prepare()

    from django.db import transaction
    from django.test import Client
    from django.urls import NoReverseMatch, reverse

    from ocop.accounts.models import Role, User
    from ocop.criteria.models import SetStatus, Sheet
    from ocop.evaluation.models import Council, CouncilMember, MemberRole, Round, RoundKind

    print("\n## Round board (evaluation:round_board)")
    try:
        reverse("evaluation:round_board", args=[1])
    except NoReverseMatch:
        print("The round board page is not there yet (no URL named evaluation:round_board): skipped.")
        return 0

    status = 0
    rows = []
    province = pick_province(max(SIZES))
    sheet_ids = dict(
        Sheet.objects.filter(criteria_set__status=SetStatus.PUBLISHED).values_list("number", "id")
    )
    try:
        with transaction.atomic():
            round_ = Round.objects.create(
                province_id=province,
                year=2026,
                kind=RoundKind.EXTRA,
                name="Đợt đánh giá bổ sung năm 2026 (đo hiệu năng)",
                commune_cutoff=datetime.date(2026, 10, 30),
                decision_due=datetime.date(2026, 12, 30),
            )
            council = Council.objects.create(round=round_, name="Hội đồng OCOP (đo hiệu năng)")
            seats = []
            for i in range(5):
                user = User.objects.create(
                    username=f"bench.council.{province}.{i}", role=Role.COUNCIL_MEMBER, province_id=province
                )
                seats.append(
                    CouncilMember.objects.create(
                        council=council,
                        user=user,
                        role=MemberRole.CHAIR if i == 0 else MemberRole.MEMBER,
                        department="Sở Nông nghiệp và Môi trường",
                    )
                )
            officer = User.objects.create(
                username=f"bench.province.{province}", role=Role.PROVINCE_OFFICER, province_id=province
            )
            client = Client()
            client.force_login(officer)
            url = reverse("evaluation:round_board", args=[round_.pk])
            made = 0
            counts = {}
            for size in SIZES:
                made += build(province, size - made, made, round_, council, seats, sheet_ids)
                timings, queries, response = measure(client, url, args.runs, args.warmup)
                if response.status_code != 200:
                    print(f"!! {url} answered {response.status_code} at {size} dossiers.")
                    status = 1
                counts[size] = queries
                shown = len(set(re.findall(r"\b(9\d{3})/PĐK-", response.content.decode())))
                if shown < size:
                    print(f"!! The board shows {shown} of the round's {size} dossiers.")
                s = common.summarize_ms(timings)
                rows.append(
                    [
                        size,
                        f"{s['median']:.1f}",
                        f"{s['p95']:.1f}",
                        f"{s['min']:.1f}",
                        queries,
                        f"{len(response.content) / 1024:.0f} KiB",
                    ]
                )
            raise Rollback
    except Rollback:
        pass
    print(f"Province {province}, a provincial officer, {args.runs} requests per size, {args.warmup} warm-up.")
    common.print_table(["dossiers", "median ms", "p95 ms", "min ms", "queries", "page"], rows)
    if len(set(counts.values())) > 1:
        print(f"!! The query count grows with the board: {counts}.")
        status = 1
    median_500 = float(rows[-1][1])
    verdict = "met" if median_500 < TARGET_MEDIAN_MS else "MISSED"
    print(f"Target: median under {TARGET_MEDIAN_MS} ms at {SIZES[-1]} dossiers — {verdict}.")
    return status


if __name__ == "__main__":
    sys.exit(main())
