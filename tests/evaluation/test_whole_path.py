"""The whole evaluation path, end to end, through the real services and a few key pages: a producer's
library and dossier, the commune's acceptance (Form 03), the province's check, a council of a chair and
two members scoring on their own, the chair's close, the decision, the certificate (36 months), its
verification page and the public API. One test per outcome (3★, 4★, 5★ via the Ministry, 2★ not
recognised, a returned dossier), then the rules the path must keep: council independence (pages and
API), quorum, the spread rule, working days across Tết, the re-evaluation window's edges, revocation by
the right authority only, and forged POSTs refused with nothing changed.

Nothing here writes a status or a result field directly: only the initial registry data, the users,
the round and the council (through their services) are set up by hand."""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal

import pytest
from dateutil.relativedelta import relativedelta
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from ocop.accounts.models import Role
from ocop.certificates import services as cert_services
from ocop.certificates.models import Certificate, CertificateStatus, RevocationGround
from ocop.core.calendar import default_calendar
from ocop.core.models import AuditEvent
from ocop.core.workdays import library_holidays
from ocop.criteria import engine
from ocop.evaluation import checklist, expiry
from ocop.evaluation.models import (
    Council,
    CouncilMember,
    DocumentKind,
    Dossier,
    EvidenceDocument,
    MemberRole,
    MemberScore,
    RequestType,
    Round,
    RoundKind,
)
from ocop.evaluation.selectors import council as sel
from ocop.evaluation.services import IllegalTransition, library
from ocop.evaluation.services import council as council_svc
from ocop.evaluation.services import decisions as decision_svc
from ocop.evaluation.services import dossiers as ds
from ocop.evaluation.services import review as review_svc
from ocop.evaluation.services import rounds as round_svc
from ocop.evaluation.services import selfassessment as sa
from ocop.evaluation.workflow import DossierStatus as S
from ocop.registry.models import Product, ProductStatus, StarRating
from tests.evaluation.factories import MINIMAL_PDF
from tests.factories import TAY_NINH, ProducerFactory, ProductFactory, make_user

pytestmark = pytest.mark.django_db


def decision_date() -> dt.date:
    """Decisions are dated the day they are recorded (never in the future, never before the scoring)."""
    return timezone.localdate()


def months_later(day: dt.date, months: int = 36) -> dt.date:
    """The same day `months` later, the month's last day when it has none (31/08 → 31/08, 29/02 → 28/02);
    counted by hand, not with the library the service uses."""
    years, month0 = divmod(day.month - 1 + months, 12)
    year, month = day.year + years, month0 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def test_months_later_by_hand():
    assert months_later(dt.date(2026, 8, 31)) == dt.date(2029, 8, 31)
    assert months_later(dt.date(2028, 2, 29)) == dt.date(2031, 2, 28)
    assert months_later(dt.date(2026, 11, 30)) == dt.date(2029, 11, 30)


FORM03 = {
    "local_raw_materials": "Gạo và khoai mì của nông dân trong xã",
    "local_labour": "18 lao động địa phương, 12 là phụ nữ",
    "idea_origin": "Nghề truyền thống của ấp từ năm 1960",
    "local_identity": "Bánh phơi sương đêm, đặc trưng Trảng Bàng",
    "assessment": "Hồ sơ đầy đủ, đề nghị tỉnh đánh giá",
    "completeness_checked": True,
}


# ------------------------------------------------------------------------------------------ answers


def comp_of(product_or_dossier) -> engine.Sheet:
    sheet = getattr(product_or_dossier, "sheet", None)
    if not hasattr(sheet, "criteria_set_id"):
        sheet = sa.sheet_for(product_or_dossier)
    return sa.compiled(sheet)


def answers_for(comp: engine.Sheet, stars: int, *, aim: int | None = None) -> dict[str, int]:
    """A complete answer set the engine scores at exactly `stars` (every criterion answered, none "not
    applicable"). 5★: every top option. Fewer: each criterion at the lowest option meeting its star-N
    mark, then raised criterion by criterion toward `aim` (by default the middle of the N-star band)
    without leaving the band."""
    if stars == 5:
        answers = {c.code: c.allowed_sorted[-1] for c in comp.criteria}
    else:
        low, high = comp.band_min(stars), comp.band_min(stars + 1)
        aim = aim if aim is not None else (low + high) // 2
        answers = {}
        for c in comp.criteria:
            need = c.required_for(stars)
            answers[c.code] = next(p for p in c.allowed_sorted if p >= need)
        total = sum(answers.values())
        for c in comp.criteria:
            for p in sorted(c.allowed_sorted, reverse=True):
                if p > answers[c.code] and total - answers[c.code] + p <= min(aim, high - 1):
                    total += p - answers[c.code]
                    answers[c.code] = p
                    break
    result = engine.score(comp, answers)
    assert result.stars == stars, (stars, result.total, result.marks_stars)
    return answers


def total_of(comp, answers) -> int:
    return engine.score(comp, answers).total


