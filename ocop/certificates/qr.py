"""QR codes for certificates: the code holds the absolute address of the public verification page, so a
phone's camera opens `/verify/<number>` directly. segno makes the code (error correction M) with no
network and no image library; the PDF embeds it as an inline SVG data URI."""

from __future__ import annotations

import base64
import io

import segno
from django.urls import reverse

from ocop.core.links import public_base_url


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


def verify_url(number: str, request=None) -> str:
    """The absolute address of the certificate's public verification page."""
    path = reverse("certificates:verify", args=[number])
    if request is not None:
        return request.build_absolute_uri(path)
    return public_base_url() + path
