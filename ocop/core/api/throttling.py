"""Request limits: per user for authenticated calls (token or session), per address otherwise.

A fixed window counted with the cache's atomic `incr`, so the limit holds across processes when the
cache is Redis. Rates come from settings at each request: OCOP_API_RATE (default 1200/min) and
OCOP_API_ANON_RATE (default 300/min); "none" turns a limit off. Behind a proxy, set
NINJA_NUM_PROXIES so the client address is read from X-Forwarded-For.
"""

import hashlib
import threading
import time

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from ninja.throttling import BaseThrottle

_PERIODS = {"s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600, "hour": 3600, "d": 86400, "day": 86400}


def parse_rate(rate: str | None) -> tuple[int, int] | None:
    """'120/min' → (120, 60); None or 'none' → None (no limit)."""
    if not rate or rate.strip().lower() == "none":
        return None
    count, _sep, period = rate.partition("/")
    seconds = _PERIODS.get(period.strip().lower())
    if seconds is None or not count.strip().isdigit():
        raise ValueError(f"Invalid rate {rate!r}: use e.g. '600/min'")
    return int(count), seconds


class ApiThrottle(BaseThrottle):
    def __init__(self) -> None:
        self._local = threading.local()

    def _client(self, request: HttpRequest) -> tuple[str, str, str | None]:
        user = getattr(request, "auth", None)
        if user is not None and getattr(user, "pk", None) is not None:
            return "user", str(user.pk), getattr(settings, "OCOP_API_RATE", "1200/min")
        ident = hashlib.sha256((self.get_ident(request) or "").encode()).hexdigest()[:32]
        return "anon", ident, getattr(settings, "OCOP_API_ANON_RATE", "300/min")

    def allow_request(self, request: HttpRequest) -> bool:
        scope, ident, rate = self._client(request)
        parsed = parse_rate(rate)
        self._local.wait = None
        if parsed is None:
            return True
        limit, period = parsed
        now = time.time()
        window = int(now // period)
        key = f"ocop-api-throttle:{scope}:{ident}:{period}:{window}"
        cache.add(key, 0, timeout=period + 1)
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, timeout=period + 1)
            count = 1
        if count > limit:
            self._local.wait = (window + 1) * period - now
            return False
        return True

    def wait(self) -> float | None:
        return getattr(self._local, "wait", None)
