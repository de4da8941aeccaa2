"""The loader: the checks on a criteria set, loading, publishing, and the immutability of a published set."""

import copy
import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from ocop.core.models import AuditEvent
from ocop.criteria import classification
from ocop.criteria.loader import (
    QD26_FILE,
    CriteriaSetConflict,
    CriteriaSetInvalid,
    content_hash,
    declared_part_maxima,
    validate_set,
)
from ocop.criteria.models import CriteriaSet, PublishedSetError, SetStatus, Sheet
from ocop.criteria.services import load_set

from .conftest import QD26, tiny_set


def sheet_of(data, number):
    return next(s for s in data["sheets"] if s["number"] == number)


def criterion_of(data, number, code):
    for part in sheet_of(data, number)["parts"]:
        for section in part["sections"]:
            for criterion in section["criteria"]:
                if criterion["code"] == code:
                    return criterion
    raise KeyError(code)


def section_of(data, number, code):
    for part in sheet_of(data, number)["parts"]:
        for section in part["sections"]:
            if section["code"] == code:
                return section
    raise KeyError(code)


# --- the real set --------------------------------------------------------------------------------


def test_decision_26_passes_every_check(qd26_data):
    assert validate_set(qd26_data) == []
    assert declared_part_maxima(qd26_data) == {"A": 40, "B": 25, "C": 35}


def test_decision_26_is_loaded_published_with_26_sheets_each_summing_to_100(qd26, qd26_data):
    assert qd26.status == SetStatus.PUBLISHED and qd26.published_at is not None
    assert qd26.content_hash == content_hash(qd26_data)
    assert qd26.decision_number == "26/2026/QĐ-TTg"
    assert str(qd26.decision_date) == "2026-05-22" and str(qd26.effective_date) == "2026-05-22"
    assert qd26.part_maxima == {"A": 40, "B": 25, "C": 35}
    sheets = list(qd26.sheets.order_by("number"))
    assert [s.number for s in sheets] == list(range(1, 27))
    for sheet in sheets:
        assert sheet.part_maxima == {"A": 40, "B": 25, "C": 35}, sheet.number
        # Summed independently from the leaves: criteria outside a criterion group, plus the groups.
        total = 0
        for part in sheet.data["parts"]:
            for section in part["sections"]:
                total += sum(c["max_points"] for c in section["criteria"] if not c.get("group"))
                total += sum(g["max_points"] for g in section.get("criterion_groups") or [])
        assert total == 100, sheet.number
    assert sheets[25].name_vi.startswith("Dịch vụ du lịch") or "du lịch" in sheets[25].name_vi.lower()
    assert sheets[0].product_set_code == "I.1.a" and sheets[0].group_code == "I"


def test_classification_module_still_reads_the_file():
    assert classification.product_set_for_sheet(1).code == "I.1.a"
    assert len({ps.sheet for ps in classification.product_sets().values()}) == 26


# --- broken copies are refused, naming where ---------------------------------------------------


def _break_points_above_max(d):
    criterion_of(d, 1, "1.1")["options"][0]["points"] = 4


def _break_best_below_max(d):
    criterion_of(d, 3, "1.1")["options"][-1]["points"] = 2


def _break_section_sum(d):
    c = criterion_of(d, 2, "1.1")
    c["max_points"] += 1
    c["options"][-1]["points"] += 1


def _break_star_mark(d):
    criterion_of(d, 4, "1.3")["options"][-1]["min_for_stars"] = 6


def _break_part_max(d):
    part = sheet_of(d, 7)["parts"][0]
    part["max_points"] = 35


def _break_group(d):
    c = criterion_of(d, 11, "6.1.1")
    c["max_points"] = 3
    c["options"][-1]["points"] = 3


def _break_case(d):
    options = criterion_of(d, 26, "8")["options"]
    case_b = [o for o in options if o["case_vi"].startswith("b.")]
    for o in case_b:
        o["points"] = min(o["points"], 2)


