"""Decisions: forwarding at ≥ 90 points, the provincial 3★/4★ decision, the central result and the
Minister's 5★ decision, no recognition for 1★/2★ — services and pages."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from ocop.accounts.models import Role
from ocop.certificates.models import Certificate, CertificateStatus, DecisionLevel
from ocop.evaluation.models import Decision, Dossier
from ocop.evaluation.services import IllegalTransition
from ocop.evaluation.services import decisions as svc
from ocop.evaluation.workflow import DossierStatus as S
from ocop.registry.models import Product, ProductStatus, StarRating
from tests.evaluation.factories import RoundFactory, dossier_at
from tests.factories import make_user

pytestmark = pytest.mark.django_db

DECIDED = datetime.date(2026, 8, 31)


def _backdate_central(dossier) -> None:
    """The central result was recorded now; the tests' decisions are dated DECIDED, which may not come
    before the result it rests on: say the central council reported a week before."""
    recorded = datetime.datetime.combine(DECIDED - datetime.timedelta(days=7), datetime.time(9), datetime.UTC)
    Dossier.objects.filter(pk=dossier.pk).update(central_recorded_at=recorded)


def province_officer(province="80"):
    return make_user(Role.PROVINCE_OFFICER, province_id=province)


def snapshot(*dossiers):
    return [
        (d.status, d.decision_id, d.forwarded_at, d.central_points)
        for d in Dossier.objects.filter(pk__in=[x.pk for x in dossiers]).order_by("pk")
    ]


# --------------------------------------------------------------------------- provincial recognition


def test_recognition_issues_certificates_36_months_and_ratings():
    officer = province_officer()
    four = dossier_at(S.SCORED, points="75.00", stars=4)
    three = dossier_at(S.SCORED, points="55.50", stars=3, round_=four.round)
    decision = svc.recognise(officer, four.round, "123/QĐ-UBND", DECIDED, "Nguyễn Văn A", [four, three])

    assert decision.level == DecisionLevel.PROVINCE and decision.province_id == "80"
    for dossier, stars, points in ((four, 4, "75.00"), (three, 3, "55.50")):
        dossier.refresh_from_db()
        assert dossier.status == S.RECOGNISED and dossier.decision == decision
        cert = Certificate.objects.get(dossier=dossier)
        assert cert.stars == stars and cert.points == Decimal(points)
        assert cert.issued_on == datetime.date(2026, 8, 31)
        assert cert.expires_on == datetime.date(2029, 8, 31)  # 36 months, stated by hand
        assert cert.number.endswith("/2026/CN-OCOP-80")
        assert cert.decision_number == "123/QĐ-UBND" and cert.decision_date == DECIDED
        assert cert.product_name == dossier.product.name_vi and cert.producer_name == dossier.producer.name
        product = Product.objects.get(pk=dossier.product_id)
        assert product.stars == stars and product.status == ProductStatus.RATED
        rating = StarRating.objects.get(product=product)
        assert rating.source == StarRating.Source.EVALUATION
        assert (
            rating.decision_number == "123/QĐ-UBND" and rating.criteria_set == dossier.sheet.criteria_set_id
        )
    numbers = set(Certificate.objects.values_list("number", flat=True))
    assert numbers == {"1/2026/CN-OCOP-80", "2/2026/CN-OCOP-80"}


def test_recognition_refused_as_a_whole_when_one_dossier_is_invalid():
    officer = province_officer()
    good = dossier_at(S.SCORED, points="75.00", stars=4)
    two_stars = dossier_at(S.SCORED, points="40.00", stars=2, round_=good.round)
    before = snapshot(good, two_stars)
    with pytest.raises(ValidationError):
        svc.recognise(officer, good.round, "124/QĐ-UBND", DECIDED, "", [good, two_stars])
    assert snapshot(good, two_stars) == before
    assert not Decision.objects.exists() and not Certificate.objects.exists()
    assert not StarRating.objects.exists()


def test_recognition_refuses_five_stars_other_rounds_and_other_provinces():
    officer = province_officer()
    five = dossier_at(S.SCORED, points="93.00", stars=5)
    with pytest.raises(ValidationError):
        svc.recognise(officer, five.round, "1/QĐ", DECIDED, "", [five])
    other_round = dossier_at(S.SCORED, points="75.00", stars=4)
    with pytest.raises(ValidationError):
        svc.recognise(officer, five.round, "1/QĐ", DECIDED, "", [other_round])
    stranger = province_officer("01")
    with pytest.raises(PermissionDenied):
        svc.recognise(stranger, other_round.round, "1/QĐ", DECIDED, "", [other_round])
    with pytest.raises(PermissionDenied):
        svc.recognise(make_user(Role.MINISTRY), other_round.round, "1/QĐ", DECIDED, "", [other_round])
    assert not Decision.objects.exists()
    assert Dossier.objects.filter(status=S.RECOGNISED).count() == 0


def test_decision_number_unique_and_date_not_in_future():
    officer = province_officer()
    first = dossier_at(S.SCORED, points="75.00", stars=4)
    second = dossier_at(S.SCORED, points="72.00", stars=4, round_=first.round)
    svc.recognise(officer, first.round, "9/QĐ-UBND", DECIDED, "", [first])
    with pytest.raises(ValidationError) as exc:
        svc.recognise(officer, first.round, "9/QĐ-UBND", DECIDED, "", [second])
    assert "number" in exc.value.error_dict
    with pytest.raises(ValidationError) as exc:
        svc.recognise(officer, first.round, "10/QĐ-UBND", datetime.date(2099, 1, 1), "", [second])
    assert "date" in exc.value.error_dict
    second.refresh_from_db()
    assert second.status == S.SCORED


def test_new_certificate_supersedes_the_previous_one():
    officer = province_officer()
    first = dossier_at(S.SCORED, points="60.00", stars=3)
    svc.recognise(officer, first.round, "1/QĐ-UBND", datetime.date(2026, 1, 10), "", [first])
    old = Certificate.objects.get(dossier=first)
    upgrade = dossier_at(S.SCORED, points="80.00", stars=4, product=first.product, round_=first.round)
    svc.recognise(officer, first.round, "2/QĐ-UBND", DECIDED, "", [upgrade])
    new = Certificate.objects.get(dossier=upgrade)
    old.refresh_from_db()
    assert old.status == CertificateStatus.SUPERSEDED and old.superseded_by == new
    assert new.status == CertificateStatus.VALID


# -------------------------------------------------------------------------------- forward / Ministry


def test_forward_at_90_points_and_refused_below():
    officer = province_officer()
    high = dossier_at(S.SCORED, points="90.00", stars=5)
    moved = svc.forward(officer, high)
    assert moved.status == S.AT_MINISTRY and moved.forwarded_at is not None
    low = dossier_at(S.SCORED, points="89.99", stars=4)
    with pytest.raises(ValidationError):
        svc.forward(officer, low)
    low.refresh_from_db()
    assert low.status == S.SCORED and low.forwarded_at is None
    # 90 points but a 5-star mark missed: 4 stars, recognised by the province instead.
    marks = dossier_at(S.SCORED, points="91.00", stars=4)
    assert not svc.forwardable(marks) and svc.recognisable_by_province(marks)


def test_forward_refused_to_others():
    high = dossier_at(S.SCORED, points="95.00", stars=5)
    for user in (province_officer("01"), make_user(Role.COMMUNE_OFFICER), make_user(Role.MINISTRY)):
        with pytest.raises((PermissionDenied, IllegalTransition)):
            svc.forward(user, high)
    high.refresh_from_db()
    assert high.status == S.SCORED and high.forwarded_at is None


def test_central_result_5_stars_by_ministry_only():
    ministry = make_user(Role.MINISTRY)
    officer = province_officer()
    dossier = dossier_at(S.AT_MINISTRY, points="93.00", stars=5)
    with pytest.raises(PermissionDenied):
        svc.record_central(officer, dossier, "92", 5)
    with pytest.raises(ValidationError):
        svc.record_central(ministry, dossier, "85", 5)  # 85 points allow at most 4 stars
    dossier.refresh_from_db()
    assert dossier.status == S.AT_MINISTRY and dossier.central_points is None
    svc.record_central(ministry, dossier, "92.50", 5)
    _backdate_central(dossier)
    dossier.refresh_from_db()
    assert dossier.status == S.CENTRAL_SCORED and dossier.central_points == Decimal("92.50")

    # The province cannot recognise a 5-star central result; the Ministry can.
    with pytest.raises(ValidationError):
        svc.recognise(officer, dossier.round, "5/QĐ-UBND", DECIDED, "", [dossier])
    with pytest.raises(PermissionDenied):
        svc.ministry_recognise(officer, "5/QĐ-BNNMT", DECIDED, "", [dossier])
    dossier.refresh_from_db()
    assert dossier.status == S.CENTRAL_SCORED and not Certificate.objects.exists()

    decision = svc.ministry_recognise(ministry, "5/QĐ-BNNMT", DECIDED, "Bộ trưởng", [dossier])
    assert decision.level == DecisionLevel.MINISTRY
    cert = Certificate.objects.get(dossier=dossier)
    assert (
        cert.stars == 5 and cert.points == Decimal("92.50") and cert.expires_on == datetime.date(2029, 8, 31)
    )
    product = Product.objects.get(pk=dossier.product_id)
    assert product.stars == 5 and product.status == ProductStatus.RATED


def test_central_below_90_goes_back_to_province_on_central_result():
    ministry = make_user(Role.MINISTRY)
    officer = province_officer()
    dossier = dossier_at(S.AT_MINISTRY, points="91.00", stars=5)
    svc.record_central(ministry, dossier, "86.00", 4)
    _backdate_central(dossier)
    dossier.refresh_from_db()
    assert svc.recognisable_by_province(dossier) and not svc.recognisable_by_ministry(dossier)
    with pytest.raises(ValidationError):
        svc.ministry_recognise(ministry, "6/QĐ-BNNMT", DECIDED, "", [dossier])
    svc.recognise(officer, dossier.round, "7/QĐ-UBND", DECIDED, "", [dossier])
    cert = Certificate.objects.get(dossier=dossier)
    assert cert.stars == 4 and cert.points == Decimal("86.00")


def test_central_import_all_or_nothing():
    ministry = make_user(Role.MINISTRY)
    a = dossier_at(S.AT_MINISTRY, points="91.00", stars=5)
    b = dossier_at(S.AT_MINISTRY, points="94.00", stars=5)
    bad = f"receipt_number,points,stars\n{a.receipt_number},92,5\n{b.product_code},abc,5\nNOPE,90,5\n"
    with pytest.raises(ValidationError) as exc:
        svc.import_central(ministry, bad.encode())
    text = " ".join(exc.value.messages)
    assert "3" in text and "4" in text and "NOPE" in text
    assert snapshot(a, b) == [
        (S.AT_MINISTRY, None, a.forwarded_at, None),
        (S.AT_MINISTRY, None, b.forwarded_at, None),
    ]
    good = f"{a.receipt_number};92,5;5\n{b.product_code};88;4\n"
    svc.import_central(ministry, good.encode())
    a.refresh_from_db()
    b.refresh_from_db()
    assert (a.status, a.central_points, a.central_stars) == (S.CENTRAL_SCORED, Decimal("92.50"), 5)
    assert (b.status, b.central_points, b.central_stars) == (S.CENTRAL_SCORED, Decimal("88.00"), 4)


# ----------------------------------------------------------------------------------- not recognised


def test_not_recognised_two_stars_and_refused_for_three():
    officer = province_officer()
    two = dossier_at(S.SCORED, points="42.00", stars=2)
    moved = svc.not_recognise(officer, two)
    assert moved.status == S.NOT_RECOGNISED and not Certificate.objects.exists()
    three = dossier_at(S.SCORED, points="55.00", stars=3)
    with pytest.raises(ValidationError):
        svc.not_recognise(officer, three)
    three.refresh_from_db()
    assert three.status == S.SCORED


def two_star_answers(dossier) -> dict[str, int]:
    """Real answers on the dossier's sheet that total 40–49 points (2 stars by the points band)."""
    from ocop.criteria import engine
    from ocop.criteria.sheets import compiled_sheet

    sheet = compiled_sheet(dossier.sheet)
    answers = {c.code: c.allowed_sorted[0] for c in sheet.criteria}
    for crit in sheet.criteria:
        total = engine.score(sheet, answers, provisional=True).total
        if total >= 40:
            break
        answers[crit.code] = max(p for p in crit.allowed_sorted if total - answers[crit.code] + p < 50)
    assert 40 <= engine.score(sheet, answers, provisional=True).total < 50
    return answers


