"""Read endpoints for producers and products, for machine clients and signed-in people.

Everything is scoped with `visible_to(user)`: an officer sees their province or commune, a producer its
own producer, the Ministry everything, a machine client only what its account is scoped to. An object
outside the scope answers 404, exactly as one that does not exist, so ids reveal nothing.
"""

import datetime

from django.db.models import Count, Exists, OuterRef, Prefetch
from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from ninja import Field, Query, Router, Schema
from pydantic import field_validator

from ocop.accounts.access import REGISTRY_READERS
from ocop.accounts.auth import api_auth, declare_roles
from ocop.accounts.models import Role
from ocop.core.api.pagination import PageMeta, PageParams, paginate
from ocop.core.api.problems import ApiProblem
from ocop.core.text import fold
from ocop.criteria.classification import CURRENT_SET, groups, product_sets

from .identifiers import InvalidIdentifier, normalize_gtin
from .media import photo_response
from .models import Producer, ProducerType, Product, ProductPhoto, ProductStatus, SalesChannel, StarRating

API_READERS = (*REGISTRY_READERS, Role.INTEGRATOR)

# URL variants of the photo endpoint for the full image and its thumbnail.
PHOTO_VARIANTS = {"url": "full", "thumbnail_url": "thumb"}

producers = Router(tags=["Producers"], auth=api_auth(*API_READERS))
products = Router(tags=["Products"], auth=api_auth(*API_READERS))


def _words(q: str | None) -> list[str]:
    return fold(q or "").split()


# --- Schemas ----------------------------------------------------------------------------------------


class PlaceRef(Schema):
    code: str
    name: str


class ProducerSummary(Schema):
    id: int
    name: str = Field(..., description="Legal name.")
    producer_type: ProducerType
    commune: PlaceRef
    province: PlaceRef

    @staticmethod
    def resolve_province(obj: Producer):
        return obj.commune.province


class SalesChannelOut(Schema):
    kind: SalesChannel.Kind
    name: str
    url: str
    modern: bool = Field(..., description="Supermarket, convenience store or e-commerce.")

    @staticmethod
    def resolve_modern(obj: SalesChannel) -> bool:
        return obj.is_modern


class Workers(Schema):
    total: int
    women: int
    local: int
    ethnic_minority: int


class ProducerOut(ProducerSummary):
    producer_type_label: str = Field(..., description="The type, in the request's language.")
    tax_code: str
    address: str
    phone: str
    email: str
    website: str
    founded_on: datetime.date | None
    representative_name: str
    workers: Workers
    modern_channel: bool = Field(..., description="Sells through at least one modern channel.")
    sales_channels: list[SalesChannelOut]
    product_count: int
    updated_at: datetime.datetime

    @staticmethod
    def resolve_producer_type_label(obj: Producer) -> str:
        return str(obj.get_producer_type_display())

    @staticmethod
    def resolve_workers(obj: Producer) -> dict:
        return {
            "total": obj.staff_total,
            "women": obj.staff_female,
            "local": obj.staff_local,
            "ethnic_minority": obj.staff_ethnic_minority,
        }

    @staticmethod
    def resolve_modern_channel(obj: Producer) -> bool:
        return obj.has_modern_channel

    @staticmethod
    def resolve_sales_channels(obj: Producer) -> list:
        return list(obj.sales_channels.all())


class CodeName(Schema):
    code: str
    name_vi: str
    name_en: str


class Classification(Schema):
    criteria_set: str = Field(
        ..., description="The criteria the product is classified under.", examples=[CURRENT_SET]
    )
    group: CodeName
    subgroup: CodeName
    product_set: CodeName
    sheet: int = Field(..., description="Number of the scoring sheet (1–26).")


class PhotoOut(Schema):
    id: int
    caption: str
    width: int
    height: int
    url: str
    thumbnail_url: str

    @staticmethod
    def resolve_url(obj: ProductPhoto, context) -> str:
        return context["request"].build_absolute_uri(
            reverse("api:product_photo", args=[obj.pk, PHOTO_VARIANTS["url"]])
        )

    @staticmethod
    def resolve_thumbnail_url(obj: ProductPhoto, context) -> str:
        return context["request"].build_absolute_uri(
            reverse("api:product_photo", args=[obj.pk, PHOTO_VARIANTS["thumbnail_url"]])
        )


class RatingOut(Schema):
    stars: int
    points: float | None
    criteria_set: str
    decision_number: str
    decision_date: datetime.date
    valid_until: datetime.date | None


