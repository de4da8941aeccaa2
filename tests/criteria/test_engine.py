"""Hand-checked cases for the scoring engine, on real sheets of Decision 26/2026 (points and marks read
from the legal tables in ocop/criteria/data). Every expected total is summed by hand in the comments."""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path

import pytest

from ocop.criteria import engine as E

DATA = Path(__file__).resolve().parents[2] / "ocop" / "criteria" / "data" / "ocop-criteria-qd26-2026.json"
SET = json.loads(DATA.read_text(encoding="utf-8"))
BANDS = SET["star_bands"]


def sheet(number: int) -> E.Sheet:
    return E.compile_sheet(SET["sheets"][number - 1], BANDS)


def parse(text: str) -> dict[str, int]:
    out = {}
    for item in text.split():
        code, pts = item.split("=")
        out[code] = int(pts)
    return out


def all_max(number: int) -> dict[str, int]:
    return {c.code: c.allowed_sorted[-1] for c in sheet(number).criteria}


# Sheet 1 (fresh vegetables): every 5★ mark met with the least points, the rest at the lowest option.
# A: 1.x 1+0+3+1+3+1+0=9, 2.x 3+2+3+0=8, 3.x 1+0+1+2+2=6 -> 23
# B: 4.x 5+0+0=5, 5.x 5+0+1=6 -> 11
# C: 6.x 2+3+0+0=5, 7=0, 8=3, 9=2, 10=3, 11=1, 12=1 -> 15            total 49
S1_49 = parse(
    "1.1=1 1.2=0 1.3=3 1.4=1 1.5=3 1.6=1 1.7=0 2.1=3 2.2=2 2.3=3 2.4=0 3.1=1 3.2=0 3.3=1 3.4=2 3.5=2 "
    "4.1=5 4.2=0 4.3=0 5.1=5 5.2=0 5.3=1 6.1=2 6.2=3 6.3=0 6.4=0 7=0 8=3 9=2 10=3 11=1 12=1"
)
S1_50 = {**S1_49, "1.1": 2}  # +1
# +2 (1.1) +2 (1.2) +2 (1.4) +2 (3.1) +2 (3.3) +3 (4.2) +5 (4.3) +2 (6.3) = +20
S1_69 = {**S1_49, "1.1": 3, "1.2": 2, "1.4": 3, "3.1": 3, "3.3": 3, "4.2": 3, "4.3": 5, "6.3": 2}
S1_70 = {**S1_69, "6.3": 3}  # +1
# +1 (1.7) +1 (2.4) +1 (3.2) +2 (5.2) +3 (6.4) +3 (7) +1 (11) +2 (12) +1 (6.2) +2 (8) = +17 -> 87
# then 9: 2->4 -> 89
S1_89 = {
    **S1_70,
    "1.7": 1,
    "2.4": 1,
    "3.2": 1,
    "5.2": 2,
    "6.4": 3,
    "7": 3,
    "11": 2,
    "12": 3,
    "6.2": 4,
    "8": 5,
    "9": 4,
}
S1_90 = {**S1_89, "9": 5}
# Lowest option everywhere: A 1+0+1+1+0+1+0 + 0+0+1+0 + 1+0+1+1+1 = 9, B 1+0+0+0+0+0 = 1,
# C 0+0+0+0+0+0+2+1+1+1 = 5 -> 15; then 4.3 0->5, 5.1 0->5, 4.1 1->5 (+14) -> 29; 1.1 1->2 -> 30
S1_MIN = {c.code: c.allowed_sorted[0] for c in sheet(1).criteria}
S1_29 = {**S1_MIN, "4.3": 5, "5.1": 5, "4.1": 5}
S1_30 = {**S1_29, "1.1": 2}


@pytest.mark.parametrize(
    ("answers", "total", "band", "stars"),
    [
        (S1_29, 29, 1, 1),
        (S1_30, 30, 2, 2),
        (S1_49, 49, 2, 2),
        (S1_50, 50, 3, 3),
        (S1_69, 69, 3, 3),
        (S1_70, 70, 4, 4),
        (S1_89, 89, 4, 4),
        (S1_90, 90, 5, 5),
    ],
)
def test_sheet1_band_boundaries(answers, total, band, stars):
    r = E.score(sheet(1), answers)
    assert r.total == total
    assert r.stars_by_points == band
    assert r.stars == stars
    assert r.unanswered == ()