def test_result_page_shows_why_and_the_next_star(client_of):
    officer = province_officer()
    two = dossier_at(S.SCORED, points="42.00", stars=2)
    answers = two_star_answers(two)
    Dossier.objects.filter(pk=two.pk).update(result={"consolidated": answers, "not_applicable": []})
    svc.not_recognise(officer, two)
    producer_user = make_user(Role.PRODUCER, producer=two.producer)
    response = client_of(producer_user).get(reverse("evaluation:result", args=[two.pk]))
    assert response.status_code == 200
    explained = response.context["explained"]
    assert explained["next"] is not None and explained["next"]["stars"] == 3
    assert explained["next"]["changes"]
    assert response.context["points"] == Decimal("42.00")
    body = response.content.decode()
    assert "42" in body and explained["next"]["changes"][0]["criterion"] in body


def test_result_page_scope(client_of):
    dossier = dossier_at(S.SCORED, points="42.00", stars=2)
    url = reverse("evaluation:result", args=[dossier.pk])
    allowed = [
        make_user(Role.PRODUCER, producer=dossier.producer),
        make_user(Role.COMMUNE_OFFICER, commune=dossier.commune),
        province_officer(),
    ]
    for user in allowed:
        assert client_of(user).get(url).status_code == 200
    for user in (make_user(Role.PRODUCER), province_officer("01"), make_user(Role.MINISTRY)):
        assert client_of(user).get(url).status_code == 404
    assert client_of(make_user(Role.INTEGRATOR)).get(url).status_code == 403
    from django.test import Client

    assert Client().get(url).status_code == 302