def lowered(comp: engine.Sheet, answers: dict[str, int], by: int) -> dict[str, int]:
    """The same answers with about `by` points taken off (criterion by criterion, never below 0)."""
    out = dict(answers)
    left = by
    for c in comp.criteria:
        if left <= 0:
            break
        for p in c.allowed_sorted:
            if p < out[c.code] and out[c.code] - p <= left:
                left -= out[c.code] - p
                out[c.code] = p
                break
    return out


# ------------------------------------------------------------------------------------------ the world


def pdf_upload(name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, MINIMAL_PDF, content_type="application/pdf")


@dataclass
class World:
    producer_user: object
    producer: object
    product: Product
    commune_officer: object
    province_officer: object
    ministry: object
    round: Round
    council: Council
    chair: CouncilMember
    members: list[CouncilMember]
    docs: dict[str, EvidenceDocument] = field(default_factory=dict)

    @property
    def scorers(self) -> list[CouncilMember]:
        return [self.chair, *self.members]


def make_council(officer, round_: Round, extra_members: int = 2, name: str = "") -> tuple[Council, list]:
    council = council_svc.create_council(
        officer, round_, name=name or f"Hội đồng OCOP tỉnh — {round_.name}", decision_number="12/QĐ-UBND"
    )
    seats = []
    for i in range(extra_members + 1):
        user = make_user(Role.COUNCIL_MEMBER, province_id=round_.province_id)
        role = MemberRole.CHAIR if i == 0 else MemberRole.MEMBER
        seats.append(council_svc.add_member(officer, council, user, role=role, department="Sở Nông nghiệp"))
    return council, seats


def world(*, round_=None, province_officer=None, council=None, seats=None) -> World:
    producer = ProducerFactory(name="Hợp tác xã Bánh tráng Trảng Bàng")
    product = ProductFactory(producer=producer, name_vi="Bánh tráng phơi sương Trảng Bàng")
    producer_user = make_user(Role.PRODUCER, producer=producer)
    commune_officer = make_user(Role.COMMUNE_OFFICER, commune=producer.commune)
    officer = province_officer or make_user(Role.PROVINCE_OFFICER, province_id=TAY_NINH)
    ministry = make_user(Role.MINISTRY)
    round_ = round_ or round_svc.open_round(officer, year=2026, kind=RoundKind.SECOND_HALF)
    if council is None:
        council, seats = make_council(officer, round_)
    return World(
        producer_user=producer_user,
        producer=producer,
        product=product,
        commune_officer=commune_officer,
        province_officer=officer,
        ministry=ministry,
        round=round_,
        council=council,
        chair=seats[0],
        members=seats[1:],
    )


def upload_library(w: World) -> None:
    """The producer uploads every required document of the product's checklist once."""
    group = w.product.classification.group_code
    for kind in checklist.required_kinds(group):
        w.docs[kind] = library.upload(
            w.producer_user,
            w.producer,
            pdf_upload(f"{kind}.pdf"),
            kind=kind,
            title=f"{DocumentKind(kind).label}",
            issuer="Sở Y tế Tây Ninh",
            issued_on=dt.date(2025, 3, 1),
            expires_on=dt.date(2030, 3, 1),
        )


def file_dossier(w: World, stars: int, request_type: str = RequestType.FIRST) -> Dossier:
    """Library, self-assessment, dossier (Forms 01/02, Part III, checklist) — everything but submit."""
    upload_library(w)
    comp = comp_of(w.product)
    sa.save_draft(w.producer_user, w.product, answers_for(comp, stars), [])
    dossier = ds.open_dossier(w.producer_user, w.product, w.round, request_type)
    assert dossier.status == S.DRAFT
    ds.update_form01(w.producer_user, dossier, {"phone": "0276 3812345", "sample_count": 5})
    ds.update_form02(
        w.producer_user,
        dossier,
        {
            "part2": {"raw_materials": "Gạo nàng thơm", "revenue": "1,2 tỷ đồng"},
            "part4": {"future_plan": "Xuất khẩu"},
        },
    )
    ds.take_self_assessment(w.producer_user, dossier)
    for kind, doc in w.docs.items():
        ds.attach(w.producer_user, dossier, doc, kind)
    assert ds.missing(Dossier.objects.get(pk=dossier.pk)) == []
    return Dossier.objects.get(pk=dossier.pk)


def submit(w: World, dossier: Dossier) -> Dossier:
    submitted = ds.submit(w.producer_user, dossier)
    commune = w.producer.commune
    year = submitted.received_on.year
    assert submitted.status == S.SUBMITTED
    assert re.fullmatch(rf"\d+/PĐK-{TAY_NINH}-{commune.pk}-{year}", submitted.receipt_number)
    assert re.fullmatch(rf"{TAY_NINH}-{commune.pk}-\d{{3}}-{year}", submitted.product_code)
    assert Product.objects.get(pk=w.product.pk).ocop_code == submitted.product_code
    assert submitted.commune_deadline == default_calendar().add_working_days(submitted.received_on, 15)
    return submitted


