"""Read endpoints for dossiers and their results, within the caller's scope.

The scope is `Dossier.objects.visible_to(user)`: a producer its own dossiers, a commune officer its
commune's, a provincial officer its province's once sent up, a council member those assigned to a
council it sits on, the Ministry those forwarded to it and every decided one (results are announced). A
machine client sees none. A dossier outside the scope answers 404, exactly as one that does not exist.

Council independence (`selectors.council.visible_scores`): a member's own sheet is shown to that member;
the other members' totals only once the chair has closed the scoring (`closed_at`), and only to the
council and the province. Points and stars appear once the scoring is closed.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import Prefetch
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _
from ninja import Field, Query, Router, Schema

from ocop.accounts.auth import api_auth, declare_roles
from ocop.core.api.pagination import PageMeta, PageParams, paginate
from ocop.core.api.problems import ApiProblem
from ocop.criteria import engine
from ocop.criteria.sheets import compiled_sheet
from ocop.registry.api import API_READERS

from .models import Dossier, DossierAttachment, RequestType
from .selectors.council import visible_scores
from .workflow import DossierStatus

router = Router(tags=["Dossiers"], auth=api_auth(*API_READERS))


# --- Schemas ----------------------------------------------------------------------------------------


class Ref(Schema):
    id: int
    name: str


class PlaceRef(Schema):
    code: str
    name: str


class DecisionRef(Schema):
    number: str
    date: datetime.date
    level: str


class DossierSummary(Schema):
    id: int
    receipt_number: str | None = Field(..., description="Assigned on submission; null for a draft.")
    product_code: str = Field(..., description="<province>-<commune>-<serial>-<year>; empty for a draft.")
    product: Ref
    producer: Ref
    commune: PlaceRef
    round: Ref
    request_type: RequestType
    status: DossierStatus
    status_label: str
    submitted_at: datetime.datetime | None
    commune_deadline: datetime.date | None = Field(
        ..., description="The day the commune's check is due (OCOP_COMMUNE_REVIEW_WORKING_DAYS working days)."
    )
    points: float | None = Field(..., description="The council's mean total, once the scoring is closed.")
    stars: int | None = Field(..., description="The council's stars, once the scoring is closed.")
    decision: DecisionRef | None = Field(..., description="The recognition decision, or null.")

    @staticmethod
    def resolve_product(obj: Dossier) -> dict:
        return {"id": obj.product_id, "name": obj.product.name_vi}

    @staticmethod
    def resolve_producer(obj: Dossier) -> dict:
        return {"id": obj.producer_id, "name": obj.producer.name}

    @staticmethod
    def resolve_round(obj: Dossier) -> dict:
        return {"id": obj.round_id, "name": obj.round.name}

    @staticmethod
    def resolve_status_label(obj: Dossier) -> str:
        return str(obj.get_status_display())

    @staticmethod
    def resolve_points(obj: Dossier) -> float | None:
        return float(obj.points) if obj.points is not None and obj.closed_at else None

    @staticmethod
    def resolve_stars(obj: Dossier) -> int | None:
        return obj.stars if obj.closed_at else None

    @staticmethod
    def resolve_decision(obj: Dossier) -> dict | None:
        d = obj.decision
        return {"number": d.number, "date": d.date, "level": d.level} if d else None


class AttachmentOut(Schema):
    id: int
    kind: str
    kind_label: str
    criterion: str
    title: str
    issued_on: datetime.date | None
    expires_on: datetime.date | None
    content_type: str
    size: int
    download_url: str | None = Field(
        ..., description="A permission-checked download address, when the site offers one."
    )


class SelfScore(Schema):
    answered: int = Field(..., description="Criteria the producer answered.")
    criteria: int = Field(..., description="Criteria on the sheet.")
    total: int
    stars: int | None = Field(..., description="Stars the self-score reaches (unanswered counted as 0).")


class MemberScoreOut(Schema):
    member: str
    role: str
    department: str
    scoring_round: int
    total: float | None
    stars: int | None
    submitted_at: datetime.datetime | None
    own: bool = Field(..., description="True for the caller's own sheet.")


class UnmetOut(Schema):
    criterion: str
    stars: int
    required_points: int
    given_points: int


class ResultOut(Schema):
    closed: bool = Field(..., description="The chair has closed the scoring; the result is fixed.")
    closed_at: datetime.datetime | None
    scoring_round: int
    points: float | None
    stars: int | None
    spread: float | None = Field(..., description="Highest minus lowest member total, once closed.")
    unmet: list[UnmetOut] = Field(..., description="Star-minimum marks the combined sheet misses.")
    central_points: float | None
    central_stars: int | None
    decision: DecisionRef | None
    member_scores: list[MemberScoreOut] = Field(
        ...,
        description="The caller's own sheet at any time; every member's total once the scoring is closed.",
    )


class DossierOut(DossierSummary):
    sheet: int = Field(..., description="Number of the scoring sheet.")
    sample_count: int
    form01: dict[str, Any]
    form02: dict[str, Any]
    form03: dict[str, Any]
    self_score: SelfScore | None
    attachments: list[AttachmentOut]
    received_on: datetime.date | None
    returned_at: datetime.datetime | None
    return_reason: str
    sent_to_province_at: datetime.datetime | None
    checked_at: datetime.datetime | None
    forwarded_at: datetime.datetime | None
    result: ResultOut

    @staticmethod
    def resolve_sheet(obj: Dossier) -> int:
        return obj.sheet.number

    @staticmethod
    def resolve_self_score(obj: Dossier) -> dict | None:
        return _self_score(obj)

    @staticmethod
    def resolve_attachments(obj: Dossier, context) -> list[dict]:
        return [_attachment(context["request"], a) for a in obj.attachments.all()]

    @staticmethod
    def resolve_result(obj: Dossier, context) -> dict:
        return _result(context["request"].auth, obj)


class DossierPage(PageMeta):
    results: list[DossierSummary]


class DossierFilters(Schema):
    round: int | None = Field(None, ge=1, description="Round id.")
    status: DossierStatus | None = None
    request_type: RequestType | None = None
    commune: str | None = Field(None, pattern=r"^\d{5}$", description="Commune code.")


# --- Query sets and helpers -------------------------------------------------------------------------


def dossier_queryset(user):
    return (
        Dossier.objects.visible_to(user)
        .select_related("product", "producer", "commune", "round", "decision")
        .order_by("-submitted_at", "-id")
    )


def _visible_dossier(user, dossier_id: int, detail: bool = False) -> Dossier:
    qs = dossier_queryset(user)
    if detail:
        qs = qs.select_related("sheet__criteria_set").prefetch_related(
            Prefetch(
                "attachments",
                queryset=DossierAttachment.objects.select_related("document").order_by("kind", "id"),
            )
        )
    dossier = qs.filter(pk=dossier_id).first()
    if dossier is None:
        raise ApiProblem(404, _("No dossier with this id is visible to you."))
    return dossier


def visible_member_scores(user, dossier: Dossier):
    """Council independence: the council service's rule, the same for the pages and the API."""
    return (
        visible_scores(user, dossier)
        .select_related("member__user")
        .order_by("scoring_round", "member__role", "member_id")
    )


