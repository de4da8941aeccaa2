"""A dossier's journey in a real browser: the producer uploads its documents to the library, opens a
dossier, fills Forms 01 and 02, attaches the documents and submits; the commune officer accepts it with
Form 03; the province checks it and assigns it to the council; three members score it one after
another; the chair closes; the province records the recognition decision; the certificate PDF
downloads and the QR code printed on it opens the verification page, which says the certificate is
valid.

Set up by hand (as an administrator would): the producer and its product, the accounts, the round,
the council with its members, and the product's self-assessment draft (the criteria app's page)."""

from __future__ import annotations

import io
import re
import shutil
import subprocess

import pytest
from django.utils import timezone, translation

from ocop.accounts.models import Role
from ocop.certificates.models import Certificate, CertificateStatus
from ocop.core.links import public_base_url
from ocop.evaluation import checklist
from ocop.evaluation.models import DocumentKind, Dossier, RoundKind
from ocop.evaluation.services import rounds as round_svc
from ocop.evaluation.services import selfassessment as sa
from ocop.evaluation.workflow import DossierStatus as S
from tests.evaluation.factories import MINIMAL_PDF
from tests.evaluation.test_whole_path import answers_for, comp_of, make_council, months_later
from tests.factories import TAY_NINH, ProducerFactory, ProductFactory, make_user

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]


def qr_urls_in(pdf: bytes, tmp_path) -> list[str]:
    """The QR codes on the PDF's first page, decoded from a rendering of the page (poppler's pdftoppm
    and zxing-cpp). The QR is vector art in the PDF (an SVG), so there is no embedded image to lift."""
    import zxingcpp
    from PIL import Image

    source = tmp_path / "certificate.pdf"
    source.write_bytes(pdf)
    subprocess.run(
        ["pdftoppm", "-r", "200", "-png", "-singlefile", "-f", "1", str(source), str(tmp_path / "page")],
        check=True,
        timeout=30,
    )
    image = Image.open(tmp_path / "page.png")
    return [r.text for r in zxingcpp.read_barcodes(image)]


def printed_url(pdf: bytes) -> str:
    """The verification address printed under the QR code (text of the PDF)."""
    from pypdf import PdfReader

    text = " ".join((p.extract_text() or "") for p in PdfReader(io.BytesIO(pdf)).pages)
    match = re.search(r"https?://\S+/verify/\S+", text)
    assert match, "no verification address printed on the certificate"
    return match.group(0)


def switch_user(page, sign_in, user):
    page.context.clear_cookies()
    sign_in(user.username)