def to_council(w: World, dossier: Dossier) -> Dossier:
    d = review_svc.send_to_province(w.commune_officer, dossier, FORM03)
    assert d.status == S.AT_PROVINCE and d.form03["local_labour"] == FORM03["local_labour"]
    d = review_svc.province_check(w.province_officer, d, note="Hồ sơ đủ")
    assert d.status == S.CHECKED
    d = council_svc.assign(w.province_officer, w.council, d)
    assert d.status == S.IN_COUNCIL and d.council_id == w.council.pk
    return d


def score_all(w: World, dossier: Dossier, sheets: list[dict[str, int]]) -> list[MemberScore]:
    """Each scoring member (members first, the chair last) submits their own sheet."""
    order = [*w.members, w.chair]
    return [
        council_svc.save_sheet(seat.user, dossier, answers=answers, submit=True)
        for seat, answers in zip(order, sheets, strict=True)
    ]


def scored(w: World, stars: int, sheets=None) -> Dossier:
    d = submit(w, file_dossier(w, stars))
    d = to_council(w, d)
    comp = comp_of(d)
    base = answers_for(comp, stars)
    score_all(w, d, sheets or [base, base, base])
    outcome = council_svc.close_scoring(w.chair.user, d)
    assert not outcome.rescored
    d = Dossier.objects.get(pk=d.pk)
    assert d.status == S.SCORED and d.closed_at is not None
    return d


def assert_certificate(w: World, dossier: Dossier, stars: int):
    cert = Certificate.objects.get(dossier=dossier)
    decided = decision_date()
    expires = months_later(decided)
    assert cert.stars == stars
    assert cert.issued_on == decided and cert.decision_date == decided
    assert cert.expires_on == expires
    assert cert.status == CertificateStatus.VALID
    product = Product.objects.get(pk=w.product.pk)
    assert product.stars == stars and product.status == ProductStatus.RATED
    rating = StarRating.objects.filter(product=product).order_by("-id").first()
    assert rating.stars == stars and rating.decision_number == cert.decision_number
    assert rating.valid_until == expires and rating.source == StarRating.Source.EVALUATION
    # The public verification page (the QR code's target) and the public API.
    anonymous = Client()
    page = anonymous.get(reverse("certificates:verify", args=[cert.number]))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-status="valid"' in html
    assert cert.number in html and w.product.name_vi in html and expires.strftime("%d/%m/%Y") in html
    api = anonymous.get(f"/api/v1/certificates/{cert.number}")
    assert api.status_code == 200
    body = api.json()
    assert body["number"] == cert.number and body["status"] == "valid" and body["stars"] == stars
    assert body["expires"] == expires.isoformat()
    listed = anonymous.get("/api/v1/certificates", {"status": "valid"}).json()
    assert cert.number in [c["number"] for c in listed["results"]]
    return cert


# ------------------------------------------------------------------------------------------ whole paths


@pytest.mark.parametrize("stars", [3, 4])
def test_whole_path_province_recognises(stars, client_of):
    w = world()
    d = scored(w, stars)
    assert d.stars == stars
    comp = comp_of(d)
    assert d.points == Decimal(total_of(comp, answers_for(comp, stars)))
    assert not decision_svc.forwardable(d)
    decision = decision_svc.recognise(
        w.province_officer, w.round, f"{stars}01/QĐ-UBND", decision_date(), "Chủ tịch UBND tỉnh", [d]
    )
    d = Dossier.objects.get(pk=d.pk)
    assert d.status == S.RECOGNISED and d.decision_id == decision.pk
    cert = assert_certificate(w, d, stars)
    # The producer reads the result and the certificate on the result page.
    page = client_of(w.producer_user).get(reverse("evaluation:result", args=[d.pk]))
    assert page.status_code == 200 and cert.number in page.content.decode()
    # Every step left its audit event on the dossier.
    actions = [
        (e.changes or {}).get("action", [None, None])[1]
        for e in AuditEvent.objects.filter(object_id=str(d.pk), action=AuditEvent.Action.TRANSITION)
    ]
    for action in ("submit", "send_to_province", "province_check", "assign", "close", "recognise"):
        assert action in actions


def test_whole_path_five_stars_through_the_ministry(client_of):
    w = world()
    d = scored(w, 5)
    assert d.stars == 5 and d.points >= 90
    assert decision_svc.forwardable(d)
    # The province cannot recognise a 5★ result itself.
    with pytest.raises(ValidationError):
        decision_svc.recognise(w.province_officer, w.round, "9/QĐ-UBND", decision_date(), "", [d])
    d = decision_svc.forward(w.province_officer, d)
    assert d.status == S.AT_MINISTRY and d.forwarded_at is not None
    # Only the Ministry records the central council's result.
    with pytest.raises(PermissionDenied):
        decision_svc.record_central(w.province_officer, d, "93.50", 5)
    d = decision_svc.record_central(w.ministry, d, "93.50", 5)
    assert d.status == S.CENTRAL_SCORED and d.central_points == Decimal("93.50") and d.central_stars == 5
    with pytest.raises(PermissionDenied):
        decision_svc.ministry_recognise(w.province_officer, "1/QĐ-BNNMT", decision_date(), "", [d])
    decision = decision_svc.ministry_recognise(
        w.ministry, "15/QĐ-BNNMT", decision_date(), "Bộ trưởng Bộ Nông nghiệp và Môi trường", [d]
    )
    assert decision.level == "ministry"
    d = Dossier.objects.get(pk=d.pk)
    assert d.status == S.RECOGNISED
    cert = assert_certificate(w, d, 5)
    assert cert.points == Decimal("93.50")  # the central council's result, not the province's