# ------------------------------------------------------------------------------------------- pages


def test_decide_page_roles_and_actions(client_of):
    high = dossier_at(S.SCORED, points="95.00", stars=5)
    url = reverse("evaluation:decide", args=[high.pk])
    officer = province_officer()
    assert client_of(officer).get(url).status_code == 200
    for role in (Role.COMMUNE_OFFICER, Role.PRODUCER, Role.COUNCIL_MEMBER, Role.MINISTRY):
        assert client_of(make_user(role)).get(url).status_code == 403
    assert client_of(province_officer("01")).get(url).status_code == 404
    # A forged "not_recognise" on a 5-star dossier changes nothing.
    response = client_of(officer).post(url, {"action": "not_recognise"})
    high.refresh_from_db()
    assert high.status == S.SCORED
    assert response.status_code in (200, 302)
    response = client_of(officer).post(url, {"action": "forward"})
    assert response.status_code == 302
    high.refresh_from_db()
    assert high.status == S.AT_MINISTRY


def test_decide_page_shows_reevaluation_due_date(client_of):
    from ocop.evaluation.models import RequestType

    dossier = dossier_at(S.SCORED, points="75.00", stars=4, request_type=RequestType.REEVALUATION)
    response = client_of(province_officer()).get(reverse("evaluation:decide", args=[dossier.pk]))
    # sent to the province 02/06/2025 (the factory's day) + 45 days
    assert response.context["reevaluation_due"] == datetime.date(2025, 7, 17)
    assert "17/07/2025" in response.content.decode()


