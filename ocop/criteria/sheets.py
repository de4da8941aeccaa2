"""Scoring a stored sheet: the compiled engine sheet of a published set, and one scoring call shared by
the API (POST …/sheets/{number}/score) and the ``ocop_score`` command.

A published set never changes, so its compiled sheets are kept in this process, keyed by the set's
content hash: each call costs one small query (is the set published, what is its hash) and never ships
the sheet's JSON again once compiled. Drafts are never scored here.

Input is checked criterion by criterion before the engine runs, and every fault is reported at once
(:class:`ScoreInputError`, each entry naming the criterion and the allowed values); the engine checks
again, so a score never comes out of bad input.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext

from . import engine
from .models import CriteriaSet, SetStatus, Sheet


class SheetNotFound(LookupError):
    """No published set with this id, or the set has no sheet with this number (the message says which)."""


class ScoreInputError(ValueError):
    """Answers the sheet does not allow. ``errors`` lists each fault: ``field`` (e.g. ``answers.1.3``),
    ``criterion`` (or None for a disqualifier), ``allowed`` (the values the sheet allows), ``message``
    and ``code``."""

    def __init__(self, errors: list[dict[str, Any]]):
        self.errors = errors
        super().__init__("; ".join(e["message"] for e in errors))


@dataclass(frozen=True)
class _Entry:
    sheet: engine.Sheet
    section_names: Mapping[str, tuple[str, str]]  # section code → (name_vi, name_en)
    part_names: Mapping[str, tuple[str, str]]


@functools.lru_cache(maxsize=256)
def _compiled(set_id: str, number: int, content_hash: str) -> _Entry:
    row = (
        Sheet.objects.filter(criteria_set_id=set_id, number=number)
        .select_related("criteria_set")
        .only("data", "criteria_set__header")
        .get()
    )
    star_bands = (row.criteria_set.header or {}).get("star_bands") or None
    compiled = engine.compile_sheet(row.data, star_bands)
    sections: dict[str, tuple[str, str]] = {}
    parts: dict[str, tuple[str, str]] = {}
    for part in row.data.get("parts", ()):
        parts[str(part["code"])] = (part.get("name_vi") or "", part.get("name_en") or "")
        for section in part.get("sections", ()):
            sections[str(section["code"])] = (section.get("name_vi") or "", section.get("name_en") or "")
    return _Entry(compiled, sections, parts)


def _entry(set_id: str, number: int) -> _Entry:
    content_hash = (
        Sheet.objects.filter(criteria_set_id=set_id, criteria_set__status=SetStatus.PUBLISHED, number=number)
        .values_list("criteria_set__content_hash", flat=True)
        .first()
    )
    if content_hash is None:
        if not CriteriaSet.objects.published().filter(pk=set_id).exists():
            raise SheetNotFound(gettext("No published criteria set has the id “%(id)s”.") % {"id": set_id})
        raise SheetNotFound(
            gettext("The criteria set “%(id)s” has no sheet %(number)s.") % {"id": set_id, "number": number}
        )
    return _compiled(set_id, int(number), content_hash)


def compiled_sheet(sheet: Sheet) -> engine.Sheet:
    """The compiled engine sheet of a stored Sheet row, from the same per-process cache."""
    return _compiled(sheet.criteria_set_id, int(sheet.number), sheet.criteria_set.content_hash).sheet


def band_stars(set_id: str, points: Decimal | float | int) -> int:
    """The stars that `points` reach by the star bands of criteria set `set_id` (Art. 3.3: the set's
    own bands, the engine's defaults when the set states none). Marks may lower this, never raise it."""
    header = CriteriaSet.objects.filter(pk=set_id).values_list("header", flat=True).first() or {}
    return engine.band_stars(engine.star_bands(header.get("star_bands") or None), Decimal(str(points)))


def scoring_sheet(set_id: str, number: int) -> engine.Sheet:
    """The compiled engine sheet of sheet ``number`` of the published set ``set_id`` (cached per process,
    keyed by the set's content hash); raises :class:`SheetNotFound`."""
    return _entry(set_id, number).sheet


def _allowed_text(crit: engine.Criterion) -> str:
    return ", ".join(str(p) for p in crit.allowed_sorted)


def check_input(
    sheet: engine.Sheet,
    answers: Any,
    disqualifiers: Any = (),
    not_applicable: Any = (),
) -> None:
    """Raises :class:`ScoreInputError` listing every answer, disqualifier or "not applicable" code the
    sheet does not allow."""
    errors: list[dict[str, Any]] = []

    def add(field: str, criterion: str | None, allowed: Iterable[Any], message: str, code: str) -> None:
        errors.append(
            {
                "location": "body",
                "field": field,
                "criterion": criterion,
                "allowed": list(allowed),
                "message": message,
                "code": code,
            }
        )

    if not isinstance(answers, Mapping):
        add("answers", None, (), gettext("“answers” must be an object {criterion code: points}."), "type")
        answers = {}
    for code, points in answers.items():
        crit = sheet.by_code.get(code) if isinstance(code, str) else None
        if crit is None:
            add(
                f"answers.{code}",
                str(code),
                [c.code for c in sheet.criteria],
                gettext("Sheet %(sheet)s has no criterion “%(code)s”.")
                % {"sheet": sheet.number, "code": code},
                "unknown_criterion",
            )
        elif isinstance(points, bool) or not isinstance(points, (int, float)) or points not in crit.allowed:
            add(
                f"answers.{code}",
                code,
                crit.allowed_sorted,
                gettext(
                    "Criterion %(code)s (%(name)s): %(value)s is not the points of one of its options; "
                    "allowed: %(allowed)s."
                )
                % {
                    "code": code,
                    "name": crit.name_vi,
                    "value": _show(points),
                    "allowed": _allowed_text(crit),
                },
                "invalid_option",
            )
    count = len(sheet.disqualifiers_vi)
    if not isinstance(disqualifiers, (list, tuple)):
        message = gettext("“disqualifiers” must be a list of numbers.")
        add("disqualifiers", None, range(count), message, "type")
        disqualifiers = ()
    for position, index in enumerate(disqualifiers):
        if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < count:
            add(
                f"disqualifiers.{position}",
                None,
                range(count),
                gettext(
                    "Sheet %(sheet)s has no disqualifier %(value)s: it lists %(count)s, numbered from 0 "
                    "(allowed: %(allowed)s)."
                )
                % {
                    "sheet": sheet.number,
                    "value": _show(index),
                    "count": count,
                    "allowed": ", ".join(str(i) for i in range(count)) or "—",
                },
                "unknown_disqualifier",
            )
    conditional = [c.code for c in sheet.criteria if c.conditional]
    if not isinstance(not_applicable, (list, tuple)):
        add("not_applicable", None, conditional, gettext("“not_applicable” must be a list of codes."), "type")
        not_applicable = ()
    for position, code in enumerate(not_applicable):
        crit = sheet.by_code.get(code) if isinstance(code, str) else None
        if crit is None or not crit.conditional:
            add(
                f"not_applicable.{position}",
                str(code),
                conditional,
                gettext(
                    "Criterion “%(code)s” cannot be marked not applicable: only a criterion whose note "
                    "says “Chỉ áp dụng …” can (on this sheet: %(allowed)s)."
                )
                % {"code": code, "allowed": ", ".join(conditional) or "—"},
                "not_conditional",
            )
        elif code in answers:
            add(
                f"not_applicable.{position}",
                code,
                conditional,
                gettext("Criterion %(code)s is both answered and marked not applicable.") % {"code": code},
                "answered_and_not_applicable",
            )
    if errors:
        raise ScoreInputError(errors)


def _show(value: Any) -> str:
    if isinstance(value, str):
        return f"“{value}”"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).lower() if isinstance(value, bool) else str(value)


