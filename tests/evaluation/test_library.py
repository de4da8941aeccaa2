"""The evidence library: content checks, size limit, replacing, editing, expiry flags, who may download."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from ocop.accounts.models import Role
from ocop.evaluation.models import DocumentKind, DossierAttachment, EvidenceDocument
from ocop.evaluation.services import dossiers as ds
from ocop.evaluation.services import library
from ocop.evaluation.workflow import DossierStatus as S
from tests.evaluation.factories import MINIMAL_PDF, RoundFactory, council, document, dossier_at
from tests.factories import ProducerFactory, ProductFactory, image_bytes, make_user, other_commune

pytestmark = pytest.mark.django_db

JS_PDF = MINIMAL_PDF.replace(b"/Type/Catalog", b"/Type/Catalog/OpenAction<</S/JavaScript/JS(app.alert(1))>>")


def pdf(name="giay-phep.pdf", data=MINIMAL_PDF):
    return SimpleUploadedFile(name, data, content_type="application/pdf")


def add(user, producer, upload, **kw):
    kw.setdefault("kind", DocumentKind.BUSINESS_REGISTRATION)
    kw.setdefault("title", "Giấy chứng nhận đăng ký kinh doanh")
    return library.upload(user, producer, upload, **kw)


def test_producer_uploads_a_pdf_stored_with_hash_and_unguessable_name():
    user = make_user(Role.PRODUCER)
    doc = add(user, user.producer, pdf(), issued_on=dt.date(2024, 1, 2), expires_on=dt.date(2029, 1, 2))
    assert doc.content_type == "application/pdf"
    assert doc.sha256 == hashlib.sha256(MINIMAL_PDF).hexdigest()
    assert doc.size == len(MINIMAL_PDF)
    assert doc.original_name == "giay-phep.pdf"
    assert "giay-phep" not in doc.file.name and doc.file.name.startswith(f"evidence/{user.producer_id}/")
    with doc.file.open("rb") as fh:
        assert fh.read() == MINIMAL_PDF


def test_a_pdf_named_file_that_is_really_a_png_is_accepted_as_png():
    user = make_user(Role.PRODUCER)
    doc = add(
        user,
        user.producer,
        SimpleUploadedFile("scan.pdf", image_bytes("PNG"), content_type="application/pdf"),
    )
    assert doc.content_type == "image/png"
    assert doc.file.name.endswith(".png")


def test_a_text_file_named_pdf_is_refused_and_nothing_stored(settings):
    user = make_user(Role.PRODUCER)
    with pytest.raises(ValidationError):
        add(
            user,
            user.producer,
            SimpleUploadedFile("x.pdf", b"just some text", content_type="application/pdf"),
        )
    assert not EvidenceDocument.objects.exists()
    media = settings.MEDIA_ROOT / "evidence"
    assert not media.exists() or not any(media.rglob("*.*"))


def test_a_pdf_with_javascript_is_refused():
    user = make_user(Role.PRODUCER)
    with pytest.raises(ValidationError, match="JavaScript|JS"):
        add(user, user.producer, pdf(data=JS_PDF))
    assert not EvidenceDocument.objects.exists()


def test_size_limit_from_settings(settings):
    settings.OCOP_DOCUMENT_MAX_BYTES = 100
    user = make_user(Role.PRODUCER)
    with pytest.raises(ValidationError) as exc:
        add(user, user.producer, pdf())
    assert exc.value.code == "too_large"
    assert not EvidenceDocument.objects.exists()


def test_who_may_upload():
    producer = ProducerFactory()
    officer = make_user(Role.COMMUNE_OFFICER, commune=producer.commune)
    assert add(officer, producer, pdf()).producer == producer
    for user in (
        make_user(Role.PRODUCER),
        make_user(Role.COMMUNE_OFFICER, commune=other_commune(producer.commune)),
        make_user(Role.PROVINCE_OFFICER),
        make_user(Role.COUNCIL_MEMBER),
        make_user(Role.MINISTRY),
    ):
        with pytest.raises(PermissionDenied):
            add(user, producer, pdf())
    assert EvidenceDocument.objects.count() == 1


def test_product_of_another_producer_refused():
    user = make_user(Role.PRODUCER)
    with pytest.raises(ValidationError):
        add(user, user.producer, pdf(), product=ProductFactory())
    assert not EvidenceDocument.objects.exists()


def test_replacing_an_unfiled_document_moves_draft_dossiers_and_drops_the_old_row():
    product = ProductFactory()
    user = make_user(Role.PRODUCER, producer=product.producer)
    old = add(user, product.producer, pdf())
    dossier = ds.open_dossier(user, product, RoundFactory(), "first")
    ds.attach(user, dossier, old, old.kind)
    new = add(user, product.producer, pdf("moi.pdf"), replaces=old)
    assert new.replaces_id is None or new.replaces_id == old.pk
    assert list(dossier.attachments.values_list("document_id", flat=True)) == [new.pk]
    assert not EvidenceDocument.objects.filter(pk=old.pk).exists()


def test_replacing_a_filed_document_keeps_the_old_row_and_file_archived():
    product = ProductFactory()
    old = document(product.producer)
    filed = dossier_at(S.SUBMITTED, product=product)
    DossierAttachment.objects.create(dossier=filed, document=old, kind=old.kind)
    user = make_user(Role.PRODUCER, producer=product.producer)
    new = add(user, product.producer, pdf("moi.pdf"), replaces=old)
    old.refresh_from_db()
    assert old.archived and new.replaces_id == old.pk
    assert old.file.storage.exists(old.file.name)
    assert list(filed.attachments.values_list("document_id", flat=True)) == [old.pk]
    with pytest.raises(ValidationError):  # an archived version cannot be replaced again
        add(user, product.producer, pdf(), replaces=old)


def test_editing_details_and_refusal_once_filed():
    product = ProductFactory()
    user = make_user(Role.PRODUCER, producer=product.producer)
    doc = add(user, product.producer, pdf())
    library.update(user, doc, expires_on=dt.date(2031, 5, 1), issuer="Sở Y tế Tây Ninh")
    doc.refresh_from_db()
    assert doc.expires_on == dt.date(2031, 5, 1) and doc.issuer == "Sở Y tế Tây Ninh"
    with pytest.raises(ValidationError):
        library.update(user, doc, issued_on=dt.date(2032, 1, 1))  # after expiry
    with pytest.raises(PermissionDenied):
        library.update(make_user(Role.PRODUCER), doc, title="x")
    filed = dossier_at(S.SUBMITTED, product=product)
    DossierAttachment.objects.create(dossier=filed, document=doc, kind=doc.kind)
    before = EvidenceDocument.objects.filter(pk=doc.pk).values().get()
    with pytest.raises(ValidationError, match="phiên bản mới"):
        library.update(user, doc, expires_on=dt.date(2040, 1, 1))
    assert EvidenceDocument.objects.filter(pk=doc.pk).values().get() == before


def test_expiry_flags():
    today = dt.date(2026, 9, 1)
    assert library.expiry_flag(None, None, today) == ""
    assert library.expiry_flag(dt.date(2026, 8, 31), None, today) == "expired"
    assert library.expiry_flag(dt.date(2026, 10, 31), None, today) == "soon"  # within 60 days
    assert library.expiry_flag(dt.date(2026, 11, 1), None, today) == ""
    assert library.expiry_flag(dt.date(2026, 12, 1), dt.date(2026, 12, 30), today) == "before_decision"
    assert library.expiry_flag(dt.date(2027, 1, 1), dt.date(2026, 12, 30), today) == ""


def test_decision_due_annotation_uses_open_dossiers_only():
    product = ProductFactory()
    doc = document(product.producer, expires_on=dt.date(2026, 12, 1))
    open_ = dossier_at(S.SUBMITTED, product=product, round_=RoundFactory(decision_due=dt.date(2026, 12, 30)))
    DossierAttachment.objects.create(dossier=open_, document=doc, kind=doc.kind)
    annotated = library.with_decision_due(EvidenceDocument.objects.filter(pk=doc.pk)).get()
    assert annotated.decision_due == dt.date(2026, 12, 30)
    open_.status = S.WITHDRAWN
    open_.save()
    assert library.with_decision_due(EvidenceDocument.objects.filter(pk=doc.pk)).get().decision_due is None


def test_who_may_download():
    product = ProductFactory()
    doc = document(product.producer)
    producer_user = make_user(Role.PRODUCER, producer=product.producer)
    commune = make_user(Role.COMMUNE_OFFICER, commune=product.producer.commune)
    province = make_user(Role.PROVINCE_OFFICER, province_id=product.producer.commune.province_id)
    assert library.can_download(producer_user, doc) and library.can_download(commune, doc)
    assert not library.can_download(make_user(Role.PRODUCER), doc)
    assert not library.can_download(province, doc)  # no dossier of the province links it yet
    dossier = dossier_at(S.AT_PROVINCE, product=product)
    DossierAttachment.objects.create(dossier=dossier, document=doc, kind=doc.kind)
    assert library.can_download(province, doc)
    assert not library.can_download(make_user(Role.PROVINCE_OFFICER, province_id="01"), doc)
    assert not library.can_download(make_user(Role.MINISTRY), doc)
    assert not library.can_download(make_user(Role.COUNCIL_MEMBER), doc)


def test_the_original_name_keeps_no_folder_or_control_character():
    user = make_user(Role.PRODUCER)
    doc = add(user, user.producer, pdf('C:\\scans\\giấy\r\nphép "ATTP".pdf'))
    assert doc.original_name == 'giấyphép "ATTP".pdf'
    doc = add(user, user.producer, pdf("\x00\x1f.pdf"))
    assert doc.original_name == ".pdf"


def test_council_members_and_the_ministry_download_only_what_a_dossier_they_see_links():
    product = ProductFactory()
    dossier = dossier_at(S.IN_COUNCIL, product=product)
    linked = document(product.producer, DocumentKind.LAB_RESULT)
    unlinked = document(product.producer, DocumentKind.FINANCIAL)  # same producer, not in the dossier
    DossierAttachment.objects.create(dossier=dossier, document=linked, kind=linked.kind)
    seat = dossier.council.members.first().user
    other_council = council(dossier.round).members.first().user
    ministry = make_user(Role.MINISTRY)
    assert library.can_download(seat, linked)
    assert not library.can_download(seat, unlinked)
    assert not library.can_download(other_council, linked)
    assert not library.can_download(ministry, linked)  # not forwarded
    dossier.status, dossier.forwarded_at = S.AT_MINISTRY, dt.datetime(2026, 7, 1, tzinfo=dt.UTC)
    dossier.save()
    assert library.can_download(ministry, linked) and not library.can_download(ministry, unlinked)
    # A commune officer of another commune never, even for a linked document.
    outsider = make_user(Role.COMMUNE_OFFICER, commune=other_commune(product.producer.commune))
    assert not library.can_download(outsider, linked)


def test_a_document_tied_to_one_product_never_lands_in_another_products_dossier():
    product = ProductFactory()
    sibling = ProductFactory(producer=product.producer)
    user = make_user(Role.PRODUCER, producer=product.producer)
    old = add(user, product.producer, pdf())  # about the producer as a whole
    dossier = ds.open_dossier(user, product, RoundFactory(), "first")
    ds.attach(user, dossier, old, old.kind)
    before = row(old)
    with pytest.raises(ValidationError):  # tying it to the sibling while the dossier links it
        library.update(user, old, product=sibling)
    assert row(old) == before
    library.update(user, old, product=product)  # its own product is fine
    # A new version about the sibling does not move into this product's dossier.
    new = add(user, product.producer, pdf("moi.pdf"), replaces=old, product=sibling)
    assert list(dossier.attachments.values_list("document_id", flat=True)) == [old.pk]
    old.refresh_from_db()
    assert old.archived and new.product_id == sibling.pk


def row(obj):
    return type(obj).objects.filter(pk=obj.pk).values().get()


def test_a_failing_database_write_leaves_no_file_behind(settings, monkeypatch):
    user = make_user(Role.PRODUCER)

    def broken(*args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(library.audit, "record", broken)  # fails after the file was stored
    with pytest.raises(RuntimeError):
        add(user, user.producer, pdf())
    assert not EvidenceDocument.objects.exists()
    media = settings.MEDIA_ROOT / "evidence"
    assert not media.exists() or not any(p.is_file() for p in media.rglob("*"))