def test_decision_create_page(client_of):
    officer = province_officer()
    four = dossier_at(S.SCORED, points="75.00", stars=4)
    two = dossier_at(S.SCORED, points="40.00", stars=2, round_=four.round)
    url = reverse("evaluation:decision_create", args=[four.round.pk])
    response = client_of(officer).get(url)
    assert response.status_code == 200
    assert list(response.context["form"].fields["dossiers"].queryset) == [four]
    for role in (Role.COMMUNE_OFFICER, Role.PRODUCER, Role.COUNCIL_MEMBER, Role.MINISTRY):
        assert client_of(make_user(role)).get(url).status_code == 403
    assert client_of(province_officer("01")).get(url).status_code == 404
    # A forged id of an ineligible dossier is refused, nothing stored.
    response = client_of(officer).post(
        url, {"number": "33/QĐ-UBND", "date": "31/08/2026", "signed_by": "A", "dossiers": [two.pk]}
    )
    assert response.status_code == 200 and not Decision.objects.exists()
    response = client_of(officer).post(
        url, {"number": "33/QĐ-UBND", "date": "31/08/2026", "signed_by": "A", "dossiers": [four.pk]}
    )
    assert response.status_code == 302, response.context["form"].errors if response.context else ""
    decision = Decision.objects.get()
    assert response.url == reverse("evaluation:decision_detail", args=[decision.pk])
    four.refresh_from_db()
    assert four.status == S.RECOGNISED


