"""The consumer trace page, cached for anonymous visitors in the shared cache (set REDIS_URL when
several app processes serve it): a scan storm on one batch then costs one render a minute. The page
already tells outside caches they may keep it 5 minutes; recording a step drops it at once.

Every cached copy of a batch's page (each language, each query string — labels carry `?17=YYMMDD`)
is keyed on the batch's current version token; `forget` replaces the token, so all of them go at once."""

from __future__ import annotations

import hashlib
import uuid

from django.core.cache import cache

SECONDS = 60
# Query strings longer than this are rendered but not cached (nobody fills the cache with variants).
MAX_QUERY = 64


def _version_key(gtin: str, lot: str) -> str:
    return "trace:ver:" + hashlib.sha256(f"{gtin}\n{lot}".encode()).hexdigest()


def key(gtin: str, lot: str, language: str, query: str = "") -> str:
    version = cache.get(_version_key(gtin, lot)) or "0"
    return (
        "trace:page:" + hashlib.sha256(f"{gtin}\n{lot}\n{language}\n{query}\n{version}".encode()).hexdigest()
    )


def forget(gtin: str, lot: str) -> None:
    """Drop every cached page of a batch (all languages and query strings) by a new version token."""
    cache.set(_version_key(gtin, lot), uuid.uuid4().hex, None)