class ProductOut(Schema):
    id: int
    name_vi: str
    name_en: str
    producer: ProducerSummary
    classification: Classification | None
    stars: int | None = Field(..., description="The current rating, 1–5; null when never rated.")
    status: ProductStatus
    status_label: str
    gtin: str | None = Field(..., description="GTIN-14, or null.")
    net_quantity: str
    packaging: str
    shelf_life_days: int | None
    description_vi: str
    description_en: str
    photos: list[PhotoOut]
    current_rating: RatingOut | None = Field(..., description="The newest star-rating decision, or null.")
    updated_at: datetime.datetime

    @staticmethod
    def resolve_producer(obj: Product):
        return obj.producer

    @staticmethod
    def resolve_classification(obj: Product) -> dict | None:
        ps = obj.classification
        if ps is None:
            return None
        return {
            "criteria_set": obj.criteria_set,
            "group": {"code": ps.group_code, "name_vi": ps.group_vi, "name_en": ps.group_en},
            "subgroup": {"code": ps.subgroup_code, "name_vi": ps.subgroup_vi, "name_en": ps.subgroup_en},
            "product_set": {"code": ps.code, "name_vi": ps.name_vi, "name_en": ps.name_en},
            "sheet": ps.sheet,
        }

    @staticmethod
    def resolve_status_label(obj: Product) -> str:
        return str(obj.get_status_display())

    @staticmethod
    def resolve_gtin(obj: Product) -> str | None:
        return obj.gtin or None

    @staticmethod
    def resolve_photos(obj: Product) -> list:
        return list(obj.photos.all())

    @staticmethod
    def resolve_current_rating(obj: Product):
        ratings = getattr(obj, "ratings_newest_first", None)
        if ratings is None:
            ratings = list(obj.ratings.order_by("-decision_date", "-id")[:1])
        return ratings[0] if ratings else None


class ProducerPage(PageMeta):
    results: list[ProducerOut]


class ProductPage(PageMeta):
    results: list[ProductOut]


# --- Filters ----------------------------------------------------------------------------------------

PROVINCE_CODE = r"^\d{2}$"
COMMUNE_CODE = r"^\d{5}$"


class ProducerFilters(Schema):
    province: str | None = Field(None, pattern=PROVINCE_CODE, description="Province code.")
    commune: str | None = Field(None, pattern=COMMUNE_CODE, description="Commune code.")
    producer_type: ProducerType | None = None
    q: str | None = Field(
        None, max_length=100, description="Words in the name, tax code or representative; accents optional."
    )
    modern_channel: bool | None = Field(
        None, description="true: sells through a modern channel; false: does not."
    )


class ProductFilters(Schema):
    province: str | None = Field(None, pattern=PROVINCE_CODE, description="Province code of the producer.")
    commune: str | None = Field(None, pattern=COMMUNE_CODE, description="Commune code of the producer.")
    group: str | None = Field(None, description="Product group code (I–VI).")
    product_set: str | None = Field(None, description="Product set code, e.g. I.3.a.")
    sheet: int | None = Field(None, ge=1, description="Scoring sheet number.")
    stars: int | None = Field(None, ge=1, le=5)
    status: ProductStatus | None = None
    producer: int | None = Field(None, ge=1, description="Producer id.")
    entity: int | None = Field(None, ge=1, description="Former name of `producer`, still accepted.")
    gtin: str | None = Field(
        None, max_length=20, description="GTIN-8, -12, -13 or -14 (check digit verified)."
    )
    q: str | None = Field(
        None,
        max_length=100,
        description="Words in the Vietnamese or English name or the GTIN; accents optional.",
    )

    @field_validator("group")
    @classmethod
    def _known_group(cls, value):
        if value is not None and value not in {code for code, _vi, _en in groups(CURRENT_SET)}:
            raise ValueError(gettext("Unknown product group; use one of I, II, III, IV, V, VI."))
        return value

    @field_validator("product_set")
    @classmethod
    def _known_product_set(cls, value):
        if value is not None and value not in product_sets(CURRENT_SET):
            raise ValueError(gettext("Unknown product set code."))
        return value

    @field_validator("sheet")
    @classmethod
    def _known_sheet(cls, value):
        if value is not None and value not in {ps.sheet for ps in product_sets(CURRENT_SET).values()}:
            raise ValueError(gettext("Unknown scoring sheet number."))
        return value

    @field_validator("gtin")
    @classmethod
    def _gtin(cls, value):
        if value is None:
            return None
        try:
            return normalize_gtin(value)
        except InvalidIdentifier as exc:
            if str(exc) == "gtin_length":
                raise ValueError(gettext("A GTIN has 8, 12, 13 or 14 digits.")) from exc
            raise ValueError(gettext("This GTIN's check digit is wrong.")) from exc