def test_ministry_pages(client_of):
    ministry = make_user(Role.MINISTRY)
    dossier = dossier_at(S.AT_MINISTRY, points="93.00", stars=5)
    url = reverse("evaluation:central_result", args=[dossier.pk])
    for role in (Role.COMMUNE_OFFICER, Role.PRODUCER, Role.COUNCIL_MEMBER, Role.PROVINCE_OFFICER):
        assert client_of(make_user(role)).get(url).status_code == 403
    client = client_of(ministry)
    assert client.get(url).status_code == 200
    response = client.post(url, {"points": "94", "stars": "5"})
    assert response.status_code == 302
    _backdate_central(dossier)
    dossier.refresh_from_db()
    assert dossier.status == S.CENTRAL_SCORED

    url = reverse("evaluation:ministry_decision")
    assert client.get(url).status_code == 200
    assert client_of(province_officer()).get(url).status_code == 403
    response = client.post(
        url, {"number": "1/QĐ-BNNMT", "date": "31/08/2026", "signed_by": "", "dossiers": [dossier.pk]}
    )
    assert response.status_code == 302
    assert Certificate.objects.get(dossier=dossier).stars == 5

    other = dossier_at(S.AT_MINISTRY, points="93.00", stars=5)
    url = reverse("evaluation:central_import")
    assert client.get(url).status_code == 200
    upload = SimpleUploadedFile("kq.csv", f"{other.receipt_number},91,5\n".encode(), content_type="text/csv")
    assert client.post(url, {"file": upload}).status_code == 302
    other.refresh_from_db()
    assert other.central_points == Decimal("91.00")


def test_decision_list_and_detail(client_of):
    officer = province_officer()
    round_ = RoundFactory()
    url = reverse("evaluation:decision_list")

    def add(n):
        for i in range(n):
            d = dossier_at(S.SCORED, points="75.00", stars=4, round_=round_)
            svc.recognise(officer, round_, f"{Decision.objects.count() + 1}/QĐ-{i}", DECIDED, "", [d])

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    add(2)
    client = client_of(officer)
    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    add(4)
    with CaptureQueriesContext(connection) as large:
        response = client.get(url)
    assert len(response.context["page_obj"].object_list) == 6
    assert len(small.captured_queries) == len(large.captured_queries) <= 8
    assert list(client_of(province_officer("01")).get(url).context["page_obj"].object_list) == []
    for role in (Role.COMMUNE_OFFICER, Role.PRODUCER, Role.COUNCIL_MEMBER):
        assert client_of(make_user(role)).get(url).status_code == 403
    decision = Decision.objects.first()
    detail = reverse("evaluation:decision_detail", args=[decision.pk])
    assert client.get(detail).status_code == 200
    assert client_of(make_user(Role.MINISTRY)).get(detail).status_code == 200
    assert client_of(province_officer("01")).get(detail).status_code == 404


