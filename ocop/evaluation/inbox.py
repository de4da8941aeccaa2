"""What waits on each actor, with deadlines: the inbox page and (later) the home page use `sections`.

One query per section, whatever the number of rows (a section shows at most `LIMIT` rows and says when
there are more). Deadlines are worked out in Python from the rows already loaded:
`deadline_for(dossier)` is the date relevant to the dossier's state (the commune's 15-working-day check
while submitted; the round's cut-off while at the province; the round's decision date afterwards)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.models import Count, Exists, F, IntegerField, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from ocop.accounts.models import Role
from ocop.certificates.models import Certificate, CertificateStatus
from ocop.certificates.rules import window_state
from ocop.core.calendar import default_calendar, local_today

from .models import CouncilMember, Dossier, EvidenceDocument, Idea, IdeaStatus, MemberRole, MemberScore
from .scoring import required_count
from .selectors.council import counted_per_dossier, counted_sheets
from .workflow import DossierStatus as S

LIMIT = 100
DOCUMENT_WARNING_DAYS = 90  # a library document expiring within this many days is flagged
CERTIFICATE_WARNING_DAYS = 180  # the province sees certificates expiring within this many days

PROVINCE_STATES = (S.AT_PROVINCE, S.CHECKED)
LATER_STATES = (S.IN_COUNCIL, S.RESCORING, S.SCORED, S.AT_MINISTRY, S.CENTRAL_SCORED)
SCORING_STATES = (S.IN_COUNCIL, S.RESCORING)

# The columns the inbox and the board show (nothing of the forms' JSON).
DOSSIER_FIELDS = (
    "id",
    "status",
    "request_type",
    "receipt_number",
    "commune_deadline",
    "return_reason",
    "returned_at",
    "points",
    "stars",
    "scoring_round",
    "producer_id",
    "commune_id",
    "council_id",
    "round_id",
    "product_id",
    "product__name_vi",
    "producer__name",
    "commune__name",
    "round__name",
    "round__commune_cutoff",
    "round__decision_due",
    "round__province_id",
)


def deadline_of(
    status: str, commune_deadline: dt.date | None, commune_cutoff: dt.date, decision_due: dt.date
) -> dt.date | None:
    """The deadline that matters in a state: the commune's check while submitted, the round's cut-off
    while at the province, the round's decision date afterwards; none once finished or returned."""
    if status == S.SUBMITTED:
        return commune_deadline
    if status in PROVINCE_STATES:
        return commune_cutoff
    if status in LATER_STATES:
        return decision_due
    return None


def deadline_for(dossier: Dossier) -> dt.date | None:
    """The deadline that matters in the dossier's current state."""
    return deadline_of(
        dossier.status, dossier.commune_deadline, dossier.round.commune_cutoff, dossier.round.decision_due
    )


@dataclass
class Item:
    obj: Any
    deadline: dt.date | None = None
    days_left: int | None = None
    overdue: bool = False
    note: str = ""


def with_deadline(obj, deadline: dt.date | None, today: dt.date, note: str = "") -> Item:
    if deadline is None:
        return Item(obj, note=note)
    left = default_calendar().working_days_between(today, deadline)
    return Item(obj, deadline, left, today > deadline, note)


def dossier_item(dossier: Dossier, today: dt.date) -> Item:
    return with_deadline(dossier, deadline_for(dossier), today)


@dataclass
class Section:
    key: str
    title: str
    items: list[Item] = field(default_factory=list)
    more: bool = False
    kind: str = "dossier"  # dossier | document | certificate | idea

    @property
    def count(self) -> int:
        return len(self.items)

    @property
    def overdue(self) -> int:
        return sum(1 for item in self.items if item.overdue)


def _rows(qs) -> tuple[list, bool]:
    rows = list(qs[: LIMIT + 1])
    return rows[:LIMIT], len(rows) > LIMIT


def _dossiers(qs):
    return qs.select_related("product", "producer", "commune", "round").only(*DOSSIER_FIELDS)


