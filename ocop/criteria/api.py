"""The criteria sets, read-only and public: the list of published sets, a set with its sheets, and
one sheet in full (the JSON of the data file). A published set never changes, so the answers carry
long cache headers and an ETag from the set's content hash."""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import Count
from django.http import HttpResponse
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext_lazy as _
from ninja import Field, Router, Schema

from ocop.accounts.access import public
from ocop.api.problems import ApiProblem

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
