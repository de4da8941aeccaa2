"""Checking and loading a criteria set (a decision's Annex II as JSON, see ocop/criteria/data).

Pure, no Django: reading the file, the checks (`validate_set` returns one message per fault, each
naming the sheet and the part, section or criterion, so a broken file is refused before anything is
written), the content hash and the columns a set and its sheets are stored with. The writes (`load_set`,
`load_qd26`) are in ocop.criteria.services.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import re
from pathlib import Path
from typing import Any

DATA_DIR = Path(__file__).parent / "data"
QD26_FILE = DATA_DIR / "ocop-criteria-qd26-2026.json"
STAR_MARKS = (3, 4, 5)
TOTAL = 100
SET_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")
PART_IN_TEXT = re.compile(r"Phần\s+([A-Z])\s*:.*?\((\d+)\s*điểm\)", re.IGNORECASE)
VI_DATE = re.compile(r"ngày\s+(\d{1,2})\s+tháng\s+(\d{1,2})\s+năm\s+(\d{4})")


class CriteriaSetInvalid(ValueError):
    """The data breaks the checks; `errors` holds every message."""

    def __init__(self, errors: list[str]) -> None:
        self.errors = errors
        shown = "\n".join(f"- {e}" for e in errors[:50])
        more = f"\n… and {len(errors) - 50} more" if len(errors) > 50 else ""
        super().__init__(f"The criteria set is refused ({len(errors)} problems):\n{shown}{more}")


class CriteriaSetConflict(ValueError):
    """Different content under the id of a published set."""


# --- pure checks ---------------------------------------------------------------------------------


def read_file(path: Path | str) -> dict:
    with Path(path).open(encoding="utf-8") as fh:
        return json.load(fh)


def content_hash(data: dict) -> str:
    """SHA-256 of the canonical JSON (sorted keys, UTF-8): the same content always gives the same hash."""
    canonical = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def declared_part_maxima(data: dict) -> dict[str, int]:
    """The set's part maxima: `part_maxima` when the file gives it, else read from the decision's own
    definition of the parts ("Phần A: … (40 điểm)") in `parts_definition_vi`."""
    if isinstance(data.get("part_maxima"), dict):
        return {str(k): v for k, v in data["part_maxima"].items()}
    found: dict[str, int] = {}
    for line in data.get("parts_definition_vi") or []:
        match = PART_IN_TEXT.search(str(line))
        if match:
            found[match[1].upper()] = int(match[2])
    return found


def _is_points(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and value >= 0


def _text(value: Any) -> bool:
    return isinstance(value, str) and value.strip() != ""


def validate_set(data: Any) -> list[str]:
    """Every fault of a criteria set, as messages naming where it is; empty when the set is sound."""
    if not isinstance(data, dict):
        return ["the file does not hold a JSON object"]
    errors: list[str] = []
    set_id = data.get("id")
    if not isinstance(set_id, str) or not SET_ID.match(set_id):
        errors.append(f"set id {set_id!r}: must be lower-case letters, digits and hyphens (e.g. “qd26-2026”)")
    if not _text(data.get("title_vi")):
        errors.append("set: title_vi is missing")
    for key in ("effective_date", "decision_date"):
        if data.get(key):
            try:
                datetime.date.fromisoformat(str(data[key]))
            except ValueError:
                errors.append(f"set: {key} {data[key]!r} is not a date (YYYY-MM-DD)")
    maxima = declared_part_maxima(data)
    if not maxima:
        errors.append(
            "set: no part maxima declared (part_maxima, or “Phần A: … (40 điểm)” in parts_definition_vi)"
        )
    elif not all(_is_points(v) for v in maxima.values()):
        errors.append(f"set: part maxima {maxima} must be numbers")
    elif sum(maxima.values()) != TOTAL:
        errors.append(f"set: part maxima {maxima} sum to {sum(maxima.values())}, not {TOTAL}")
    sheets = data.get("sheets")
    if not isinstance(sheets, list) or not sheets:
        errors.append("set: no sheets")
        return errors
    seen: set[Any] = set()
    for index, sheet in enumerate(sheets, 1):
        if not isinstance(sheet, dict):
            errors.append(f"sheet #{index}: not an object")
            continue
        number = sheet.get("number")
        if not isinstance(number, int) or isinstance(number, bool) or number < 1:
            errors.append(f"sheet #{index}: number {number!r} is not a positive whole number")
        elif number in seen:
            errors.append(f"sheet {number}: the number is used twice")
        seen.add(number)
        errors.extend(_validate_sheet(sheet, number if isinstance(number, int) else f"#{index}", maxima))
    return errors


def _validate_sheet(sheet: dict, n: Any, maxima: dict[str, int]) -> list[str]:
    errors: list[str] = []
    where = f"sheet {n}"
    if not _text(sheet.get("name_vi")):
        errors.append(f"{where}: name_vi is missing")
    for key in ("disqualifiers_vi", "disqualifiers_en", "notes_vi", "notes_en"):
        value = sheet.get(key)
        if value is not None and not (isinstance(value, list) and all(isinstance(v, str) for v in value)):
            errors.append(f"{where}: {key} must be a list of texts")
    dq_vi, dq_en = sheet.get("disqualifiers_vi") or [], sheet.get("disqualifiers_en")
    if isinstance(dq_en, list) and isinstance(dq_vi, list) and dq_en and len(dq_en) != len(dq_vi):
        errors.append(f"{where}: {len(dq_vi)} disqualifiers in Vietnamese but {len(dq_en)} in English")
    parts = sheet.get("parts")
    if not isinstance(parts, list) or not parts:
        return [*errors, f"{where}: no parts"]
    codes = [p.get("code") if isinstance(p, dict) else None for p in parts]
    if maxima and codes != list(maxima):
        errors.append(f"{where}: parts {codes} differ from the set's parts {list(maxima)}")
    total = 0
    marks = {str(s): 0 for s in STAR_MARKS}
    criterion_codes: set[str] = set()
    for part in parts:
        if not isinstance(part, dict):
            errors.append(f"{where}: a part is not an object")
            continue
        code = part.get("code")
        pwhere = f"{where}, part {code}"
        pmax = part.get("max_points")
        if not _is_points(pmax):
            errors.append(f"{pwhere}: max_points {pmax!r} is not a number")
            continue
        total += pmax
        if code in maxima and pmax != maxima[code]:
            errors.append(f"{pwhere}: {pmax} points, but the set gives part {code} {maxima[code]}")
        sections = part.get("sections")
        if not isinstance(sections, list) or not sections:
            errors.append(f"{pwhere}: no sections")
            continue
        section_sum = 0
        for section in sections:
            section_sum += section.get("max_points", 0) if _is_points(section.get("max_points")) else 0
            errors.extend(_validate_section(section, pwhere, criterion_codes, marks))
        if section_sum != pmax:
            errors.append(f"{pwhere}: its sections sum to {section_sum}, not {pmax}")
    if total != TOTAL:
        errors.append(f"{where}: parts sum to {total}, not {TOTAL}")
    stated = sheet.get("total_points_stated")
    if stated is not None and stated != TOTAL:
        errors.append(f"{where}: total_points_stated is {stated}, not {TOTAL}")
    counted = sheet.get("star_mark_counts")
    if isinstance(counted, dict) and {str(k): v for k, v in counted.items()} != marks:
        errors.append(f"{where}: star_mark_counts {counted} but the options carry {marks}")
    return errors


def _validate_section(
    section: Any, pwhere: str, criterion_codes: set[str], marks: dict[str, int]
) -> list[str]:
    if not isinstance(section, dict):
        return [f"{pwhere}: a section is not an object"]
    errors: list[str] = []
    scode = section.get("code")
    swhere = f"{pwhere}, section {scode}"
    smax = section.get("max_points")
    if not _is_points(smax):
        return [f"{swhere}: max_points {smax!r} is not a number"]
    criteria = section.get("criteria")
    if not isinstance(criteria, list) or not criteria:
        return [f"{swhere}: no criteria"]
    groups = {g.get("code"): g for g in section.get("criterion_groups") or [] if isinstance(g, dict)}
    top_level = 0
    for group_code, group in groups.items():
        leaves = [c for c in criteria if isinstance(c, dict) and c.get("group") == group_code]
        gmax = group.get("max_points")
        if not _is_points(gmax):
            errors.append(f"{swhere}, criterion group {group_code}: max_points {gmax!r} is not a number")
            continue
        top_level += gmax
        leaf_sum = sum(c.get("max_points", 0) for c in leaves if _is_points(c.get("max_points")))
        if leaf_sum != gmax:
            errors.append(
                f"{swhere}, criterion group {group_code}: its criteria sum to {leaf_sum}, not {gmax}"
            )
        if group.get("criteria") is not None and group["criteria"] != [c.get("code") for c in leaves]:
            errors.append(
                f"{swhere}, criterion group {group_code}: lists {group['criteria']} but the criteria "
                f"in it are {[c.get('code') for c in leaves]}"
            )
    for criterion in criteria:
        if not isinstance(criterion, dict):
            errors.append(f"{swhere}: a criterion is not an object")
            continue
        ccode = criterion.get("code")
        cwhere = f"{pwhere.split(',')[0]}, criterion {ccode}"
        if not _text(ccode):
            errors.append(f"{swhere}: a criterion has no code")
        elif ccode in criterion_codes:
            errors.append(f"{cwhere}: the code is used twice in the sheet")
        criterion_codes.add(ccode)
        group = criterion.get("group")
        if group and group not in groups:
            errors.append(f"{cwhere}: belongs to group {group}, which the section does not declare")
        cmax = criterion.get("max_points")
        if not _is_points(cmax):
            errors.append(f"{cwhere}: max_points {cmax!r} is not a number")
            continue
        if not group:
            top_level += cmax
        if criterion.get("section_level") and (ccode != scode or len(criteria) != 1):
            errors.append(
                f"{cwhere}: a section-level criterion must be the section's only one, with its code"
            )
        errors.extend(_validate_options(criterion, cwhere, cmax, marks))
    if top_level != smax:
        errors.append(f"{swhere}: its criteria sum to {top_level}, not {smax}")
    return errors


def _validate_options(criterion: dict, cwhere: str, cmax: float, marks: dict[str, int]) -> list[str]:
    options = criterion.get("options")
    if not isinstance(options, list) or not options:
        return [f"{cwhere}: no options"]
    errors: list[str] = []
    by_case: dict[Any, list[float]] = {}
    for option in options:
        if not isinstance(option, dict):
            errors.append(f"{cwhere}: an option is not an object")
            continue
        label = str(option.get("text_vi") or "")[:60]
        owhere = f"{cwhere}, option “{label}”"
        if not _text(option.get("text_vi")):
            errors.append(f"{cwhere}: an option has no text_vi")
        points = option.get("points")
        if not _is_points(points):
            errors.append(f"{owhere}: points {points!r} is not a number ≥ 0")
            continue
        if points > cmax:
            errors.append(f"{owhere}: {points} points, above the criterion's maximum {cmax}")
        if option.get("corrected") and "points_in_source" not in option:
            errors.append(f"{owhere}: marked corrected but points_in_source (the printed value) is missing")
        mark = option.get("min_for_stars")
        if mark is not None:
            if mark not in STAR_MARKS or isinstance(mark, bool):
                errors.append(f"{owhere}: star mark {mark!r}; only 3, 4 or 5 (***, ****, *****) exist")
            else:
                marks[str(mark)] += 1
        by_case.setdefault(option.get("case_vi"), []).append(points)
    # With alternative cases (sheet 26: "Lựa chọn một trong hai trường hợp"), each case must reach
    # the criterion's maximum.
    for case, points in by_case.items():
        if points and max(points) != cmax:
            case_text = f" (case “{case}”)" if case else ""
            errors.append(
                f"{cwhere}{case_text}: the best option gives {max(points)}, not the criterion's {cmax}"
            )
    return errors


# --- reading the set's header --------------------------------------------------------------------


def set_fields(data: dict) -> dict[str, Any]:
    """The CriteriaSet columns of a (valid) set."""

    def date(key: str, text_key: str) -> datetime.date | None:
        if data.get(key):
            return datetime.date.fromisoformat(str(data[key]))
        match = VI_DATE.search(str(data.get(text_key) or ""))
        return datetime.date(int(match[3]), int(match[2]), int(match[1])) if match else None

    number = str(data.get("decision_number") or data.get("decision_number_vi") or "")
    return {
        "title_vi": data["title_vi"],
        "title_en": data.get("title_en") or "",
        "legal_basis": data.get("legal_basis") or "",
        "decision_number": re.sub(r"^\s*Số\s*:\s*", "", number)[:100],
        "decision_date": date("decision_date", "decision_date_vi"),
        "effective_date": date("effective_date", "effective_date_vi"),
        "part_maxima": declared_part_maxima(data),
        "classification": data.get("groups") or [],
        "header": {k: v for k, v in data.items() if k not in ("sheets", "groups")},
    }


def sheet_fields(sheet: dict) -> dict[str, Any]:
    return {
        "number": sheet["number"],
        "name_vi": sheet["name_vi"],
        "name_en": sheet.get("name_en") or "",
        "group_code": sheet.get("group") or "",
        "subgroup_code": sheet.get("subgroup") or "",
        "product_set_code": sheet.get("product_set") or "",
        "part_maxima": {p["code"]: p["max_points"] for p in sheet["parts"]},
        "data": sheet,
    }
