"""The certificate as a PDF: one A4 landscape page in the official Vietnamese layout, with the stars, the
decision, the issue and expiry dates and a QR code that opens the public verification page.

`render_certificate_pdf(certificate, verify_url)` is pure (no request): a small HTML page through
WeasyPrint, system DejaVu fonts (subset into the file), the QR code inline; nothing is fetched. A revoked
or expired certificate carries a watermark. `certificate_pdf` keeps recent renderings in memory, keyed
by everything the page shows, so a certificate downloaded again is not rendered again.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import OrderedDict

from django.template.loader import render_to_string

from . import qr, services
from .models import DecisionLevel

WATERMARKS = {"revoked": "ĐÃ THU HỒI", "expired": "HẾT HIỆU LỰC", "superseded": "ĐÃ ĐƯỢC THAY THẾ"}
MINISTRY = "Bộ Nông nghiệp và Môi trường"
CAPITAL = "Hà Nội"
PROVINCE_PREFIXES = ("Thành phố ", "Tỉnh ")


def display_status(certificate, today: dt.date | None = None) -> str:
    """'valid', 'expired', 'revoked' or 'superseded', as the public sees it (ocop.certificates.services)."""
    return services.display_status(certificate, today=today)


def decision_level(certificate) -> str:
    """The level of the recognising decision: from the decision row, else 5★ → Minister, else province."""
    decision = certificate.decision if certificate.decision_id else None
    if decision is not None:
        return decision.level
    return DecisionLevel.MINISTRY if certificate.stars == 5 else DecisionLevel.PROVINCE


def _short_province(name: str) -> str:
    for prefix in PROVINCE_PREFIXES:
        if name.startswith(prefix):
            return name[len(prefix) :]
    return name


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def address_of(certificate) -> str:
    producer = certificate.producer
    commune = producer.commune
    parts = [producer.address.strip(), commune.name, commune.province.name]
    seen: list[str] = []
    for part in parts:
        if part and part not in seen:
            seen.append(part)
    return ", ".join(seen)


def pdf_context(certificate, verify_url: str, today: dt.date | None = None) -> dict:
    status = display_status(certificate, today=today)
    province = certificate.province.name
    if decision_level(certificate) == DecisionLevel.MINISTRY:
        authority, signer, place = MINISTRY, "Bộ trưởng", CAPITAL
        level_text = f"Bộ trưởng {MINISTRY}"
    else:
        authority = f"Ủy ban nhân dân {_lower_first(province)}"
        signer, place = "Chủ tịch", _short_province(province)
        level_text = f"Chủ tịch {authority}"
    points = certificate.points
    return {
        "c": certificate,
        "status": status,
        "watermark": WATERMARKS.get(status, ""),
        "authority": authority,
        "signer": signer,
        "place": place,
        "level_text": level_text,
        "address": address_of(certificate),
        "points": (f"{points:.2f}".rstrip("0").rstrip(".").replace(".", ",") if points is not None else ""),
        "star_glyphs": "★" * certificate.stars,
        "qr": qr.svg_data_uri(verify_url),
        "verify_url": verify_url,
    }


def render_certificate_pdf(certificate, verify_url: str) -> bytes:
    """The certificate's PDF (bytes). `verify_url` is what the QR code holds: the absolute address of
    the verification page."""
    import weasyprint
    from weasyprint.urls import URLFetcher

    html = render_to_string("certificates/certificate_pdf.html", pdf_context(certificate, verify_url))
    # Only inline data: the PDF never loads a file or an address.
    fetcher = URLFetcher(allowed_protocols={"data"})
    return weasyprint.HTML(string=html, url_fetcher=fetcher).write_pdf()


# ------------------------------------------------------------------------------------------ cache

_CACHE_SIZE = 128
_cache: OrderedDict[tuple, bytes] = OrderedDict()
_lock = threading.Lock()


def cache_key(certificate, verify_url: str, status: str) -> tuple:
    """Everything the page shows: a change to any of it makes a new key."""
    c = certificate
    producer = c.producer
    return (
        c.pk,
        c.number,
        status,
        verify_url,
        c.product_name,
        c.producer_name,
        c.stars,
        str(c.points),
        c.decision_number,
        c.decision_date,
        decision_level(c),
        c.issued_on,
        c.expires_on,
        c.province.name,
        producer.address,
        producer.commune.name,
        producer.commune.province.name,
    )


def certificate_pdf(certificate, verify_url: str) -> bytes:
    """`render_certificate_pdf`, remembered per process for the last few certificates."""
    key = cache_key(certificate, verify_url, display_status(certificate))
    with _lock:
        pdf = _cache.get(key)
        if pdf is not None:
            _cache.move_to_end(key)
            return pdf
    pdf = render_certificate_pdf(certificate, verify_url)
    with _lock:
        _cache[key] = pdf
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    return pdf


def clear_cache() -> None:
    with _lock:
        _cache.clear()
