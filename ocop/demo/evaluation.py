"""Demo data for the evaluation process: the records behind the registry demo's rated products.

Every star rating the registry demo plans becomes what the process would have left behind: a provincial
round (two a year), a RECOGNISED dossier with its receipt number and product code, a decision (the
provincial chair's for 3★/4★, the Minister's for 5★) and a certificate (`<serial>/<year>/CN-OCOP-<code>`,
valid 36 months from the decision). An older rating of the same product gets its certificate replaced by
the newer one. In Tây Ninh the dossiers also carry their council (the demo council account chairs every
council) and each member's sheet, built with the scoring engine so that the members' mean total is the
dossier's points, the rating's points and the certificate's points. Other provinces (national scale, for
benchmarks) get rounds, dossiers, decisions and certificates without councils, to stay fast.

It works in two steps around the registry's writes: `plan()` runs on the registry's rows in memory
(before they are saved: it sets each product's OCOP code and each rating's points), `write()` after
(the rows have their ids). Then the demo accounts get work: a draft and a submitted dossier for the demo
producer, submissions waiting at the demo commune (one overdue), a current round with about twenty
dossiers in every state for the demo province, and dossiers for the demo council to score.
"""

from __future__ import annotations

import datetime
import random
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.utils import timezone

from ocop.accounts.models import Role, User
from ocop.certificates.models import Certificate, CertificateStatus, DecisionLevel, Reminder, RevocationGround
from ocop.core.calendar import default_calendar
from ocop.core.models import Counter
from ocop.criteria import engine
from ocop.criteria.models import SetStatus, Sheet
from ocop.criteria.sheets import compiled_sheet
from ocop.evaluation.models import (
    Council,
    CouncilMember,
    Decision,
    Dossier,
    MemberRole,
    MemberScore,
    RequestType,
    Round,
    RoundKind,
    RoundStatus,
)
from ocop.evaluation.workflow import DossierStatus as S
from ocop.registry.models import Product, ProductStatus, StarRating
from ocop.registry.rules import certificate_expiry

TAY_NINH = "80"
BATCH_SIZE = 1000
DEPARTMENTS = [
    "Sở Nông nghiệp và Môi trường",
    "Sở Công Thương",
    "Sở Y tế",
    "Sở Khoa học và Công nghệ",
    "Sở Văn hóa, Thể thao và Du lịch",
]
COUNCIL_MEMBERS = [  # (username, full name, department) — the demo council account chairs
    ("hoidong.nnmt", "Huỳnh Văn Lộc", DEPARTMENTS[0]),
    ("hoidong.congthuong", "Phan Thị Mỹ Linh", DEPARTMENTS[1]),
    ("hoidong.yte", "Đặng Quốc Bảo", DEPARTMENTS[2]),
    ("hoidong.khcn", "Trương Thị Kim Ngân", DEPARTMENTS[3]),
]
CHAIR_DEPARTMENT = "Ủy ban nhân dân tỉnh"
MEMBER_OFFSETS = (-3, -1, 0, 1, 3)  # member totals around the target: spread 6, within the 10-point limit


def round_of(date: datetime.date) -> tuple[int, str]:
    """The provincial round a decision of this date closes: decided by 30 June, or by 30 December."""
    return date.year, RoundKind.FIRST_HALF if date.month <= 6 else RoundKind.SECOND_HALF


def round_dates(year: int, kind: str) -> tuple[datetime.date, datetime.date]:
    if kind == RoundKind.FIRST_HALF:
        return datetime.date(year, 4, 30), datetime.date(year, 6, 30)
    return datetime.date(year, 10, 30), datetime.date(year, 12, 30)


def round_name(year: int, kind: str) -> str:
    return f"Đợt {1 if kind == RoundKind.FIRST_HALF else 2} năm {year}"


# --- Answers that score a target total ----------------------------------------------------------------


def answers_for(sheet: engine.Sheet, stars: int, target: int, rng: random.Random) -> dict[str, int]:
    """A full set of answers meeting every star-minimum mark for `stars`, whose total is as close to
    `target` as the options allow (never above it unless the marks alone exceed it)."""
    answers = {}
    for crit in sheet.criteria:
        need = crit.required_for(stars) if stars >= 3 else 0
        answers[crit.code] = (
            min(p for p in crit.allowed_sorted if p >= need) if need else crit.allowed_sorted[0]
        )
    total = sum(answers.values())
    order = list(sheet.criteria)
    moved = True
    while total < target and moved:
        moved = False
        rng.shuffle(order)
        for crit in order:
            higher = [p for p in crit.allowed_sorted if p > answers[crit.code]]
            if higher and total + higher[0] - answers[crit.code] <= target:
                total += higher[0] - answers[crit.code]
                answers[crit.code] = higher[0]
                moved = True
    return answers


