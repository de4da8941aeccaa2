"""Evidence per criterion of a self-assessment: checked by content, stored under a name nobody can guess,
served only through a view that checks the product's permissions."""

import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from ocop.accounts.models import Role
from ocop.core.models import AuditEvent
from ocop.core.uploads import pdf_active_content
from ocop.evaluation.models import SelfAssessment, SelfAssessmentEvidence
from ocop.evaluation.services import selfassessment as sa
from tests.factories import ProductFactory, image_bytes, make_user, other_commune


@pytest.fixture(autouse=True)
def _english(settings):
    """Messages read in English here; test_self_vietnamese.py reads them in Vietnamese."""
    settings.LANGUAGE_CODE = "en"


pytestmark = pytest.mark.django_db

PLAIN_PDF = (
    b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
    b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
)


def pdf_with(extra: bytes) -> bytes:
    return PLAIN_PDF.replace(b"/Type /Catalog", b"/Type /Catalog " + extra)


@pytest.fixture
def product():
    return ProductFactory(product_set="I.3.a")


@pytest.fixture
def producer_user(product):
    return make_user(Role.PRODUCER, producer=product.producer)


def add_url(product):
    return reverse("evaluation:self_evidence_add", args=[product.pk])


def upload(name, content, content_type="application/pdf"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def post(client, product, name, content, criterion="1.1", content_type="application/pdf"):
    return client.post(
        add_url(product),
        {"criterion": criterion, "file": upload(name, content, content_type)},
        follow=True,
    )


def test_pdf_upload_is_stored_under_a_random_name_and_listed(client_of, product, producer_user):
    client = client_of(producer_user)
    response = post(client, product, "Giấy chứng nhận đăng ký.pdf", PLAIN_PDF)
    assert response.status_code == 200
    evidence = SelfAssessmentEvidence.objects.get()
    assert evidence.criterion == "1.1"
    assert evidence.original_name == "Giấy chứng nhận đăng ký.pdf"
    assert evidence.content_type == "application/pdf"
    assert evidence.size == len(PLAIN_PDF)
    assert evidence.uploaded_by == producer_user
    assert "Giấy" not in evidence.file.name and evidence.file.name.endswith(".pdf")
    assert len(evidence.file.name.rsplit("/", 1)[-1]) >= 30
    assert evidence.assessment.product == product  # a draft was created to hold it
    body = response.content.decode()
    assert "Giấy chứng nhận đăng ký.pdf" in body
    assert reverse("evaluation:self_evidence_file", args=[evidence.pk]) in body
    assert AuditEvent.objects.filter(changes__has_key="evidence 1.1").exists()


def test_image_upload_is_typed_by_content(client_of, product, producer_user):
    post(client_of(producer_user), product, "anh.pdf", image_bytes("JPEG"), content_type="application/pdf")
    evidence = SelfAssessmentEvidence.objects.get()
    assert evidence.content_type == "image/jpeg"
    assert evidence.file.name.endswith(".jpg")


@pytest.mark.parametrize(
    "content, message",
    [
        (b"MZ\x90\x00 this is no pdf" * 10, "neither"),  # a fake PDF: named .pdf, not a PDF
        (pdf_with(b"/OpenAction << /S /JavaScript /JS (app.alert(1)) >>"), "active content"),
        (pdf_with(b"/OpenAction << /S /Launch /F (cmd.exe) >>"), "active content"),
        (pdf_with(b"/Names << /EmbeddedFiles 3 0 R >>"), "active content"),
        (pdf_with(b"/AA << /O << /S /J#61vaScript >> >>"), "active content"),  # name with #xx escape
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "neither"),  # PNG signature, broken image
    ],
)
def test_refused_uploads_change_nothing(client_of, product, producer_user, content, message):
    response = post(client_of(producer_user), product, "ho-so.pdf", content)
    assert message in response.content.decode()
    assert not SelfAssessmentEvidence.objects.exists()


def test_javascript_hidden_in_a_compressed_object_stream_is_refused():
    stream = zlib.compress(b"<< /Type /Action /S /JavaScript /JS (x) >>")
    data = (
        PLAIN_PDF + b"3 0 obj << /Type /ObjStm /Filter /FlateDecode >>\nstream\n" + stream + b"\nendstream\n"
    )
    assert pdf_active_content(data) == {"JavaScript", "JS"}
    assert pdf_active_content(PLAIN_PDF) == set()


