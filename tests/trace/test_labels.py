"""QR label sheets of a batch: the PDF (pages, text with diacritics, QR codes that decode to the batch's
GS1 Digital Link) and who may print it."""

import datetime as dt
import io
import itertools
import math
import shutil
import subprocess

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.formats import number_format
from pypdf import PdfReader
from stdnum import ean

from ocop.accounts.models import Role
from ocop.trace import labels
from ocop.trace.models import Batch
from tests.factories import ProductFactory, make_user, other_commune

pytestmark = pytest.mark.django_db

NAME = "Bánh tráng phơi sương Trảng Bàng Út Hội"
_serial = itertools.count(1)


def new_gtin() -> str:
    body = f"893{next(_serial):09d}"
    return (body + ean.calc_check_digit(body)).zfill(14)


def make_batch(lot="L26-01/A", stars=4, expires_on=dt.date(2026, 12, 31), **fields) -> Batch:
    product = ProductFactory(name_vi=NAME, gtin=new_gtin(), stars=stars)
    return Batch.objects.create(
        product=product,
        producer=product.producer,
        gtin=product.gtin,
        lot=lot,
        produced_on=dt.date(2026, 1, 5),
        expires_on=expires_on,
        **fields,
    )


def pdf_text(pdf: bytes) -> tuple[int, str]:
    reader = PdfReader(io.BytesIO(pdf))
    return len(reader.pages), "\n".join(page.extract_text() for page in reader.pages)


def decoded_qr_codes(pdf: bytes, tmp_path) -> list[str]:
    """Every QR code a scanner reads on the printed pages (pdftoppm at 300 dpi, then zxing-cpp)."""
    import zxingcpp
    from PIL import Image

    if not shutil.which("pdftoppm"):  # pragma: no cover - CI installs poppler-utils
        pytest.skip("pdftoppm (poppler-utils) is needed to print the PDF to an image")
    source = tmp_path / "labels.pdf"
    source.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", "300", "-png", str(source), str(tmp_path / "page")], check=True)
    texts = []
    for image in sorted(tmp_path.glob("page*.png")):
        texts += [code.text for code in zxingcpp.read_barcodes(Image.open(image))]
    return texts


# ------------------------------------------------------------------------------- the sheet itself


def test_label_uri_is_the_batch_digital_link_with_expiry():
    batch = make_batch()
    uri = f"https://ocop.example.vn/01/{batch.gtin}/10/L26-01%2FA?17=261231"
    assert labels.label_uri(batch, "https://ocop.example.vn/") == uri
    assert labels.label_uri(batch, "http://ocop.example.vn:8000") == uri.replace(".vn/", ".vn:8000/")
    batch.expires_on = None
    assert (
        labels.label_uri(batch, "https://ocop.example.vn")
        == f"https://ocop.example.vn/01/{batch.gtin}/10/L26-01%2FA"
    )


def test_pdf_has_one_qr_per_label_that_decodes_to_the_digital_link(tmp_path):
    batch = make_batch()
    pdf = labels.render_labels(batch, "http://testserver/", "small", 10)
    assert pdf.startswith(b"%PDF-")
    pages, text = pdf_text(pdf)
    assert pages == 1
    codes = decoded_qr_codes(pdf, tmp_path)
    assert codes == [f"https://testserver/01/{batch.gtin}/10/L26-01%2FA?17=261231"] * 10


@pytest.mark.parametrize("size", ["small", "medium", "large"])
def test_each_size_prints_the_count_asked_over_as_many_pages_as_needed(size):
    batch = make_batch()
    layout = labels.SIZES[size]
    count = layout.per_page + 3
    html = labels.labels_html(batch, "http://testserver", size, count)
    assert html.count("<img ") == count
    pages, text = pdf_text(labels.render_labels(batch, "http://testserver", size, count))
    assert pages == math.ceil(count / layout.per_page) == 2
    assert text.count("Số lô: L26-01/A") == count
    assert text.count("HSD: 31/12/2026") == count


def test_text_is_vietnamese_with_diacritics_stars_lot_and_dates():
    batch = make_batch(stars=4)
    _, text = pdf_text(labels.render_labels(batch, "http://testserver", "large", 1))
    flat = " ".join(text.split())
    assert NAME in flat
    assert "★★★★ 4 sao" in flat
    assert "Số lô: L26-01/A" in flat
    assert "NSX: 05/01/2026" in flat
    assert "HSD: 31/12/2026" in flat
    assert f"(01) {batch.gtin}" in flat