def test_sheet1_parts_sections_of_49():
    r = E.score(sheet(1), S1_49)
    assert dict(r.part_points) == {"A": 23, "B": 11, "C": 15}
    assert r.section_points["1"] == 9 and r.section_points["5"] == 6 and r.section_points["12"] == 1
    assert r.marks_stars == 5 and r.unmet_minimums == ()


def test_low_sheet_misses_marks_but_band_1_is_unaffected():
    r = E.score(sheet(1), S1_29)
    # 1.3 lowest 1 < 5★ mark 3; 2.2 0 < 3★ mark 2 ... so marks allow only 2★, band says 1★
    assert r.marks_stars == 2
    assert r.stars == 1
    assert E.UnmetMinimum("2.2", 3, 2, 0) in r.unmet_minimums
    assert E.UnmetMinimum("4.1", 3, 2, 5) not in r.unmet_minimums


def test_points_say_4_but_mark_holds_at_3():
    # sheet 1 criterion 5.1 "Câu chuyện sản phẩm": the 5-point option carries ****; 3 points given,
    # compensated by 5.2 0->2, so the total stays 70
    answers = {**S1_70, "5.1": 3, "5.2": 2}
    r = E.score(sheet(1), answers)
    assert r.total == 70 and r.stars_by_points == 4
    assert r.unmet_minimums == (E.UnmetMinimum("5.1", 4, 5, 3),)
    assert r.marks_stars == 3
    assert r.stars == 3
    nxt = E.next_star(sheet(1), answers)
    assert nxt.stars == 4
    assert [(c.criterion, c.from_points, c.to_points, c.gained, c.mandatory) for c in nxt.changes] == [
        ("5.1", 3, 5, 2, True)
    ]
    assert nxt.changes[0].options[0].text_vi.startswith("Có câu chuyện sản phẩm được tư liệu hóa")


def test_disqualified_gets_no_stars():
    r = E.score(sheet(1), S1_90, disqualifiers={0})
    assert r.total == 90 and r.stars_by_points == 5
    assert r.disqualified and r.disqualifiers == (0,)
    assert r.stars is None
    assert E.next_star(sheet(1), S1_90, disqualifiers={0}) is None
    with pytest.raises(E.InvalidAnswer, match="disqualifier 3"):
        E.score(sheet(1), S1_90, disqualifiers={3})  # sheet 1 lists three (0, 1, 2)


def test_conditional_story_structure_not_applicable():
    crit = sheet(1).by_code["5.2"]
    assert crit.conditional and crit.note_vi == "Chỉ áp dụng khi có câu chuyện sản phẩm"
    answers = {k: v for k, v in S1_70.items() if k != "5.2"}  # 5.2 was 0 in S1_70
    r = E.score(sheet(1), answers, not_applicable={"5.2"})
    assert r.total == 70 and r.stars == 4
    assert r.unanswered == () and r.not_applicable == ("5.2",)
    # left unanswered without saying "not applicable": reported, and no stars
    r2 = E.score(sheet(1), answers)
    assert r2.unanswered == ("5.2",) and r2.stars is None and r2.total == 70
    # a criterion that always applies cannot be excluded; nor can one be answered and excluded
    with pytest.raises(E.InvalidAnswer, match="5.1"):
        E.score(sheet(1), {k: v for k, v in S1_70.items() if k != "5.1"}, not_applicable={"5.1"})
    with pytest.raises(E.InvalidAnswer, match="5.2"):
        E.score(sheet(1), S1_70, not_applicable={"5.2"})


def test_sheet21_criterion7_note_is_not_a_condition():
    # "Áp dụng bắt buộc đối với ...; khuyến khích các sản phẩm còn lại": scored normally
    assert not sheet(21).by_code["7"].conditional


