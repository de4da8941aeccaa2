"""POST /api/v1/criteria/sets/{set_id}/sheets/{number}/score: public scoring of a set of answers.

Totals, parts and stars below are computed by hand from ocop/criteria/data/ocop-criteria-qd26-2026.json
(each sheet's option points and star marks), not by calling the engine."""

import json

import pytest
from django.test import Client

from ocop.criteria.services import load_set

from .conftest import QD26, tiny_set

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_cache")]


def url(number, set_id=QD26):
    return f"/api/v1/criteria/sets/{set_id}/sheets/{number}/score"


def post(client, number, body, set_id=QD26, **extra):
    return client.post(url(number, set_id), json.dumps(body), content_type="application/json", **extra)


def sheet_of(qd26_data, number):
    return next(s for s in qd26_data["sheets"] if s["number"] == number)


def criteria_of(sheet):
    return [c for p in sheet["parts"] for s in p["sections"] for c in s["criteria"]]


def answers_at(sheet, pick, **overrides):
    """One answer per criterion: `pick` (max or min) of its option points, then the overrides
    (criterion code with dots → underscores, e.g. c2_3=1)."""
    answers = {c["code"]: pick(o["points"] for o in c["options"]) for c in criteria_of(sheet)}
    for key, points in overrides.items():
        code = key[1:].replace("_", ".")
        assert code in answers
        answers[code] = points
    return answers


def assert_problem(response, status):
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json; charset=utf-8"
    body = response.json()
    assert body["status"] == status
    assert "total" not in body and "stars" not in body
    return body


# ------------------------------------------------------------------------------------------ valid answers


def test_full_marks_on_sheet_1_is_five_stars(client, qd26, qd26_data):
    sheet = sheet_of(qd26_data, 1)
    response = post(client, 1, {"answers": answers_at(sheet, max)})
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/json; charset=utf-8"
    body = response.json()
    assert body["total"] == 100 and body["max_total"] == 100
    assert body["parts"] == {"A": 40, "B": 25, "C": 35}
    assert body["stars_by_points"] == 5 and body["stars"] == 5 and body["stars_reason"] == "points"
    assert body["unmet_minimums"] == [] and body["unanswered"] == []
    assert body["next_star"] is None  # nothing above 5 stars
    assert body["sheet"] == {"number": 1, "name_vi": "Rau, củ, quả, hạt tươi", "name_en": sheet["name_en"]}
    sections = {s["code"]: s for s in body["sections"]}
    assert sections["4"]["points"] == 13 and sections["4"]["max_points"] == 13  # 5 + 3 + 5
    assert sections["5"]["points"] == 12  # 5 + 2 + 5


def test_a_mark_holds_sheet_1_at_three_stars_and_the_way_up_names_the_option(client, qd26, qd26_data):
    # Everything at its best except 2.3 at 1 point (3★ mark at 1, 4★ mark at 3): 100 - 2 = 98.
    sheet = sheet_of(qd26_data, 1)
    body = post(client, 1, {"answers": answers_at(sheet, max, c2_3=1)}).json()
    assert body["total"] == 98 and body["parts"] == {"A": 38, "B": 25, "C": 35}
    assert body["stars_by_points"] == 5
    assert body["marks_stars"] == 3 and body["stars"] == 3 and body["stars_reason"] == "marks"
    assert body["unmet_minimums"] == [
        {"criterion": "2.3", "stars": 4, "required_points": 3, "given_points": 1}
    ]
    line = next(c for c in body["criteria"] if c["code"] == "2.3")
    official = next(c for c in criteria_of(sheet) if c["code"] == "2.3")
    assert line["points"] == 1 and line["unmet_stars"] == [4]
    assert line["options"][0]["text_vi"] == next(
        o["text_vi"] for o in official["options"] if o["points"] == 1
    )
    way = body["next_star"]
    assert way["stars"] == 4 and way["from_stars"] == 3
    assert [(c["criterion"], c["from_points"], c["to_points"]) for c in way["changes"]] == [("2.3", 1, 3)]
    change = way["changes"][0]
    assert change["mandatory"] is True and change["gained"] == 2 and way["total_after"] == 100
    assert change["name_vi"] == official["name_vi"]
    assert change["options"][0]["text_vi"] == next(
        o["text_vi"] for o in official["options"] if o["points"] == 3
    )
    assert change["from_options"][0]["text_vi"] == line["options"][0]["text_vi"]