def test_best_before_date_and_no_stars():
    batch = make_batch(stars=None, best_before=True)
    _, text = pdf_text(labels.render_labels(batch, "http://testserver", "large", 1))
    flat = " ".join(text.split())
    assert "Sử dụng tốt nhất trước: 31/12/2026" in flat
    assert "sao" not in flat and "★" not in flat


@pytest.mark.parametrize("size,count", [("tiny", 1), ("small", 0), ("small", 201), ("large", -1)])
def test_bad_size_or_count_refused(size, count):
    with pytest.raises(labels.LabelError):
        labels.render_labels(make_batch(), "http://testserver", size, count)


# ------------------------------------------------------------------------------------------ access


def url(batch, **query):
    base = reverse("trace:batch_labels", args=[batch.pk])
    return base + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def test_producer_of_the_batch_gets_the_pdf(client_of, tmp_path, settings):
    settings.OCOP_PUBLIC_BASE_URL = "https://ocop.tayninh.gov.vn"
    batch = make_batch(lot="LOT7", expires_on=None)
    producer_user = make_user(Role.PRODUCER, producer=batch.producer)
    response = client_of(producer_user).get(url(batch, size="medium", count=4))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    pages, text = pdf_text(response.content)
    assert pages == 1 and text.count("Số lô: LOT7") == 4
    # The site's public address, not the host the page was asked from.
    expected = f"https://ocop.tayninh.gov.vn/01/{batch.gtin}/10/LOT7"
    assert decoded_qr_codes(response.content, tmp_path) == [expected] * 4


def test_default_is_one_page_of_medium_labels(client_of):
    batch = make_batch()
    response = client_of(make_user(Role.PRODUCER, producer=batch.producer)).get(url(batch))
    assert response.status_code == 200
    _, text = pdf_text(response.content)
    assert text.count("Số lô:") == labels.SIZES["medium"].per_page


@pytest.mark.parametrize(
    "query",
    [{"size": "huge"}, {"count": "0"}, {"count": "201"}, {"count": "many"}, {"size": "small", "count": "-3"}],
)
def test_bad_parameters_are_400(client_of, query):
    batch = make_batch()
    response = client_of(make_user(Role.PRODUCER, producer=batch.producer)).get(url(batch, **query))
    assert response.status_code == 400


def test_officers_in_scope_get_the_pdf_others_404(client_of):
    batch = make_batch()
    home = batch.producer.commune
    allowed = [
        make_user(Role.COMMUNE_OFFICER, commune=home),
        make_user(Role.PROVINCE_OFFICER, province_id=home.province_id),
    ]
    for user in allowed:
        response = client_of(user).get(url(batch, size="small", count=1))
        assert response.status_code == 200, user.role
        assert response["Content-Type"] == "application/pdf"
    other_province = "01" if home.province_id != "01" else "79"
    outside = [
        make_user(Role.COMMUNE_OFFICER, commune=other_commune(home)),
        make_user(Role.PROVINCE_OFFICER, province_id=other_province),
        make_user(Role.PRODUCER),  # another producer
    ]
    for user in outside:
        assert client_of(user).get(url(batch, count=1)).status_code == 404, user.role


@pytest.mark.parametrize("role", [Role.COUNCIL_MEMBER, Role.MINISTRY])
def test_other_roles_are_403(client_of, role):
    batch = make_batch()
    assert client_of(make_user(role)).get(url(batch, count=1)).status_code == 403


def test_anonymous_is_sent_to_sign_in(client):
    batch = make_batch()
    response = client.get(url(batch))
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


def test_unknown_batch_is_404(client_of):
    producer_user = make_user(Role.PRODUCER)
    assert client_of(producer_user).get(reverse("trace:batch_labels", args=[987654])).status_code == 404


def test_label_text_is_escaped():
    """Lot numbers may hold < > " ' & (AI 82); product names anything: the sheet shows them as text."""
    batch = make_batch(lot="<i>\"x'&")
    batch.product.name_vi = '<script>alert("n")</script>'
    html = labels.labels_html(batch, "https://ocop.example.vn", "small", 1)
    assert "<script>" not in html and "<i>" not in html
    assert "&lt;script&gt;alert(&quot;n&quot;)&lt;/script&gt;" in html
    assert "&lt;i&gt;&quot;x&#x27;&amp;" in html


# ------------------------------------------------------------------------------- the label page