def test_unanswered_and_provisional():
    answers = {k: v for k, v in S1_90.items() if k not in ("4.1", "12")}  # 4.1 had 5, 12 had 3
    r = E.score(sheet(1), answers)
    assert r.unanswered == ("4.1", "12")
    assert r.stars is None and r.total == 82
    p = E.score(sheet(1), answers, provisional=True)
    assert p.total == 82 and p.criterion_points["4.1"] == 0
    # 4.1 at 0 misses its 3★ mark (2 points): 4★ band, but marks allow only 2★
    assert p.stars == 2 and E.UnmetMinimum("4.1", 3, 2, 0) in p.unmet_minimums


def test_invalid_answers_refused():
    with pytest.raises(E.InvalidAnswer) as err:
        E.score(sheet(1), {**S1_49, "4.1": 4})
    assert err.value.criterion == "4.1" and err.value.allowed == (1, 2, 3, 5)
    assert "4.1" in str(err.value) and "1, 2, 3, 5" in str(err.value)
    with pytest.raises(E.InvalidAnswer, match="unknown criterion '13'"):
        E.score(sheet(1), {**S1_49, "13": 1})
    with pytest.raises(E.InvalidAnswer):
        E.score(sheet(1), {**S1_49, "1.7": True})
    with pytest.raises(E.InvalidAnswer):
        E.score(sheet(1), {**S1_49, "1.7": "1"})


# ------------------------------------------------------------------------------------- other sheets


def test_sheet5_fast_food_mark_on_originality():
    # 2.1 "Tính độc đáo/mới lạ" options 0/3/5, the 5 carries ****: all max but 2.1=3 -> 98
    answers = {**all_max(5), "2.1": 3}
    r = E.score(sheet(5), answers)
    assert r.total == 98 and r.stars_by_points == 5
    assert r.unmet_minimums == (E.UnmetMinimum("2.1", 4, 5, 3),)
    assert r.stars == 3


def test_sheet11_tea_three_level_criteria_and_corrected_typo():
    s = sheet(11)
    assert s.by_code["6.1.1"].group == "6.1" and s.by_code["6.1.1"].section == "6"
    # the printed 11 points (known issue) is not an option: corrected to 1
    assert s.by_code["6.1.1"].allowed_sorted == (0, 1, 2)
    with pytest.raises(E.InvalidAnswer, match="6.1.1"):
        E.score(s, {**all_max(11), "6.1.1": 11})
    r = E.score(s, {**all_max(11), "6.1.1": 1})  # 100 - 1
    assert r.total == 99 and r.section_points["6"] == 14  # 6.1 (2+2) + 6.2 (3+3+5) = 15, minus 1
    assert r.unmet_minimums == (E.UnmetMinimum("6.1.1", 4, 2, 1),)
    assert r.stars == 3


def test_sheet13_boundary_89_90_on_unmarked_leaves():
    s = sheet(13)
    # 6.1.1..6.1.5 (2 each, no marks) to 0: 100 - 10 = 90 -> 5★; and 6.2.1 2 -> 1: 89 -> 4★
    at90 = {**all_max(13), "6.1.1": 0, "6.1.2": 0, "6.1.3": 0, "6.1.4": 0, "6.1.5": 0}
    r90 = E.score(s, at90)
    assert (r90.total, r90.stars) == (90, 5)
    assert r90.part_points["C"] == 25
    r89 = E.score(s, {**at90, "6.2.1": 1})
    assert (r89.total, r89.stars) == (89, 4)
    nxt = E.next_star(s, {**at90, "6.2.1": 1})
    assert nxt.stars == 5 and len(nxt.changes) == 1 and nxt.points_added == 1


