"""The criteria sets, public: the list of published sets, a set with its sheets, one sheet in full (the
JSON of the data file) — a published set never changes, so these answers carry long cache headers and an
ETag from the set's content hash — and the score of a set of answers on a sheet (POST, computed, stored
nowhere).

The score endpoint is open to anyone (producers try the rules before they apply). It uses no
authentication at all (``auth=None``), so a browser session is never read and there is nothing a forged
cross-site request could act on or learn that the caller could not compute itself: no CSRF token is
asked for. It is throttled twice: the API's usual limit per client, plus its own counter per client
(setting OCOP_API_SCORE_RATE, default 120/min; "none" turns it off) so that heavy computing cannot be
hidden among cheap reads."""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.db.models import Count
from django.http import HttpResponse
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext_lazy as _
from ninja import Field, Router, Schema

from ocop.core.api.problems import TYPES, ApiProblem
from ocop.core.api.throttling import ApiThrottle
from ocop.core.views import public

from . import sheets
from .models import CriteriaSet, Sheet

CACHE_SECONDS = 24 * 3600
SET_FIELDS = (
    "id",
    "title_vi",
    "title_en",
    "legal_basis",
    "decision_number",
    "decision_date",
    "effective_date",
    "part_maxima",
    "status",
    "published_at",
    "content_hash",
)

router = Router(tags=["Criteria"])


class SetOut(Schema):
    id: str = Field(..., examples=["qd26-2026"])
    title_vi: str
    title_en: str
    legal_basis: str = Field(..., examples=["Quyết định 26/2026/QĐ-TTg"])
    decision_number: str = Field(..., examples=["26/2026/QĐ-TTg"])
    decision_date: datetime.date | None
    effective_date: datetime.date | None
    part_maxima: dict[str, float] = Field(..., examples=[{"A": 40, "B": 25, "C": 35}])
    status: str = Field(..., description="Always “published” here: drafts are not shown.")
    published_at: datetime.datetime | None
    content_hash: str = Field(..., description="SHA-256 of the set's canonical JSON.")
    sheet_count: int


class SheetSummaryOut(Schema):
    number: int
    name_vi: str
    name_en: str
    group: str = Field(..., alias="group_code", examples=["I"])
    subgroup: str = Field(..., alias="subgroup_code", examples=["I.3"])
    product_set: str = Field(..., alias="product_set_code", examples=["I.3.a"])
    part_maxima: dict[str, float]


class SetDetailOut(SetOut):
    star_bands: list[dict[str, Any]] = Field(..., description="Stars by average total points (the decision).")
    groups: list[dict[str, Any]] = Field(
        ..., description="Groups → sub-groups → product sets → sheet number."
    )
    sheets: list[SheetSummaryOut] = Field(..., alias="sheets_list")


def _cacheable(response: HttpResponse, etag: str) -> None:
    patch_cache_control(response, public=True, max_age=CACHE_SECONDS)
    response["ETag"] = f'"{etag}"'


def _set_or_404(set_id: str, *extra: str) -> CriteriaSet:
    found = (
        CriteriaSet.objects.published()
        .only(*SET_FIELDS, *extra)
        .annotate(sheet_count=Count("sheets"))
        .filter(pk=set_id)
        .first()
    )
    if found is None:
        raise ApiProblem(404, _("No published criteria set has the id “%(id)s”.") % {"id": set_id})
    return found


@router.get("/sets", response=list[SetOut], auth=None, summary="List criteria sets")
@public
def list_sets(request, response: HttpResponse):
    """The published criteria sets, newest in force first."""
    sets = list(CriteriaSet.objects.published().only(*SET_FIELDS).annotate(sheet_count=Count("sheets")))
    _cacheable(response, "-".join(s.content_hash[:8] for s in sets) or "none")
    return sets


@router.get("/sets/{set_id}", response=SetDetailOut, auth=None, summary="One criteria set and its sheets")
@public
def get_set(request, set_id: str, response: HttpResponse):
    """A published set: its header, the product classification (Annex I) and the list of its sheets."""
    criteria_set = _set_or_404(set_id, "classification", "header")
    criteria_set.star_bands = (criteria_set.header or {}).get("star_bands") or []
    criteria_set.groups = criteria_set.classification or []
    criteria_set.sheets_list = list(
        Sheet.objects.filter(criteria_set=criteria_set)
        .only(
            "number", "name_vi", "name_en", "group_code", "subgroup_code", "product_set_code", "part_maxima"
        )
        .order_by("number")
    )
    _cacheable(response, criteria_set.content_hash)
    return criteria_set


@router.get(
    "/sets/{set_id}/sheets/{number}",
    response=dict[str, Any],
    auth=None,
    summary="One scoring sheet in full",
)
@public
def get_sheet(request, set_id: str, number: int, response: HttpResponse):
    """The sheet exactly as in the set's data file (parts → sections → criteria → options, with
    `min_for_stars` marks, disqualifiers and notes), plus `set_id`. Vietnamese is the official text;
    `*_en` fields are an unofficial working translation."""
    sheet = (
        Sheet.objects.filter(criteria_set_id=set_id, criteria_set__status="published", number=number)
        .select_related("criteria_set")
        .only("data", "number", "criteria_set__content_hash", "criteria_set__status")
        .first()
    )
    if sheet is None:
        _set_or_404(set_id)
        raise ApiProblem(
            404, _("The criteria set “%(id)s” has no sheet %(number)s.") % {"id": set_id, "number": number}
        )
    _cacheable(response, f"{sheet.criteria_set.content_hash}-{number}")
    return {"set_id": set_id, **sheet.data}