def test_whole_path_two_stars_not_recognised_and_the_producer_sees_why(client_of):
    w = world()
    d = scored(w, 2)
    assert d.stars == 2
    # A 2★ result cannot be recognised, nor forwarded.
    with pytest.raises(ValidationError):
        decision_svc.recognise(w.province_officer, w.round, "7/QĐ-UBND", decision_date(), "", [d])
    with pytest.raises(ValidationError):
        decision_svc.forward(w.province_officer, d)
    d = decision_svc.not_recognise(w.province_officer, d, note="Dưới 3 sao")
    assert d.status == S.NOT_RECOGNISED
    assert not Certificate.objects.filter(dossier=d).exists()
    product = Product.objects.get(pk=w.product.pk)
    assert not StarRating.objects.filter(product=product).exists() and not product.stars
    page = client_of(w.producer_user).get(reverse("evaluation:result", args=[d.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="result-why"' in html and 'id="next-star"' in html
    explained = page.context["explained"]
    assert explained["next"]["stars"] == 3
    assert explained["next"]["total_after"] >= 50
    # The API says the same to the producer: closed, 2 stars, no decision.
    result = client_of(w.producer_user).get(f"/api/v1/dossiers/{d.pk}/result").json()
    assert result["closed"] is True and result["stars"] == 2 and result["decision"] is None


def test_whole_path_returned_dossier_keeps_its_numbers(monkeypatch, client_of):
    w = world()
    d = file_dossier(w, 4)
    # The first filing on Tue 1 Sep 2026, the second on Mon 14 Sep 2026: submit takes no `today`, so the
    # day the service reads is set here.
    monkeypatch.setattr(ds, "local_today", lambda: dt.date(2026, 9, 1))
    d = submit(w, d)
    first = {"receipt": d.receipt_number, "code": d.product_code, "received": d.received_on}
    assert d.received_on == dt.date(2026, 9, 1)
    reason = "Thiếu kết quả kiểm nghiệm còn hiệu lực; nhãn chưa ghi hạn dùng."
    # A return without reasons is refused and changes nothing.
    with pytest.raises(ValidationError):
        review_svc.commune_return(w.commune_officer, d, "  ")
    assert Dossier.objects.get(pk=d.pk).status == S.SUBMITTED
    d = review_svc.commune_return(w.commune_officer, d, reason)
    assert d.status == S.RETURNED and d.return_reason == reason
    # The producer sees why on the dossier page.
    page = client_of(w.producer_user).get(reverse("evaluation:dossier_detail", args=[d.pk]))
    assert page.status_code == 200 and "Thiếu kết quả kiểm nghiệm còn hiệu lực" in page.content.decode()
    # … fixes it: a new version of the lab results replaces the old one in the returned dossier.
    new_lab = library.upload(
        w.producer_user,
        w.producer,
        pdf_upload("kiem-nghiem-2026.pdf"),
        kind=DocumentKind.LAB_RESULT,
        title="Kết quả kiểm nghiệm 2026",
        issued_on=dt.date(2026, 9, 5),
        expires_on=dt.date(2027, 9, 5),
        replaces=w.docs[DocumentKind.LAB_RESULT],
    )
    assert d.attachments.filter(document=new_lab, kind=DocumentKind.LAB_RESULT).exists()
    ds.update_form01(w.producer_user, d, {"phone": "0276 3899999"})
    monkeypatch.setattr(ds, "local_today", lambda: dt.date(2026, 9, 14))
    d = submit(w, Dossier.objects.get(pk=d.pk))
    assert d.receipt_number == first["receipt"] and d.product_code == first["code"]
    assert d.received_on == dt.date(2026, 9, 14) != first["received"]
    assert d.return_reason == ""
    # 15 working days after Mon 14/09/2026 (no holiday in between): Mon 05/10/2026.
    assert d.commune_deadline == dt.date(2026, 10, 5)
    monkeypatch.undo()
    # … and on to recognition.
    d = to_council(w, d)
    comp = comp_of(d)
    base = answers_for(comp, 4)
    score_all(w, d, [base, base, base])
    council_svc.close_scoring(w.chair.user, d)
    d = Dossier.objects.get(pk=d.pk)
    assert d.status == S.SCORED and d.stars == 4
    decision_svc.recognise(w.province_officer, w.round, "44/QĐ-UBND", decision_date(), "", [d])
    assert_certificate(w, Dossier.objects.get(pk=d.pk), 4)


# ------------------------------------------------------------------------------------------ council rules


def test_council_independence_through_pages_and_api(client_of):
    w = world()
    d = to_council(w, submit(w, file_dossier(w, 4)))
    comp = comp_of(d)
    member_a, member_b = w.members
    secret = "GHI-CHÚ-RIÊNG-CỦA-A"
    answers_a = answers_for(comp, 4, aim=83)
    code = comp.criteria[0].code
    sheet_a = council_svc.save_sheet(
        member_a.user, d, answers=answers_a, submit=True, comments={code: secret}
    )
    total_a = str(sheet_a.total)
    b = client_of(member_b.user)
    for url in (
        reverse("evaluation:score", args=[d.pk]),
        reverse("evaluation:scoring", args=[d.pk]),
        reverse("evaluation:discussion", args=[d.pk]),
        reverse("evaluation:dossier_detail", args=[d.pk]),
    ):
        response = b.get(url)
        assert response.status_code == 200, url
        assert secret not in response.content.decode(), url
    for url in (f"/api/v1/dossiers/{d.pk}", f"/api/v1/dossiers/{d.pk}/result"):
        response = b.get(url)
        assert response.status_code == 200, url
        assert secret not in response.content.decode()
    result = b.get(f"/api/v1/dossiers/{d.pk}/result").json()
    assert result["member_scores"] == [] and result["points"] is None and result["closed"] is False
    # Member A sees only its own sheet, the chair none yet.
    own = client_of(member_a.user).get(f"/api/v1/dossiers/{d.pk}/result").json()["member_scores"]
    assert [(s["own"], s["total"]) for s in own] == [(True, float(total_a))]
    assert client_of(w.chair.user).get(f"/api/v1/dossiers/{d.pk}/result").json()["member_scores"] == []
    # Nor the province before the close (it sees how many, never what).
    province = client_of(w.province_officer).get(f"/api/v1/dossiers/{d.pk}/result").json()
    assert province["member_scores"] == [] and province["points"] is None
    # Not through the service either.
    assert not sel.visible_scores(member_b.user, d).exists()
    # B and the chair score; the chair closes; now every sheet is visible to the council.
    answers_b = answers_for(comp, 4, aim=80)
    council_svc.save_sheet(member_b.user, d, answers=answers_b, submit=True)
    council_svc.save_sheet(w.chair.user, d, answers=answers_b, submit=True)
    council_svc.close_scoring(w.chair.user, d)
    result = b.get(f"/api/v1/dossiers/{d.pk}/result").json()
    assert result["closed"] is True
    assert sorted(s["total"] for s in result["member_scores"]) == sorted(
        [float(total_a), float(total_of(comp, answers_b)), float(total_of(comp, answers_b))]
    )
    page = b.get(reverse("evaluation:scoring", args=[d.pk]))
    assert str(member_a.user) in page.content.decode()
    assert sheet_a.pk in {s.pk for _r, sheets in page.context["rounds"] for s in sheets}


def test_quorum_two_of_four_refused_and_nothing_changes():
    officer = make_user(Role.PROVINCE_OFFICER, province_id=TAY_NINH)
    round_ = round_svc.open_round(officer, year=2026, kind=RoundKind.SECOND_HALF)
    council, seats = make_council(officer, round_, extra_members=3)
    w = world(round_=round_, province_officer=officer, council=council, seats=seats)
    d = to_council(w, submit(w, file_dossier(w, 4)))
    answers = answers_for(comp_of(d), 4)
    council_svc.save_sheet(w.chair.user, d, answers=answers, submit=True)
    council_svc.save_sheet(w.members[0].user, d, answers=answers, submit=True)
    before = Dossier.objects.filter(pk=d.pk).values().get()
    events = AuditEvent.objects.count()
    with pytest.raises(ValidationError) as excinfo:
        council_svc.close_scoring(w.chair.user, d)
    assert [e.code for e in excinfo.value.error_list] == ["quorum_not_met"]
    assert Dossier.objects.filter(pk=d.pk).values().get() == before
    assert AuditEvent.objects.count() == events
    # The third sheet (3 of 4 = 75 %) meets the quorum.
    council_svc.save_sheet(w.members[1].user, d, answers=answers, submit=True)
    assert council_svc.close_scoring(w.chair.user, d).dossier.status == S.SCORED


def test_spread_over_ten_sends_back_and_both_rounds_are_kept(client_of):
    w = world()
    d = to_council(w, submit(w, file_dossier(w, 4)))
    comp = comp_of(d)
    high = answers_for(comp, 5)  # about 100
    low = answers_for(comp, 4, aim=75)
    assert total_of(comp, high) - total_of(comp, low) > 10
    score_all(w, d, [high, low, low])
    outcome = council_svc.close_scoring(w.chair.user, d)
    assert outcome.rescored and outcome.combined.spread > 10
    d = Dossier.objects.get(pk=d.pk)
    assert d.status == S.RESCORING and d.scoring_round == 2 and d.closed_at is None and d.points is None
    # The discussion shows where the sheets differ, without names before the close.
    page = client_of(w.members[1].user).get(reverse("evaluation:discussion", args=[d.pk]))
    assert page.status_code == 200 and page.context["rows"] and page.context["names"] is False
    assert str(w.members[0].user) not in page.content.decode()
    # Round two: the members agree within the limit; the chair closes.
    close = answers_for(comp, 4, aim=78)
    score_all(w, d, [close, close, low])
    outcome = council_svc.close_scoring(w.chair.user, d)
    assert not outcome.rescored
    d = Dossier.objects.get(pk=d.pk)
    assert d.status == S.SCORED and d.result["scoring_round"] == 2 and d.result["spread"] <= 10
    rows = MemberScore.objects.filter(dossier=d)
    assert sorted(rows.values_list("scoring_round", flat=True)) == [1, 1, 1, 2, 2, 2]
    assert all(r.submitted_at is not None and r.total is not None for r in rows)
    assert rows.get(scoring_round=1, member=w.members[0]).total == total_of(comp, high)


# ------------------------------------------------------------------------------------------ dates


def test_working_day_deadline_across_tet_2027(monkeypatch, client_of):
    # The holidays package (checked here so a change of it shows up): Thu 4 Feb 2027 (29 Tết, the day off
    # for Tết's first day on a Saturday) to Wed 10 Feb 2027 (mùng năm).
    days_off = library_holidays(2027)
    for day in range(4, 11):
        assert dt.date(2027, 2, day) in days_off
    assert dt.date(2027, 2, 3) not in days_off and dt.date(2027, 2, 11) not in days_off
    w = world()
    d = file_dossier(w, 4)
    # Received Wed 3 Feb 2027, the last working day before Tết (submit reads the day itself).
    monkeypatch.setattr(ds, "local_today", lambda: dt.date(2027, 2, 3))
    d = submit(w, d)
    assert d.received_on == dt.date(2027, 2, 3)
    assert d.receipt_number.endswith(f"-{w.producer.commune_id}-2027")
    # Working days: Thu 11, Fri 12 (2), 15–19 Feb (7), 22–26 Feb (12), Mon 1, Tue 2, Wed 3 Mar (15).
    assert d.commune_deadline == dt.date(2027, 3, 3)
    # Without the Tết holidays it would have been Wed 24 Feb.
    monkeypatch.undo()
    page = client_of(w.commune_officer).get(reverse("evaluation:commune_review", args=[d.pk]))
    assert page.status_code == 200 and "03/03/2027" in page.content.decode()
    assert page.context["due"]["deadline"] == dt.date(2027, 3, 3)
    assert review_svc.deadline_info(d.commune_deadline, dt.date(2027, 2, 10))["days_left"] == 15
    assert review_svc.deadline_info(d.commune_deadline, dt.date(2027, 3, 4))["overdue"] is True


def recognised_world(stars: int = 4) -> tuple[World, Dossier, Certificate]:
    w = world()
    d = scored(w, stars)
    decision_svc.recognise(w.province_officer, w.round, f"{stars}9/QĐ-UBND", decision_date(), "", [d])
    d = Dossier.objects.get(pk=d.pk)
    return w, d, Certificate.objects.get(dossier=d)


def test_reevaluation_window_edges(monkeypatch, client_of):
    w, _first, cert = recognised_world(4)
    expires = cert.expires_on
    assert expires == months_later(decision_date())

    # open_dossier reads today itself (no `today` parameter): the day is set here for each edge.
    def on(day: dt.date):
        monkeypatch.setattr(ds, "local_today", lambda: day)

    # 181 days before expiry: too early, nothing opened.
    on(expires - dt.timedelta(days=181))
    count, events = Dossier.objects.count(), AuditEvent.objects.count()
    with pytest.raises(ValidationError) as excinfo:
        ds.open_dossier(w.producer_user, w.product, w.round, RequestType.REEVALUATION)
    opens = (expires - dt.timedelta(days=180)).strftime("%d/%m/%Y")
    assert f"từ ngày {opens}" in str(excinfo.value)  # the window opens 180 days before expiry
    assert Dossier.objects.count() == count and AuditEvent.objects.count() == events
    # 180 and 120 days before: allowed, no warning (each withdrawn to try the next edge).
    for days in (180, 120):
        on(expires - dt.timedelta(days=days))
        d = ds.open_dossier(w.producer_user, w.product, w.round, RequestType.REEVALUATION)
        assert d.status == S.DRAFT and d.previous_id == _first.pk
        assert ds.window_warning(ds.reevaluation_window(w.product)) == ""
        ds.withdraw(w.producer_user, d)
    # 119 days before: late — allowed, with the warning that the certificate is kept while pending.
    on(expires - dt.timedelta(days=119))
    info = ds.reevaluation_window(w.product)
    assert info.state == "late" and info.closes == expires - dt.timedelta(days=120)
    warning = ds.window_warning(info)
    closes = (expires - dt.timedelta(days=120)).strftime("%d/%m/%Y")
    assert cert.number in warning and closes in warning  # the window closed 120 days before expiry
    response = client_of(w.producer_user).post(
        reverse("evaluation:dossier_open", args=[w.product.pk]),
        {"round": w.round.pk, "request_type": RequestType.REEVALUATION},
        follow=True,
    )
    assert response.status_code == 200
    late = Dossier.objects.get(product=w.product, status=S.DRAFT)
    assert late.request_type == RequestType.REEVALUATION
    assert any(cert.number in str(m) for m in response.context["messages"])
    # The late filer submits (the copy carries the documents and Part III) and keeps the certificate past
    # its expiry while the decision is pending, at most 180 days.
    late = ds.submit(w.producer_user, late)
    assert late.status == S.SUBMITTED and late.receipt_number
    monkeypatch.undo()
    counts = expiry.expire_certificates(today=expires + dt.timedelta(days=1))
    assert counts["kept_valid"] == 1 and counts["expired"] == 0
    cert.refresh_from_db()
    assert cert.status == CertificateStatus.VALID and cert.grace_until == expires + dt.timedelta(days=180)


def test_revocation_by_the_wrong_authority_is_refused(client_of):
    w, d, cert = recognised_world(4)
    today = timezone.localdate()
    finding = today - dt.timedelta(days=5)
    other_province = make_user(Role.PROVINCE_OFFICER, province_id="01")
    wrong = [w.ministry, other_province, w.commune_officer, w.producer_user, w.chair.user]
    before = Certificate.objects.filter(pk=cert.pk).values().get()
    events = AuditEvent.objects.count()
    for user in wrong:
        with pytest.raises(PermissionDenied):
            cert_services.revoke(
                user,
                cert,
                ground=RevocationGround.values[0],
                reason="Vi phạm an toàn thực phẩm",
                decision_number="99/QĐ-UBND",
                finding_date=finding,
                today=today,
            )
    # Through the page as well: a role that never may → 403, another province → 403/404.
    url = reverse("certificates:revoke", args=[cert.number])
    post = {
        "ground": RevocationGround.values[0],
        "reason": "Vi phạm",
        "decision_number": "99/QĐ-UBND",
        "finding_date": "2026-11-15",
    }
    for user in wrong:
        assert client_of(user).post(url, post).status_code in (403, 404)
    assert Certificate.objects.filter(pk=cert.pk).values().get() == before
    assert AuditEvent.objects.count() == events
    # The province's own officer revokes; the public page shows the reason.
    revoked = cert_services.revoke(
        w.province_officer,
        cert,
        ground=RevocationGround.values[0],
        reason="Vi phạm an toàn thực phẩm theo biên bản kiểm tra",
        decision_number="99/QĐ-UBND",
        finding_date=finding,
        today=today,
    )
    assert revoked.status == CertificateStatus.REVOKED
    html = Client().get(reverse("certificates:verify", args=[cert.number])).content.decode()
    assert 'data-status="revoked"' in html and "Vi phạm an toàn thực phẩm theo biên bản kiểm tra" in html
    assert Client().get(f"/api/v1/certificates/{cert.number}").json()["status"] == "revoked"


def test_five_star_certificate_is_revoked_by_the_ministry_only():
    w = world()
    d = decision_svc.forward(w.province_officer, scored(w, 5))
    d = decision_svc.record_central(w.ministry, d, "95", 5)
    decision_svc.ministry_recognise(w.ministry, "16/QĐ-BNNMT", decision_date(), "", [d])
    cert = Certificate.objects.get(dossier=d)
    before = Certificate.objects.filter(pk=cert.pk).values().get()
    with pytest.raises(PermissionDenied):
        cert_services.revoke(
            w.province_officer,
            cert,
            ground=RevocationGround.values[0],
            reason="x",
            decision_number="1/QĐ-UBND",
            finding_date=timezone.localdate() - dt.timedelta(days=5),
        )
    assert Certificate.objects.filter(pk=cert.pk).values().get() == before
    cert_services.revoke(
        w.ministry,
        cert,
        ground=RevocationGround.values[0],
        reason="Sai phạm",
        decision_number="2/QĐ-BNNMT",
        finding_date=timezone.localdate() - dt.timedelta(days=5),
    )
    assert Certificate.objects.get(pk=cert.pk).status == CertificateStatus.REVOKED


# ------------------------------------------------------------------------------------------ forged POSTs


def snapshot(*objects) -> list[dict]:
    return [type(o).objects.filter(pk=o.pk).values().get() for o in objects]


def test_forged_posts_are_refused_and_change_nothing(client_of):
    w = world()
    d = to_council(w, submit(w, file_dossier(w, 4)))
    comp = comp_of(d)
    answers = answers_for(comp, 4)
    form_answers = {f"c-{code}": str(points) for code, points in answers.items()}

    # Another producer's dossier id (draft of producer A, seen by producer B).
    other = world(
        round_=w.round, province_officer=w.province_officer, council=w.council, seats=[w.chair, *w.members]
    )
    draft = Dossier.objects.get(pk=file_dossier(other, 4).pk)
    intruder = client_of(w.producer_user)
    rows_before, events = snapshot(draft), AuditEvent.objects.count()
    attachments = draft.attachments.count()
    for url, data in (
        (reverse("evaluation:dossier_submit", args=[draft.pk]), {}),
        (reverse("evaluation:dossier_withdraw", args=[draft.pk]), {}),
        (
            reverse("evaluation:dossier_form01", args=[draft.pk]),
            {"producer_name": "Giả mạo", "sample_count": 9},
        ),
        (reverse("evaluation:dossier_form02", args=[draft.pk]), {"revenue": "0"}),
        (
            reverse("evaluation:dossier_attachments", args=[draft.pk]),
            {"op": "attach", "document": w.docs[DocumentKind.LABEL].pk, "kind": DocumentKind.LABEL},
        ),
        (reverse("evaluation:dossier_take_self", args=[draft.pk]), {}),
    ):
        assert intruder.post(url, data).status_code == 404, url
    # … and producer A's own document id posted into B's dossier by B is refused by the service.
    with pytest.raises(ValidationError):
        ds.attach(other.producer_user, draft, w.docs[DocumentKind.LABEL], DocumentKind.LABEL)
    with pytest.raises(PermissionDenied):
        ds.submit(w.producer_user, draft)
    assert snapshot(draft) == rows_before and draft.attachments.count() == attachments
    assert AuditEvent.objects.count() == events

    # An unassigned council member (seated on another council of the round) scoring.
    stranger_council, stranger_seats = make_council(w.province_officer, w.round, name="Hội đồng khác")
    stranger = stranger_seats[0].user
    events = AuditEvent.objects.count()
    response = client_of(stranger).post(
        reverse("evaluation:score", args=[d.pk]), {**form_answers, "submit": "1"}
    )
    assert response.status_code == 404
    assert (
        client_of(stranger).post(reverse("evaluation:scoring", args=[d.pk]), {"action": "close"}).status_code
        == 404
    )
    with pytest.raises(PermissionDenied):
        council_svc.save_sheet(stranger, d, answers=answers, submit=True)
    assert not MemberScore.objects.filter(dossier=d).exists()
    assert AuditEvent.objects.count() == events

    # A member who is not the chair cannot close.
    response = client_of(w.members[0].user).post(
        reverse("evaluation:scoring", args=[d.pk]), {"action": "close"}
    )
    assert response.status_code == 403

    # Score through the page, then close: the dossier is closed.
    for seat in [*w.members, w.chair]:
        response = client_of(seat.user).post(
            reverse("evaluation:score", args=[d.pk]), {**form_answers, "submit": "1"}
        )
        assert response.status_code == 302, response.content.decode()[:500]
    response = client_of(w.chair.user).post(reverse("evaluation:scoring", args=[d.pk]), {"action": "close"})
    assert response.status_code == 302
    d = Dossier.objects.get(pk=d.pk)
    assert d.status == S.SCORED and d.stars == 4

    # A closed dossier: scoring again, closing again, editing the forms, returning — all refused.
    sheets = list(MemberScore.objects.filter(dossier=d).order_by("pk").values())
    rows_before, events = snapshot(d), AuditEvent.objects.count()
    lower = {f"c-{code}": str(points) for code, points in answers_for(comp, 3).items()}
    response = client_of(w.members[0].user).post(
        reverse("evaluation:score", args=[d.pk]), {**lower, "submit": "1"}
    )
    assert response.status_code == 409
    response = client_of(w.chair.user).post(reverse("evaluation:scoring", args=[d.pk]), {"action": "close"})
    assert response.status_code == 400
    producer_user = client_of(w.producer_user)
    # A complete, valid Form 01 (so the refusal is the service's, not the form's).
    form01 = {k: v for k, v in d.form01.items() if v is not None}
    form01.update(producer_name="Đổi sau khi đóng", sample_count=5)
    response = producer_user.post(reverse("evaluation:dossier_form01", args=[d.pk]), form01)
    assert response.status_code == 302
    assert producer_user.post(reverse("evaluation:dossier_submit", args=[d.pk])).status_code == 302
    response = client_of(w.commune_officer).post(
        reverse("evaluation:commune_review", args=[d.pk]), {"action": "return", "return-reason": "Trả lại"}
    )
    assert response.status_code in (302, 404)
    with pytest.raises(IllegalTransition):
        council_svc.save_sheet(w.members[0].user, d, answers=answers, submit=True)
    with pytest.raises(IllegalTransition):
        council_svc.close_scoring(w.chair.user, d)
    with pytest.raises(IllegalTransition):
        ds.update_form01(w.producer_user, d, {"producer_name": "x"})
    with pytest.raises((IllegalTransition, PermissionDenied)):
        review_svc.commune_return(w.commune_officer, d, "Trả lại")
    assert snapshot(d) == rows_before
    assert list(MemberScore.objects.filter(dossier=d).order_by("pk").values()) == sheets
    assert AuditEvent.objects.count() == events


def test_a_decision_cannot_predate_the_councils_result():
    w = world()
    d = scored(w, 4)
    closed_on = timezone.localtime(d.closed_at).date()
    long_ago = closed_on - relativedelta(years=4)
    before, events = snapshot(d), AuditEvent.objects.count()
    with pytest.raises(ValidationError):
        decision_svc.recognise(w.province_officer, w.round, "1/QĐ-UBND", long_ago, "", [d])
    assert snapshot(d) == before and AuditEvent.objects.count() == events
    assert not Certificate.objects.filter(dossier=d).exists()
