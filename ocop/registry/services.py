"""Every change to producers and products: check permission → change in one transaction → audit event.

Views and importers call these functions and nothing else to write registry data, so the rules below
(who may change what, which fields follow only from an evaluation) hold whatever the entry point.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.core.files.images import get_image_dimensions
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from ocop.accounts.access import acts_as, has_role
from ocop.accounts.models import Role, User
from ocop.core import audit
from ocop.core.models import AuditEvent

from . import tasks
from .images import ProcessedImage, process_photo
from .imports.upload import KINDS, can_import, check_upload, storage_name
from .models import ImportJob, Producer, Product, ProductPhoto, ProductStatus, SalesChannel, StarRating
from .rules import certificate_expiry

# Fields a producer may not change on its own products: they follow from the evaluation.
OFFICIAL_PRODUCT_FIELDS = {"stars", "status", "criteria_set"}
# Stars change only by recording a rating, which only a provincial officer may do (see record_rating);
# a commune officer may set the status (e.g. "in evaluation") but not the stars.
COMMUNE_LOCKED_PRODUCT_FIELDS = {"stars", "criteria_set"}


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied(_("You are not allowed to do this."))


def can_edit_producer(user: User, producer: Producer) -> bool:
    """Judged on the stored row, so a form that has already changed `producer` in memory cannot widen it."""
    return bool(producer.pk) and Producer.objects.editable_by(user).filter(pk=producer.pk).exists()


def can_edit_product(user: User, product: Product) -> bool:
    return bool(product.pk) and Product.objects.editable_by(user).filter(pk=product.pk).exists()


def can_create_producer(user: User, commune_id: str | None) -> bool:
    """May the user place a producer in this commune (create it there or move it there)?"""
    if not commune_id or not (user.is_authenticated and user.is_active):
        return False
    if user.is_superuser:
        return True
    if acts_as(user, Role.PROVINCE_OFFICER):
        from ocop.places.models import Commune

        return (
            bool(user.province_id)
            and Commune.objects.filter(pk=commune_id, province_id=user.province_id).exists()
        )
    if acts_as(user, Role.COMMUNE_OFFICER):
        return bool(user.commune_id) and str(commune_id) == str(user.commune_id)
    return False


def can_delete(user: User) -> bool:
    return has_role(user, Role.PROVINCE_OFFICER)


def can_record_rating(user: User, product: Product, stars: int | None = None) -> bool:
    """A provincial officer of the product's province; for a 5-star rating also the Ministry, whose
    Minister recognises 5-star products (Decision 26/2026, Art. 3.3)."""
    if stars == 5 and acts_as(user, Role.MINISTRY):
        return True
    return has_role(user, Role.PROVINCE_OFFICER) and can_edit_producer(user, product.producer)


@transaction.atomic
def create_producer(user: User, producer: Producer) -> Producer:
    _require(can_create_producer(user, producer.commune_id))
    producer.full_clean()
    producer.save()
    audit.record(
        user,
        producer,
        AuditEvent.Action.CREATE,
        audit.diff({}, audit.snapshot(producer)),
        verb="producer.create",
    )
    return producer


@transaction.atomic
def update_producer(user: User, producer: Producer, before: dict[str, Any] | None = None) -> Producer:
    """Save a producer whose fields a form has already changed.

    `before` is its snapshot beforehand; when omitted it is read from the stored row (locked), which is
    the safer choice for callers that cannot take it before binding a form.
    """
    original = Producer.objects.select_for_update().filter(pk=producer.pk).first() if producer.pk else None
    _require(original is not None and can_edit_producer(user, original))
    if producer.commune_id != original.commune_id:  # type: ignore[union-attr]  # _require() refused None
        if acts_as(user, Role.PRODUCER):
            raise PermissionDenied(_("Only an officer can move a producer to another commune."))
        if not can_create_producer(user, producer.commune_id):
            raise PermissionDenied(_("You cannot move a producer outside your area."))
    if before is None:
        before = audit.snapshot(original)  # type: ignore[arg-type]  # _require() refused None
    producer.full_clean()
    producer.save()
    changes = audit.diff(before, audit.snapshot(producer))
    if changes:
        audit.record(user, producer, AuditEvent.Action.UPDATE, changes, verb="producer.update")
    return producer


@transaction.atomic
def delete_producer(user: User, producer: Producer) -> None:
    _require(can_delete(user) and can_edit_producer(user, producer))
    if producer.products.exists():
        raise ValidationError(_("This producer still has products; delete or move them first."))
    audit.record(
        user,
        producer,
        AuditEvent.Action.DELETE,
        audit.diff(audit.snapshot(producer), {}),
        verb="producer.delete",
    )
    producer.delete()


@transaction.atomic
def set_sales_channels(
    user: User, producer: Producer, channels: list[SalesChannel], removed: list[SalesChannel]
) -> None:
    """Replace some of a producer's channels: save `channels` (new or changed) and delete `removed`.

    A channel that belongs to another producer is refused, whatever the caller was handed."""
    _require(can_edit_producer(user, producer))
    own_ids = set(producer.sales_channels.values_list("pk", flat=True))
    if any(c.pk and c.pk not in own_ids for c in [*channels, *removed]):
        raise PermissionDenied(_("This sales channel belongs to another producer."))
    before = sorted(str(c) for c in producer.sales_channels.all())
    for channel in removed:
        channel.delete()
    for channel in channels:
        channel.producer = producer
        channel.full_clean()
        channel.save()
    after = sorted(str(c) for c in producer.sales_channels.all())
    if before != after:
        audit.record(
            user,
            producer,
            AuditEvent.Action.UPDATE,
            {"sales_channels": [before, after]},
            verb="channels.update",
        )


def _locked_product_fields(user: User) -> set[str]:
    if acts_as(user, Role.PRODUCER):
        return OFFICIAL_PRODUCT_FIELDS
    if acts_as(user, Role.COMMUNE_OFFICER):
        return COMMUNE_LOCKED_PRODUCT_FIELDS
    return set()


@transaction.atomic
def create_product(user: User, product: Product) -> Product:
    _require(product.producer_id is not None and can_edit_producer(user, product.producer))
    locked = _locked_product_fields(user)
    if "stars" in locked:
        product.stars = None
    if "status" in locked:
        product.status = ProductStatus.IDEA
    product.full_clean()
    product.save()
    audit.record(
        user,
        product,
        AuditEvent.Action.CREATE,
        audit.diff({}, audit.snapshot(product)),
        verb="product.create",
    )
    return product


@transaction.atomic
def update_product(user: User, product: Product, before: dict[str, Any] | None = None) -> Product:
    """Save a product whose fields a form has already changed; `before` defaults to the stored row."""
    original = Product.objects.select_for_update().select_related("producer").filter(pk=product.pk).first()
    _require(original is not None and can_edit_producer(user, original.producer))
    _require(product.producer_id is not None and can_edit_producer(user, product.producer))
    for field in _locked_product_fields(user):
        setattr(product, field, getattr(original, field))
    if before is None:
        before = audit.snapshot(original)  # type: ignore[arg-type]  # _require() refused None
    product.full_clean()
    product.save()
    changes = audit.diff(before, audit.snapshot(product))
    if changes:
        audit.record(user, product, AuditEvent.Action.UPDATE, changes, verb="product.update")
    return product


@transaction.atomic
def delete_product(user: User, product: Product) -> None:
    _require(can_delete(user) and can_edit_producer(user, product.producer))
    audit.record(
        user,
        product,
        AuditEvent.Action.DELETE,
        audit.diff(audit.snapshot(product), {}),
        verb="product.delete",
    )
    for photo in product.photos.all():
        _delete_photo_files(photo)
    product.delete()


@transaction.atomic
def record_rating(
    user: User, product: Product, rating: StarRating, source: str = StarRating.Source.MANUAL
) -> StarRating:
    """Record a decision's star rating and make it the product's current rating."""
    _require(can_record_rating(user, product, rating.stars))
    product = Product.objects.select_for_update().get(pk=product.pk)
    rating.product = product
    rating.source = source
    rating.created_by = user
    if rating.valid_until is None and rating.stars >= 3:
        rating.valid_until = certificate_expiry(rating.decision_date)
    rating.full_clean()
    rating.save()
    before = audit.snapshot(product, ["stars", "status"])
    product.stars = rating.stars
    if rating.stars >= 3:
        expired = rating.valid_until and rating.valid_until < datetime.date.today()
        product.status = ProductStatus.EXPIRED if expired else ProductStatus.RATED
    product.save(update_fields=["stars", "status", "updated_at"])
    changes = audit.diff(before, audit.snapshot(product, ["stars", "status"]))
    decision = f"{rating.decision_number} ({rating.decision_date:%d/%m/%Y})"
    if rating.points is not None:
        decision += f", {Decimal(rating.points).normalize():f}"
    changes["decision"] = [None, decision]
    audit.record(user, product, AuditEvent.Action.RATE, changes, verb="rating.record")
    return rating


def _set_product_field(
    user: User | None, product: Product, verb: str, name: str, value: object, note: str
) -> Product:
    """Lock the product's row, write one field and audit the change under `verb`; a no-op (no save, no
    event) when it already has that value. The caller holds the transaction."""
    current = Product.objects.select_for_update().get(pk=product.pk)
    if getattr(current, name) != value:
        audit.update(user, current, verb, {name: value}, note=note)
    return current


@transaction.atomic
def set_status(user: User | None, product: Product, status: str, *, note: str = "") -> Product:
    """Set the product's status on behalf of another app's process (a dossier filed, a certificate
    revoked or expired), so the registry stays the only writer of its products and every change is
    locked and audited (old → new). `user` is None for system runs such as the nightly expiry.
    The caller decides whether the change is allowed; returns the stored (locked) product."""
    return _set_product_field(user, product, "product.set_status", "status", status, note)


@transaction.atomic
def assign_ocop_code(user: User, product: Product, code: str, *, note: str = "") -> Product:
    """Give the product its OCOP code (the first dossier filed for it assigns one), through the registry
    so the change is locked and audited like any other product change. No-op when it already has it."""
    return _set_product_field(user, product, "product.assign_ocop_code", "ocop_code", code, note)


@transaction.atomic
def add_photo(user: User, product: Product, upload: File, caption: str = "") -> ProductPhoto:
    """Validate an uploaded image by its content, re-encode it and store it with a thumbnail."""
    _require(can_edit_producer(user, product.producer))
    processed: ProcessedImage = process_photo(upload)  # raises ValidationError on bad input
    last = product.photos.aggregate(last=Max("position"))["last"]
    photo = ProductPhoto(
        product=product, caption=caption, uploaded_by=user, position=0 if last is None else last + 1
    )
    width, height = get_image_dimensions(processed.full)
    try:
        photo.image.save(processed.name, processed.full, save=False)
        photo.thumbnail.save(processed.thumbnail_name, processed.thumbnail, save=False)
        # Saving reads the dimensions from the (by then consumed) upload buffer and gets none: set them.
        photo.width, photo.height = width or 0, height or 0
        photo.full_clean(exclude=["image", "thumbnail"])
        photo.save()
        audit.record(
            user, product, AuditEvent.Action.UPDATE, {"photos": [None, photo.image.name]}, verb="photo.add"
        )
    except Exception:
        # The files are written before the row; a failed save must not leave orphans in storage.
        for name in (photo.image.name, photo.thumbnail.name):
            if name:
                photo.image.storage.delete(name)
        raise
    return photo


def _delete_photo_files(photo: ProductPhoto) -> None:
    storage_names = [photo.image.name, photo.thumbnail.name]
    storage = photo.image.storage
    transaction.on_commit(lambda: [storage.delete(n) for n in storage_names if n])  # type: ignore[func-returns-value]  # the list is only a loop


@transaction.atomic
def delete_photo(user: User, photo: ProductPhoto) -> None:
    _require(can_edit_producer(user, photo.product.producer))
    audit.record(
        user,
        photo.product,
        AuditEvent.Action.UPDATE,
        {"photos": [photo.image.name, None]},
        verb="photo.delete",
    )
    _delete_photo_files(photo)
    photo.delete()


# --- Spreadsheet imports: the job's life (the work itself is in imports/, run by tasks.py) -------


def start_import(user: User, kind: str, upload: File, enqueue: bool = True) -> ImportJob:
    """Store the uploaded file in a new job and queue its check (the dry run)."""
    if not can_import(user):
        raise PermissionDenied(_("You are not allowed to do this."))
    if kind not in KINDS:
        raise ValidationError(_("Unknown kind of import."))
    check_upload(upload)
    job = ImportJob(kind=kind, created_by=user, original_name=(upload.name or "")[:255])
    job.file.save(storage_name(upload.name), upload, save=False)
    job.save()
    if enqueue:
        tasks.check_import.enqueue(job.pk)
    return job


def confirm_import(user: User, job: ImportJob, enqueue: bool = True) -> bool:
    """Queue the write of a checked job; False when the job is not (or no longer) waiting for it."""
    if not can_import(user) or (job.created_by_id != user.pk and not user.is_superuser):
        raise PermissionDenied(_("You are not allowed to do this."))
    claimed = ImportJob.objects.filter(pk=job.pk, status=ImportJob.Status.CHECKED).update(
        status=ImportJob.Status.IMPORTING, processed_rows=0, heartbeat_at=timezone.now()
    )
    if not claimed:
        return False
    if enqueue:
        tasks.write_import.enqueue(job.pk)
    return True
