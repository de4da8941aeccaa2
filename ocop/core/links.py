"""Absolute addresses for what leaves the site (QR codes, e-mails): always the public address the site
is served at (OCOP_PUBLIC_BASE_URL), never the Host header of whoever made the request."""

from __future__ import annotations

from django.conf import settings


def public_base_url() -> str:
    """Where the site is reached from outside, without a trailing slash."""
    return str(settings.OCOP_PUBLIC_BASE_URL).rstrip("/")


def public_url(path: str) -> str:
    """`path` (from reverse()) as an absolute public address."""
    return public_base_url() + path
