"""Serial numbers of named sequences: dossier receipts, product codes, certificate numbers."""

from __future__ import annotations

from .models import Counter


def next_serial(key: str) -> int:
    """The next number of a named sequence (e.g. receipts of one commune in one year), under a row
    lock so two submissions at once never get the same number. Call inside a transaction."""
    counter, _created = Counter.objects.select_for_update().get_or_create(key=key)
    counter.value += 1
    counter.save(update_fields=["value"])
    return counter.value
