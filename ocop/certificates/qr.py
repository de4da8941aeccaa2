"""QR codes for certificates: the code holds the absolute address of the public verification page, so a
phone's camera opens `/verify/<number>` directly. segno makes the code (error correction M) with no
network and no image library; the PDF embeds it as an inline SVG data URI."""

from __future__ import annotations

import base64
import io

import segno
from django.conf import settings
from django.urls import reverse

DEFAULT_BASE_URL = "http://127.0.0.1:8000"


def make(content: str) -> segno.QRCode:
    return segno.make(content, error="m")


def svg_data_uri(content: str, *, scale: int = 4, border: int = 2) -> str:
    """The QR code as a `data:image/svg+xml;base64,…` URI (no external file for WeasyPrint to fetch)."""
    buffer = io.BytesIO()
    make(content).save(buffer, kind="svg", scale=scale, border=border, xmldecl=False, svgns=True)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def png_bytes(content: str, *, scale: int = 8, border: int = 4) -> bytes:
    buffer = io.BytesIO()
    make(content).save(buffer, kind="png", scale=scale, border=border)
    return buffer.getvalue()


def public_base_url() -> str:
    """Where the site is reached from outside, for addresses built without a request."""
    return (getattr(settings, "OCOP_PUBLIC_BASE_URL", "") or DEFAULT_BASE_URL).rstrip("/")


def verify_url(number: str, request=None) -> str:
    """The absolute address of the certificate's public verification page."""
    path = reverse("certificates:verify", args=[number])
    if request is not None:
        return request.build_absolute_uri(path)
    return public_base_url() + path