# --- Query sets -------------------------------------------------------------------------------------


def producer_queryset(user):
    modern = SalesChannel.objects.filter(producer=OuterRef("pk"), kind__in=SalesChannel.MODERN)
    return (
        Producer.objects.visible_to(user)
        .select_related("commune__province")
        .annotate(has_modern_channel=Exists(modern), product_count=Count("products"))
        .prefetch_related("sales_channels")
        .order_by("name", "id")
    )


def product_queryset(user):
    return (
        Product.objects.visible_to(user)
        .select_related("producer__commune__province")
        .prefetch_related(
            "photos",
            Prefetch(
                "ratings",
                queryset=StarRating.objects.order_by("-decision_date", "-id"),
                to_attr="ratings_newest_first",
            ),
        )
        .order_by("name_vi", "id")
    )


def filter_producers(queryset, f: ProducerFilters):
    if f.province:
        queryset = queryset.filter(commune__province_id=f.province)
    if f.commune:
        queryset = queryset.filter(commune_id=f.commune)
    if f.producer_type:
        queryset = queryset.filter(producer_type=f.producer_type)
    for word in _words(f.q):
        queryset = queryset.filter(search_key__contains=word)
    if f.modern_channel is not None:
        queryset = queryset.filter(has_modern_channel=f.modern_channel)
    return queryset


def filter_products(queryset, f: ProductFilters):
    sets = product_sets(CURRENT_SET).values()
    if f.province:
        queryset = queryset.filter(producer__commune__province_id=f.province)
    if f.commune:
        queryset = queryset.filter(producer__commune_id=f.commune)
    if f.group:
        queryset = queryset.filter(product_set__in=[ps.code for ps in sets if ps.group_code == f.group])
    if f.product_set:
        queryset = queryset.filter(product_set=f.product_set)
    if f.sheet:
        queryset = queryset.filter(product_set__in=[ps.code for ps in sets if ps.sheet == f.sheet])
    if f.stars:
        queryset = queryset.filter(stars=f.stars)
    if f.status:
        queryset = queryset.filter(status=f.status)
    if f.producer or f.entity:
        queryset = queryset.filter(producer_id=f.producer or f.entity)
    if f.gtin:
        queryset = queryset.filter(gtin=f.gtin)
    for word in _words(f.q):
        queryset = queryset.filter(search_key__contains=word)
    return queryset


# --- Endpoints --------------------------------------------------------------------------------------


@producers.get("", response=ProducerPage, summary="List producers")
@declare_roles(*API_READERS)
def list_producers(request, filters: Query[ProducerFilters], page: Query[PageParams]):
    """Producers visible to the caller, by name, with filters; paged."""
    return paginate(request, filter_producers(producer_queryset(request.auth), filters), page)


@producers.get("/{int:producer_id}", response=ProducerOut, summary="Get a producer")
@declare_roles(*API_READERS)
def get_producer(request, producer_id: int):
    producer = producer_queryset(request.auth).filter(pk=producer_id).first()
    if producer is None:
        raise ApiProblem(404, _("No producer with this id is visible to you."))
    return producer


@products.get("", response=ProductPage, summary="List products")
@declare_roles(*API_READERS)
def list_products(request, filters: Query[ProductFilters], page: Query[PageParams]):
    """Products visible to the caller, by Vietnamese name, with filters; paged."""
    return paginate(request, filter_products(product_queryset(request.auth), filters), page)


@products.get("/{int:product_id}", response=ProductOut, summary="Get a product")
@declare_roles(*API_READERS)
def get_product(request, product_id: int):
    product = product_queryset(request.auth).filter(pk=product_id).first()
    if product is None:
        raise ApiProblem(404, _("No product with this id is visible to you."))
    return product


@products.get(
    "/photos/{int:photo_id}/{variant}",
    url_name="product_photo",
    summary="Get a product photo (variant full or thumb)",
    response={200: None},
)
@declare_roles(*API_READERS)
def get_product_photo(request, photo_id: int, variant: str):
    """The image bytes (JPEG or WebP), for whoever may see the product — with a token or a session."""
    try:
        return photo_response(request.auth, photo_id, variant)
    except Http404 as exc:
        raise ApiProblem(404, _("No photo with this id is visible to you.")) from exc