def _break_corrected(d):
    option = next(o for o in criterion_of(d, 4, "7")["options"] if o.get("corrected"))
    del option["points_in_source"]


def _break_negative(d):
    criterion_of(d, 9, "2.1")["options"][0]["points"] = -1


def _break_duplicate_code(d):
    criterion_of(d, 12, "1.2")["code"] = "1.1"


def _break_unknown_group(d):
    criterion_of(d, 13, "6.2.1")["group"] = "6.9"


def _break_section_level(d):
    section = section_of(d, 1, "7")
    assert section["criteria"][0]["section_level"]
    section["criteria"][0]["code"] = "7.1"


def _break_mark_counts(d):
    sheet_of(d, 5)["star_mark_counts"]["5"] += 1


def _break_no_options(d):
    criterion_of(d, 20, "1.1")["options"] = []


BREAKAGES = [
    (_break_points_above_max, ["sheet 1, criterion 1.1", "4 points, above the criterion's maximum 3"]),
    (_break_best_below_max, ["sheet 3, criterion 1.1: the best option gives 2, not the criterion's 3"]),
    (_break_section_sum, ["sheet 2, part A, section 1: its criteria sum to 19, not 18"]),
    (_break_star_mark, ["sheet 4, criterion 1.3", "star mark 6"]),
    (
        _break_part_max,
        ["sheet 7, part A: 35 points, but the set gives part A 40", "sheet 7: parts sum to 95"],
    ),
    (_break_group, ["sheet 11, part C, section 6, criterion group 6.1: its criteria sum to 5, not 4"]),
    (
        _break_case,
        ["sheet 26, criterion 8 (case “b. Trường hợp 2", "the best option gives 2, not the criterion's 3"],
    ),
    (_break_corrected, ["sheet 4, criterion 7", "points_in_source"]),
    (_break_negative, ["sheet 9, criterion 2.1", "is not a number ≥ 0"]),
    (_break_duplicate_code, ["sheet 12, criterion 1.1: the code is used twice"]),
    (_break_unknown_group, ["sheet 13, criterion 6.2.1: belongs to group 6.9"]),
    (_break_section_level, ["sheet 1, criterion 7.1: a section-level criterion"]),
    (_break_mark_counts, ["sheet 5: star_mark_counts"]),
    (_break_no_options, ["sheet 20, criterion 1.1: no options"]),
]


@pytest.mark.django_db
@pytest.mark.parametrize("breakage, expected", BREAKAGES, ids=[b.__name__[7:] for b, _ in BREAKAGES])
def test_a_broken_copy_is_refused_naming_sheet_and_criterion_and_nothing_is_written(
    qd26_copy, breakage, expected
):
    assert validate_set(qd26_copy) == []  # the copy is sound before it is broken
    breakage(qd26_copy)
    errors = validate_set(qd26_copy)
    text = "\n".join(errors)
    for fragment in expected:
        assert fragment in text, text
    sets, sheets = CriteriaSet.objects.count(), Sheet.objects.count()
    with pytest.raises(CriteriaSetInvalid) as refused:
        load_set(qd26_copy, publish=True)
    assert expected[0] in str(refused.value)
    assert (CriteriaSet.objects.count(), Sheet.objects.count()) == (sets, sheets)
    assert not CriteriaSet.objects.filter(pk="qd26-test-copy").exists()


def test_set_level_faults(qd26_copy):
    qd26_copy["id"] = "QD 26!"
    qd26_copy["parts_definition_vi"] = ["Phần A: x (40 điểm)", "Phần B: y (25 điểm)", "Phần C: z (30 điểm)"]
    sheet_of(qd26_copy, 8)["number"] = 9
    errors = validate_set(qd26_copy)
    assert any(e.startswith("set id 'QD 26!'") for e in errors)
    assert "set: part maxima {'A': 40, 'B': 25, 'C': 30} sum to 95, not 100" in errors
    assert "sheet 9: the number is used twice" in errors
    assert any(e.startswith("sheet 1, part C: 35 points, but the set gives part C 30") for e in errors)
    assert validate_set([]) == ["the file does not hold a JSON object"]
    assert "set: no sheets" in validate_set({"id": "x", "title_vi": "t", "part_maxima": {"A": 100}})