def _dossier_section(key, title, qs, today, *, overdue_first=False) -> Section:
    rows, more = _rows(_dossiers(qs))
    items = [dossier_item(d, today) for d in rows]
    if overdue_first:
        items.sort(key=lambda i: (not i.overdue, i.deadline or dt.date.max, i.obj.pk))
    return Section(key, title, items, more)


# --- per role ---------------------------------------------------------------------------------------


def _producer(user, today) -> list[Section]:
    mine = Dossier.objects.filter(producer_id=user.producer_id)
    docs, docs_more = _rows(
        EvidenceDocument.objects.filter(
            producer_id=user.producer_id,
            archived=False,
            expires_on__isnull=False,
            expires_on__lte=today + dt.timedelta(days=DOCUMENT_WARNING_DAYS),
        )
        .only("id", "title", "kind", "expires_on", "producer_id")
        .order_by("expires_on", "id")
    )
    opens = settings.OCOP_REEVALUATION_OPENS_DAYS
    closes = settings.OCOP_REEVALUATION_CLOSES_DAYS
    certs, certs_more = _rows(
        Certificate.objects.filter(
            producer_id=user.producer_id,
            status=CertificateStatus.VALID,
            expires_on__lte=today + dt.timedelta(days=opens),
        )
        .only("id", "number", "product_name", "stars", "expires_on", "product_id")
        .order_by("expires_on", "id")
    )
    cert_items = []
    for cert in certs:
        state = window_state(cert.expires_on, today, opens, closes)
        if state in ("open", "late"):
            closes_on = cert.expires_on - dt.timedelta(days=closes)
            deadline = closes_on if state == "open" else cert.expires_on
            cert_items.append(Item(cert, deadline, (deadline - today).days, state == "late", state))
    return [
        _dossier_section("drafts", _("Drafts to finish and submit"), mine.filter(status=S.DRAFT), today),
        _dossier_section(
            "returned", _("Returned dossiers to complete"), mine.filter(status=S.RETURNED), today
        ),
        Section(
            "documents",
            _("Library documents expiring soon"),
            [Item(d, d.expires_on, (d.expires_on - today).days, d.expires_on < today) for d in docs],
            docs_more,
            "document",
        ),
        Section(
            "certificates", _("Certificates due for re-evaluation"), cert_items, certs_more, "certificate"
        ),
    ]


def _commune(user, today) -> list[Section]:
    submitted = Dossier.objects.filter(commune_id=user.commune_id, status=S.SUBMITTED).order_by(
        "commune_deadline", "id"
    )
    ideas, ideas_more = _rows(
        Idea.objects.filter(producer__commune_id=user.commune_id, status=IdeaStatus.NEW)
        .select_related("producer")
        .only("id", "title", "created_at", "producer__name")
        .order_by("created_at", "id")
    )
    return [
        _dossier_section("submitted", _("Submitted dossiers to check"), submitted, today, overdue_first=True),
        Section("ideas", _("New product ideas"), [Item(i) for i in ideas], ideas_more, "idea"),
    ]


def _overdue_filter(today) -> Q:
    return (
        Q(status=S.SUBMITTED, commune_deadline__lt=today)
        | Q(status__in=PROVINCE_STATES, round__commune_cutoff__lt=today)
        | Q(status__in=LATER_STATES, round__decision_due__lt=today)
    )


def _province(user, today) -> list[Section]:
    province = Dossier.objects.filter(round__province_id=user.province_id)
    certs, certs_more = _rows(
        Certificate.objects.filter(
            province_id=user.province_id,
            status=CertificateStatus.VALID,
            expires_on__lte=today + dt.timedelta(days=CERTIFICATE_WARNING_DAYS),
        )
        .only("id", "number", "product_name", "producer_name", "stars", "expires_on")
        .order_by("expires_on", "id")
    )
    return [
        _dossier_section(
            "awaiting_council",
            _("Dossiers at the province without a council"),
            province.filter(status__in=PROVINCE_STATES, council__isnull=True).order_by(
                "sent_to_province_at", "id"
            ),
            today,
        ),
        _dossier_section(
            "awaiting_decision",
            _("Scored dossiers awaiting a decision"),
            province.filter(status__in=(S.SCORED, S.CENTRAL_SCORED)).order_by("closed_at", "id"),
            today,
        ),
        _dossier_section(
            "overdue",
            _("Overdue dossiers"),
            province.exclude(status=S.SUBMITTED).filter(_overdue_filter(today)).order_by("id"),
            today,
        ),
        Section(
            "certificates",
            _("Certificates expiring within %(days)s days") % {"days": CERTIFICATE_WARNING_DAYS},
            [Item(c, c.expires_on, (c.expires_on - today).days, c.expires_on < today) for c in certs],
            certs_more,
            "certificate",
        ),
    ]