def test_central_90_with_a_missed_mark_is_recognised_4_stars_by_the_province():
    ministry = make_user(Role.MINISTRY)
    dossier = dossier_at(S.AT_MINISTRY, points="92.00", stars=5)
    svc.record_central(ministry, dossier, "91.00", 4)
    _backdate_central(dossier)
    dossier.refresh_from_db()
    assert svc.recognisable_by_province(dossier) and not svc.recognisable_by_ministry(dossier)
    svc.recognise(province_officer(), dossier.round, "8/QĐ-UBND", DECIDED, "", [dossier])
    assert Certificate.objects.get(dossier=dossier).stars == 4


def test_central_two_stars_closed_by_the_province():
    dossier = dossier_at(S.AT_MINISTRY, points="92.00", stars=5)
    svc.record_central(make_user(Role.MINISTRY), dossier, "45.00", 2)
    _backdate_central(dossier)
    dossier.refresh_from_db()
    assert not svc.recognisable_by_province(dossier)
    assert svc.not_recognise(province_officer(), dossier).status == S.NOT_RECOGNISED


def test_result_page_after_recognition_shows_the_certificate(client_of):
    dossier = dossier_at(S.SCORED, points="75.00", stars=4)
    svc.recognise(province_officer(), dossier.round, "11/QĐ-UBND", DECIDED, "", [dossier])
    cert = Certificate.objects.get(dossier=dossier)
    producer_user = make_user(Role.PRODUCER, producer=dossier.producer)
    for language in ("vi", "en"):
        client = client_of(producer_user)
        client.cookies["django_language"] = language
        response = client.get(reverse("evaluation:result", args=[dossier.pk]))
        body = response.content.decode()
        assert response.status_code == 200
        assert cert.number in body and "31/08/2029" in body and "11/QĐ-UBND" in body
    detail = client_of(province_officer()).get(reverse("evaluation:decision_detail", args=[cert.decision_id]))
    assert cert.number in detail.content.decode()


def test_a_ministers_decision_may_list_products_of_several_provinces(client_of):
    from ocop.evaluation.services import decisions as svc
    from tests.factories import ProducerFactory, ProductFactory, commune

    here = dossier_at(S.CENTRAL_SCORED)
    there = dossier_at(
        S.CENTRAL_SCORED, product=ProductFactory(producer=ProducerFactory(commune=commune(province="01")))
    )
    ministry = make_user(Role.MINISTRY)
    decision = svc.ministry_recognise(
        ministry, "88/QĐ-BNNMT", datetime.date(2026, 9, 20), "Bộ trưởng", [here, there]
    )
    assert decision.province_id is None
    assert set(decision.dossiers.values_list("pk", flat=True)) == {here.pk, there.pk}
    # each province's office finds it through its own products
    officer = make_user(Role.PROVINCE_OFFICER)
    page = client_of(officer).get(reverse("evaluation:decision_detail", args=[decision.pk]))
    assert page.status_code == 200


def test_the_ministry_reads_every_decided_dossier_but_not_one_in_progress(client_of):
    from ocop.evaluation.models import Dossier

    decided = dossier_at(S.SCORED, points="75.00", stars=4)
    svc.recognise(province_officer(), decided.round, "71/QĐ-UBND", DECIDED, "", [decided])
    in_progress = dossier_at(S.SCORED, points="72.00", stars=4)
    ministry = make_user(Role.MINISTRY)
    assert set(Dossier.objects.visible_to(ministry)) == {decided}
    client = client_of(ministry)
    assert client.get(reverse("evaluation:result", args=[decided.pk])).status_code == 200
    assert client.get(reverse("evaluation:result", args=[in_progress.pk])).status_code == 404


