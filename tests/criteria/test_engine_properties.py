"""Property-based tests of the scoring engine: sums, star rules against a reference written from the raw
sheet dict, and the next-star search against brute force (complete enumeration on small synthetic sheets;
every one- and two-change move on the real sheets)."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ocop.criteria import engine as E

DATA = Path(__file__).resolve().parents[2] / "ocop" / "criteria" / "data" / "ocop-criteria-qd26-2026.json"
SET = json.loads(DATA.read_text(encoding="utf-8"))
BANDS = SET["star_bands"]
SHEETS = SET["sheets"]


# --------------------------------------------------------------------------- reference (raw dict only)


def raw_criteria(sheet: dict) -> list[dict]:
    return [c for p in sheet["parts"] for sec in p["sections"] for c in sec["criteria"]]


def ref_band(total) -> int:
    return max(b["stars"] for b in BANDS if total >= b["min_points"])


def ref_marks_ok(sheet: dict, answers: dict, level: int, na=frozenset()) -> bool:
    """Every option marked with a level ≤ ``level`` is reached by the chosen points."""
    for c in raw_criteria(sheet):
        if c["code"] in na:
            continue
        given = answers.get(c["code"], 0)
        for o in c["options"]:
            if o["min_for_stars"] and o["min_for_stars"] <= level and given < o["points"]:
                return False
    return True


def ref_stars(sheet: dict, answers: dict, na=frozenset()) -> int:
    total = sum(answers.values())
    marks = max([lvl for lvl in (3, 4, 5) if ref_marks_ok(sheet, answers, lvl, na)], default=2)
    return min(ref_band(total), marks)


# --------------------------------------------------------------------------------------- strategies


@st.composite
def real_answers(draw, small_gap: bool = False):
    sheet = SHEETS[draw(st.integers(0, len(SHEETS) - 1))]
    crits = raw_criteria(sheet)
    if small_gap:
        # near the top: everything at its best option, then a few criteria lowered at random
        answers = {c["code"]: max(o["points"] for o in c["options"]) for c in crits}
        for idx in draw(st.lists(st.integers(0, len(crits) - 1), max_size=6)):
            c = crits[idx]
            answers[c["code"]] = draw(st.sampled_from([o["points"] for o in c["options"]]))
    else:
        answers = {c["code"]: draw(st.sampled_from([o["points"] for o in c["options"]])) for c in crits}
    return sheet, answers


@st.composite
def synthetic_sheet(draw):
    """A tiny sheet in the JSON's shape: 3-6 criteria over parts A/B/C, 2-4 options of 0..35 points,
    random star-minimum marks (several per criterion allowed, in any order)."""
    n = draw(st.integers(3, 6))
    criteria = []
    for i in range(n):
        pts = sorted(draw(st.sets(st.integers(0, 35), min_size=2, max_size=4)))
        options = []
        for p in pts:
            mark = draw(st.sampled_from([None, None, 3, 4, 5]))
            options.append(
                {"text_vi": f"mức {p}", "text_en": f"level {p}", "points": p, "min_for_stars": mark}
            )
        criteria.append(
            {
                "code": f"{i + 1}",
                "name_vi": f"Tiêu chí {i + 1}",
                "name_en": "",
                "max_points": pts[-1],
                "note_vi": None,
                "options": options,
            }
        )
    parts = []
    for k, code in enumerate("ABC"):
        mine = criteria[k::3]
        if mine:
            parts.append(
                {
                    "code": code,
                    "max_points": sum(c["max_points"] for c in mine),
                    "sections": [
                        {
                            "code": f"s{code}",
                            "max_points": sum(c["max_points"] for c in mine),
                            "criteria": mine,
                        }
                    ],
                }
            )
    sheet = {"number": 900, "name_vi": "thử", "name_en": "test", "parts": parts, "disqualifiers_vi": ["x"]}
    answers = {c["code"]: draw(st.sampled_from([o["points"] for o in c["options"]])) for c in criteria}
    return sheet, answers


# ------------------------------------------------------------------------------------------ scoring


@settings(max_examples=300, deadline=None)
@given(real_answers(), st.booleans(), st.data())
def test_sums_and_stars_match_reference(sa, drop, data):
    sheet, answers = sa
    if drop:
        for code in data.draw(st.lists(st.sampled_from(sorted(answers)), max_size=3)):
            answers.pop(code, None)
    r = E.score(sheet, answers, provisional=True, star_bands=BANDS)
    assert r.total == sum(r.part_points.values()) == sum(r.criterion_points.values())
    assert r.total == sum(r.section_points.values()) == sum(answers.values())
    assert r.stars <= r.stars_by_points == ref_band(r.total)
    assert r.stars == ref_stars(sheet, answers)
    assert set(r.unanswered) == {c["code"] for c in raw_criteria(sheet)} - set(answers)
    strict = E.score(sheet, answers, star_bands=BANDS)
    assert (strict.stars is None) == bool(r.unanswered)
    for u in r.unmet_minimums:
        assert answers.get(u.criterion, 0) == u.given_points < u.required_points


# ---------------------------------------------------------------------------------------- next star


def reaches(sheet, answers, target) -> bool:
    return ref_stars(sheet, answers) >= target


def brute_small(sheet, answers):
    """Every complete answer set of the sheet: the fewest changes, then the fewest points added."""
    crits = raw_criteria(sheet)
    base_total = sum(answers.values())
    target = ref_stars(sheet, answers) + 1
    best = None
    for combo in itertools.product(*[[o["points"] for o in c["options"]] for c in crits]):
        cand = {c["code"]: p for c, p in zip(crits, combo, strict=True)}
        if not reaches(sheet, cand, target):
            continue
        changed = sum(1 for c in crits if cand[c["code"]] != answers[c["code"]])
        key = (changed, sum(combo) - base_total)
        if best is None or key < best:
            best = key
    return best


def brute_two(sheet, answers):
    """Every move of at most two criteria (any option, up or down) on a real sheet."""
    crits = raw_criteria(sheet)
    target = ref_stars(sheet, answers) + 1
    base_total = sum(answers.values())
    moves = [
        (c["code"], o["points"]) for c in crits for o in c["options"] if o["points"] != answers[c["code"]]
    ]
    if reaches(sheet, answers, target):
        return (0, 0)
    best = None
    for k in (1, 2):
        for combo in itertools.combinations(moves, k):
            if len({code for code, _ in combo}) < k:
                continue
            cand = dict(answers)
            cand.update(combo)
            if reaches(sheet, cand, target):
                key = (k, sum(cand.values()) - base_total)
                if best is None or key < best:
                    best = key
        if best is not None:
            return best
    return None


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(synthetic_sheet())
def test_next_star_is_exact_on_small_sheets(sa):
    sheet, answers = sa
    current = ref_stars(sheet, answers)
    found = E.next_star(sheet, answers, star_bands=BANDS)
    if current >= 5:
        assert found is None
        return
    best = brute_small(sheet, answers)
    if best is None:
        assert found is None
        return
    assert found is not None and found.stars == current + 1
    assert (len(found.changes), found.points_added) == best
    after = E.apply_changes(answers, found.changes)
    assert ref_stars(sheet, after) >= found.stars
    assert found.total_after == sum(after.values())
    for ch in found.changes:
        assert ch.from_points == answers[ch.criterion] and ch.gained == ch.to_points - ch.from_points > 0


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(real_answers(small_gap=True))
def test_next_star_on_real_sheets_against_two_change_brute_force(sa):
    sheet, answers = sa
    found = E.next_star(sheet, answers, star_bands=BANDS)
    if ref_stars(sheet, answers) >= 5:
        assert found is None
        return
    assert found is not None  # every real sheet can reach 5★ from any point
    after = E.apply_changes(answers, found.changes)
    assert E.score(sheet, after, star_bands=BANDS).stars >= found.stars
    assert ref_stars(sheet, after) >= found.stars
    best = brute_two(sheet, answers)
    if best is None:
        assert len(found.changes) > 2
    else:
        assert (len(found.changes), found.points_added) == best


@settings(max_examples=80, deadline=None)
@given(real_answers())
def test_next_star_reaches_target_from_anywhere(sa):
    sheet, answers = sa
    found = E.next_star(sheet, answers, star_bands=BANDS)
    current = ref_stars(sheet, answers)
    if current >= 5:
        assert found is None
        return
    assert found.stars == current + 1
    after = E.apply_changes(answers, found.changes)
    assert ref_stars(sheet, after) >= found.stars
    # no change is wasted: undoing any one of them loses the target
    for ch in found.changes:
        undone = {**after, ch.criterion: answers[ch.criterion]}
        assert ref_stars(sheet, undone) < found.stars


# ------------------------------------------------------------------------------------------ combine


@settings(max_examples=150, deadline=None)
@given(st.integers(0, len(SHEETS) - 1), st.integers(1, 7), st.data())
def test_combine_rules(sheet_index, members, data):
    sheet = SHEETS[sheet_index]
    crits = raw_criteria(sheet)
    sheets = [
        {c["code"]: data.draw(st.sampled_from([o["points"] for o in c["options"]])) for c in crits}
        for _ in range(members)
    ]
    chair = {}
    for c in data.draw(st.lists(st.sampled_from(crits), max_size=3)):
        chair[c["code"]] = data.draw(st.sampled_from([o["points"] for o in c["options"]]))
    result = E.combine(sheet, sheets, chair_agreed=chair or None, spread_limit=10, star_bands=BANDS)
    totals = [sum(a.values()) for a in sheets]
    assert result.mean * members == sum(totals)
    assert result.spread == max(totals) - min(totals)
    assert result.spread_exceeded == (max(totals) - min(totals) > 10)
    consolidated = {}
    for x in result.consolidated:
        values = sorted(a[x.criterion] for a in sheets)
        if x.criterion in chair:
            assert (x.source, x.points) == ("chair", chair[x.criterion])
        else:
            assert x.source == "lower_median"
            assert x.points == values[(members - 1) // 2]
            assert sum(1 for v in values if v >= x.points) * 2 >= members  # at least half reached it
        consolidated[x.criterion] = x.points
    marks = max([lvl for lvl in (3, 4, 5) if ref_marks_ok(sheet, consolidated, lvl)], default=2)
    assert result.stars == min(ref_band(result.mean), marks)
