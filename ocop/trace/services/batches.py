"""Batch services: who may see and change a product's batches, creating and editing them (with an audit
event in the same transaction), and recording a value-chain step through `events.record`.

A producer works on its own producer's batches; a commune or province officer on those of the producers in
its scope (`Producer.objects.editable_by`). Nobody else may change a batch."""

from __future__ import annotations

import decimal
import re
from collections.abc import Iterable, Mapping
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from ocop.accounts.models import Role, User
from ocop.core import audit
from ocop.core.models import AuditEvent
from ocop.registry.models import Product

from .. import events_forms, pagecache
from ..models import Batch, Event

# GS1 AI (10) takes up to 20 characters of the GS1 AI encodable character set 82.
LOT_RE = re.compile(r"^[!\"%&'()*+,\-./0-9:;<=>?A-Z_a-z]{1,20}$")
FIELDS = ["lot", "produced_on", "packed_on", "expires_on", "best_before", "quantity", "unit", "sources"]
SOURCE_KEYS = ["kind", "name", "plot", "address", "certificate", "certificate_number"]


class CaptureUnavailable(Exception):
    """The capture service (ocop.trace.services.events.record) is not installed."""


def products_for_batches(user: User) -> QuerySet[Product]:
    return Product.objects.editable_by(user)


def can_edit_batch(user: User, batch: Batch) -> bool:
    return bool(batch.pk) and Batch.objects.editable_by(user).filter(pk=batch.pk).exists()


def can_record(user: User, batch: Batch) -> bool:
    """Value-chain steps are the producer's own records: its accounts record them (officers only read).
    The capture service applies the same rule."""
    if not (user.is_authenticated and user.is_active):
        return False
    return user.is_superuser or (user.role == Role.PRODUCER and user.producer_id == batch.producer_id)


def validate_lot(lot: str) -> str:
    lot = (lot or "").strip()
    # A "." or ".." between slashes would be a dot segment of the consumer page's address, which
    # browsers resolve away (lot "A/../B" would open the page of lot "B").
    if not LOT_RE.match(lot) or any(part in (".", "..") for part in lot.split("/")):
        raise ValidationError(
            _(
                "A lot number has 1 to 20 characters: letters A–Z and a–z without accents, digits and "
                "! \" % & ' ( ) * + , - . / : ; < = > ? _ (no spaces)."
            ),
            code="lot",
        )
    return lot


def clean_sources(sources: Iterable[Mapping[str, Any]] | None) -> list[dict[str, str]]:
    """Only the known keys, as trimmed text; empty rows dropped."""
    result = []
    for row in sources or []:
        clean = {k: " ".join(str(row.get(k) or "").split()) for k in SOURCE_KEYS}
        if clean["name"] or clean["plot"]:
            clean["kind"] = clean["kind"] if clean["kind"] in ("farm", "supplier") else "farm"
            result.append(clean)
    return result


def _check_dates(data: dict) -> None:
    produced, packed, expires = data.get("produced_on"), data.get("packed_on"), data.get("expires_on")
    if produced and packed and packed < produced:
        raise ValidationError(_("The packaging date cannot be before the production date."), code="dates")
    start = packed or produced
    if start and expires and expires < start:
        raise ValidationError(_("The expiry date cannot be before production or packaging."), code="dates")


def _apply(batch: Batch, data: dict) -> None:
    for name in FIELDS:
        if name in data:
            setattr(batch, name, data[name])
    batch.lot = validate_lot(batch.lot)
    if batch.quantity is not None:
        batch.quantity = decimal.Decimal(str(batch.quantity))
    batch.sources = clean_sources(batch.sources)
    if batch.unit and batch.unit not in events_forms.UNIT_CODES:
        raise ValidationError(_("Choose a unit from the list."), code="unit")
    _check_dates(data | {"produced_on": batch.produced_on, "packed_on": batch.packed_on})


def _save(batch: Batch) -> None:
    if Batch.objects.filter(gtin=batch.gtin, lot=batch.lot).exclude(pk=batch.pk).exists():
        raise ValidationError(_("This product already has a batch with this lot number."), code="duplicate")
    try:
        with transaction.atomic():
            batch.save()
    except IntegrityError as exc:  # a concurrent request took the lot number
        raise ValidationError(
            _("This product already has a batch with this lot number."), code="duplicate"
        ) from exc


def create_batch(user: User, product: Product, data: dict[str, Any]) -> Batch:
    if not products_for_batches(user).filter(pk=product.pk).exists():
        raise PermissionDenied
    if not product.gtin:
        raise ValidationError(
            _("This product has no GTIN (barcode number). Add its GTIN on the product page first."),
            code="no_gtin",
        )
    batch = Batch(
        product=product, producer_id=product.producer_id, gtin=product.gtin.zfill(14), created_by=user
    )
    _apply(batch, data)
    with transaction.atomic():
        _save(batch)
        audit.record(
            user,
            batch,
            AuditEvent.Action.CREATE,
            audit.diff({}, audit.snapshot(batch, FIELDS)),
            verb="batch.create",
        )
    return batch


def update_batch(user: User, batch: Batch, data: dict[str, Any]) -> Batch:
    if not can_edit_batch(user, batch):
        raise PermissionDenied
    stored = Batch.objects.get(pk=batch.pk)
    before = audit.snapshot(stored, FIELDS)
    if "lot" in data and data["lot"] != batch.lot and batch.events.exists():
        raise ValidationError(
            _("The lot number cannot change once events are recorded: labels already carry it."),
            code="lot_locked",
        )
    _apply(batch, data)
    with transaction.atomic():
        _save(batch)
        changes = audit.diff(before, audit.snapshot(batch, FIELDS))
        if changes:
            audit.record(user, batch, AuditEvent.Action.UPDATE, changes, verb="batch.update")
            # The page at the old lot's address too (a lot changes only before any event).
            lots = {stored.lot, batch.lot}
            for lot in lots:
                pagecache.forget(batch.gtin, lot)

            def forget_pages() -> None:
                for lot in lots:
                    pagecache.forget(batch.gtin, lot)

            transaction.on_commit(forget_pages)
    return batch


def batch_ref(batch: Batch) -> events_forms.BatchRef:
    producer = batch.producer
    place = ", ".join(filter(None, [producer.name, producer.address, producer.commune.name]))
    return events_forms.BatchRef(
        base_url=settings.OCOP_PUBLIC_BASE_URL,
        gtin=batch.gtin,
        lot=batch.lot,
        commune_code=producer.commune_id,
        producer_id=producer.pk,
        place_name=place,
        sources=list(batch.sources or []),
    )


def record_step(user: User, batch: Batch, step: str, data: dict[str, Any]) -> Event:
    """Build the step's EPCIS 2.0 event from a form's cleaned data and record it for the batch."""
    if step not in events_forms.STEPS:
        raise ValidationError(_("Unknown step."), code="step")
    if not (can_edit_batch(user, batch) and can_record(user, batch)):
        raise PermissionDenied
    try:
        event = events_forms.build_event(step, data, batch_ref(batch))
    except ValueError as exc:
        raise ValidationError(str(exc), code="event") from exc
    try:  # the capture service (validation, hashing, transparency log)
        from .events import record
    except ImportError as exc:
        raise CaptureUnavailable from exc
    return record(user, batch, event)