def band(stars: int) -> tuple[int, int]:
    return {3: (50, 69), 4: (70, 89), 5: (90, 100), 2: (30, 49), 1: (0, 29)}[stars]


@dataclass
class Scored:
    """A council's sheets for one dossier, combined by the engine."""

    member_answers: list[dict[str, int]]
    totals: list[int]
    member_stars: list[int | None]
    points: Decimal
    stars: int
    result: dict


def score_dossier(
    sheet: engine.Sheet, stars: int, wanted: Decimal, rng: random.Random, members: int
) -> Scored:
    """Members' sheets whose mean lands in the band of `stars` near `wanted`; stars as the engine says."""
    low, high = band(stars)
    target = min(max(int(wanted), low + 3), high - 3)
    offsets = MEMBER_OFFSETS[:members] if members <= len(MEMBER_OFFSETS) else MEMBER_OFFSETS
    member_answers = [answers_for(sheet, stars, target + off, rng) for off in offsets]
    combined = engine.combine(sheet, member_answers, spread_limit=settings.OCOP_SCORE_SPREAD_LIMIT)
    result = {
        "scoring_round": 1,
        "member_totals": list(combined.member_totals),
        "mean": str(engine.display_points(combined.mean, 4)),
        "points": str(engine.display_points(combined.mean)),
        "spread": combined.spread,
        "spread_limit": settings.OCOP_SCORE_SPREAD_LIMIT,
        "flagged": combined.spread_exceeded,
        "stars_by_points": combined.stars_by_points,
        "marks_stars": combined.consolidated_result.marks_stars,
        "stars": combined.stars,
        "unmet_minimums": [
            {
                "criterion": u.criterion,
                "stars": u.stars,
                "required_points": u.required_points,
                "given_points": u.given_points,
            }
            for u in combined.unmet_minimums
        ],
        # What the result page explains the stars from, as the council service stores it.
        "disqualified": combined.disqualified,
        "disqualifiers": [],
        "not_applicable": [],
        "consolidated": {c.criterion: c.points for c in combined.consolidated},
        "sources": {c.criterion: c.source for c in combined.consolidated},
    }
    return Scored(
        member_answers,
        list(combined.member_totals),
        [r.stars for r in combined.member_results],
        engine.display_points(combined.mean),
        combined.stars or 0,
        result,
    )


# --- Planning (registry rows in memory, not saved yet) ----------------------------------------------------


@dataclass
class RatingPlan:
    rating: StarRating
    province: str
    superseded: bool = False
    scored: Scored | None = None
    product_code: str = ""
    receipt_serial: int = 0
    first: bool = True


@dataclass
class EvaluationPlan:
    seed: int
    today: datetime.date
    ratings: list[RatingPlan] = field(default_factory=list)
    sheets: dict[int, tuple[int, engine.Sheet]] = field(default_factory=dict)  # number → (Sheet id, compiled)
    counters: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    revoked: RatingPlan | None = None


def _sheets() -> dict[int, tuple[int, engine.Sheet]]:
    rows = Sheet.objects.filter(criteria_set__status=SetStatus.PUBLISHED).select_related("criteria_set")
    return {row.number: (row.pk, compiled_sheet(row)) for row in rows}