def test_lowest_answers_on_sheet_1_and_the_fewest_changes_to_two_stars(client, qd26, qd26_data):
    sheet = sheet_of(qd26_data, 1)
    body = post(client, 1, {"answers": answers_at(sheet, min)}).json()
    # A: 1+0+1+1+0+1+0 + 0+0+1+0 + 1+0+1+1+1 = 9; B: 1+0+0 + 0+0+0 = 1; C: 0+0+0+0 + 0+0+2+1+1+1 = 5
    assert body["parts"] == {"A": 9, "B": 1, "C": 5} and body["total"] == 15
    assert body["stars_by_points"] == 1 and body["stars"] == 1
    assert {"criterion": "2.2", "stars": 3, "required_points": 2, "given_points": 0} in body["unmet_minimums"]
    way = body["next_star"]
    # 2★ needs 30: 15 more; the largest single gains are +5 (4.3, 5.1, 5.3, 8: 0 → 5), so three changes.
    assert way["stars"] == 2 and len(way["changes"]) == 3
    assert way["points_added"] == 15 and way["total_after"] == 30
    assert all(c["gained"] == 5 and c["to_points"] == 5 for c in way["changes"])


def test_handicraft_sheet_21_held_at_four_stars_by_two_marks(client, qd26, qd26_data):
    sheet = sheet_of(qd26_data, 21)
    body = post(client, 21, {"answers": answers_at(sheet, max, c6_1=3, c4_1=3)}).json()
    assert body["total"] == 96 and body["parts"] == {"A": 40, "B": 23, "C": 33}
    assert body["stars_by_points"] == 5 and body["stars"] == 4 and body["stars_reason"] == "marks"
    assert sorted((u["criterion"], u["stars"], u["required_points"]) for u in body["unmet_minimums"]) == [
        ("4.1", 5, 5),
        ("6.1", 5, 5),
    ]
    changes = {(c["criterion"], c["from_points"], c["to_points"]) for c in body["next_star"]["changes"]}
    assert changes == {("4.1", 3, 5), ("6.1", 3, 5)} and body["next_star"]["total_after"] == 100


def test_band_boundary_89_90_on_sheet_21(client, qd26, qd26_data):
    sheet = sheet_of(qd26_data, 21)
    # 6.5 at 0 (-5), 9 at 1 (-4), 6.3 at 2 (-1): 90, no mark on any of them.
    on = post(client, 21, {"answers": answers_at(sheet, max, c6_5=0, c9=1, c6_3=2)}).json()
    assert on["total"] == 90 and on["stars"] == 5
    below = post(client, 21, {"answers": answers_at(sheet, max, c6_5=0, c9=1, c6_3=1)}).json()
    assert below["total"] == 89 and below["stars_by_points"] == 4 and below["stars"] == 4
    assert len(below["next_star"]["changes"]) == 1 and below["next_star"]["changes"][0]["gained"] == 1
    assert below["next_star"]["points_added"] == 1 and below["next_star"]["total_after"] == 90