def _download_url(request, attachment: DossierAttachment) -> str | None:
    try:
        path = reverse("evaluation:library_download", args=[attachment.document_id])
    except NoReverseMatch:
        return None
    return request.build_absolute_uri(path)


def _attachment(request, a: DossierAttachment) -> dict:
    doc = a.document
    return {
        "id": a.pk,
        "kind": a.kind,
        "kind_label": str(a.get_kind_display()),
        "criterion": a.criterion,
        "title": doc.title,
        "issued_on": doc.issued_on,
        "expires_on": doc.expires_on,
        "content_type": doc.content_type,
        "size": doc.size,
        "download_url": _download_url(request, a),
    }


def _self_score(dossier: Dossier) -> dict | None:
    try:
        sheet = compiled_sheet(dossier.sheet)
    except Exception:  # noqa: BLE001 — a sheet that cannot be compiled must not hide the dossier
        return None
    answers = {
        code: points
        for code, points in (dossier.self_answers or {}).items()
        if code in sheet.by_code and points in sheet.by_code[code].allowed
    }
    na = [
        code for code in (dossier.self_not_applicable or []) if code in sheet.by_code and code not in answers
    ]
    try:
        result = engine.score(sheet, answers, provisional=True, not_applicable=na)
    except engine.EngineError:
        return None
    return {
        "answered": len(answers),
        "criteria": len(sheet.criteria),
        "total": result.total,
        "stars": result.stars,
    }


def _result(user, dossier: Dossier) -> dict:
    closed = dossier.closed_at is not None
    stored = dossier.result or {}
    spread = stored.get("spread") if closed else None
    member_scores = []
    for ms in visible_member_scores(user, dossier):
        member = ms.member
        member_scores.append(
            {
                "member": member.user.full_name or member.user.get_username(),
                "role": member.role,
                "department": member.department,
                "scoring_round": ms.scoring_round,
                "total": float(ms.total) if ms.total is not None else None,
                "stars": ms.stars,
                "submitted_at": ms.submitted_at,
                "own": member.user_id == user.pk,
            }
        )
    unmet = (stored.get("unmet_minimums") or stored.get("unmet") or []) if closed else []
    d = dossier.decision
    return {
        "closed": closed,
        "closed_at": dossier.closed_at,
        "scoring_round": dossier.scoring_round,
        "points": float(dossier.points) if closed and dossier.points is not None else None,
        "stars": dossier.stars if closed else None,
        "spread": float(spread) if spread is not None else None,
        "unmet": [u for u in unmet if isinstance(u, dict)],
        "central_points": float(dossier.central_points) if dossier.central_points is not None else None,
        "central_stars": dossier.central_stars,
        "decision": {"number": d.number, "date": d.date, "level": d.level} if d else None,
        "member_scores": member_scores,
    }


def filter_dossiers(queryset, f: DossierFilters):
    if f.round:
        queryset = queryset.filter(round_id=f.round)
    if f.status:
        queryset = queryset.filter(status=f.status)
    if f.request_type:
        queryset = queryset.filter(request_type=f.request_type)
    if f.commune:
        queryset = queryset.filter(commune_id=f.commune)
    return queryset


# --- Endpoints --------------------------------------------------------------------------------------


@router.get("", response=DossierPage, summary="List dossiers")
@declare_roles(*API_READERS)
def list_dossiers(request, filters: Query[DossierFilters], page: Query[PageParams]):
    """Dossiers visible to the caller, newest submission first, with filters; paged."""
    return paginate(request, filter_dossiers(dossier_queryset(request.auth), filters), page)


@router.get("/{int:dossier_id}", response=DossierOut, summary="Get a dossier")
@declare_roles(*API_READERS)
def get_dossier(request, dossier_id: int):
    """Forms 01, 02 and 03, the self-score, the attachments (titles and kinds) and the result."""
    return _visible_dossier(request.auth, dossier_id, detail=True)


@router.get("/{int:dossier_id}/result", response=ResultOut, summary="Get a dossier's result")
@declare_roles(*API_READERS)
def get_dossier_result(request, dossier_id: int):
    """Points, stars, unmet marks and spread once closed; member totals as council independence allows."""
    dossier = _visible_dossier(request.auth, dossier_id)
    return _result(request.auth, dossier)
