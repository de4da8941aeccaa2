"""Every change to producers and products: check permission → change in one transaction → audit event."""

from __future__ import annotations

import datetime

from dateutil.relativedelta import relativedelta
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from ocop.accounts.access import has_role
from ocop.accounts.models import Role
from ocop.core import audit
from ocop.core.models import AuditEvent

from .images import ProcessedImage, process_photo
from .models import Entity, Product, ProductPhoto, ProductStatus, SalesChannel, StarRating

CERTIFICATE_MONTHS = 36
# Fields a producer may not change on its own products: they follow from the evaluation.
OFFICIAL_PRODUCT_FIELDS = {"stars", "status", "criteria_set"}


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied(_("You are not allowed to do this."))


def can_edit_entity(user, entity: Entity) -> bool:
    return Entity.objects.editable_by(user).filter(pk=entity.pk).exists()


def can_create_entity(user, commune_id: str) -> bool:
    if has_role(user, Role.PROVINCE_OFFICER) and not user.is_superuser:
        from ocop.places.models import Commune

        return Commune.objects.filter(pk=commune_id, province_id=user.province_id).exists()
    if has_role(user, Role.COMMUNE_OFFICER) and not user.is_superuser:
        return commune_id == user.commune_id
    return user.is_superuser


def can_delete(user) -> bool:
    return has_role(user, Role.PROVINCE_OFFICER)


def can_record_rating(user, product: Product) -> bool:
    return has_role(user, Role.PROVINCE_OFFICER) and can_edit_entity(user, product.entity)


@transaction.atomic
def create_entity(user, entity: Entity) -> Entity:
    _require(can_create_entity(user, entity.commune_id))
    entity.full_clean()
    entity.save()
    audit.record(user, entity, AuditEvent.Action.CREATE, audit.diff({}, audit.snapshot(entity)))
    return entity


@transaction.atomic
def update_entity(user, entity: Entity, before: dict) -> Entity:
    """Save an entity whose fields a form has already changed; `before` is its snapshot beforehand."""
    _require(can_edit_entity(user, entity))
    if entity.commune_id and not can_create_entity(user, entity.commune_id) and not has_role(user, Role.PRODUCER):
        raise PermissionDenied(_("You cannot move a producer outside your area."))
    entity.full_clean()
    entity.save()
    changes = audit.diff(before, audit.snapshot(entity))
    if changes:
        audit.record(user, entity, AuditEvent.Action.UPDATE, changes)
    return entity


@transaction.atomic
def delete_entity(user, entity: Entity) -> None:
    _require(can_delete(user) and can_edit_entity(user, entity))
    if entity.products.exists():
        raise ValidationError(_("This producer still has products; delete or move them first."))
    audit.record(user, entity, AuditEvent.Action.DELETE, audit.diff(audit.snapshot(entity), {}))
    entity.delete()


@transaction.atomic
def set_sales_channels(user, entity: Entity, channels: list[SalesChannel], removed: list[SalesChannel]) -> None:
    _require(can_edit_entity(user, entity))
    before = sorted(str(c) for c in entity.sales_channels.all())
    for channel in removed:
        if channel.pk and channel.entity_id == entity.pk:
            channel.delete()
    for channel in channels:
        channel.entity = entity
        channel.full_clean()
        channel.save()
    after = sorted(str(c) for c in entity.sales_channels.all())
    if before != after:
        audit.record(user, entity, AuditEvent.Action.UPDATE, {"sales_channels": [before, after]})


@transaction.atomic
def create_product(user, product: Product) -> Product:
    _require(can_edit_entity(user, product.entity))
    if has_role(user, Role.PRODUCER) and not user.is_superuser:
        product.stars, product.status = None, ProductStatus.IDEA
    product.full_clean()
    product.save()
    audit.record(user, product, AuditEvent.Action.CREATE, audit.diff({}, audit.snapshot(product)))
    return product


@transaction.atomic
def update_product(user, product: Product, before: dict) -> Product:
    original = Product.objects.select_for_update().select_related("entity").get(pk=product.pk)
    _require(can_edit_entity(user, original.entity) and can_edit_entity(user, product.entity))
    if has_role(user, Role.PRODUCER) and not user.is_superuser:
        for field in OFFICIAL_PRODUCT_FIELDS:
            setattr(product, field, getattr(original, field))
    product.full_clean()
    product.save()
    changes = audit.diff(before, audit.snapshot(product))
    if changes:
        audit.record(user, product, AuditEvent.Action.UPDATE, changes)
    return product


@transaction.atomic
def delete_product(user, product: Product) -> None:
    _require(can_delete(user) and can_edit_entity(user, product.entity))
    audit.record(user, product, AuditEvent.Action.DELETE, audit.diff(audit.snapshot(product), {}))
    for photo in product.photos.all():
        _delete_photo_files(photo)
    product.delete()


def certificate_expiry(decision_date: datetime.date) -> datetime.date:
    """A 3★+ certificate is valid 36 months (Decision 26/2026, Art. 4.3)."""
    return decision_date + relativedelta(months=CERTIFICATE_MONTHS)


@transaction.atomic
def record_rating(user, product: Product, rating: StarRating, source: str = StarRating.Source.MANUAL) -> StarRating:
    """Record a decision's star rating and make it the product's current rating."""
    _require(can_record_rating(user, product))
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
    changes["decision"] = [None, f"{rating.decision_number} ({rating.decision_date:%d/%m/%Y})"]
    audit.record(user, product, AuditEvent.Action.RATE, changes)
    return rating


@transaction.atomic
def add_photo(user, product: Product, upload, caption: str = "") -> ProductPhoto:
    """Validate an uploaded image by its content, re-encode it and store it with a thumbnail."""
    _require(can_edit_entity(user, product.entity))
    processed: ProcessedImage = process_photo(upload)  # raises ValidationError on bad input
    photo = ProductPhoto(product=product, caption=caption, uploaded_by=user, position=product.photos.count())
    photo.image.save(processed.name, processed.full, save=False)
    photo.thumbnail.save(processed.thumbnail_name, processed.thumbnail, save=False)
    photo.save()
    audit.record(user, product, AuditEvent.Action.UPDATE, {"photos": [None, photo.image.name]})
    return photo


def _delete_photo_files(photo: ProductPhoto) -> None:
    storage_names = [photo.image.name, photo.thumbnail.name]
    transaction.on_commit(lambda: [photo.image.storage.delete(n) for n in storage_names if n])


@transaction.atomic
def delete_photo(user, photo: ProductPhoto) -> None:
    _require(can_edit_entity(user, photo.product.entity))
    audit.record(user, photo.product, AuditEvent.Action.UPDATE, {"photos": [photo.image.name, None]})
    _delete_photo_files(photo)
    photo.delete()