# ------------------------------------------------------------------------------------------------ score


class ScoreThrottle(ApiThrottle):
    """A separate counter for the score endpoint (scope “score”), rate OCOP_API_SCORE_RATE."""

    def _client(self, request):
        _scope, ident, _rate = super()._client(request)
        return "score", ident, getattr(settings, "OCOP_API_SCORE_RATE", "120/min")


class ScoreIn(Schema):
    answers: dict[str, Any] = Field(
        ...,
        description="Criterion code → the points of the chosen option (one of its option points).",
        examples=[{"1.1": 3, "1.2": 2, "5.2": 1}],
        json_schema_extra={"additionalProperties": {"type": "number"}},
    )
    disqualifiers: list[Any] = Field(
        default_factory=list,
        description="Indexes (from 0, in the sheet's `disqualifiers_vi` order) of the disqualifiers ticked.",
        json_schema_extra={"items": {"type": "integer", "minimum": 0}},
    )
    provisional: bool = Field(
        False, description="Count unanswered criteria as 0 and give stars anyway (a partial self-assessment)."
    )
    not_applicable: list[Any] = Field(
        default_factory=list,
        description="Conditional criteria (note “Chỉ áp dụng …”) whose condition does not hold: 0 points, "
        "not unanswered.",
        json_schema_extra={"items": {"type": "string"}},
    )


class UnmetOut(Schema):
    criterion: str
    stars: int
    required_points: int
    given_points: int


class ChangeOut(Schema):
    criterion: str
    name_vi: str
    name_en: str
    from_points: int | None = Field(..., description="null: the criterion was unanswered.")
    to_points: int
    gained: int
    mandatory: bool = Field(..., description="The criterion is below a star-minimum mark of the target.")
    from_options: list[dict[str, Any]] = Field(..., description="Official wording of the current option(s).")
    options: list[dict[str, Any]] = Field(..., description="Official wording of the option(s) to reach.")


class NextStarOut(Schema):
    stars: int = Field(..., description="The target level.")
    from_stars: int
    points_added: int
    total_after: int
    changes: list[ChangeOut] = Field(..., description="Fewest criteria, then fewest points.")


class ScoreOut(Schema):
    set_id: str
    sheet: dict[str, Any]
    total: int = Field(..., description="Sum of the points given (partial while criteria are unanswered).")
    max_total: int
    parts: dict[str, int] = Field(..., examples=[{"A": 30, "B": 20, "C": 25}])
    part_maxima: dict[str, int]
    sections: list[dict[str, Any]]
    stars_by_points: int
    marks_stars: int = Field(..., description="The highest level whose star-minimum marks are all met.")
    stars: int | None = Field(..., description="null when disqualified, or unanswered and not provisional.")
    stars_reason: str = Field(
        ..., description="points | marks (held below the points band) | disqualified | incomplete"
    )
    unmet_minimums: list[UnmetOut]
    disqualifiers: list[dict[str, Any]]
    disqualified: bool
    unanswered: list[str]
    not_applicable: list[str]
    provisional: bool
    criteria: list[dict[str, Any]] = Field(..., description="Each criterion: points, option wording, marks.")
    next_star: NextStarOut | None = Field(
        ..., description="The smallest way to the next star; null at 5 stars, disqualified, or unreachable."
    )


@router.post(
    "/sets/{set_id}/sheets/{number}/score",
    response=ScoreOut,
    auth=None,
    throttle=[ApiThrottle(), ScoreThrottle()],
    summary="Score answers on a sheet",
)
@public
def score_sheet(request, set_id: str, number: int, payload: ScoreIn):
    """Scores one option per criterion (its points) on a published sheet: points per criterion, section
    and part, the total, the stars by points, every unmet star-minimum mark, the final stars (the lower of
    the points band and the highest level whose marks are all met; none when a disqualifier is ticked or,
    unless `provisional`, while criteria are unanswered) and the smallest way to the next star. Nothing
    is stored. An answer that is not one of a criterion's option points, an unknown criterion or
    disqualifier is a 422 problem whose `errors` name the criterion and the allowed values."""
    try:
        return sheets.score_answers(
            set_id,
            number,
            payload.answers,
            disqualifiers=payload.disqualifiers,
            provisional=payload.provisional,
            not_applicable=payload.not_applicable,
        )
    except sheets.SheetNotFound as exc:
        raise ApiProblem(404, str(exc)) from exc
    except sheets.ScoreInputError as exc:
        raise ApiProblem(
            422,
            _("Sheet %(number)s does not allow these answers; see “errors”.") % {"number": number},
            type=TYPES["validation"],
            errors=exc.errors,
        ) from exc