def _council(user, today) -> list[Section]:
    my_seat = CouncilMember.objects.filter(user=user, council_id=OuterRef("council_id"))
    scored = MemberScore.objects.filter(
        dossier_id=OuterRef("pk"),
        member__user=user,
        scoring_round=OuterRef("scoring_round"),
        submitted_at__isnull=False,
    )
    to_score = (
        Dossier.objects.filter(status__in=SCORING_STATES)
        .filter(Exists(my_seat.filter(role__in=(MemberRole.CHAIR, MemberRole.MEMBER))))
        .exclude(Exists(my_seat.filter(conflicts=OuterRef("producer_id"))))
        .exclude(Exists(scored))
        .order_by("round__decision_due", "id")
    )
    scorers = (
        CouncilMember.objects.filter(
            council_id=OuterRef("council_id"), role__in=(MemberRole.CHAIR, MemberRole.MEMBER)
        )
        .exclude(conflicts=OuterRef("producer_id"))
        .values("council_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    chaired = (
        Dossier.objects.filter(status__in=SCORING_STATES)
        .filter(Exists(my_seat.filter(role=MemberRole.CHAIR)))
        .annotate(
            n_submitted=counted_per_dossier(),
            n_scorers=Coalesce(Subquery(scorers, output_field=IntegerField()), 0),
            quorum=F("council__quorum"),
            chair_submitted=Exists(
                counted_sheets(OuterRef("pk"), OuterRef("scoring_round"), OuterRef("producer_id")).filter(
                    member__user=user, member__role=MemberRole.CHAIR
                )
            ),
        )
        .order_by("round__decision_due", "id")
    )
    rows, more = _rows(_dossiers(chaired))
    ready = []
    for d in rows:
        # The same rule as selectors.council.quorum: ceil(quorum × eligible), exactly, the chair's sheet in.
        needed = max(1, required_count(d.quorum or settings.OCOP_COUNCIL_QUORUM, d.n_scorers))
        if d.n_scorers and d.n_submitted >= needed and d.chair_submitted:
            item = dossier_item(d, today)
            item.note = f"{d.n_submitted}/{d.n_scorers}"
            ready.append(item)
    return [
        _dossier_section("to_score", _("Dossiers to score"), to_score, today),
        Section("ready_to_close", _("Scoring ready to close (chair)"), ready, more),
    ]


def _ministry(user, today) -> list[Section]:
    return [
        _dossier_section(
            "at_ministry",
            _("Dossiers forwarded to the Ministry"),
            Dossier.objects.filter(status=S.AT_MINISTRY).order_by("forwarded_at", "id"),
            today,
        )
    ]


ROLE_SECTIONS = {
    Role.PRODUCER: _producer,
    Role.COMMUNE_OFFICER: _commune,
    Role.PROVINCE_OFFICER: _province,
    Role.COUNCIL_MEMBER: _council,
    Role.MINISTRY: _ministry,
}


def sections(user, today: dt.date | None = None) -> list[Section]:
    """What waits on this user, by section (a fixed number of queries for the user's role)."""
    if not (user and user.is_authenticated and user.is_active):
        return []
    scope = {
        Role.PRODUCER: "producer_id",
        Role.COMMUNE_OFFICER: "commune_id",
        Role.PROVINCE_OFFICER: "province_id",
    }.get(user.role)
    if scope and not getattr(user, scope, None):
        return []
    build = ROLE_SECTIONS.get(user.role)
    return build(user, today or local_today()) if build else []


def counts(user, today: dt.date | None = None) -> dict[str, int]:
    """{section key: number of rows} — for a badge on the home page."""
    return {s.key: s.count for s in sections(user, today)}
