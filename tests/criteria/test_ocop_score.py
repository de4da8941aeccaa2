"""manage.py ocop_score: the same score as the API, as a table with the official wording, or as JSON."""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from .conftest import QD26

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_cache")]


def sheet_of(qd26_data, number):
    return next(s for s in qd26_data["sheets"] if s["number"] == number)


def criterion(sheet, code):
    return next(c for p in sheet["parts"] for s in p["sections"] for c in s["criteria"] if c["code"] == code)


def wording(sheet, code, points):
    return next(o["text_vi"] for o in criterion(sheet, code)["options"] if o["points"] == points)


def best(sheet, **overrides):
    answers = {
        c["code"]: max(o["points"] for o in c["options"])
        for p in sheet["parts"]
        for s in p["sections"]
        for c in s["criteria"]
    }
    for key, points in overrides.items():
        answers[key[1:].replace("_", ".")] = points
    return answers


def write(tmp_path, data, name="answers.json"):
    path = tmp_path / name
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return str(path)


def run(*args):
    """The command's output in English (labels follow the active language; data stay Vietnamese)."""
    out = StringIO()
    with translation.override("en"):
        call_command("ocop_score", *args, stdout=out)
    return out.getvalue()


def test_table_has_the_official_wording_and_the_way_up(tmp_path, qd26, qd26_data):
    sheet = sheet_of(qd26_data, 1)
    output = run("--set", QD26, "--sheet", "1", write(tmp_path, best(sheet, c2_3=1)))
    assert "Rau, củ, quả, hạt tươi" in output
    assert criterion(sheet, "2.3")["name_vi"][:40] in output
    # every chosen option's wording appears (wrapped lines joined back)
    flat = " ".join(line.strip() for line in output.splitlines())
    assert wording(sheet, "1.1", 3)[:60] in flat
    assert wording(sheet, "2.3", 1)[:60] in flat
    row = next(line for line in output.splitlines() if line.startswith("2.3 "))
    assert "1/3" in row and "✗ 4★ ≥ 3" in row
    assert "Parts: A 38/40, B 25/25, C 35/35" in output
    assert "Total: 98/100" in output
    assert "Stars by points: 5★" in output
    assert "Stars: 3★ — held below the points band (5★)" in output
    assert "Unanswered: none" in output
    assert "Next star (4★): 1 change(s), +2 points, total after 100" in output
    assert wording(sheet, "2.3", 3)[:60] in flat  # the option to reach, in full wording
    assert "2.3 " + criterion(sheet, "2.3")["name_vi"] + ", +2 (required by a star mark)" in output


def test_json_equals_the_api_body(client, tmp_path, qd26, qd26_data):
    body = {
        "answers": best(sheet_of(qd26_data, 21), c6_1=3, c9=1),
        "disqualifiers": [],
        "provisional": False,
        "not_applicable": [],
    }
    output = run("--sheet", "21", write(tmp_path, body), "--json")
    api = client.post(
        f"/api/v1/criteria/sets/{QD26}/sheets/21/score", json.dumps(body), content_type="application/json"
    )
    assert api.status_code == 200
    assert json.loads(output) == api.json()
    assert "Thủ công mỹ nghệ" in output  # diacritics written as they are, not \\u escapes


def test_plain_map_and_provisional(tmp_path, qd26, qd26_data):
    sheet = sheet_of(qd26_data, 1)
    part_a = {
        c["code"]: max(o["points"] for o in c["options"])
        for s in sheet["parts"][0]["sections"]
        for c in s["criteria"]
    }
    path = write(tmp_path, part_a)
    incomplete = run("--sheet", "1", path)
    assert "Total: 40/100" in incomplete and "Stars: none — 16 criteria unanswered" in incomplete
    assert "Unanswered: 4.1, 4.2, 4.3" in incomplete
    provisional = json.loads(run("--sheet", "1", path, "--provisional", "--json"))
    assert provisional["provisional"] is True and provisional["stars"] == 2 and provisional["total"] == 40


def test_disqualified(tmp_path, qd26, qd26_data):
    body = {"answers": best(sheet_of(qd26_data, 1)), "disqualifiers": [0]}
    output = run("--sheet", "1", write(tmp_path, body))
    assert "Stars: none — a disqualifier is ticked" in output and "0. Giả mạo hồ sơ" in output


@pytest.mark.parametrize(
    ("data", "named"),
    [
        ({"1.1": 0}, ["1.1", "1, 2, 3"]),
        ({"answers": {"2.1": 2}}, ["2.1", "0, 1, 3"]),
        ({"9.9": 1}, ["9.9"]),
        ({"answers": {}, "disqualifiers": [5]}, ["disqualifier 5", "0, 1, 2"]),
        ({"answers": {}, "not_applicable": ["4.1"]}, ["4.1", "5.2"]),
        ({"answers": {}, "extra": 1}, ["extra"]),
        ([1, 2], ["JSON object"]),
    ],
)
def test_bad_answers_exit_non_zero_naming_the_criterion(tmp_path, qd26, data, named):
    with pytest.raises(CommandError) as raised:
        run("--sheet", "1", write(tmp_path, data))
    for text in named:
        assert text in str(raised.value)


def test_bad_files_sets_and_sheets(tmp_path, qd26):
    with pytest.raises(CommandError, match="Cannot read"):
        run("--sheet", "1", str(tmp_path / "missing.json"))
    bad = tmp_path / "bad.json"
    bad.write_text("{", encoding="utf-8")
    with pytest.raises(CommandError, match="not valid JSON"):
        run("--sheet", "1", str(bad))
    with pytest.raises(CommandError, match="qd99"):
        run("--set", "qd99", "--sheet", "1", write(tmp_path, {}))
    with pytest.raises(CommandError, match="no sheet 27"):
        run("--sheet", "27", write(tmp_path, {}))


def test_exit_code_from_the_shell(tmp_path, qd26):
    from django.core.management import ManagementUtility

    utility = ManagementUtility(["manage.py", "ocop_score", "--sheet", "1", write(tmp_path, {"1.1": 7})])
    with pytest.raises(SystemExit) as exited:
        utility.execute()
    assert exited.value.code == 1