def test_tourism_sheet_26_lowest_answers(client, qd26, qd26_data):
    sheet = sheet_of(qd26_data, 26)
    body = post(client, 26, {"answers": answers_at(sheet, min)}).json()
    assert body["parts"] == {"A": 11, "B": 8, "C": 12} and body["total"] == 31
    # 2★ by points; 3.4 at 1 misses its 4★ mark (3), 3.5 at 1 meets its 3★ mark (1), not its 4★ one (2)
    assert body["stars_by_points"] == 2 and body["marks_stars"] == 3 and body["stars"] == 2
    assert body["stars_reason"] == "points"
    assert body["unmet_minimums"] == [
        {"criterion": "3.4", "stars": 4, "required_points": 3, "given_points": 1},
        {"criterion": "3.5", "stars": 4, "required_points": 2, "given_points": 1},
    ]
    way = body["next_star"]
    # 3★ needs 50: 19 more; the best single gains are +4 (1.2, 2.1, 2.3, 4.1), so at least five changes.
    assert way["stars"] == 3 and len(way["changes"]) == 5
    assert way["points_added"] == 19 and way["total_after"] == 50


def test_provisional_and_incomplete(client, qd26, qd26_data):
    sheet = sheet_of(qd26_data, 1)
    part_a = {
        c["code"]: max(o["points"] for o in c["options"])
        for s in sheet["parts"][0]["sections"]
        for c in s["criteria"]
    }
    incomplete = post(client, 1, {"answers": part_a}).json()
    assert incomplete["total"] == 40 and incomplete["stars"] is None
    assert incomplete["stars_reason"] == "incomplete"
    assert incomplete["unanswered"][:3] == ["4.1", "4.2", "4.3"] and incomplete["unanswered"][-1] == "12"
    assert incomplete["parts"] == {"A": 40, "B": 0, "C": 0}
    provisional = post(client, 1, {"answers": part_a, "provisional": True}).json()
    # unanswered count 0: 40 points is 2★, and 4.1 at 0 misses its 3★ mark anyway
    assert provisional["provisional"] is True and provisional["stars"] == 2
    assert provisional["unanswered"] == incomplete["unanswered"]
    line = next(c for c in provisional["criteria"] if c["code"] == "4.1")
    assert line["status"] == "unanswered" and line["points"] is None


def test_disqualified_and_not_applicable(client, qd26, qd26_data):
    sheet = sheet_of(qd26_data, 1)
    body = post(client, 1, {"answers": answers_at(sheet, max), "disqualifiers": [0]}).json()
    assert body["total"] == 100 and body["stars"] is None and body["disqualified"] is True
    assert body["stars_reason"] == "disqualified" and body["next_star"] is None
    assert body["disqualifiers"] == [
        {"index": 0, "text_vi": "Giả mạo hồ sơ", "text_en": sheet["disqualifiers_en"][0]}
    ]
    answers = answers_at(sheet, max)
    del answers["5.2"]  # "Chỉ áp dụng khi có câu chuyện sản phẩm"
    body = post(client, 1, {"answers": answers, "not_applicable": ["5.2"]}).json()
    assert body["total"] == 98 and body["stars"] == 5 and body["unanswered"] == []
    assert body["not_applicable"] == ["5.2"]


def test_public_without_csrf_even_with_a_session(qd26, qd26_data, django_user_model):
    user = django_user_model.objects.create_user("someone", password="x")
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    response = post(client, 1, {"answers": answers_at(sheet_of(qd26_data, 1), max)})
    assert response.status_code == 200
    assert Client(enforce_csrf_checks=True).get(url(1)).status_code == 405


def test_own_throttle(client, qd26, settings):
    settings.OCOP_API_SCORE_RATE = "2/day"  # a window that will not roll over mid-test
    assert post(client, 1, {"answers": {}}).status_code == 200
    assert post(client, 1, {"answers": {}}).status_code == 200
    body = assert_problem(post(client, 1, {"answers": {}}), 429)
    assert body["type"] == "urn:ocop:problem:too-many-requests"
    assert client.get(f"/api/v1/criteria/sets/{QD26}/sheets/1").status_code == 200  # reads not counted