# --- older sets: the part maxima are data ------------------------------------------------------


@pytest.mark.django_db
def test_an_older_set_with_other_part_maxima_loads():
    data = tiny_set("qd1048-2019", {"A": 35, "B": 25, "C": 40})
    assert validate_set(data) == []
    result = load_set(data, publish=True)
    assert (result.action, result.sheets, result.published) == ("created", 1, True)
    loaded = CriteriaSet.objects.get(pk="qd1048-2019")
    assert loaded.part_maxima == {"A": 35, "B": 25, "C": 40}
    assert loaded.sheets.get().part_maxima == {"A": 35, "B": 25, "C": 40}


def test_sheets_must_match_the_set_s_declared_maxima():
    data = tiny_set("qd148-wrong", {"A": 35, "B": 25, "C": 40}, declare={"A": 40, "B": 25, "C": 35})
    errors = validate_set(data)
    assert "sheet 1, part A: 35 points, but the set gives part A 40" in errors
    assert "sheet 1, part C: 40 points, but the set gives part C 35" in errors


# --- loading, publishing, idempotence ----------------------------------------------------------


@pytest.mark.django_db
def test_reloading_the_published_set_is_a_no_op(qd26, qd26_data, django_assert_max_num_queries):
    loaded_at = qd26.loaded_at
    with django_assert_max_num_queries(4) as queries:
        result = load_set(qd26_data, publish=True)
    writes = [
        q["sql"] for q in queries.captured_queries if q["sql"].split()[0] in ("INSERT", "UPDATE", "DELETE")
    ]
    assert writes == []
    assert (result.action, result.sheets, result.published) == ("unchanged", 26, True)
    assert CriteriaSet.objects.get(pk=QD26).loaded_at == loaded_at


@pytest.mark.django_db
def test_different_content_under_a_published_id_is_refused(qd26, qd26_data):
    changed = copy.deepcopy(qd26_data)
    criterion_of(changed, 1, "1.1")["name_vi"] = "Nguồn gốc sản phẩm (sửa)"
    with pytest.raises(CriteriaSetConflict, match="qd26-2026.*published.*new id"):
        load_set(changed, publish=True)
    with pytest.raises(CriteriaSetConflict):
        load_set(changed, publish=False)
    stored = Sheet.objects.get(criteria_set=qd26, number=1).data
    assert stored["parts"][0]["sections"][0]["criteria"][0]["name_vi"] == "Nguồn gốc sản phẩm"
    assert CriteriaSet.objects.get(pk=QD26).content_hash == content_hash(qd26_data)


@pytest.mark.django_db
def test_a_draft_is_replaced_then_published_then_frozen():
    first = tiny_set("draft-set")
    assert load_set(first).action == "created"
    assert CriteriaSet.objects.get(pk="draft-set").status == SetStatus.DRAFT
    assert load_set(first).action == "unchanged"

    second = tiny_set("draft-set")
    second["title_vi"] = "Bộ tiêu chí thử nghiệm (bản 2)"
    second["sheets"][0]["name_vi"] = "Phiếu thử (bản 2)"
    assert load_set(second).action == "replaced"
    draft = CriteriaSet.objects.get(pk="draft-set")
    assert draft.title_vi.endswith("(bản 2)") and draft.sheets.get().name_vi == "Phiếu thử (bản 2)"
    assert Sheet.objects.filter(criteria_set=draft).count() == 1

    assert load_set(second, publish=True).action == "published"
    published = CriteriaSet.objects.get(pk="draft-set")
    assert published.status == SetStatus.PUBLISHED and published.published_at is not None
    with pytest.raises(CriteriaSetConflict):
        load_set(first, publish=True)

    events = AuditEvent.objects.filter(object_id="draft-set").order_by("id")
    assert [(e.action, e.verb, e.note.split(":")[0]) for e in events] == [
        ("import", "criteria_set.load", "created"),
        ("import", "criteria_set.load", "replaced"),
        ("update", "criteria_set.publish", "published"),
    ]  # the unchanged reload and the refused one leave no trace