def plan(
    products: list[Product], ratings: list[StarRating], today: datetime.date, seed: int
) -> EvaluationPlan:
    """Works out every number before anything is written, and sets on the unsaved registry rows what must
    agree with the evaluation records: each rated product's OCOP code and, in Tây Ninh, each rating's
    points (the mean of the council's sheets)."""
    rng = random.Random(f"ocop-evaluation-demo:{seed}")
    result = EvaluationPlan(seed=seed, today=today, sheets=_sheets())
    by_product: dict[int, list[StarRating]] = defaultdict(list)
    for r in ratings:
        by_product[id(r.product)].append(r)
    for rs in by_product.values():
        rs.sort(key=lambda r: r.decision_date)
        product = rs[0].product
        province = _province_of(product.producer.commune_id)
        commune = product.producer.commune_id
        for i, r in enumerate(rs):
            rp = RatingPlan(rating=r, province=province, superseded=i < len(rs) - 1, first=i == 0)
            year = r.decision_date.year
            rp.receipt_serial = _next(result.counters, f"receipt:{commune}:{year}")
            if i == 0:
                serial = _next(result.counters, f"product:{commune}:{year}")
                product.ocop_code = f"{province}-{commune}-{serial:03d}-{year}"
            rp.product_code = product.ocop_code
            if province == TAY_NINH:
                number = product.sheet
                if number in result.sheets:
                    rp.scored = score_dossier(
                        result.sheets[number][1], r.stars, r.points or Decimal(75), rng, 5
                    )
                    r.points = rp.scored.points
            result.ratings.append(rp)
    # Exactly one certificate revoked: a valid Tây Ninh 3★ whose producer has several products.
    candidates = [
        rp
        for rp in result.ratings
        if rp.province == TAY_NINH
        and not rp.superseded
        and rp.rating.stars == 3
        and certificate_expiry(rp.rating.decision_date) > today + datetime.timedelta(days=365)
    ]
    if candidates:
        # The product keeps its registry status: the registry records the revocation separately.
        result.revoked = candidates[len(candidates) // 2]
    return result


_PROVINCE_OF: dict[str, str] = {}


def _province_of(commune_code: str) -> str:
    if not _PROVINCE_OF:
        from ocop.places.models import Commune

        _PROVINCE_OF.update(dict(Commune.objects.values_list("code", "province_id")))
    return _PROVINCE_OF[commune_code]


def _next(counters: dict[str, int], key: str) -> int:
    counters[key] += 1
    return counters[key]


# --- Writing ------------------------------------------------------------------------------------------


@dataclass
class EvaluationSummary:
    rounds: int = 0
    councils: int = 0
    dossiers: int = 0
    member_scores: int = 0
    decisions: int = 0
    certificates: int = 0
    in_progress: int = 0


def _council_users(password_hash: str) -> list[User]:
    users = []
    for username, full_name, _department in COUNCIL_MEMBERS:
        user = User.objects.filter(username=username).first() or User(username=username)
        user.role, user.full_name, user.province_id = Role.COUNCIL_MEMBER, full_name, TAY_NINH
        user.email, user.is_active, user.password = f"{username}@example.com", True, password_hash
        user.save()
        users.append(user)
    return users


def write(p: EvaluationPlan) -> EvaluationSummary:
    """Writes the rounds, councils, decisions, dossiers, sheets and certificates (after the registry's
    rows, which now have ids), then the in-progress work of the demo accounts."""
    summary = EvaluationSummary()
    today = p.today
    now = timezone.now()
    chair_user = User.objects.get(username="demo.council")
    members = _council_users(chair_user.password)

    # Rounds: two a year for every year a province decided something.
    round_keys = sorted({(rp.province, *round_of(rp.rating.decision_date)) for rp in p.ratings})
    current = (TAY_NINH, today.year, RoundKind.FIRST_HALF if today.month <= 6 else RoundKind.SECOND_HALF)
    years = defaultdict(set)
    for province, year, _kind in round_keys:
        years[province].add(year)
    years[TAY_NINH].add(today.year)
    rounds = []
    for province in sorted(years):
        for year in sorted(years[province]):
            for kind in (RoundKind.FIRST_HALF, RoundKind.SECOND_HALF):
                cutoff, due = round_dates(year, kind)
                closed = due < today and (province, year, kind) != current
                rounds.append(
                    Round(
                        province_id=province,
                        year=year,
                        kind=kind,
                        name=round_name(year, kind),
                        commune_cutoff=cutoff,
                        decision_due=due,
                        status=RoundStatus.CLOSED if closed else RoundStatus.OPEN,
                    )
                )
    Round.objects.bulk_create(rounds, batch_size=BATCH_SIZE)
    round_by_key = {(r.province_id, r.year, r.kind): r for r in rounds}
    summary.rounds = len(rounds)

    # Tây Ninh councils: the demo council account chairs each, four department members sit on each.
    tn_rounds = [r for r in rounds if r.province_id == TAY_NINH]
    councils = [
        Council(
            round=r,
            name=f"Hội đồng đánh giá, phân hạng sản phẩm OCOP tỉnh Tây Ninh — {r.name}",
            decision_number=f"{100 + i * 7}/QĐ-UBND",
            quorum=Decimal(str(settings.OCOP_COUNCIL_QUORUM)),
            spread_limit=settings.OCOP_SCORE_SPREAD_LIMIT,
        )
        for i, r in enumerate(tn_rounds)
    ]
    Council.objects.bulk_create(councils, batch_size=BATCH_SIZE)
    council_by_round = {c.round_id: c for c in councils}
    seats = []
    for c in councils:
        seats.append(
            CouncilMember(council=c, user=chair_user, role=MemberRole.CHAIR, department=CHAIR_DEPARTMENT)
        )
        for user, (_u, _n, department) in zip(members, COUNCIL_MEMBERS, strict=True):
            seats.append(CouncilMember(council=c, user=user, role=MemberRole.MEMBER, department=department))
    CouncilMember.objects.bulk_create(seats, batch_size=BATCH_SIZE)
    seats_by_council = defaultdict(list)
    for seat in seats:
        seats_by_council[seat.council_id].append(seat)
    summary.councils = len(councils)

    # Decisions: one per number the registry planned (the province's chair, or the Minister for 5★).
    decisions: dict[tuple[str, str], Decision] = {}
    for rp in p.ratings:
        r = rp.rating
        level = DecisionLevel.MINISTRY if "BNN" in r.decision_number else DecisionLevel.PROVINCE
        key = (level, r.decision_number)
        if key not in decisions:
            year, kind = round_of(r.decision_date)
            decisions[key] = Decision(
                province_id=rp.province,
                round=round_by_key[(rp.province, year, kind)] if level == DecisionLevel.PROVINCE else None,
                level=level,
                number=r.decision_number,
                date=r.decision_date,
                signed_by="Bộ trưởng Bộ Nông nghiệp và Môi trường"
                if level == DecisionLevel.MINISTRY
                else "Chủ tịch Ủy ban nhân dân tỉnh",
            )
    Decision.objects.bulk_create(list(decisions.values()), batch_size=BATCH_SIZE)
    summary.decisions = len(decisions)

    # Recognised dossiers, one per rating.
    calendar = default_calendar()
    deadlines: dict[datetime.date, datetime.date] = {}
    dossiers = []
    for rp in p.ratings:
        r, product = rp.rating, rp.rating.product
        producer = product.producer
        year, kind = round_of(r.decision_date)
        round_ = round_by_key[(rp.province, year, kind)]
        level = DecisionLevel.MINISTRY if "BNN" in r.decision_number else DecisionLevel.PROVINCE
        commune = producer.commune_id
        council = council_by_round.get(round_.pk)
        # Counted back from the decision, which never predates the result it rests on: the council closed
        # 20 days before (35 for 5★: forwarded 10 days after the close, the central result a week before
        # the Minister's decision); filed two months before the close, so sent before the round's cut-off.
        central = level == DecisionLevel.MINISTRY
        closed = _at(r.decision_date - datetime.timedelta(days=35 if central else 20))
        submitted = closed - datetime.timedelta(days=60)
        dossier = Dossier(
            round=round_,
            product=product,
            producer=producer,
            commune_id=commune,
            sheet_id=p.sheets[product.sheet][0],
            request_type=RequestType.FIRST if rp.first else RequestType.UPGRADE,
            status=S.RECOGNISED,
            form01={"product_name": product.name_vi, "producer": producer.name, "samples": 5},
            receipt_number=f"{rp.receipt_serial}/PĐK-{rp.province}-{commune}-{year}",
            product_code=rp.product_code,
            submitted_at=submitted,
            received_on=submitted.date(),
            commune_deadline=deadlines.get(submitted.date())
            or deadlines.setdefault(
                submitted.date(),
                calendar.add_working_days(submitted.date(), settings.OCOP_COMMUNE_REVIEW_WORKING_DAYS),
            ),
            form03={
                "local_raw_materials": "Nguyên liệu tại địa phương",
                "local_labour": "Lao động tại địa phương",
            },
            sent_to_province_at=submitted + datetime.timedelta(days=14),
            checked_at=submitted + datetime.timedelta(days=30),
            council=council if rp.scored else None,
            closed_at=closed,
            points=r.points,
            stars=r.stars,
            result=rp.scored.result if rp.scored else {"points": str(r.points), "stars": r.stars},
            forwarded_at=closed + datetime.timedelta(days=10) if central else None,
            central_points=r.points if central else None,
            central_stars=r.stars if central else None,
            central_recorded_at=_at(r.decision_date - datetime.timedelta(days=7)) if central else None,
            decision=decisions[(level, r.decision_number)],
        )
        dossiers.append(dossier)
    _insert(Dossier, dossiers)
    summary.dossiers = len(dossiers)

    scores = []
    for rp, dossier in zip(p.ratings, dossiers, strict=True):
        if not rp.scored or dossier.council_id is None:
            continue
        for seat, answers, total, stars in zip(
            seats_by_council[dossier.council_id],
            rp.scored.member_answers,
            rp.scored.totals,
            rp.scored.member_stars,
            strict=True,
        ):
            scores.append(
                MemberScore(
                    dossier=dossier,
                    member=seat,
                    answers=answers,
                    total=Decimal(total),
                    stars=stars,
                    submitted_at=dossier.closed_at - datetime.timedelta(days=1),
                )
            )
    MemberScore.objects.bulk_create(scores, batch_size=BATCH_SIZE)
    summary.member_scores = len(scores)

    # Certificates: numbered per province and year of the decision; a newer rating replaces the older.
    certificates = []
    for rp, dossier in zip(p.ratings, dossiers, strict=True):
        r = rp.rating
        serial = _next(p.counters, f"certificate:{rp.province}:{r.decision_date.year}")
        expires = certificate_expiry(r.decision_date)
        status = CertificateStatus.VALID
        if rp.superseded:
            status = CertificateStatus.SUPERSEDED
        elif expires < today:
            status = CertificateStatus.EXPIRED
        cert = Certificate(
            number=f"{serial}/{r.decision_date.year}/CN-OCOP-{rp.province}",
            product=r.product,
            producer=r.product.producer,
            province_id=rp.province,
            dossier=dossier,
            decision=dossier.decision,
            decision_number=r.decision_number,
            decision_date=r.decision_date,
            stars=r.stars,
            points=r.points,
            product_name=r.product.name_vi,
            producer_name=r.product.producer.name,
            issued_on=r.decision_date,
            expires_on=expires,
            status=status,
        )
        if rp is p.revoked:
            cert.status = CertificateStatus.REVOKED
            cert.finding_date = today - datetime.timedelta(days=40)
            cert.revoked_on = today - datetime.timedelta(days=30)
            cert.revocation_ground = RevocationGround.LAW_BREACH
            cert.revocation_reason = (
                "Đoàn kiểm tra liên ngành phát hiện lô sản phẩm không đạt chỉ tiêu an toàn thực phẩm đã "
                "công bố và nhãn hàng hóa ghi sai hạn sử dụng."
            )
            cert.revocation_decision = "2315/QĐ-UBND"
        certificates.append(cert)
    _insert(Certificate, certificates)
    newest = {}
    for rp, cert in zip(p.ratings, certificates, strict=True):
        if not rp.superseded:
            newest[rp.rating.product.pk] = cert
    superseded = []
    for rp, cert in zip(p.ratings, certificates, strict=True):
        if rp.superseded:
            cert.superseded_by = newest.get(rp.rating.product.pk)
            superseded.append(cert)
    Certificate.objects.bulk_update(superseded, ["superseded_by"], batch_size=BATCH_SIZE)
    if p.revoked is not None:
        # as the revocation service leaves it: the product keeps its stars, its status says revoked
        Product.objects.filter(pk=p.revoked.rating.product.pk).update(status=ProductStatus.REVOKED)
    summary.certificates = len(certificates)

    summary.in_progress = _in_progress(
        p, round_by_key[current], council_by_round[round_by_key[current].pk], now
    )

    # The services continue the numbering where the demo left it.
    Counter.objects.bulk_create(
        [Counter(key=k, value=v) for k, v in p.counters.items()],
        batch_size=BATCH_SIZE,
        update_conflicts=True,
        unique_fields=["key"],
        update_fields=["value"],
    )
    return summary


def _insert(model, objs: list) -> None:
    """bulk_create, or on PostgreSQL for large lists COPY with ids drawn from the table's sequence in
    one query: Django's bulk_create prepares every value of these wide rows in Python, which made the
    national demo three times slower."""
    from django.db import connection

    if connection.vendor != "postgresql" or len(objs) < 2000:
        model.objects.bulk_create(objs, batch_size=BATCH_SIZE)
        return
    import json

    meta = model._meta
    fields = list(meta.concrete_fields)
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [meta.db_table, len(objs)],
        )
        ids = [row[0] for row in cursor.fetchall()]
        for obj, pk in zip(objs, ids, strict=True):
            obj.pk = pk
            obj._state.adding, obj._state.db = False, connection.alias
        columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
        table = connection.ops.quote_name(meta.db_table)
        with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            for obj in objs:
                row = []
                for f in fields:
                    if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                        value = getattr(obj, f.attname) or now
                        setattr(obj, f.attname, value)
                    elif f.is_relation:
                        value = getattr(obj, f.attname)
                        if value is None:
                            related = f.get_cached_value(obj, None)
                            value = related.pk if related is not None else None
                            setattr(obj, f.attname, value)
                    else:
                        value = getattr(obj, f.attname)
                    if value is not None and f.get_internal_type() == "JSONField":
                        value = json.dumps(value, ensure_ascii=False)
                    row.append(value)
                copy.write_row(row)


