"""Dossier services: opening (rules, copies), editing, attachments, submission (numbers, deadline across
Tết), the freeze after submission, withdrawal — and that every refusal changes nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from hypothesis import given
from hypothesis import strategies as st

from ocop.accounts.models import Role
from ocop.certificates.models import Certificate
from ocop.core.models import AuditEvent, Counter
from ocop.core.workdays import WorkCalendar
from ocop.evaluation import checklist
from ocop.evaluation.models import (
    DocumentKind,
    Dossier,
    DossierAttachment,
    RequestType,
    RoundStatus,
    SelfAssessment,
)
from ocop.evaluation.services import IllegalTransition
from ocop.evaluation.services import dossiers as ds
from ocop.evaluation.services import selfassessment as sa
from ocop.evaluation.workflow import DossierStatus as S
from ocop.registry.models import Product
from tests.evaluation.factories import RoundFactory, document, dossier_at
from tests.factories import ProducerFactory, ProductFactory, make_user, other_commune

pytestmark = pytest.mark.django_db


# ------------------------------------------------------------------------------------------ helpers


def full_answers(product) -> dict[str, int]:
    comp = sa.compiled(sa.sheet_for(product))
    return {c.code: c.allowed_sorted[-1] for c in comp.criteria}


def self_assess(product, answers=None):
    sheet = sa.sheet_for(product)
    return SelfAssessment.objects.create(
        product=product, sheet=sheet, answers=answers if answers is not None else full_answers(product)
    )


def required_docs(dossier_or_product, user=None):
    product = getattr(dossier_or_product, "product", dossier_or_product)
    docs = []
    for kind in checklist.required_kinds(product.classification.group_code):
        docs.append(document(product.producer, kind, expires_on=dt.date(2030, 1, 1)))
    return docs


def ready_dossier(user=None, product=None, round_=None):
    """An open draft whose required documents and Part III are complete."""
    product = product or ProductFactory(producer=ProducerFactory())
    user = user or make_user(Role.PRODUCER, producer=product.producer)
    round_ = round_ or RoundFactory(province_id=product.producer.commune.province_id)
    self_assess(product)
    dossier = ds.open_dossier(user, product, round_, RequestType.FIRST)
    for doc in required_docs(product):
        ds.attach(user, dossier, doc, doc.kind)
    return user, dossier


def certificate(product, expires_on, status="valid"):
    return Certificate.objects.create(
        number=f"{product.pk}/CN-OCOP",
        product=product,
        producer=product.producer,
        province_id=product.producer.commune.province_id,
        decision_number="1/QĐ-UBND",
        decision_date=expires_on - dt.timedelta(days=3 * 365),
        stars=4,
        product_name=product.name_vi,
        producer_name=product.producer.name,
        issued_on=expires_on - dt.timedelta(days=3 * 365),
        expires_on=expires_on,
        status=status,
    )


def row(obj):
    """The stored row as a dict (to compare before/after a refused action)."""
    return type(obj).objects.filter(pk=obj.pk).values().get()


# ------------------------------------------------------------------------------------------ opening


def test_open_prefills_form01_form02_and_part3_from_the_registry_and_self_assessment():
    product = ProductFactory(producer=ProducerFactory(phone="0276 3812345"))
    user = make_user(Role.PRODUCER, producer=product.producer)
    draft = self_assess(product)
    round_ = RoundFactory()
    dossier = ds.open_dossier(user, product, round_, RequestType.FIRST)
    assert dossier.status == S.DRAFT
    assert dossier.producer == product.producer and dossier.commune == product.producer.commune
    assert dossier.form01["producer_name"] == product.producer.name
    assert dossier.form01["representative_name"] == "Nguyễn Thị Hoa"
    assert dossier.form01["product_name"] == product.name_vi
    assert dossier.form01["product_set"].startswith("I.3.a")
    assert dossier.form01["sheet"] == product.sheet
    assert dossier.form01["phone"] == "0276 3812345"
    assert dossier.form02["part1"]["representative_ethnicity"] == "Kinh"
    assert dossier.self_answers == draft.answers
    assert dossier.sample_count == 5
    assert AuditEvent.objects.filter(object_id=str(dossier.pk), action=AuditEvent.Action.CREATE).exists()


def test_commune_officer_may_open_for_an_producer_of_its_commune_only():
    product = ProductFactory(producer=ProducerFactory())
    officer = make_user(Role.COMMUNE_OFFICER, commune=product.producer.commune)
    assert ds.open_dossier(officer, product, RoundFactory(), RequestType.FIRST).pk
    product2 = ProductFactory(producer=ProducerFactory())
    other = make_user(Role.COMMUNE_OFFICER, commune=other_commune(product2.producer.commune))
    with pytest.raises(PermissionDenied):
        ds.open_dossier(other, product2, RoundFactory(), RequestType.FIRST)
    assert not Dossier.objects.filter(product=product2).exists()


@pytest.mark.parametrize("role", [Role.PROVINCE_OFFICER, Role.COUNCIL_MEMBER, Role.MINISTRY])
def test_other_roles_cannot_open(role):
    product = ProductFactory()
    with pytest.raises(PermissionDenied):
        ds.open_dossier(make_user(role), product, RoundFactory(), RequestType.FIRST)
    assert not Dossier.objects.exists()


def test_another_producer_cannot_open():
    product = ProductFactory()
    with pytest.raises(PermissionDenied):
        ds.open_dossier(make_user(Role.PRODUCER), product, RoundFactory(), RequestType.FIRST)
    assert not Dossier.objects.exists()


def test_round_must_be_open_and_of_the_products_province():
    product = ProductFactory()
    user = make_user(Role.PRODUCER, producer=product.producer)
    closed = RoundFactory(status=RoundStatus.CLOSED)
    with pytest.raises(ValidationError, match="đã đóng"):
        ds.open_dossier(user, product, closed, RequestType.FIRST)
    elsewhere = RoundFactory(province_id="01")
    with pytest.raises(ValidationError, match="tỉnh khác"):
        ds.open_dossier(user, product, elsewhere, RequestType.FIRST)
    assert not Dossier.objects.exists()


def test_one_open_dossier_per_product_with_a_clear_message():
    product = ProductFactory()
    user = make_user(Role.PRODUCER, producer=product.producer)
    first = ds.open_dossier(user, product, RoundFactory(), RequestType.FIRST)
    with pytest.raises(ValidationError, match="đang có hồ sơ chưa hoàn tất"):
        ds.open_dossier(user, product, RoundFactory(), RequestType.FIRST)
    assert list(Dossier.objects.filter(product=product)) == [first]
    ds.withdraw(user, first)
    assert ds.open_dossier(user, product, RoundFactory(), RequestType.FIRST).pk != first.pk


def test_tourism_dossier_has_no_samples_and_no_lab_items():
    product = ProductFactory(product_set="VI.1")
    user = make_user(Role.PRODUCER, producer=product.producer)
    dossier = ds.open_dossier(user, product, RoundFactory(), RequestType.FIRST)
    assert dossier.sample_count == 0
    kinds = {i.kind for i in checklist.items_for("VI")}
    assert "lab_result" not in kinds and "food_safety" not in kinds
    assert not checklist.needs_samples("VI") and checklist.needs_samples("I")
    assert "food_safety" in checklist.required_kinds("I") and "food_safety" in checklist.required_kinds("II")


@pytest.mark.parametrize("request_type", [RequestType.UPGRADE, RequestType.REEVALUATION])
def test_upgrade_and_reevaluation_need_a_valid_certificate(request_type):
    product = ProductFactory()
    user = make_user(Role.PRODUCER, producer=product.producer)
    with pytest.raises(ValidationError, match="giấy chứng nhận OCOP còn hiệu lực"):
        ds.open_dossier(user, product, RoundFactory(), request_type)
    certificate(product, dt.date.today() + dt.timedelta(days=150), status="revoked")
    with pytest.raises(ValidationError, match="giấy chứng nhận OCOP còn hiệu lực"):
        ds.open_dossier(user, product, RoundFactory(), request_type)
    assert not Dossier.objects.exists()


def test_reevaluation_window_early_refused_open_allowed_late_warned(monkeypatch):
    product = ProductFactory()
    user = make_user(Role.PRODUCER, producer=product.producer)
    expires = dt.date(2027, 6, 30)
    certificate(product, expires)
    for day, state in (
        (expires - dt.timedelta(days=181), "early"),
        (expires - dt.timedelta(days=180), "open"),
        (expires - dt.timedelta(days=120), "open"),
        (expires - dt.timedelta(days=119), "late"),
    ):
        monkeypatch.setattr(ds, "local_today", lambda day=day: day)
        assert ds.reevaluation_window(product).state == state
    monkeypatch.setattr(ds, "local_today", lambda: expires - dt.timedelta(days=181))
    with pytest.raises(ValidationError, match="Quá sớm"):
        ds.open_dossier(user, product, RoundFactory(), RequestType.REEVALUATION)
    assert not Dossier.objects.exists()
    monkeypatch.setattr(ds, "local_today", lambda: expires - dt.timedelta(days=119))
    dossier = ds.open_dossier(user, product, RoundFactory(), RequestType.REEVALUATION)
    assert "nộp muộn" in ds.window_warning(ds.reevaluation_window(product)).lower()
    assert dossier.request_type == RequestType.REEVALUATION


def test_upgrade_copies_the_last_dossier_and_shows_only_what_changed():
    product = ProductFactory()
    user = make_user(Role.PRODUCER, producer=product.producer)
    old = dossier_at(S.RECOGNISED, product=product)
    old.form01 = ds.form01_from_registry(product, RequestType.FIRST, 5)
    old.form02 = {"part2": {"markets": "Tây Ninh"}, "part4": {"future_plan": "Mở rộng"}}
    old.self_answers = full_answers(product)
    old.save()
    reg = document(product.producer, DocumentKind.BUSINESS_REGISTRATION)
    DossierAttachment.objects.create(dossier=old, document=reg, kind=reg.kind)
    certificate(product, dt.date.today() + dt.timedelta(days=900))
    new = ds.open_dossier(user, product, RoundFactory(), RequestType.UPGRADE)
    assert new.previous == old
    assert new.form02["part2"]["markets"] == "Tây Ninh"
    assert new.self_answers == old.self_answers
    assert list(new.attachments.values_list("document_id", flat=True)) == [reg.pk]
    changes = ds.changes_since_previous(new)
    assert changes.empty
    ds.update_form02(user, new, {"part2": {"markets": "Tây Ninh, TP. Hồ Chí Minh"}})
    lab = document(product.producer, DocumentKind.LAB_RESULT)
    ds.attach(user, new, lab, lab.kind)
    changes = ds.changes_since_previous(Dossier.objects.get(pk=new.pk))
    assert changes.forms == [("Form 02", "part2.markets", "Tây Ninh", "Tây Ninh, TP. Hồ Chí Minh")]
    assert [a.document_id for a in changes.added] == [lab.pk] and changes.removed == []


# ------------------------------------------------------------------------------------------ editing


def test_forms_edit_and_take_self_assessment():
    product = ProductFactory()
    user = make_user(Role.PRODUCER, producer=product.producer)
    dossier = ds.open_dossier(user, product, RoundFactory(), RequestType.FIRST)
    assert dossier.self_answers == {}
    ds.update_form01(user, dossier, {"product_name": "Bánh tráng mới", "sample_count": 6, "evil": "x"})
    dossier.refresh_from_db()
    assert dossier.form01["product_name"] == "Bánh tráng mới" and dossier.sample_count == 6
    assert "evil" not in dossier.form01
    with pytest.raises(ValidationError):
        ds.take_self_assessment(user, dossier)
    draft = self_assess(product)
    ds.take_self_assessment(user, dossier)
    dossier.refresh_from_db()
    assert dossier.self_answers == draft.answers


def test_attach_refuses_another_producers_document_and_archived_versions():
    user, dossier = ready_dossier()
    foreign = document(ProducerFactory())
    before = DossierAttachment.objects.filter(dossier=dossier).count()
    with pytest.raises(ValidationError):
        ds.attach(user, dossier, foreign, foreign.kind)
    archived = document(dossier.producer, DocumentKind.AWARD)
    archived.archived = True
    archived.save()
    with pytest.raises(ValidationError):
        ds.attach(user, dossier, archived, archived.kind)
    assert DossierAttachment.objects.filter(dossier=dossier).count() == before


def test_another_producer_cannot_edit_and_nothing_changes():
    _user, dossier = ready_dossier()
    intruder = make_user(Role.PRODUCER)
    before = row(dossier)
    for call in (
        lambda: ds.update_form01(intruder, dossier, {"product_name": "x"}),
        lambda: ds.update_form02(intruder, dossier, {"part4": {"future_plan": "x"}}),
        lambda: ds.submit(intruder, dossier),
        lambda: ds.take_self_assessment(intruder, dossier),
    ):
        with pytest.raises(PermissionDenied):
            call()
    assert row(dossier) == before


# ------------------------------------------------------------------------------------------ submission


def test_submit_refuses_missing_documents_and_incomplete_part3_listing_what_is_missing():
    product = ProductFactory()
    user = make_user(Role.PRODUCER, producer=product.producer)
    self_assess(product, answers={})
    dossier = ds.open_dossier(user, product, RoundFactory(), RequestType.FIRST)
    before = row(dossier)
    with pytest.raises(ValidationError) as exc:
        ds.submit(user, dossier)
    text = " ".join(exc.value.messages)
    assert "Food-safety facility certificate" in text or "an toàn thực phẩm" in text.lower()
    assert "Part III" in text or "III" in text
    assert row(dossier) == before
    assert not Counter.objects.exists()
    assert Product.objects.get(pk=product.pk).ocop_code == ""


def test_submit_assigns_numbers_and_the_deadline(monkeypatch):
    user, dossier = ready_dossier()
    monkeypatch.setattr(ds, "local_today", lambda: dt.date(2026, 9, 1))
    done = ds.submit(user, dossier)
    province, commune = dossier.commune.province_id, dossier.commune_id
    assert done.status == S.SUBMITTED
    assert done.receipt_number == f"1/PĐK-{province}-{commune}-2026"
    assert done.product_code == f"{province}-{commune}-001-2026"
    assert Product.objects.get(pk=dossier.product_id).ocop_code == done.product_code
    assert done.received_on == dt.date(2026, 9, 1)
    assert done.commune_deadline == dt.date(2026, 9, 23)  # 2/9 National Day (and 1/9 bridge) excluded
    assert done.submitted_at is not None
    # A second product of the same commune gets the next numbers.
    product2 = ProductFactory(producer=ProducerFactory(commune=dossier.commune))
    user2, d2 = ready_dossier(product=product2)
    d2 = ds.submit(user2, d2)
    assert d2.receipt_number == f"2/PĐK-{province}-{commune}-2026"
    assert d2.product_code == f"{province}-{commune}-002-2026"


def test_submission_is_audited_as_the_dossier_submit_step():
    user, dossier = ready_dossier()
    done = ds.submit(user, dossier)
    event = AuditEvent.objects.filter(object_id=str(done.pk), action=AuditEvent.Action.TRANSITION).latest(
        "id"
    )
    assert event.verb == "dossier.submit"
    assert event.actor == user and event.changes["action"] == [None, "submit"]


def test_deadline_across_tet(monkeypatch):
    user, dossier = ready_dossier()
    monkeypatch.setattr(ds, "local_today", lambda: dt.date(2027, 2, 1))
    done = ds.submit(user, dossier)
    # Tết Đinh Mùi: 4–10 Feb 2027 off (weekdays 4, 5, 8, 9, 10), plus weekends → 15 working days = 1 Mar.
    assert done.commune_deadline == dt.date(2027, 3, 1)
    plain = WorkCalendar()
    day, counted = dt.date(2027, 2, 1), 0
    while counted < 15:
        day += dt.timedelta(days=1)
        if plain.is_working_day(day):
            counted += 1
            assert day.weekday() < 5 and day not in {dt.date(2027, 2, d) for d in (4, 5, 8, 9, 10)}
    assert day == done.commune_deadline


def test_product_keeps_its_existing_ocop_code(monkeypatch):
    product = ProductFactory()
    Product.objects.filter(pk=product.pk).update(ocop_code="80-99999-007-2024")
    user, dossier = ready_dossier(product=Product.objects.get(pk=product.pk))
    done = ds.submit(user, dossier)
    assert done.product_code == "80-99999-007-2024"
    assert not Counter.objects.filter(key__startswith="product:").exists()


def test_frozen_after_submit_every_change_refused_nothing_changed():
    user, dossier = ready_dossier()
    dossier = ds.submit(user, dossier)
    before, atts = row(dossier), list(DossierAttachment.objects.filter(dossier=dossier).values())
    extra = document(dossier.producer, DocumentKind.AWARD)
    for call in (
        lambda: ds.update_form01(user, dossier, {"product_name": "x"}),
        lambda: ds.update_form02(user, dossier, {"part4": {"future_plan": "x"}}),
        lambda: ds.take_self_assessment(user, dossier),
        lambda: ds.attach(user, dossier, extra, extra.kind),
        lambda: ds.detach(user, dossier, dossier.attachments.first()),
        lambda: ds.submit(user, dossier),
    ):
        with pytest.raises(IllegalTransition):
            call()
    assert row(dossier) == before
    assert list(DossierAttachment.objects.filter(dossier=dossier).values()) == atts


def test_resubmitting_a_returned_dossier_keeps_numbers_new_deadline(monkeypatch):
    user, dossier = ready_dossier()
    monkeypatch.setattr(ds, "local_today", lambda: dt.date(2026, 9, 1))
    dossier = ds.submit(user, dossier)
    receipt, code = dossier.receipt_number, dossier.product_code
    Dossier.objects.filter(pk=dossier.pk).update(status=S.RETURNED, return_reason="Thiếu phiếu kiểm nghiệm")
    monkeypatch.setattr(ds, "local_today", lambda: dt.date(2026, 10, 5))
    again = ds.submit(user, Dossier.objects.get(pk=dossier.pk))
    assert (again.receipt_number, again.product_code) == (receipt, code)
    assert again.received_on == dt.date(2026, 10, 5)
    assert again.commune_deadline == WorkCalendar().add_working_days(dt.date(2026, 10, 5), 15)
    assert again.return_reason == ""
    last = AuditEvent.objects.filter(object_id=str(dossier.pk), action=AuditEvent.Action.TRANSITION).first()
    assert last.changes["return_reason"] == ["Thiếu phiếu kiểm nghiệm", ""]


def test_commune_officer_submits_on_behalf():
    product = ProductFactory()
    officer = make_user(Role.COMMUNE_OFFICER, commune=product.producer.commune)
    _u, dossier = ready_dossier(user=officer, product=product)
    assert ds.submit(officer, dossier).status == S.SUBMITTED


def test_withdraw_only_by_the_producer():
    user, dossier = ready_dossier()
    officer = make_user(Role.COMMUNE_OFFICER, commune=dossier.commune)
    before = row(dossier)
    with pytest.raises(IllegalTransition):
        ds.withdraw(officer, dossier)
    with pytest.raises(PermissionDenied):
        ds.withdraw(make_user(Role.PRODUCER), dossier)
    assert row(dossier) == before
    assert ds.withdraw(user, dossier).status == S.WITHDRAWN
    with pytest.raises(IllegalTransition):
        ds.withdraw(user, Dossier.objects.get(pk=dossier.pk))


def test_upload_and_attach_is_both_or_neither(settings):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from ocop.evaluation.models import EvidenceDocument
    from tests.evaluation.factories import MINIMAL_PDF

    user, dossier = ready_dossier()
    sibling = ProductFactory(producer=dossier.producer)  # a document about another product cannot be attached
    count = EvidenceDocument.objects.count()
    with pytest.raises(ValidationError):
        ds.upload_and_attach(
            user,
            dossier,
            SimpleUploadedFile("a.pdf", MINIMAL_PDF),
            kind="label",
            title="Nhãn",
            product=sibling,
        )
    assert EvidenceDocument.objects.count() == count
    stored = {p.name for p in (settings.MEDIA_ROOT / "evidence").rglob("*.pdf")}
    assert stored == {d.file.name.rsplit("/", 1)[-1] for d in EvidenceDocument.objects.all()}
    att = ds.upload_and_attach(
        user, dossier, SimpleUploadedFile("b.pdf", MINIMAL_PDF), kind="label", title="Nhãn"
    )
    assert att.dossier == dossier and att.document.producer == dossier.producer


def test_submit_refuses_too_few_samples():
    user, dossier = ready_dossier()
    ds.update_form01(user, dossier, {"sample_count": 2})
    before = row(dossier)
    with pytest.raises(ValidationError, match="5"):
        ds.submit(user, dossier)
    assert row(dossier) == before


# ------------------------------------------------------------------------------------------ checklist (pure)

GROUPS = st.sampled_from(["I", "II", "III", "IV", "V", "VI", None])
KINDS = st.sets(st.sampled_from([k for k, _label in DocumentKind.choices]))


@given(group=GROUPS, attached=KINDS)
def test_checklist_missing_is_exactly_the_required_kinds_not_attached(group, attached):
    missing = checklist.missing(group, attached)
    required = set(checklist.required_kinds(group))
    assert set(missing) == required - attached
    assert len(missing) == len(set(missing))
    rows = checklist.rows(group, attached)
    assert [item.kind for item, _t in rows] == [i.kind for i in checklist.items_for(group)]
    assert all(ticked == (item.kind in attached) for item, ticked in rows)
    assert len({i.kind for i in checklist.items_for(group)}) == len(checklist.items_for(group))
    assert "business_registration" in required
    if group == "VI":
        assert not required & {"lab_result", "food_safety", "quality_declaration", "label"}


def test_form_edits_are_audited_field_by_field():
    from ocop.core import audit

    user, dossier = ready_dossier()
    ds.update_form02(user, dossier, {"part2": {"revenue": "900.000.000"}})
    event = audit.history(dossier).filter(action=AuditEvent.Action.UPDATE).first()
    assert event.changes == {"form02.part2.revenue": ["", "900.000.000"]}
    ds.update_form02(user, dossier, {"part2": {"revenue": "900.000.000"}})  # no change, no event
    assert audit.history(dossier).filter(action=AuditEvent.Action.UPDATE).first() == event


# ------------------------------------------------------------------------------------------ review fixes


@pytest.mark.django_db(transaction=True)
def test_upload_and_attach_on_a_frozen_dossier_is_refused_cleanly_outside_a_transaction(settings):
    """Run in autocommit (as a request is): the frozen check used to lock the row outside a transaction,
    which PostgreSQL refuses with a server error instead of the frozen message."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from ocop.evaluation.models import EvidenceDocument
    from tests.evaluation.factories import MINIMAL_PDF

    user, dossier = ready_dossier()
    dossier = ds.submit(user, dossier)
    before, docs = row(dossier), EvidenceDocument.objects.count()
    with pytest.raises(IllegalTransition):
        ds.upload_and_attach(user, dossier, SimpleUploadedFile("n.pdf", MINIMAL_PDF), kind="label", title="N")
    with pytest.raises(PermissionDenied):
        ds.upload_and_attach(
            make_user(Role.PRODUCER),
            dossier,
            SimpleUploadedFile("n.pdf", MINIMAL_PDF),
            kind="label",
            title="N",
        )
    assert row(dossier) == before and EvidenceDocument.objects.count() == docs
    stored = {p.name for p in (settings.MEDIA_ROOT / "evidence").rglob("*.*")}
    assert stored == {d.file.name.rsplit("/", 1)[-1] for d in EvidenceDocument.objects.all()}