# --- immutability ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_published_set_and_its_sheets_cannot_be_changed_or_deleted(qd26):
    qd26.title_vi = "Đổi tên"
    with translation.override("en"), pytest.raises(PublishedSetError, match="qd26-2026.*published"):
        qd26.save()
    with pytest.raises(PublishedSetError):
        qd26.delete()
    with pytest.raises(PublishedSetError):
        CriteriaSet.objects.filter(pk=QD26).update(title_vi="Đổi tên")
    with pytest.raises(PublishedSetError):
        CriteriaSet.objects.filter(pk=QD26).delete()
    with pytest.raises(PublishedSetError):
        CriteriaSet.objects.filter(pk=QD26).update(status=SetStatus.DRAFT)

    sheet = Sheet.objects.get(criteria_set=qd26, number=5)
    sheet.name_vi = "Đổi tên"
    with translation.override("en"), pytest.raises(PublishedSetError, match="published.*sheet 5"):
        sheet.save()
    with pytest.raises(PublishedSetError):
        sheet.delete()
    with pytest.raises(PublishedSetError):
        Sheet.objects.filter(criteria_set=qd26).update(name_vi="x")
    with pytest.raises(PublishedSetError):
        Sheet.objects.filter(criteria_set=qd26, number=5).delete()
    with pytest.raises(PublishedSetError):
        Sheet.objects.create(criteria_set=qd26, number=27, name_vi="Thêm", data={})

    qd26.refresh_from_db()
    assert qd26.title_vi != "Đổi tên" and qd26.status == SetStatus.PUBLISHED
    assert Sheet.objects.filter(criteria_set=qd26).count() == 26
    assert Sheet.objects.get(criteria_set=qd26, number=5).name_vi != "Đổi tên"


@pytest.mark.django_db
def test_a_draft_can_be_changed_and_deleted():
    load_set(tiny_set("draft-del"))
    draft = CriteriaSet.objects.get(pk="draft-del")
    draft.title_vi = "Bản nháp đã sửa"
    draft.save()
    draft.delete()
    assert not CriteriaSet.objects.filter(pk="draft-del").exists()
    assert not Sheet.objects.filter(criteria_set_id="draft-del").exists()


# --- the command -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_command_loads_a_draft_then_publishes(tmp_path):
    path = tmp_path / "set.json"
    path.write_text(json.dumps(tiny_set("cmd-set"), ensure_ascii=False), encoding="utf-8")
    out = io.StringIO()
    call_command("ocop_load_criteria", str(path), stdout=out)
    assert out.getvalue().strip() == "cmd-set: created, 1 sheets, draft"
    out = io.StringIO()
    call_command("ocop_load_criteria", str(path), "--publish", stdout=out)
    assert out.getvalue().strip() == "cmd-set: published, 1 sheets, published"
    out = io.StringIO()
    call_command("ocop_load_criteria", str(QD26_FILE), "--publish", stdout=out)
    assert out.getvalue().strip() == "qd26-2026: unchanged, 26 sheets, published"


@pytest.mark.django_db
def test_command_refuses_a_broken_file_naming_the_fault(tmp_path, qd26_copy):
    _break_points_above_max(qd26_copy)
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(qd26_copy, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(CommandError, match="sheet 1, criterion 1.1"):
        call_command("ocop_load_criteria", str(path), "--publish")
    assert not CriteriaSet.objects.filter(pk="qd26-test-copy").exists()
    (tmp_path / "bad.json").write_text("{", encoding="utf-8")
    with pytest.raises(CommandError, match="not valid JSON"):
        call_command("ocop_load_criteria", str(tmp_path / "bad.json"))
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("ocop_load_criteria", str(tmp_path / "missing.json"))