# ------------------------------------------------------------------------------- central import input


def test_central_import_semicolons_with_decimal_commas_on_every_line():
    ministry = make_user(Role.MINISTRY)
    a = dossier_at(S.AT_MINISTRY, points="91.00", stars=5)
    b = dossier_at(S.AT_MINISTRY, points="94.00", stars=5)
    svc.import_central(ministry, f"{a.receipt_number};92,5;5\n{b.receipt_number};88,5;4\n")
    a.refresh_from_db()
    b.refresh_from_db()
    assert (a.central_points, a.central_stars) == (Decimal("92.50"), 5)
    assert (b.central_points, b.central_stars) == (Decimal("88.50"), 4)


def test_central_import_refuses_a_decimal_comma_in_a_comma_separated_file():
    """`92,5,4` is four columns, not 92 points and 5 stars: refused, in Vietnamese, nothing recorded."""
    ministry = make_user(Role.MINISTRY)
    a = dossier_at(S.AT_MINISTRY, points="91.00", stars=5)
    with pytest.raises(ValidationError) as exc:
        svc.import_central(ministry, f"{a.receipt_number},92,5,4\n".encode())
    assert exc.value.messages == ["Dòng 1: cần đúng ba cột (mã, điểm, hạng sao)."]
    assert snapshot(a) == [(S.AT_MINISTRY, None, a.forwarded_at, None)]
    # Trailing empty cells (as spreadsheets write them) are not a fourth column.
    svc.import_central(ministry, f"{a.receipt_number},92.5,5,,\n".encode())
    a.refresh_from_db()
    assert (a.central_points, a.central_stars) == (Decimal("92.50"), 5)


def test_central_import_by_product_code_finds_the_dossier_at_the_ministry():
    """A product code is shared by all the product's dossiers: the upgrade waiting at the Ministry is
    the one meant, not the product's earlier, recognised dossier."""
    ministry = make_user(Role.MINISTRY)
    earlier = dossier_at(S.RECOGNISED, points="80.00", stars=4)
    waiting = dossier_at(S.AT_MINISTRY, product=earlier.product, points="93.00", stars=5)
    later = dossier_at(S.WITHDRAWN, product=earlier.product)
    Dossier.objects.filter(pk__in=[waiting.pk, later.pk]).update(product_code=earlier.product_code)
    before = snapshot(earlier, later)
    svc.import_central(ministry, f"{earlier.product_code},93,5\n")
    waiting.refresh_from_db()
    assert (waiting.status, waiting.central_points) == (S.CENTRAL_SCORED, Decimal("93.00"))
    assert snapshot(earlier, later) == before


def test_central_import_only_by_the_ministry(client_of):
    """The page is the Ministry's (others 403, anonymous to sign-in); a forged upload changes nothing."""
    from django.test import Client

    dossier = dossier_at(S.AT_MINISTRY, points="93.00", stars=5)
    url = reverse("evaluation:central_import")
    assert Client().get(url).status_code == 302
    before = snapshot(dossier)
    for role in (Role.PROVINCE_OFFICER, Role.COMMUNE_OFFICER, Role.PRODUCER, Role.COUNCIL_MEMBER):
        client = client_of(
            make_user(role, province_id="80") if role == Role.PROVINCE_OFFICER else make_user(role)
        )
        upload = SimpleUploadedFile("kq.csv", f"{dossier.receipt_number},91,5\n".encode())
        assert client.get(url).status_code == 403
        assert client.post(url, {"file": upload}).status_code == 403
        with pytest.raises(PermissionDenied):
            svc.import_central(make_user(role), f"{dossier.receipt_number},91,5\n")
    assert snapshot(dossier) == before