def test_upgrade_form01_takes_the_fixed_entries_from_the_registry_not_the_old_dossier():
    product = ProductFactory()
    user = make_user(Role.PRODUCER, producer=product.producer)
    old = dossier_at(S.RECOGNISED, product=product)
    old.form01 = {
        **ds.form01_from_registry(product, RequestType.FIRST, 5),
        "product_set": "stale group",
        "sheet": 99,
        "sample_count": 7,
        "phone": "0276 999 999",
    }
    old.save()
    certificate(product, dt.date.today() + dt.timedelta(days=900))
    new = ds.open_dossier(user, product, RoundFactory(), RequestType.UPGRADE)
    fresh = ds.form01_from_registry(product, RequestType.UPGRADE, new.sample_count)
    assert new.form01["phone"] == "0276 999 999"  # what the producer typed is copied
    for key in ds.FORM01_FIXED:
        assert new.form01[key] == fresh[key], key
    assert new.form01["sample_count"] == new.sample_count


def test_update_form01_never_takes_the_fixed_entries_and_refuses_a_bad_sample_count():
    product = ProductFactory()
    user = make_user(Role.PRODUCER, producer=product.producer)
    dossier = ds.open_dossier(user, product, RoundFactory(), RequestType.FIRST)
    before = row(dossier)
    ds.update_form01(user, dossier, {"request_type": "Tái đánh giá", "sheet": 1, "product_set": "x"})
    assert row(dossier) == before
    with pytest.raises(ValidationError):
        ds.update_form01(user, dossier, {"sample_count": "năm", "product_name": "x"})
    assert row(dossier) == before
    ds.update_form01(user, dossier, {"sample_count": 6})
    dossier.refresh_from_db()
    assert dossier.sample_count == 6 and dossier.form01["sample_count"] == 6