def _options(options: Iterable[engine.Option]) -> list[dict[str, Any]]:
    return [
        {"text_vi": o.text_vi, "text_en": o.text_en, "case_vi": o.case_vi, "case_en": o.case_en}
        for o in options
    ]


def _stars_reason(result: engine.Result) -> str:
    if result.disqualified:
        return "disqualified"
    if result.stars is None:
        return "incomplete"
    if result.marks_stars < result.stars_by_points:
        return "marks"
    return "points"


def score_answers(
    set_id: str,
    number: int,
    answers: Mapping[str, Any],
    disqualifiers: Iterable[int] = (),
    provisional: bool = False,
    not_applicable: Iterable[str] = (),
) -> dict[str, Any]:
    """Scores answers ``{criterion code: points of the chosen option}`` on a stored sheet and returns the
    JSON body of the score API: the engine's result (total, parts, stars_by_points, stars, unmet_minimums,
    unanswered…), each criterion with its chosen option's official wording, the sections, the reason for
    the stars and ``next_star`` (None at 5 stars, when disqualified, or when out of reach).

    Raises :class:`SheetNotFound` or :class:`ScoreInputError`."""
    entry = _entry(set_id, number)
    sheet = entry.sheet
    disqualifiers = list(disqualifiers) if isinstance(disqualifiers, (list, tuple)) else disqualifiers
    not_applicable = list(not_applicable) if isinstance(not_applicable, (list, tuple)) else not_applicable
    check_input(sheet, answers, disqualifiers, not_applicable)
    answers = {code: int(points) for code, points in answers.items()}
    result = engine.score(
        sheet, answers, disqualifiers=disqualifiers, provisional=provisional, not_applicable=not_applicable
    )
    way = engine.next_star(sheet, answers, disqualifiers=disqualifiers, not_applicable=not_applicable)

    unmet_by_code: dict[str, list[int]] = {}
    for u in result.unmet_minimums:
        unmet_by_code.setdefault(u.criterion, []).append(u.stars)
    na = set(result.not_applicable)
    criteria = []
    for crit in sheet.criteria:
        given = answers.get(crit.code)
        if given is not None:
            status = "answered"
        elif crit.code in na:
            status = "not_applicable"
        else:
            status = "unanswered"
        criteria.append(
            {
                "code": crit.code,
                "name_vi": crit.name_vi,
                "name_en": crit.name_en,
                "part": crit.part,
                "section": crit.section,
                "group": crit.group,
                "status": status,
                "points": given,
                "max_points": crit.max_points,
                "options": _options(crit.options_for(given)) if given is not None else [],
                "marks": [{"stars": s, "points": p} for s, p in crit.marks],
                "unmet_stars": unmet_by_code.get(crit.code, []),
            }
        )
    body = result.as_dict()
    body.pop("criteria")
    body["sections"] = [
        {
            "code": code,
            "part": part,
            "name_vi": entry.section_names.get(code, ("", ""))[0],
            "name_en": entry.section_names.get(code, ("", ""))[1],
            "points": result.section_points[code],
            "max_points": sheet.section_max[code],
        }
        for part, code in sheet.sections
    ]
    body["disqualifiers"] = [
        {
            "index": i,
            "text_vi": sheet.disqualifiers_vi[i],
            "text_en": sheet.disqualifiers_en[i] if i < len(sheet.disqualifiers_en) else "",
        }
        for i in result.disqualifiers
    ]
    next_body = None
    if way is not None:
        next_body = way.as_dict()
        for change, raw in zip(next_body["changes"], way.changes, strict=True):
            crit = sheet.by_code[raw.criterion]
            change["name_vi"] = crit.name_vi
            change["name_en"] = crit.name_en
            change["from_options"] = (
                _options(crit.options_for(raw.from_points)) if raw.from_points is not None else []
            )
    return {
        "set_id": set_id,
        "sheet": {"number": sheet.number, "name_vi": sheet.name_vi, "name_en": sheet.name_en},
        "total": body.pop("total"),
        "max_total": sheet.max_total,
        "parts": body.pop("parts"),
        "part_maxima": dict(sheet.part_max),
        **body,
        "stars_reason": _stars_reason(result),
        "criteria": criteria,
        "next_star": next_body,
    }
