"""Exporting producers and products as spreadsheets in the import layout (ocop.registry.spreadsheets),
narrowed by the list pages' filters, and the example row of the import templates."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Max, OuterRef, Subquery
from django.utils.translation import gettext as _

from ocop.accounts.access import has_role
from ocop.accounts.models import Role
from ocop.places.models import Commune

from .filters import ProducerFilter, ProductFilter
from .imports.plan import PRODUCER_FIELDS, PRODUCT_FIELDS
from .models import Producer, Product, StarRating
from .spreadsheets.columns import LAYOUTS
from .spreadsheets.writing import example_record

EXPORTERS = (Role.PROVINCE_OFFICER, Role.COMMUNE_OFFICER, Role.MINISTRY)


def can_export(user) -> bool:
    return has_role(user, *EXPORTERS)


def producer_records(producers: Iterable[Producer]) -> Iterator[dict[str, Any]]:
    """Producers as layout records (column key → stored value)."""
    for e in producers:
        record = {f: getattr(e, f) for f in PRODUCER_FIELDS}
        record.update(tax_code=e.tax_code, commune_code=e.commune_id, commune_name=e.commune.name)
        yield record


def product_records(products: Iterable[Product]) -> Iterator[dict[str, Any]]:
    """Products as layout records; the rating columns carry the newest recorded decision."""
    for p in products:
        record = {f: getattr(p, f) for f in PRODUCT_FIELDS}
        record.update(
            producer_tax_code=p.producer.tax_code, producer_name=p.producer.name, sheet=p.product_set,
            stars=p.stars, decision_number=getattr(p, "last_decision_number", None) or "",
            decision_date=getattr(p, "last_decision_date", None),
        )  # fmt: skip
        yield record


def export_producers(user, params=None, request=None):
    """The producers a user may see, narrowed by the list page's filters (ProducerFilter)."""
    queryset = Producer.objects.visible_to(user).select_related("commune").order_by("name", "id")
    if params and params.get("sort") in ("stars", "-stars"):
        queryset = queryset.annotate(best_stars=Max("products__stars"))
    return _filtered(ProducerFilter, queryset, params, request)


def export_products(user, params=None, request=None):
    """The products a user may see, narrowed by the list page's filters (ProductFilter)."""
    newest = StarRating.objects.filter(product=OuterRef("pk")).order_by("-decision_date", "-id")
    queryset = (
        Product.objects.visible_to(user)
        .select_related("producer")
        .annotate(
            last_decision_number=Subquery(newest.values("decision_number")[:1]),
            last_decision_date=Subquery(newest.values("decision_date")[:1]),
        )
        .order_by("producer__name", "name_vi", "id")
    )
    return _filtered(ProductFilter, queryset, params, request)


def _filtered(filterset_class, queryset, params, request):
    if not params or request is None:
        return queryset
    filterset = filterset_class(params, queryset=queryset, request=request)
    if not filterset.form.is_valid():
        raise ValidationError(_("The filters of this export are not valid."))
    return filterset.qs


def export_records(kind: str, user, params=None, request=None) -> Iterator[dict[str, Any]]:
    if kind == "producers":
        return producer_records(export_producers(user, params, request).iterator(chunk_size=2000))
    return product_records(export_products(user, params, request).iterator(chunk_size=2000))


def template_example(kind: str, user) -> dict[str, Any]:
    """The example row of a template, with a real commune of the user's province."""
    province = user.province_id or settings.OCOP_DEFAULT_PROVINCE_CODE
    commune = Commune.objects.filter(province_id=province).order_by("code").first()
    overrides = {}
    if commune and kind == "producers":
        overrides = {"commune_code": commune.code, "commune_name": commune.name}
    return example_record(LAYOUTS[kind], overrides)