def test_submit_skips_receipt_numbers_and_product_codes_already_taken(monkeypatch):
    user, dossier = ready_dossier()
    monkeypatch.setattr(ds, "local_today", lambda: dt.date(2026, 9, 1))
    province, commune = dossier.commune.province_id, dossier.commune_id
    # Numbers given before the platform (or by an import) with the same serials.
    older = dossier_at(
        S.RECOGNISED, product=ProductFactory(producer=ProducerFactory(commune=dossier.commune))
    )
    Dossier.objects.filter(pk=older.pk).update(receipt_number=f"1/PĐK-{province}-{commune}-2026")
    Product.objects.filter(pk=older.product_id).update(ocop_code=f"{province}-{commune}-001-2026")
    done = ds.submit(user, dossier)
    assert done.receipt_number == f"2/PĐK-{province}-{commune}-2026"
    assert done.product_code == f"{province}-{commune}-002-2026"


def test_upgrade_copies_the_newest_version_even_when_a_middle_version_was_dropped():
    """A (filed) → B (never filed) → C: B is dropped when C replaces it; the chain must still lead from
    A to C, or the upgrade dossier would start with the archived A."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from ocop.evaluation.models import EvidenceDocument
    from ocop.evaluation.services import library
    from tests.evaluation.factories import MINIMAL_PDF

    product = ProductFactory()
    user = make_user(Role.PRODUCER, producer=product.producer)
    old = dossier_at(S.RECOGNISED, product=product)
    a = document(product.producer, DocumentKind.FOOD_SAFETY)
    DossierAttachment.objects.create(dossier=old, document=a, kind=a.kind)

    def version(replaces):
        pdf = SimpleUploadedFile("attp.pdf", MINIMAL_PDF)
        return library.upload(user, product.producer, pdf, kind=a.kind, title="ATTP", replaces=replaces)

    b = version(a)
    c = version(b)
    assert not EvidenceDocument.objects.filter(pk=b.pk).exists()
    assert EvidenceDocument.objects.get(pk=c.pk).replaces_id == a.pk
    certificate(product, dt.date.today() + dt.timedelta(days=900))
    new = ds.open_dossier(user, product, RoundFactory(), RequestType.UPGRADE)
    assert list(new.attachments.values_list("document_id", flat=True)) == [c.pk]