def test_too_big_is_refused(client_of, product, producer_user, settings):
    settings.OCOP_DOCUMENT_MAX_BYTES = 4096  # the one limit of every uploaded document
    big = PLAIN_PDF + b"0" * (settings.OCOP_DOCUMENT_MAX_BYTES + 1 - len(PLAIN_PDF))
    response = post(client_of(producer_user), product, "lon.pdf", big)
    assert "too large" in response.content.decode()
    assert not SelfAssessmentEvidence.objects.exists()


def test_criterion_of_another_sheet_is_refused(client_of, product, producer_user):
    response = post(client_of(producer_user), product, "a.pdf", PLAIN_PDF, criterion="99.1")
    assert "not on this product" in response.content.decode()
    assert not SelfAssessmentEvidence.objects.exists()
    assert not SelfAssessment.objects.exists()


def test_read_only_and_outsiders_cannot_upload(client_of, product):
    council = make_user(Role.COUNCIL_MEMBER, province_id=product.producer.commune.province_id)
    response = client_of(council).post(
        add_url(product), {"criterion": "1.1", "file": upload("a.pdf", PLAIN_PDF)}
    )
    assert response.status_code == 403
    response = client_of(make_user(Role.PRODUCER)).post(
        add_url(product), {"criterion": "1.1", "file": upload("a.pdf", PLAIN_PDF)}
    )
    assert response.status_code == 404
    assert not SelfAssessmentEvidence.objects.exists()


def test_download_permissions(client_of, client, product, producer_user):
    evidence = sa.add_evidence(producer_user, product, "2.1", upload("hop-dong.pdf", PLAIN_PDF))
    url = reverse("evaluation:self_evidence_file", args=[evidence.pk])
    c = product.producer.commune
    allowed = [
        producer_user,
        make_user(Role.COMMUNE_OFFICER, commune=c),
        make_user(Role.PROVINCE_OFFICER, province_id=c.province_id),
        make_user(Role.COUNCIL_MEMBER, province_id=c.province_id),
        make_user(Role.MINISTRY),
    ]
    for user in allowed:
        response = client_of(user).get(url)
        assert response.status_code == 200, user.role
        assert b"".join(response.streaming_content) == PLAIN_PDF
        assert response["Content-Type"] == "application/pdf"
        assert "attachment" in response["Content-Disposition"]
    denied = [
        make_user(Role.PRODUCER),
        make_user(Role.COMMUNE_OFFICER, commune=other_commune(c)),
        make_user(Role.PROVINCE_OFFICER, province_id="01"),
    ]
    for user in denied:
        assert client_of(user).get(url).status_code == 404, user.role
    response = client.get(url)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    # never a public media URL on the page
    body = (
        client_of(producer_user)
        .get(reverse("evaluation:self_assessment", args=[product.pk]))
        .content.decode()
    )
    assert evidence.file.name not in body


def test_delete(client_of, product, producer_user, django_capture_on_commit_callbacks):
    evidence = sa.add_evidence(producer_user, product, "2.1", upload("hop-dong.pdf", PLAIN_PDF))
    url = reverse("evaluation:self_evidence_delete", args=[evidence.pk])
    council = make_user(Role.COUNCIL_MEMBER, province_id=product.producer.commune.province_id)
    assert client_of(council).post(url).status_code == 403
    assert client_of(make_user(Role.PRODUCER)).post(url).status_code == 404
    assert SelfAssessmentEvidence.objects.filter(pk=evidence.pk).exists()
    storage, name = evidence.file.storage, evidence.file.name
    assert storage.exists(name)
    with django_capture_on_commit_callbacks(execute=True):
        response = client_of(producer_user).post(url)
    assert response.status_code == 302
    assert not SelfAssessmentEvidence.objects.filter(pk=evidence.pk).exists()
    assert not storage.exists(name)
    assert AuditEvent.objects.filter(changes__has_key="evidence 2.1", action="update").count() == 2