def test_sheet21_handicraft():
    s = sheet(21)
    assert s.name_vi == "Thủ công mỹ nghệ"
    # all max (100) minus 6.5 5->0, 6.3 3->0, 6.4 3->0 = 89 -> 4★
    at89 = {**all_max(21), "6.5": 0, "6.3": 0, "6.4": 0}
    assert (E.score(s, at89).total, E.score(s, at89).stars) == (89, 4)
    at90 = {**at89, "6.4": 1}
    assert (E.score(s, at90).total, E.score(s, at90).stars) == (90, 5)
    # 1.4 "Khả năng cung ứng..." at 2 meets **** but not ***** (4): 98 points, 4★
    held = {**all_max(21), "1.4": 2}
    r = E.score(s, held)
    assert (r.total, r.stars_by_points, r.stars) == (98, 5, 4)
    assert r.unmet_minimums == (E.UnmetMinimum("1.4", 5, 4, 2),)
    r = E.score(s, held, disqualifiers={1})
    assert r.stars is None and "Hồ sơ đăng ký" in s.disqualifiers_vi[1]


def test_sheet26_tourism():
    s = sheet(26)
    assert s.disqualifiers_vi == ()
    lowest = {c.code: c.allowed_sorted[0] for c in s.criteria}
    # every lowest option is 1 except 3.2 (0): 32 criteria - 1 = 31 -> 2★
    r = E.score(s, lowest)
    assert (r.total, r.stars) == (31, 2)
    # 1.2, 2.1, 2.3, 4.1 1->5 (+16), 1.1 1->3 (+2) = 49 -> 2★; 3.2 0->1 = 50 -> 3★ (3.5 at 1 meets ***)
    at49 = {**lowest, "1.2": 5, "2.1": 5, "2.3": 5, "4.1": 5, "1.1": 3}
    assert (E.score(s, at49).total, E.score(s, at49).stars) == (49, 2)
    at50 = {**at49, "3.2": 1}
    assert (E.score(s, at50).total, E.score(s, at50).stars) == (50, 3)
    # all max but 3.4 at 1 (**** on 3): 98 points, held at 3★; the way up is 3.4 1 -> 3
    r = E.score(s, {**all_max(26), "3.4": 1})
    assert (r.total, r.stars) == (98, 3)
    nxt = E.next_star(s, {**all_max(26), "3.4": 1})
    assert [(c.criterion, c.to_points) for c in nxt.changes] == [("3.4", 3)]
    # criterion 8: two alternative cases share the same points; both wordings are offered
    opts = s.by_code["8"].options_for(3)
    assert len(opts) == 2 and {o.case_vi[:2] for o in opts} == {"a.", "b."}
    assert s.by_code["8"].conditional is False


def test_multiple_marks_cumulative():
    crit = sheet(24).by_code["2.2"]  # marks *** on 1 and ***** on 4, no **** of its own
    assert crit.marks == ((3, 1), (5, 4))
    assert [crit.required_for(n) for n in (2, 3, 4, 5)] == [0, 1, 1, 4]
    crit = sheet(1).by_code["4.1"]
    assert [crit.required_for(n) for n in (3, 4, 5)] == [2, 3, 5]


def test_next_star_none_at_five():
    assert E.next_star(sheet(1), S1_90) is None


def test_next_star_single_point():
    nxt = E.next_star(sheet(1), S1_69)
    assert nxt.from_stars == 3 and nxt.stars == 4
    assert len(nxt.changes) == 1 and nxt.points_added == 1 and nxt.total_after == 70
    after = E.score(sheet(1), E.apply_changes(S1_69, nxt.changes))
    assert after.stars == 4


def test_compile_is_cached_by_identity():
    raw = SET["sheets"][0]
    assert E.compile_sheet(raw, BANDS) is E.compile_sheet(raw, BANDS)
    copy = json.loads(json.dumps(raw))
    assert E.compile_sheet(copy, BANDS) is not E.compile_sheet(raw, BANDS)
    assert E.score(copy, S1_50).total == 50  # a plain dict works directly


# ------------------------------------------------------------------------------------------ combine