# --------------------------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("body", "field", "criterion", "allowed"),
    [
        ({"answers": {"1.1": 0}}, "answers.1.1", "1.1", [1, 2, 3]),  # 0 is not an option of 1.1
        ({"answers": {"2.1": 2}}, "answers.2.1", "2.1", [0, 1, 3]),
        ({"answers": {"2.1": 1.5}}, "answers.2.1", "2.1", [0, 1, 3]),
        ({"answers": {"2.1": "3"}}, "answers.2.1", "2.1", [0, 1, 3]),
        ({"answers": {"2.1": True}}, "answers.2.1", "2.1", [0, 1, 3]),
        ({"answers": {"13.1": 1}}, "answers.13.1", "13.1", None),  # unknown criterion
        ({"answers": {}, "disqualifiers": [3]}, "disqualifiers.0", None, [0, 1, 2]),
        ({"answers": {}, "disqualifiers": ["0"]}, "disqualifiers.0", None, [0, 1, 2]),
        ({"answers": {}, "not_applicable": ["1.1"]}, "not_applicable.0", "1.1", ["5.2"]),
        ({"answers": {"5.2": 1}, "not_applicable": ["5.2"]}, "not_applicable.0", "5.2", ["5.2"]),
    ],
)
def test_bad_answers_are_422_naming_the_criterion(client, qd26, body, field, criterion, allowed):
    problem = assert_problem(post(client, 1, body), 422)
    assert problem["type"] == "urn:ocop:problem:validation-error"
    [error] = problem["errors"]
    assert error["field"] == field and error["criterion"] == criterion and error["location"] == "body"
    if allowed is not None:
        assert error["allowed"] == allowed
        assert ", ".join(str(a) for a in allowed) in error["message"]
    if criterion:
        assert criterion in error["message"]


def test_every_bad_answer_is_reported_at_once_in_english(client, qd26):
    response = post(
        client, 1, {"answers": {"1.1": 3, "1.2": 7, "99": 1}, "disqualifiers": [9]}, HTTP_ACCEPT_LANGUAGE="en"
    )
    problem = assert_problem(response, 422)
    assert [e["field"] for e in problem["errors"]] == ["answers.1.2", "answers.99", "disqualifiers.0"]
    assert "Criterion 1.2" in problem["errors"][0]["message"] and "0, 1, 2" in problem["errors"][0]["message"]
    assert "1.1" in problem["errors"][1]["allowed"]  # the sheet's codes


def test_malformed_body_is_422(client, qd26):
    problem = assert_problem(post(client, 1, {"answers": [1, 2]}), 422)
    assert problem["errors"][0]["field"].endswith("answers")
    assert client.post(url(1), "not json", content_type="application/json").status_code in (400, 422)


def test_unknown_set_or_sheet_is_404(client, qd26):
    body = assert_problem(post(client, 1, {"answers": {}}, set_id="qd99-2099"), 404)
    assert "qd99-2099" in body["detail"]
    body = assert_problem(post(client, 27, {"answers": {}}), 404)
    assert QD26 in body["detail"] and "27" in body["detail"]
    load_set(tiny_set("draft-score"))  # a draft cannot be scored
    assert_problem(post(client, 1, {"answers": {"A1.1": 1}}, set_id="draft-score"), 404)


def test_a_published_older_set_scores_with_its_own_maxima(client, qd26):
    load_set(tiny_set("tiny-score", maxima={"A": 35, "B": 25, "C": 40}), publish=True)
    body = post(client, 1, {"answers": {"A1.1": 35, "B1.1": 25, "C1.1": 39}}, set_id="tiny-score").json()
    assert body["parts"] == {"A": 35, "B": 25, "C": 39} and body["part_maxima"] == {"A": 35, "B": 25, "C": 40}
    assert body["total"] == 99 and body["stars_by_points"] == 5
    # C1.1 has its 3★ mark only on 40 points
    assert body["stars"] == 2 and body["unmet_minimums"][0]["criterion"] == "C1.1"


def test_a_compiled_sheet_is_reused_one_small_query_per_call(client, qd26, django_assert_num_queries):
    assert post(client, 2, {"answers": {}}).status_code == 200
    with django_assert_num_queries(1):  # is the set published, and its content hash
        assert post(client, 2, {"answers": {}, "provisional": True}).status_code == 200