def test_a_decision_recorded_after_its_certificate_ran_out_leaves_the_product_expired():
    """A late-recorded decision whose 36 months are already over: the certificate reads expired, and the
    product says so too (not 'rated' until the nightly run)."""
    from ocop.certificates.services import display_status

    officer = province_officer()
    dossier = dossier_at(S.SCORED, points="75.00", stars=4)
    Dossier.objects.filter(pk=dossier.pk).update(
        closed_at=datetime.datetime(2022, 12, 1, 9, tzinfo=datetime.UTC)
    )
    svc.recognise(officer, dossier.round, "3/QĐ-UBND", datetime.date(2023, 1, 10), "", [dossier])
    cert = Certificate.objects.get(dossier=dossier)
    assert cert.expires_on == datetime.date(2026, 1, 10) and display_status(cert) == "expired"
    product = Product.objects.get(pk=dossier.product_id)
    assert product.stars == 4 and product.status == ProductStatus.EXPIRED
    rating = StarRating.objects.get(product=product)
    assert rating.source == StarRating.Source.EVALUATION and rating.valid_until == cert.expires_on


def test_no_explanation_invented_without_sheets_on_record():
    """A result entered without any sheet (no consolidated answers, no self-assessment): the points band
    is shown, but no unmet marks and no 'way to the next star' computed from nothing."""
    dossier = dossier_at(S.SCORED, points="75.00", stars=4)
    assert not dossier.self_answers and not dossier.result
    explained = svc.explain(dossier)
    assert explained["unmet"] == [] and explained["next"] is None
    assert explained["stars_by_points"] == 4


def test_central_list_scope_roles_and_fixed_queries(client_of):
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    url = reverse("evaluation:central_list")
    client = client_of(make_user(Role.MINISTRY))
    waiting = [dossier_at(S.AT_MINISTRY, points="93.00", stars=5)]
    dossier_at(S.SCORED, points="93.00", stars=5)  # not forwarded: not the Ministry's
    with CaptureQueriesContext(connection) as small:
        response = client.get(url)
    assert [d.pk for d in response.context["page_obj"].object_list] == [d.pk for d in waiting]
    waiting += [dossier_at(S.AT_MINISTRY, points="93.00", stars=5) for _ in range(3)]
    waiting.append(dossier_at(S.CENTRAL_SCORED))
    with CaptureQueriesContext(connection) as large:
        response = client.get(url)
    assert {d.pk for d in response.context["page_obj"].object_list} == {d.pk for d in waiting}
    assert len(small.captured_queries) == len(large.captured_queries)
    assert Client().get(url).status_code == 302
    for role in (Role.PROVINCE_OFFICER, Role.COMMUNE_OFFICER, Role.PRODUCER, Role.COUNCIL_MEMBER):
        assert client_of(make_user(role)).get(url).status_code == 403


def test_an_upgrade_that_does_not_raise_the_stars_closes_and_keeps_the_certificate(client_of):
    from ocop.evaluation.models import RequestType
    from tests.evaluation.test_dossiers import certificate

    officer = province_officer()
    valid_until = DECIDED + datetime.timedelta(days=400)
    same = dossier_at(S.SCORED, points="78.00", stars=4, request_type=RequestType.UPGRADE)
    kept = certificate(same.product, valid_until)  # 4 stars
    higher = dossier_at(S.SCORED, points="78.00", stars=4, request_type=RequestType.UPGRADE)
    lower = certificate(higher.product, valid_until)
    lower.stars = 3
    lower.save()
    assert not svc.recognisable_by_province(same) and svc.not_recognisable(same)
    assert svc.recognisable_by_province(higher) and not svc.not_recognisable(higher)
    page = client_of(officer).get(reverse("evaluation:decide", args=[same.pk])).content.decode()
    assert "sản phẩm giữ giấy chứng nhận đó" in page and 'value="not_recognise"' in page
    with pytest.raises(ValidationError):
        svc.recognise(officer, same.round, "90/QĐ-UBND", DECIDED, "", [same])
    assert svc.not_recognise(officer, same).status == S.NOT_RECOGNISED
    kept.refresh_from_db()
    assert kept.status == CertificateStatus.VALID
