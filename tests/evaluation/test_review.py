"""The commune's review (return / Form 03 and send to the province) and the province's check."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from ocop.accounts.models import Role
from ocop.core.calendar import default_calendar
from ocop.core.models import AuditEvent
from ocop.evaluation.models import AdvisoryRecord, DocumentKind, Dossier
from ocop.evaluation.services import review
from ocop.evaluation.workflow import DossierStatus as S
from ocop.evaluation.workflow import IllegalTransition
from tests.evaluation.factories import document, dossier_at
from tests.factories import ProducerFactory, commune, make_user, other_commune

pytestmark = pytest.mark.django_db

FORM03 = {
    "local_raw_materials": "Gạo nếp cái hoa vàng trồng tại ấp Bình Hòa",
    "local_labour": "12 lao động địa phương, 8 là phụ nữ",
    "idea_origin": "Nghề truyền thống ba đời",
    "local_identity": "Bánh tráng phơi sương Trảng Bàng",
    "assessment": "Hồ sơ đầy đủ, đề nghị tỉnh đánh giá",
    "completeness_checked": True,
}
FIELDS = (
    "status",
    "return_reason",
    "returned_at",
    "form03",
    "sent_to_province_at",
    "checked_at",
    "updated_at",
)


def state(dossier):
    fresh = Dossier.objects.get(pk=dossier.pk)
    return {name: getattr(fresh, name) for name in FIELDS}


def assert_unchanged(dossier, before, events_before):
    assert state(dossier) == before
    assert AuditEvent.objects.count() == events_before
    assert AdvisoryRecord.objects.filter(dossier=dossier).count() == 0


@pytest.fixture
def officer():
    return make_user(Role.COMMUNE_OFFICER, commune=commune(), email="xa@example.vn")


@pytest.fixture
def province_officer():
    return make_user(Role.PROVINCE_OFFICER)


# --- Commune: services -----------------------------------------------------------------------------


def test_commune_return_sets_reason_and_writes_one_event(officer):
    dossier = dossier_at(S.SUBMITTED)
    events = AuditEvent.objects.count()
    moved = review.commune_return(officer, dossier, "  Thiếu phiếu kiểm nghiệm chỉ tiêu vi sinh.  ")
    fresh = Dossier.objects.get(pk=dossier.pk)
    assert moved.status == fresh.status == S.RETURNED
    assert fresh.return_reason == "Thiếu phiếu kiểm nghiệm chỉ tiêu vi sinh."
    assert fresh.returned_at is not None
    assert AuditEvent.objects.count() == events + 1
    event = AuditEvent.objects.latest("id")
    assert event.changes["action"] == [None, "commune_return"] and event.actor == officer


def test_send_to_province_stores_form03(officer):
    dossier = dossier_at(S.SUBMITTED)
    review.send_to_province(officer, dossier, {**FORM03, "unknown": "dropped"})
    fresh = Dossier.objects.get(pk=dossier.pk)
    assert fresh.status == S.AT_PROVINCE
    assert fresh.sent_to_province_at is not None
    assert fresh.form03 == FORM03


@pytest.mark.parametrize(
    "who",
    [
        lambda: make_user(Role.COMMUNE_OFFICER, commune=other_commune(commune())),
        lambda: make_user(Role.PRODUCER),
        lambda: make_user(Role.PROVINCE_OFFICER),
        lambda: make_user(Role.COUNCIL_MEMBER),
        lambda: make_user(Role.MINISTRY),
    ],
    ids=["other-commune", "producer", "province", "council", "ministry"],
)
@pytest.mark.parametrize("action", ["return", "accept"])
def test_commune_steps_refused_for_others(who, action):
    dossier = dossier_at(S.SUBMITTED)
    user = who()
    before, events = state(dossier), AuditEvent.objects.count()
    with pytest.raises(PermissionDenied):
        if action == "return":
            review.commune_return(user, dossier, "Lý do")
        else:
            review.send_to_province(user, dossier, FORM03)
    assert_unchanged(dossier, before, events)


def test_the_dossiers_own_producer_cannot_accept_it():
    dossier = dossier_at(S.SUBMITTED)
    producer_user = make_user(Role.PRODUCER, producer=dossier.producer)
    before, events = state(dossier), AuditEvent.objects.count()
    with pytest.raises(PermissionDenied):
        review.send_to_province(producer_user, dossier, FORM03)
    assert_unchanged(dossier, before, events)


@pytest.mark.parametrize("status", [S.RETURNED, S.DRAFT, S.AT_PROVINCE, S.CHECKED, S.WITHDRAWN])
def test_accepting_or_returning_outside_submitted_is_refused(officer, status):
    dossier = dossier_at(status)
    before, events = state(dossier), AuditEvent.objects.count()
    with pytest.raises(IllegalTransition):
        review.send_to_province(officer, dossier, FORM03)
    with pytest.raises(IllegalTransition):
        review.commune_return(officer, dossier, "Lý do")
    assert_unchanged(dossier, before, events)


@pytest.mark.parametrize("reason", ["", "   ", None])
def test_return_needs_reasons(officer, reason):
    dossier = dossier_at(S.SUBMITTED)
    before, events = state(dossier), AuditEvent.objects.count()
    with pytest.raises(ValidationError) as exc:
        review.commune_return(officer, dossier, reason)
    assert "reason" in exc.value.error_dict
    assert_unchanged(dossier, before, events)


@pytest.mark.parametrize(
    "change",
    [{"completeness_checked": False}, {"assessment": " "}, {"local_labour": None}, {"idea_origin": 5}],
)
def test_incomplete_form03_is_refused(officer, change):
    dossier = dossier_at(S.SUBMITTED)
    before, events = state(dossier), AuditEvent.objects.count()
    with pytest.raises(ValidationError) as exc:
        review.send_to_province(officer, dossier, {**FORM03, **change})
    assert set(exc.value.error_dict) == set(change)
    assert_unchanged(dossier, before, events)


# --- Deadlines across Tết --------------------------------------------------------------------------


def test_commune_deadline_across_tet_2027():
    """Received Friday 29/01/2027. Tết Đinh Mùi is 06/02/2027: the calendar gives Thu 04/02 – Wed 10/02
    off (29 Tết, Giao thừa, the weekend, mùng 3–5), so the 15 working days are 01–03/02 (3), 11–12/02 (5),
    15–19/02 (10), 22–26/02 (15): due Friday 26/02/2027, a week later than without Tết (19/02)."""
    cal = default_calendar()
    for day in (
        dt.date(2027, 2, 4),
        dt.date(2027, 2, 5),
        dt.date(2027, 2, 8),
        dt.date(2027, 2, 9),
        dt.date(2027, 2, 10),
    ):
        assert not cal.is_working_day(day), day
    dossier = dossier_at(S.SUBMITTED, received_on=dt.date(2027, 1, 29))
    assert dossier.commune_deadline == cal.add_working_days(dt.date(2027, 1, 29), 15) == dt.date(2027, 2, 26)

    info = review.deadline_info(dossier.commune_deadline, dt.date(2027, 2, 3))
    assert (info["days_left"], info["overdue"]) == (12, False)  # 11–12, 15–19, 22–26 February
    assert review.deadline_info(dossier.commune_deadline, dt.date(2027, 2, 26))["days_left"] == 0
    saturday = review.deadline_info(dossier.commune_deadline, dt.date(2027, 2, 27))
    assert (saturday["days_left"], saturday["overdue"]) == (0, True)
    monday = review.deadline_info(dossier.commune_deadline, dt.date(2027, 3, 1))
    assert (monday["days_left"], monday["days_late"], monday["overdue"]) == (-1, 1, True)


def test_review_page_shows_deadline_and_days_left(officer, client_of, monkeypatch):
    monkeypatch.setattr(review, "local_today", lambda: dt.date(2027, 2, 3))
    dossier = dossier_at(S.SUBMITTED, received_on=dt.date(2027, 1, 29))
    response = client_of(officer).get(reverse("evaluation:commune_review", args=[dossier.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "26/02/2027" in html
    assert response.context["due"]["days_left"] == 12
    assert 'id="form03"' in html and 'id="return-form"' in html


def test_review_page_marks_overdue(officer, client_of, monkeypatch):
    monkeypatch.setattr(review, "local_today", lambda: dt.date(2027, 3, 2))
    dossier = dossier_at(S.SUBMITTED, received_on=dt.date(2027, 1, 29))
    response = client_of(officer).get(reverse("evaluation:commune_review", args=[dossier.pk]))
    assert response.context["due"]["overdue"] is True
    assert 'class="deadline overdue"' in response.content.decode()


def test_review_page_warns_when_the_rounds_cutoff_has_passed(officer, client_of):
    from tests.evaluation.factories import RoundFactory

    today = dt.date.today()
    late = dossier_at(S.SUBMITTED, round_=RoundFactory(commune_cutoff=today - dt.timedelta(days=1)))
    on_time = dossier_at(S.SUBMITTED, round_=RoundFactory(commune_cutoff=today))
    client = client_of(officer)
    page = client.get(reverse("evaluation:commune_review", args=[late.pk])).content.decode()
    assert 'data-testid="past-cutoff"' in page and "đợt tiếp theo" in page
    page = client.get(reverse("evaluation:commune_review", args=[on_time.pk])).content.decode()
    assert 'data-testid="past-cutoff"' not in page


# --- Commune: page ---------------------------------------------------------------------------------


def test_review_page_access(officer, client_of, client):
    dossier = dossier_at(S.SUBMITTED)
    url = reverse("evaluation:commune_review", args=[dossier.pk])
    assert client_of(officer).get(url).status_code == 200
    other = make_user(Role.COMMUNE_OFFICER, commune=other_commune(commune()))
    assert client_of(other).get(url).status_code == 404
    for role in (Role.PRODUCER, Role.PROVINCE_OFFICER, Role.COUNCIL_MEMBER, Role.MINISTRY):
        assert client_of(make_user(role)).get(url).status_code == 403, role
    response = client.get(url)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_accept_through_the_page(officer, client_of):
    dossier = dossier_at(S.SUBMITTED)
    data = {f"form03-{k}": ("on" if v is True else v) for k, v in FORM03.items()}
    response = client_of(officer).post(
        reverse("evaluation:commune_review", args=[dossier.pk]), {**data, "action": "accept"}
    )
    assert response.status_code == 302
    fresh = Dossier.objects.get(pk=dossier.pk)
    assert fresh.status == S.AT_PROVINCE and fresh.form03 == FORM03


def test_return_through_the_page_needs_reason(officer, client_of):
    dossier = dossier_at(S.SUBMITTED)
    url = reverse("evaluation:commune_review", args=[dossier.pk])
    before, events = state(dossier), AuditEvent.objects.count()
    response = client_of(officer).post(url, {"action": "return", "return-reason": ""})
    assert response.status_code == 400
    assert response.context["return_form"].errors
    assert_unchanged(dossier, before, events)
    response = client_of(officer).post(url, {"action": "return", "return-reason": "Thiếu nhãn sản phẩm"})
    assert response.status_code == 302
    assert Dossier.objects.get(pk=dossier.pk).return_reason == "Thiếu nhãn sản phẩm"


def test_forged_accept_of_a_returned_dossier_changes_nothing(officer, client_of):
    dossier = dossier_at(S.RETURNED)
    before, events = state(dossier), AuditEvent.objects.count()
    data = {f"form03-{k}": ("on" if v is True else v) for k, v in FORM03.items()}
    response = client_of(officer).post(
        reverse("evaluation:commune_review", args=[dossier.pk]), {**data, "action": "accept"}, follow=True
    )
    assert response.status_code == 200
    assert [str(m) for m in response.context["messages"]]
    assert_unchanged(dossier, before, events)


def test_forged_post_on_another_communes_dossier_is_404(client_of):
    dossier = dossier_at(S.SUBMITTED)
    other = make_user(Role.COMMUNE_OFFICER, commune=other_commune(commune()))
    before, events = state(dossier), AuditEvent.objects.count()
    response = client_of(other).post(
        reverse("evaluation:commune_review", args=[dossier.pk]), {"action": "return", "return-reason": "x"}
    )
    assert response.status_code == 404
    assert_unchanged(dossier, before, events)


# --- Province --------------------------------------------------------------------------------------


def test_province_records_checks_and_marks_checked(province_officer):
    dossier = dossier_at(S.AT_PROVINCE)
    doc = document(dossier.producer, DocumentKind.LAB_RESULT)
    record = review.add_advisory_record(
        province_officer,
        dossier,
        kind=AdvisoryRecord.Kind.LAB_TEST,
        on=dt.date(2026, 9, 10),
        findings="Chỉ tiêu vi sinh đạt",
        document=doc,
    )
    assert record.document == doc and record.created_by == province_officer
    review.province_check(province_officer, dossier)
    fresh = Dossier.objects.get(pk=dossier.pk)
    assert fresh.status == S.CHECKED and fresh.checked_at is not None


def test_province_return(province_officer):
    dossier = dossier_at(S.CHECKED)
    review.province_return(province_officer, dossier, "Cần bổ sung kết quả kiểm nghiệm")
    fresh = Dossier.objects.get(pk=dossier.pk)
    assert fresh.status == S.RETURNED and fresh.return_reason == "Cần bổ sung kết quả kiểm nghiệm"


def test_advisory_document_must_be_the_producers(province_officer):
    dossier = dossier_at(S.AT_PROVINCE)
    foreign = document(ProducerFactory())
    before, events = state(dossier), AuditEvent.objects.count()
    with pytest.raises(ValidationError) as exc:
        review.add_advisory_record(
            province_officer, dossier, kind="check", on=dt.date(2026, 9, 10), findings="x", document=foreign
        )
    assert "document" in exc.value.error_dict
    with pytest.raises(ValidationError):
        review.add_advisory_record(
            province_officer, dossier, kind="check", on=dt.date(2026, 9, 10), findings=" "
        )
    assert_unchanged(dossier, before, events)


@pytest.mark.parametrize(
    "who",
    [
        lambda: make_user(Role.PROVINCE_OFFICER, province_id="01"),
        lambda: make_user(Role.COMMUNE_OFFICER, commune=commune()),
        lambda: make_user(Role.PRODUCER),
        lambda: make_user(Role.COUNCIL_MEMBER),
    ],
    ids=["other-province", "commune", "producer", "council"],
)
def test_province_steps_refused_for_others(who):
    dossier = dossier_at(S.AT_PROVINCE)
    user = who()
    before, events = state(dossier), AuditEvent.objects.count()
    with pytest.raises(PermissionDenied):
        review.province_check(user, dossier)
    with pytest.raises(PermissionDenied):
        review.province_return(user, dossier, "Lý do")
    with pytest.raises(PermissionDenied):
        review.add_advisory_record(user, dossier, kind="check", on=dt.date(2026, 9, 10), findings="x")
    assert_unchanged(dossier, before, events)


@pytest.mark.parametrize("status", [S.SUBMITTED, S.RETURNED, S.IN_COUNCIL, S.SCORED])
def test_province_steps_refused_in_wrong_state(province_officer, status):
    dossier = dossier_at(status)
    before, events = state(dossier), AuditEvent.objects.count()
    with pytest.raises(IllegalTransition):
        review.province_check(province_officer, dossier)
    with pytest.raises(IllegalTransition):
        review.province_return(province_officer, dossier, "Lý do")
    with pytest.raises(IllegalTransition):
        review.add_advisory_record(
            province_officer, dossier, kind="check", on=dt.date(2026, 9, 10), findings="x"
        )
    assert_unchanged(dossier, before, events)


def test_checked_dossier_cannot_be_checked_twice(province_officer):
    dossier = dossier_at(S.CHECKED)
    before, events = state(dossier), AuditEvent.objects.count()
    with pytest.raises(IllegalTransition):
        review.province_check(province_officer, dossier)
    assert_unchanged(dossier, before, events)


def test_province_page_access_and_actions(province_officer, client_of, client):
    dossier = dossier_at(S.AT_PROVINCE)
    url = reverse("evaluation:province_check", args=[dossier.pk])
    c = client_of(province_officer)
    assert c.get(url).status_code == 200
    assert client_of(make_user(Role.PROVINCE_OFFICER, province_id="01")).get(url).status_code == 404
    for role in (Role.PRODUCER, Role.COMMUNE_OFFICER, Role.COUNCIL_MEMBER, Role.MINISTRY):
        assert client_of(make_user(role)).get(url).status_code == 403, role
    assert client.get(url).status_code == 302

    response = c.post(
        url,
        {
            "action": "record",
            "record-kind": "field_visit",
            "record-on": "2026-09-12",
            "record-findings": "Cơ sở sạch",
        },
    )
    assert response.status_code == 302
    assert AdvisoryRecord.objects.get(dossier=dossier).findings == "Cơ sở sạch"
    assert "Cơ sở sạch" in c.get(url).content.decode()
    assert c.post(url, {"action": "check", "check-note": ""}).status_code == 302
    assert Dossier.objects.get(pk=dossier.pk).status == S.CHECKED


def test_province_page_refuses_a_foreign_document(province_officer, client_of):
    dossier = dossier_at(S.AT_PROVINCE)
    foreign = document(ProducerFactory())
    before, events = state(dossier), AuditEvent.objects.count()
    response = client_of(province_officer).post(
        reverse("evaluation:province_check", args=[dossier.pk]),
        {
            "action": "record",
            "record-kind": "check",
            "record-on": "2026-09-12",
            "record-findings": "x",
            "record-document": foreign.pk,
        },
    )
    assert response.status_code == 400
    assert "document" in response.context["record_form"].errors
    assert_unchanged(dossier, before, events)


def test_review_page_lists_evidence_and_flags_documents_expiring_before_the_decision(officer, client_of):
    from ocop.evaluation.models import DossierAttachment

    dossier = dossier_at(S.SUBMITTED)  # the round's decision is due 30/12/2026
    lapsing = document(dossier.producer, DocumentKind.FOOD_SAFETY, expires_on=dt.date(2026, 11, 30))
    lasting = document(dossier.producer, DocumentKind.LAB_RESULT, expires_on=dt.date(2027, 6, 30))
    for doc in (lapsing, lasting):
        DossierAttachment.objects.create(dossier=dossier, document=doc, kind=doc.kind)
    html = client_of(officer).get(reverse("evaluation:commune_review", args=[dossier.pk])).content.decode()
    rows = html.split('id="attachments"', 1)[1].split("</section>", 1)[0].split("<tr>")
    lapsing_row = next(r for r in rows if lapsing.title in r)
    lasting_row = next(r for r in rows if lasting.title in r)
    assert "30/11/2026" in lapsing_row and 'class="overdue"' in lapsing_row
    assert "30/06/2027" in lasting_row and 'class="overdue"' not in lasting_row