def page_url(batch, **query):
    base = reverse("trace:batch_labels_page", args=[batch.pk])
    return base + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def svg_qr_text(svg: str, tmp_path) -> str:
    """What a scanner reads in the page's inline SVG (the modules drawn onto an image, then zxing-cpp)."""
    import re

    import zxingcpp
    from PIL import Image, ImageDraw

    width = int(re.search(r'width="(\d+)"', svg)[1])
    scale = float(re.search(r"scale\((\d+)\)", svg)[1])
    image = Image.new("L", (width, width), 255)
    draw = ImageDraw.Draw(image)
    path = re.search(r' d="([^"]+)"', svg)[1]
    x = y = 0.0
    for command, dx, dy in re.findall(r"([Mmh])(-?[\d.]+)(?: (-?[\d.]+))?", path):
        if command == "M":
            x, y = float(dx), float(dy)
        elif command == "m":
            x, y = x + float(dx), y + float(dy)
        else:
            draw.rectangle(
                [x * scale, (y - 0.5) * scale, (x + float(dx)) * scale - 1, (y + 0.5) * scale - 1], fill=0
            )
            x += float(dx)
    (code,) = zxingcpp.read_barcodes(image.resize((width * 3, width * 3), Image.NEAREST))
    return code.text


def test_batch_page_links_to_the_label_page(client_of):
    batch = make_batch()
    response = client_of(make_user(Role.PRODUCER, producer=batch.producer)).get(
        reverse("trace:batch_detail", args=[batch.pk]), HTTP_ACCEPT_LANGUAGE="en"
    )
    assert f'href="{page_url(batch)}"' in response.content.decode()


def test_label_page_shows_the_form_and_a_preview_with_the_pdf_qr(client_of, settings, tmp_path):
    settings.OCOP_PUBLIC_BASE_URL = "https://ocop.tayninh.gov.vn"
    batch = make_batch()
    client = client_of(make_user(Role.PRODUCER, producer=batch.producer))
    response = client.get(page_url(batch), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'method="get"' in html and 'name="count"' in html and f'max="{labels.MAX_COUNT}"' in html
    for key, layout in labels.SIZES.items():
        assert f'value="{key}"' in html
        with translation.override("en"):
            dimensions = f"{number_format(layout.width_mm, 1)} × {number_format(layout.height_mm, 1)} mm"
        assert dimensions in html
    preview = html.split('id="label-preview">', 1)[1].split("</section>", 1)[0]
    assert "Số lô: <b>L26-01/A</b>" in preview and "HSD: 31/12/2026" in preview and NAME in preview
    expected = f"https://ocop.tayninh.gov.vn/01/{batch.gtin}/10/L26-01%2FA?17=261231"
    svg = preview[preview.index("<svg") : preview.index("</svg>") + 6]
    assert svg_qr_text(svg, tmp_path) == expected
    pdf = client.get(url(batch, size="large", count=1)).content
    assert decoded_qr_codes(pdf, tmp_path) == [expected]


def test_label_page_sends_valid_choices_to_the_pdf(client_of):
    batch = make_batch()
    client = client_of(make_user(Role.PRODUCER, producer=batch.producer))
    response = client.get(page_url(batch, size="small", count=7, pdf=1), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 302
    assert response["Location"] == url(batch, size="small", count=7)
    preview = client.get(page_url(batch, size="large", count=3), HTTP_ACCEPT_LANGUAGE="en")
    assert preview.status_code == 200
    assert f"width: {labels.SIZES['large'].width_mm}mm" in preview.content.decode()


@pytest.mark.parametrize("count", ["0", "201", "many", ""])
def test_label_page_out_of_range_count_gets_the_message(client_of, count):
    batch = make_batch()
    client = client_of(make_user(Role.PRODUCER, producer=batch.producer))
    response = client.get(page_url(batch, size="medium", count=count, pdf=1), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert "Enter a number of labels from 1 to 200." in response.content.decode()
    assert 'class="errorlist' in response.content.decode()


def test_label_page_unknown_size_gets_the_message(client_of):
    batch = make_batch()
    client = client_of(make_user(Role.PRODUCER, producer=batch.producer))
    response = client.get(page_url(batch, size="huge", count=3), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert "Choose small, medium or large." in response.content.decode()


def test_label_page_follows_the_pdf_access_rule(client_of):
    batch = make_batch()
    home = batch.producer.commune
    assert client_of(make_user(Role.COMMUNE_OFFICER, commune=home)).get(page_url(batch)).status_code == 200
    assert client_of(make_user(Role.PRODUCER)).get(page_url(batch)).status_code == 404
    outsider = make_user(Role.COMMUNE_OFFICER, commune=other_commune(home))
    assert client_of(outsider).get(page_url(batch)).status_code == 404
    for role in (Role.COUNCIL_MEMBER, Role.MINISTRY):
        assert client_of(make_user(role)).get(page_url(batch)).status_code == 403