def test_combine_mean_spread_lower_median_and_chair():
    s = sheet(1)
    m1 = S1_70  # 70
    m2 = {**S1_70, "5.1": 3, "5.2": 2}  # 70, 5.1 at 3
    m3 = {**S1_90}  # 90
    c = E.combine(s, [m1, m2, m3], spread_limit=10)
    assert c.member_totals == (70, 70, 90)
    assert c.mean == Fraction(230, 3) and E.display_points(c.mean) == E.Decimal("76.67")
    assert c.spread == 20 and c.spread_exceeded
    cons = {x.criterion: x for x in c.consolidated}
    assert cons["5.1"].points == 5 and cons["5.1"].source == "lower_median"  # 5, 3, 5 -> 5
    assert cons["9"].member_points == (2, 2, 5) and cons["9"].points == 2
    assert c.stars_by_points == 4 and c.stars == 4
    # two of three at 3 on 5.1: the lower median is 3, the **** mark fails on the consolidated sheet
    c2 = E.combine(s, [m2, m2, m3], spread_limit=10)
    assert {x.criterion: x.points for x in c2.consolidated}["5.1"] == 3
    assert c2.unmet_minimums == (E.UnmetMinimum("5.1", 4, 5, 3),)
    assert c2.stars == 3
    # the chair's agreed option wins over the median
    c3 = E.combine(s, [m2, m2, m3], chair_agreed={"5.1": 5}, spread_limit=10)
    x = {x.criterion: x for x in c3.consolidated}["5.1"]
    assert (x.points, x.source) == (5, "chair")
    assert c3.stars == 4
    with pytest.raises(E.InvalidAnswer, match="5.1"):
        E.combine(s, [m2], chair_agreed={"5.1": 4}, spread_limit=10)


def test_combine_even_count_lower_median_and_spread_limit():
    s = sheet(1)
    members = [{**S1_70, "6.3": p} for p in (0, 1, 2, 3)]  # totals 67, 68, 69, 70
    c = E.combine(s, members, spread_limit=3)
    assert c.member_totals == (67, 68, 69, 70)
    assert c.spread == 3 and not c.spread_exceeded
    assert c.mean == Fraction(137, 2) and c.stars == 3
    assert {x.criterion: x.points for x in c.consolidated}["6.3"] == 1  # sorted 0,1,2,3 -> the 2nd
    assert E.combine(s, members, spread_limit=2).spread_exceeded


def test_combine_disqualified_and_incomplete():
    s = sheet(1)
    assert E.combine(s, [S1_90, S1_90], spread_limit=10, disqualifiers={2}).stars is None
    partial = {k: v for k, v in S1_90.items() if k != "12"}
    c = E.combine(s, [S1_90, partial], spread_limit=10)
    assert not c.complete and c.stars is None
    assert {x.criterion: x for x in c.consolidated}["12"].points == 3  # the one member who answered


def test_next_star_from_unanswered_criteria():
    s = sheet(26)
    answers = {k: v for k, v in all_max(26).items() if k not in ("3.5", "17")}  # 3 and 2 points dropped
    assert E.score(s, answers).stars is None
    p = E.score(s, answers, provisional=True)
    # 3.5 counts 0, below its *** mark (1): 95 points but 2★
    assert (p.total, p.stars) == (95, 2)
    nxt = E.next_star(s, answers)
    assert nxt.stars == 3
    assert [(c.criterion, c.from_points, c.to_points, c.gained, c.mandatory) for c in nxt.changes] == [
        ("3.5", None, 1, 1, True)
    ]


def test_as_dict_api_shape():
    answers = {**S1_70, "5.1": 3, "5.2": 2}
    d = E.score(sheet(1), answers).as_dict()
    # from S1_49 (A 23, B 11, C 15): A +2+2+2+2+2 (1.1, 1.2, 1.4, 3.1, 3.3), B +3+5 (4.2, 4.3) -2+2 (5.1,
    # 5.2), C +3 (6.3)
    assert d["total"] == 70 and d["parts"] == {"A": 33, "B": 19, "C": 18} and d["stars"] == 3
    assert d["unmet_minimums"] == [{"criterion": "5.1", "stars": 4, "required_points": 5, "given_points": 3}]
    n = E.next_star(sheet(1), answers).as_dict()
    assert n["stars"] == 4 and n["changes"][0]["from_points"] == 3 and n["changes"][0]["to_points"] == 5
    assert json.loads(json.dumps(n, ensure_ascii=False)) == n
