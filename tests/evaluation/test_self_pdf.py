"""Form 02 Part III as a PDF: the chosen options' official wording and the totals, Vietnamese diacritics
intact (checked by extracting the text), the same permissions as the page."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from pypdf import PdfReader

from ocop.accounts.models import Role
from ocop.evaluation.services import selfassessment as sa
from tests.factories import ProductFactory, make_user

pytestmark = pytest.mark.django_db

PLAIN_PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def text_of(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    return " ".join(" ".join((page.extract_text() or "").split()) for page in reader.pages)


def squash(s: str) -> str:
    return " ".join(s.split())


def test_pdf_holds_the_answers_in_vietnamese(client_of):
    product = ProductFactory(product_set="I.3.a", name_vi="Bánh tráng phơi sương Trảng Bàng Đặc biệt")
    producer_user = make_user(Role.PRODUCER, producer=product.producer)
    sheet = sa.compiled(sa.sheet_for(product))
    answers = {"1.1": 3, "2.1": 5}
    sa.save_draft(producer_user, product, answers, ["5.2"])
    sa.add_evidence(
        producer_user,
        product,
        "1.1",
        SimpleUploadedFile("Hợp đồng nguyên liệu.pdf", PLAIN_PDF, "application/pdf"),
    )
    response = client_of(producer_user).get(reverse("evaluation:self_pdf", args=[product.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    text = text_of(response.content)
    assert "Bánh tráng phơi sương Trảng Bàng Đặc biệt" in text
    assert squash(sheet.by_code["1.1"].options_for(3)[0].text_vi)[:60] in text
    assert squash(sheet.by_code["1.1"].name_vi) in text
    assert "Hợp đồng nguyên liệu.pdf" in text
    assert "Không áp dụng" in text
    assert "8 / 100" in text  # 3 + 5


def test_pdf_permissions(client, client_of):
    product = ProductFactory(product_set="I.3.a")
    url = reverse("evaluation:self_pdf", args=[product.pk])
    council = make_user(Role.COUNCIL_MEMBER, province_id=product.producer.commune.province_id)
    assert client_of(council).get(url).status_code == 200
    assert client_of(make_user(Role.PRODUCER)).get(url).status_code == 404
    response = client.get(url)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