def _at(day: datetime.date, hour: int = 9) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour), tzinfo=datetime.UTC)


# --- Work in progress for the demo accounts ------------------------------------------------------------


def _in_progress(p: EvaluationPlan, round_: Round, council: Council, now: datetime.datetime) -> int:
    """The demo accounts' inboxes: the producer's draft and submission, the commune's waiting list (one
    past its deadline), the province's round board (about twenty dossiers in every state) and the
    council's dossiers to score (some members have submitted, the chair has not)."""
    rng = random.Random(f"ocop-evaluation-demo-progress:{p.seed}")
    today = p.today
    calendar = default_calendar()
    producer = User.objects.select_related("producer__commune").get(username="demo.producer")
    showcase = producer.producer
    tn = Product.objects.filter(producer__commune__province_id=TAY_NINH).select_related("producer__commune")
    evaluating = list(tn.filter(status=ProductStatus.IN_EVALUATION).order_by("id"))
    rated = list(tn.filter(status=ProductStatus.RATED, stars__in=(3, 4)).order_by("id"))
    expiring = {
        c.product_id
        for c in Certificate.objects.filter(
            province_id=TAY_NINH,
            status=CertificateStatus.VALID,
            expires_on__lte=today + datetime.timedelta(days=180),
        )
    }

    # (status, product, request type)
    wanted: list[tuple[str, Product, str]] = []
    own_new = next((x for x in evaluating if x.producer_id == showcase.pk), None)
    own_rated = next((x for x in sorted(rated, key=lambda x: x.stars) if x.producer_id == showcase.pk), None)
    used = set()
    if own_new:
        wanted.append((S.DRAFT, own_new, RequestType.FIRST))
        used.add(own_new.pk)
    if own_rated:
        kind = RequestType.REEVALUATION if own_rated.pk in expiring else RequestType.UPGRADE
        wanted.append((S.SUBMITTED, own_rated, kind))
        used.add(own_rated.pk)
    neighbours = [x for x in rated if x.producer.commune_id == showcase.commune_id and x.pk not in used]
    others = [x for x in evaluating if x.pk not in used] + [x for x in rated if x.pk not in used]
    for x in neighbours[:3]:
        wanted.append((S.SUBMITTED, x, RequestType.REEVALUATION if x.pk in expiring else RequestType.UPGRADE))
        used.add(x.pk)
    states = [S.SUBMITTED] * 2 + [S.RETURNED] + [S.AT_PROVINCE] * 4 + [S.CHECKED] * 3
    states += [S.IN_COUNCIL] * 5 + [S.SCORED] * 3
    pool = [x for x in others if x.pk not in used]
    for status, x in zip(states, pool, strict=False):
        kind = RequestType.FIRST if x.status == ProductStatus.IN_EVALUATION else RequestType.UPGRADE
        if x.pk in expiring:
            kind = RequestType.REEVALUATION
        wanted.append((status, x, kind))
        used.add(x.pk)

    sheet_ids = {n: sid for n, (sid, _c) in p.sheets.items()}
    seats = list(CouncilMember.objects.filter(council=council).order_by("role", "id"))  # chair first
    dossiers, plans = [], []
    overdue_done = False
    for status, product, kind in wanted:
        commune = product.producer.commune_id
        province = TAY_NINH
        d = Dossier(
            round=round_,
            product=product,
            producer=product.producer,
            commune_id=commune,
            sheet_id=sheet_ids[product.sheet],
            request_type=kind,
            status=status,
            form01={"product_name": product.name_vi, "producer": product.producer.name, "samples": 5},
        )
        if status != S.DRAFT:
            # The commune's queue: most filed in the last two weeks, the first neighbour's long overdue.
            overdue = status == S.SUBMITTED and product.producer_id != showcase.pk and not overdue_done
            overdue_done = overdue_done or overdue
            received = today - datetime.timedelta(days=40 if overdue else rng.randint(2, 12))
            if status not in (S.SUBMITTED, S.RETURNED):
                received = round_.commune_cutoff - datetime.timedelta(days=rng.randint(20, 60))
            year = received.year
            serial = _next(p.counters, f"receipt:{commune}:{year}")
            d.receipt_number = f"{serial}/PĐK-{province}-{commune}-{year}"
            if not product.ocop_code:
                code_serial = _next(p.counters, f"product:{commune}:{year}")
                product.ocop_code = f"{province}-{commune}-{code_serial:03d}-{year}"
                Product.objects.filter(pk=product.pk).update(ocop_code=product.ocop_code)
            d.product_code = product.ocop_code
            d.submitted_at = _at(received)
            d.received_on = received
            d.commune_deadline = calendar.add_working_days(
                received, settings.OCOP_COMMUNE_REVIEW_WORKING_DAYS
            )
        if status == S.RETURNED:
            d.returned_at = now - datetime.timedelta(days=3)
            d.return_reason = (
                "Thiếu phiếu kết quả kiểm nghiệm sản phẩm còn hiệu lực và giấy chứng nhận cơ sở đủ "
                "điều kiện an toàn thực phẩm."
            )
        if status in (S.AT_PROVINCE, S.CHECKED, S.IN_COUNCIL, S.SCORED):
            d.form03 = {
                "local_raw_materials": "Nguyên liệu tại địa phương",
                "local_labour": "Lao động tại địa phương",
            }
            d.sent_to_province_at = d.submitted_at + datetime.timedelta(days=12)
        if status in (S.CHECKED, S.IN_COUNCIL, S.SCORED):
            d.checked_at = d.sent_to_province_at + datetime.timedelta(days=10)
        scored = None
        if status in (S.IN_COUNCIL, S.SCORED):
            d.council = council
            stars = rng.choice([3, 3, 4]) if product.stars in (None, 3) else 4
            scored = score_dossier(
                p.sheets[product.sheet][1], stars, Decimal(rng.randint(55, 85)), rng, len(seats)
            )
        if status == S.SCORED:
            d.closed_at = now - datetime.timedelta(days=2)
            d.points, d.stars, d.result = scored.points, scored.stars, scored.result
        dossiers.append(d)
        plans.append(scored)
    Dossier.objects.bulk_create(dossiers)

    scores = []
    for d, scored in zip(dossiers, plans, strict=True):
        if scored is None:
            continue
        rows = zip(seats, scored.member_answers, scored.totals, scored.member_stars, strict=False)
        for j, (seat, answers, total, stars) in enumerate(rows):
            if d.status == S.IN_COUNCIL and j == 0:
                continue  # the chair (demo.council) still has these to score
            submitted = d.status == S.SCORED or j % 2 == 1
            scores.append(
                MemberScore(
                    dossier=d,
                    member=seat,
                    answers=answers,
                    total=Decimal(total),
                    stars=stars,
                    submitted_at=now - datetime.timedelta(days=3) if submitted else None,
                )
            )
    MemberScore.objects.bulk_create(scores)
    return len(dossiers)


def analyze_tables() -> None:
    """Planner statistics after the bulk load (see ocop.demo.registry.analyze_tables)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    models = (Round, Council, CouncilMember, Decision, Dossier, MemberScore, Certificate)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE " + ", ".join(connection.ops.quote_name(m._meta.db_table) for m in models))


def flush() -> None:
    """Deletes every evaluation record and certificate (before the registry's producers are deleted)."""

    Reminder.objects.all().delete()
    Certificate.objects.update(superseded_by=None)
    Certificate.objects.all().delete()
    MemberScore.objects.all().delete()
    Dossier.objects.all().delete()
    CouncilMember.objects.all().delete()
    Council.objects.all().delete()
    Decision.objects.all().delete()
    Round.objects.all().delete()
    Counter.objects.all().delete()
