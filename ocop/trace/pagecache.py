"""The consumer trace page, cached for anonymous visitors in the shared cache (set REDIS_URL when
several app processes serve it): a scan storm on one batch then costs one render a minute. The page
already tells outside caches they may keep it 5 minutes; recording a step drops it at once."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.core.cache import cache

SECONDS = 60


def key(gtin: str, lot: str, language: str, query: str = "") -> str:
    return "trace:page:" + hashlib.sha256(f"{gtin}\n{lot}\n{language}\n{query}".encode()).hexdigest()


def forget(gtin: str, lot: str) -> None:
    """Drop the cached page of a batch in every language (its plain address; addresses with a query
    string, as scans may carry, expire within SECONDS)."""
    cache.delete_many([key(gtin, lot, code) for code, _name in settings.LANGUAGES])
