"""QR label sheets for a batch: A4 pages of labels, each with a QR code holding the batch's GS1 Digital
Link (`https://<host>/01/<gtin14>/10/<lot>`, with `?17=YYMMDD` when the batch has an expiry date), the
product name, its stars, the lot and the dates, printed in Vietnamese as the labelling rules require
(Decree 43/2017/NĐ-CP: "Hạn sử dụng", "Ngày sản xuất").

One label's content is built once (`label_context`, template trace/_label.html) for the PDF sheet and
for the web page's preview (`preview_context`, the same QR code as inline SVG).
`render_labels(batch, base_url, size, count)` is pure (no request): the HTML page through WeasyPrint with
DejaVu fonts and the QR code inline as an SVG data URI (ocop.certificates.qr); nothing is fetched.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

from ocop.certificates import qr

from . import digital_link

# The bounds of a sheet's count: check() enforces them, the label form shows them.
MIN_COUNT = 1
MAX_COUNT = 200


@dataclass(frozen=True)
class LabelSize:
    """A sheet layout on A4 portrait with 8 mm margins (194 × 281 mm usable)."""

    columns: int
    rows: int
    qr_mm: float
    font_pt: float

    @property
    def per_page(self) -> int:
        return self.columns * self.rows

    @property
    def width_mm(self) -> float:
        return round(194 / self.columns - 0.05, 2)

    @property
    def height_mm(self) -> float:
        return round(281 / self.rows - 0.05, 2)


SIZES = {
    "small": LabelSize(columns=4, rows=9, qr_mm=21, font_pt=6.2),
    "medium": LabelSize(columns=3, rows=6, qr_mm=30, font_pt=8),
    "large": LabelSize(columns=2, rows=4, qr_mm=44, font_pt=11),
}
DEFAULT_SIZE = "medium"


class LabelError(ValueError):
    """A size or count the sheet cannot have."""


def check(size: str, count: int) -> LabelSize:
    if size not in SIZES:
        raise LabelError(f"Unknown label size {size!r}: choose one of {', '.join(SIZES)}.")
    if not MIN_COUNT <= count <= MAX_COUNT:
        raise LabelError(f"A sheet has between {MIN_COUNT} and {MAX_COUNT} labels, not {count}.")
    return SIZES[size]


def label_uri(batch, base_url: str) -> str:
    """The batch's GS1 Digital Link on the host of `base_url` (always https, as GS1 Digital Link is)."""
    host = urlsplit(base_url).netloc or base_url
    return digital_link.build(host, batch.gtin, lot=batch.lot, expiry=batch.expires_on)


def label_context(batch, base_url: str) -> dict:
    """What one label shows (trace/_label.html): the QR code of the Digital Link and the texts."""
    uri = label_uri(batch, base_url)
    product = batch.product
    stars = product.stars or 0
    return {
        "batch": batch,
        "product": product,
        "uri": uri,
        "gtin": batch.gtin,
        "qr": qr.svg_data_uri(uri, scale=4, border=4),
        "star_glyphs": "★" * stars,
        "stars": stars,
    }


def preview_context(batch, base_url: str) -> dict:
    """One label for a web page: the same content, the QR code as inline SVG markup."""
    context = label_context(batch, base_url)
    svg = qr.make(context["uri"]).svg_inline(scale=4, border=4, svgclass="label-qr", title=context["uri"])
    # segno writes the markup itself: only path data and the title, which it XML-escapes.
    context["qr_svg"] = mark_safe(svg)  # noqa: S308
    return context


def labels_context(batch, base_url: str, size: str, count: int) -> dict:
    layout = check(size, count)
    pages = [range(start, min(start + layout.per_page, count)) for start in range(0, count, layout.per_page)]
    return {
        **label_context(batch, base_url),
        "layout": layout,
        "size": size,
        "count": count,
        "pages": pages,
        "page_count": math.ceil(count / layout.per_page),
    }


def labels_html(batch, base_url: str, size: str, count: int) -> str:
    return render_to_string("trace/labels_sheet.html", labels_context(batch, base_url, size, count))


def render_labels(batch, base_url: str, size: str = DEFAULT_SIZE, count: int | None = None) -> bytes:
    """The label sheet as PDF bytes; `count` defaults to one full page of the size."""
    import weasyprint
    from weasyprint.urls import URLFetcher

    if count is None:
        count = SIZES[size].per_page if size in SIZES else 0
    html = labels_html(batch, base_url, size, count)
    fetcher = URLFetcher(allowed_protocols={"data"})  # only inline data: nothing is loaded
    return weasyprint.HTML(string=html, url_fetcher=fetcher).write_pdf()
