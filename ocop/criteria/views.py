"""Public pages of the criteria sets: the list of sets, a set's sheets, and one sheet in full.

Published sets never change, so the pages carry cache headers (private: the page frame holds the
visitor's name and CSRF token) and an ETag built from the set's content hash and the language.
"""

from __future__ import annotations

from itertools import zip_longest
from typing import Any

from django.db.models import Count
from django.http import Http404
from django.shortcuts import render
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.translation import get_language

from ocop.core.views import public

from .models import CriteriaSet, Sheet

CACHE_SECONDS = 3600
LIGHT_FIELDS = ("id", "title_vi", "title_en", "legal_basis", "decision_number", "decision_date")
SET_FIELDS = (*LIGHT_FIELDS, "effective_date", "part_maxima", "status", "published_at", "content_hash")


def _published_sets():
    return CriteriaSet.objects.published().only(*SET_FIELDS)


def _set_or_404(set_id: str, *extra: str) -> CriteriaSet:
    criteria_set = _published_sets().only(*SET_FIELDS, *extra).filter(pk=set_id).first()
    if criteria_set is None:
        raise Http404(f"No published criteria set “{set_id}”.")
    return criteria_set


def _cached(response, etag: str | None = None):
    patch_cache_control(response, private=True, max_age=CACHE_SECONDS)
    patch_vary_headers(response, ("Accept-Language", "Cookie"))
    if etag:
        response["ETag"] = f'W/"{etag}-{get_language()}"'
    return response


@public
def set_list(request):
    sets = _published_sets().annotate(sheet_count=Count("sheets"))
    return _cached(render(request, "criteria/set_list.html", {"sets": sets}))


@public
def set_detail(request, set_id: str):
    criteria_set = _set_or_404(set_id, "classification")
    sheets = {
        s.number: s
        for s in Sheet.objects.filter(criteria_set=criteria_set).only(
            "number", "name_vi", "name_en", "group_code", "subgroup_code", "product_set_code", "part_maxima"
        )
    }
    groups = _grouped(criteria_set.classification or [], sheets)
    context = {"set": criteria_set, "groups": groups, "sheet_count": len(sheets)}
    return _cached(render(request, "criteria/set_detail.html", context), criteria_set.content_hash[:16])


def _grouped(classification: list[dict], sheets: dict[int, Sheet]) -> list[dict[str, Any]]:
    """Groups → sub-groups → product sets with their sheets, in the order of the decision's Annex I;
    sheets the classification does not name are listed at the end under their own group codes."""
    placed: set[int] = set()
    groups = []
    for group in classification:
        subgroups = []
        for sub in group.get("subgroups", []):
            rows = []
            for ps in sub.get("product_sets", []):
                sheet = sheets.get(int(ps.get("sheet", 0)))
                if sheet is not None:
                    placed.add(sheet.number)
                rows.append({"product_set": ps, "sheet": sheet})
            subgroups.append({"sub": sub, "rows": rows})
        groups.append({"group": group, "subgroups": subgroups})
    rest = [s for n, s in sorted(sheets.items()) if n not in placed]
    if rest:
        rows = [{"product_set": {"code": s.product_set_code, "name_vi": s.name_vi}, "sheet": s} for s in rest]
        groups.append({"group": {"code": "", "name_vi": ""}, "subgroups": [{"sub": {}, "rows": rows}]})
    return groups


@public
def sheet_detail(request, set_id: str, number: int):
    sheet = (
        Sheet.objects.select_related("criteria_set")
        .only(
            "number",
            "name_vi",
            "name_en",
            "group_code",
            "subgroup_code",
            "product_set_code",
            "data",
            *(f"criteria_set__{f}" for f in (*SET_FIELDS, "header")),
        )
        .filter(criteria_set_id=set_id, criteria_set__status="published", number=number)
        .first()
    )
    if sheet is None:
        _set_or_404(set_id)  # names the set when it is the set that is missing
        raise Http404(f"The criteria set “{set_id}” has no sheet {number}.")
    neighbours = list(
        Sheet.objects.filter(criteria_set_id=set_id, number__in=(number - 1, number + 1))
        .order_by("number")
        .values_list("number", "name_vi")
    )
    data, header = sheet.data, sheet.criteria_set.header or {}
    context = {
        "set": sheet.criteria_set,
        "sheet": sheet,
        "parts": sheet_layout(data),
        "data": data,
        "disqualifiers": list(
            zip_longest(data.get("disqualifiers_vi") or [], data.get("disqualifiers_en") or [])
        ),
        "notes": list(zip_longest(data.get("notes_vi") or [], data.get("notes_en") or [])),
        "star_bands": [
            {**band, "glyphs": "★" * int(band.get("stars", 0))} for band in header.get("star_bands") or []
        ],
        "legend_vi": header.get("star_mark_legend_vi"),
        "known_issues": [i for i in header.get("known_issues") or [] if _concerns(i, number)],
        "previous": next((n for n in neighbours if n[0] < number), None),
        "next": next((n for n in neighbours if n[0] > number), None),
    }
    etag = f"{sheet.criteria_set.content_hash[:16]}-{number}"
    return _cached(render(request, "criteria/sheet_detail.html", context), etag)


def _concerns(issue: dict, number: int) -> bool:
    sheets = issue.get("sheet")
    return sheets == number or (isinstance(sheets, list) and number in sheets)


def sheet_layout(data: dict) -> list[dict[str, Any]]:
    """The sheet's parts and sections with their rows in reading order: a criterion group's heading
    (three-level sheets) right before its first criterion, then the criteria; alternative cases
    (sheet 26) split into their own option lists."""
    parts = []
    for part in data.get("parts", []):
        sections = []
        for section in part.get("sections", []):
            groups = {g["code"]: g for g in section.get("criterion_groups") or []}
            rows: list[dict[str, Any]] = []
            shown: set[str] = set()
            for criterion in section.get("criteria", []):
                group = criterion.get("group")
                if group and group in groups and group not in shown:
                    shown.add(group)
                    rows.append({"kind": "group", "group": groups[group]})
                rows.append({"kind": "criterion", "criterion": criterion, "cases": _cases(criterion)})
            sections.append({"section": section, "rows": rows})
        parts.append({"part": part, "sections": sections})
    return parts


def _cases(criterion: dict) -> list[dict[str, Any]]:
    cases: list[dict[str, Any]] = []
    for option in criterion.get("options", []):
        key = option.get("case_vi")
        if not cases or cases[-1]["case_vi"] != key:
            cases.append({"case_vi": key, "case_en": option.get("case_en"), "options": []})
        cases[-1]["options"].append(option)
    return cases