def test_dossier_from_filing_to_verified_certificate(page, sign_in, live_server, tmp_path):
    producer = ProducerFactory(name="Hợp tác xã Bánh tráng Trảng Bàng")
    product = ProductFactory(producer=producer, name_vi="Bánh tráng phơi sương Trảng Bàng")
    producer_user = make_user(Role.PRODUCER, username="htx.trangbang", producer=producer)
    commune_officer = make_user(Role.COMMUNE_OFFICER, username="xa.trangbang", commune=producer.commune)
    officer = make_user(Role.PROVINCE_OFFICER, username="so.nnmt", province_id=TAY_NINH)
    round_ = round_svc.open_round(officer, year=2026, kind=RoundKind.SECOND_HALF)
    council, seats = make_council(officer, round_)
    chair, *members = seats
    comp = comp_of(product)
    four_stars = answers_for(comp, 4)
    sa.save_draft(producer_user, product, four_stars, [])

    # --- The producer: library, dossier, forms, attachments, submission. ---
    sign_in(producer_user.username)
    kinds = checklist.required_kinds(product.classification.group_code)
    for kind in kinds:
        upload = tmp_path / f"{kind}.pdf"
        upload.write_bytes(MINIMAL_PDF)
        page.goto("/evaluation/library/upload/")
        page.set_input_files("input[name=file]", str(upload))
        page.select_option("select[name=kind]", kind)
        page.fill("input[name=title]", f"{DocumentKind(kind).label} 2025")
        page.fill("input[name=issued_on]", "2025-03-01")
        page.fill("input[name=expires_on]", "2030-03-01")
        with page.expect_navigation():
            page.click("form.card button[type=submit]")
        assert re.search(r"/evaluation/library/\d+/$", page.url), page.url
    assert producer.documents.count() == len(kinds)

    page.goto(f"/evaluation/dossiers/open/{product.pk}/")
    page.select_option("select[name=round]", str(round_.pk))
    page.select_option("select[name=request_type]", "first")
    with page.expect_navigation():
        page.click("form.card button[type=submit]")
    match = re.search(r"/evaluation/dossiers/(\d+)/$", page.url)
    assert match, page.url
    dossier = Dossier.objects.get(pk=int(match.group(1)))

    page.goto(f"/evaluation/dossiers/{dossier.pk}/form01/")
    page.fill("input[name=phone]", "0276 3812345")
    with page.expect_navigation():
        page.click("form.card button[type=submit]")
    page.goto(f"/evaluation/dossiers/{dossier.pk}/form02/")
    page.fill("[name=part2__raw_materials]", "Gạo nàng thơm của nông dân trong xã")
    with page.expect_navigation():
        page.click("form.card button[type=submit]")

    for doc in producer.documents.all():
        page.goto(f"/evaluation/dossiers/{dossier.pk}/attachments/")
        page.select_option("#attach select[name=document]", str(doc.pk))
        page.select_option("#attach select[name=kind]", doc.kind)
        with page.expect_navigation():
            page.click("#attach button[type=submit]")
    page.goto(f"/evaluation/dossiers/{dossier.pk}/")
    assert page.locator("#problems").count() == 0
    with page.expect_navigation():
        page.click("#dossier-actions button[value=submit]")
    receipt = page.locator("#receipt-number").inner_text().strip()
    commune = producer.commune_id
    assert re.fullmatch(rf"\d+/PĐK-{TAY_NINH}-{commune}-\d{{4}}", receipt), receipt
    assert re.fullmatch(
        rf"{TAY_NINH}-{commune}-\d{{3}}-\d{{4}}", page.locator("#product-code").inner_text().strip()
    )
    dossier.refresh_from_db()
    assert dossier.status == S.SUBMITTED and dossier.receipt_number == receipt
    assert dossier.form01["phone"] == "0276 3812345" and dossier.attachments.count() == len(kinds)

    # --- The commune officer accepts with Form 03. ---
    switch_user(page, sign_in, commune_officer)
    page.goto(f"/evaluation/dossiers/{dossier.pk}/commune-review/")
    page.fill("[name=form03-local_raw_materials]", "Gạo và khoai mì của nông dân trong xã")
    page.fill("[name=form03-local_labour]", "18 lao động địa phương")
    page.fill("[name=form03-idea_origin]", "Nghề truyền thống của ấp")
    page.fill("[name=form03-local_identity]", "Bánh phơi sương đêm")
    page.fill("[name=form03-assessment]", "Hồ sơ đầy đủ, đề nghị tỉnh đánh giá")
    page.check("[name=form03-completeness_checked]")
    with page.expect_navigation():
        page.click("button[value=accept]")
    dossier.refresh_from_db()
    assert dossier.status == S.AT_PROVINCE and dossier.form03["local_labour"] == "18 lao động địa phương"

    # --- The province checks it and assigns it to the council. ---
    switch_user(page, sign_in, officer)
    page.goto(f"/evaluation/dossiers/{dossier.pk}/province-check/")
    with page.expect_navigation():
        page.click("#check-form button[value=check]")
    page.goto(f"/evaluation/councils/{council.pk}/")
    page.select_option("#assign-dossiers select[name=dossiers]", [str(dossier.pk)])
    with page.expect_navigation():
        page.click("#assign-dossiers button[type=submit]")
    dossier.refresh_from_db()
    assert dossier.status == S.IN_COUNCIL and dossier.council_id == council.pk

    # --- Three members score, one after another (the chair last), each on their own sheet. ---
    choices = {f"c-{code}": str(points) for code, points in four_stars.items()}
    for seat in [*members, chair]:
        switch_user(page, sign_in, seat.user)
        page.goto(f"/evaluation/dossiers/{dossier.pk}/score/")
        page.evaluate(
            """choices => {
                for (const [name, value] of Object.entries(choices)) {
                    const selector = `input[type=radio][name="${name}"][value="${value}"]`;
                    const radio = document.querySelector(selector);
                    if (!radio) throw new Error(`no option ${value} for ${name}`);
                    radio.checked = true;
                }
            }""",
            choices,
        )
        with page.expect_navigation():
            page.click("#submit-sheet")
        assert page.locator("#score-frozen").count() == 1, page.content()[:2000]
    page.goto(f"/evaluation/dossiers/{dossier.pk}/scoring/")
    with page.expect_navigation():
        page.click("#close-scoring")
    dossier.refresh_from_db()
    assert dossier.status == S.SCORED and dossier.stars == 4

    # --- The province records the recognition decision. ---
    switch_user(page, sign_in, officer)
    page.goto(f"/evaluation/rounds/{round_.pk}/decisions/new/")
    page.fill("#decision-form input[name=number]", "345/QĐ-UBND")
    decided = timezone.localdate()
    page.fill("#decision-form input[name=date]", decided.isoformat())
    page.fill("#decision-form input[name=signed_by]", "Chủ tịch UBND tỉnh Tây Ninh")
    page.check(f"#decision-form input[name=dossiers][value='{dossier.pk}']")
    with page.expect_navigation():
        page.click("#decision-form button[type=submit]")
    certificate = Certificate.objects.get(dossier=dossier)
    assert certificate.stars == 4 and certificate.expires_on == months_later(decided)

    # --- The certificate PDF downloads; its QR code opens the verification page. ---
    page.context.clear_cookies()
    page.goto(f"/verify/{certificate.number}")
    link = page.locator("#pdf")
    # The PDF is served inline; `download` makes the browser save it instead of showing it.
    link.evaluate("a => a.setAttribute('download', '')")
    with page.expect_download() as info:
        link.click()
    saved = tmp_path / "downloaded.pdf"
    info.value.save_as(saved)
    pdf = saved.read_bytes()
    assert pdf.startswith(b"%PDF-") and b"%%EOF" in pdf[-1024:]

    url = printed_url(pdf)
    if shutil.which("pdftoppm"):
        decoded = qr_urls_in(pdf, tmp_path)
        assert decoded == [url], decoded
    else:  # pragma: no cover - without poppler the printed address is what the QR holds (see test_pdf)
        from ocop.certificates import qr

        assert url == qr.verify_url(certificate.number).replace(public_base_url(), live_server.url)
    assert url.startswith(live_server.url + "/verify/")

    page.goto(url)
    status = page.locator("#status")
    assert status.get_attribute("data-status") == "valid"
    with translation.override("vi"):
        label = str(CertificateStatus.VALID.label)
    text = status.inner_text()
    assert label in text and certificate.expires_on.strftime("%d/%m/%Y") in text
    assert certificate.number in page.content() and product.name_vi in page.content()
