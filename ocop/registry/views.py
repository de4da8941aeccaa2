"""Registry pages: lists, details, forms and photos of producers (producers) and products.

Thin by design: a view finds the object through the user's scope (outside it → 404), checks the role
(a forbidden action → 403), binds a form and hands every write to services.py.
"""

from __future__ import annotations

import mimetypes

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import FieldDoesNotExist, PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Max, OuterRef, Q, Subquery
from django.db.models.deletion import ProtectedError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ocop.accounts.access import REGISTRY_EDITORS, REGISTRY_READERS, has_role, role_required
from ocop.accounts.models import Role
from ocop.core import audit
from ocop.core.forms import apply_errors
from ocop.core.views import public

from . import services
from .filters import ProducerFilter, ProductFilter, modern_channel_exists
from .forms import PhotoForm, ProducerForm, ProductForm, RatingForm, SalesChannelFormSet
from .identifiers import is_vietnam_gtin
from .models import Producer, Product, ProductPhoto, SalesChannel

PRODUCER_CREATORS = (Role.PROVINCE_OFFICER, Role.COMMUNE_OFFICER)
GET_POST = require_http_methods(["GET", "POST"])
PHOTO_TYPES = {".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png", ".webp": "image/webp"}


def _page(request, queryset):
    return Paginator(queryset, settings.OCOP_PAGE_SIZE).get_page(request.GET.get("page"))


def _product(request, pk: int, queryset=None) -> Product:
    """A product the user may see, or 404 — whether it does not exist or is outside their area."""
    queryset = queryset if queryset is not None else Product.objects.all()
    return get_object_or_404(
        queryset.visible_to(request.user).select_related("producer__commune__province"), pk=pk
    )


def _editable_product(request, pk: int) -> Product:
    product = _product(request, pk)
    if not services.can_edit_product(request.user, product):
        raise PermissionDenied
    return product


def _producer(request, pk: int) -> Producer:
    return get_object_or_404(
        Producer.objects.visible_to(request.user).select_related("commune__province"), pk=pk
    )


def _editable_producer(request, pk: int) -> Producer:
    producer = _producer(request, pk)
    if not services.can_edit_producer(request.user, producer):
        raise PermissionDenied
    return producer


# --- Products --------------------------------------------------------------------------------------


# Long texts the list never shows: left out of its query.
LONG_PRODUCT_TEXT = (
    "description_vi",
    "description_en",
    "story_vi",
    "story_en",
    "label_details",
    "search_key",
)


def _first_photo():
    return Subquery(
        ProductPhoto.objects.filter(product=OuterRef("pk")).order_by("position", "id").values("pk")[:1]
    )


@role_required(*REGISTRY_READERS)
@require_GET
def product_list(request):
    products = (
        Product.objects.visible_to(request.user)
        .select_related("producer__commune")
        .defer(*LONG_PRODUCT_TEXT)
        .annotate(first_photo_id=_first_photo())
    )
    filterset = ProductFilter(request.GET, queryset=products, request=request)
    return render(
        request,
        "registry/product_list.html",
        {
            "filter": filterset,
            "page_obj": _page(request, filterset.qs),
            "can_create": has_role(request.user, *REGISTRY_EDITORS),
        },
    )


@role_required(*REGISTRY_READERS)
@require_GET
def product_detail(request, pk: int):
    return _render_product(request, _product(request, pk), PhotoForm())


def _render_product(request, product: Product, photo_form: PhotoForm, status: int = 200):
    user = request.user
    can_edit = services.can_edit_product(user, product)
    language = get_language() or "vi"
    classification = product.classification
    english = language.startswith("en")
    names = {}
    if classification:
        names = {
            "group": classification.group_en if english else classification.group_vi,
            "subgroup": classification.subgroup_en if english else classification.subgroup_vi,
            "set": classification.name(language),
        }
    context = {
        "product": product,
        "classification": classification,
        "names": names,
        "vietnam_gtin": bool(product.gtin) and is_vietnam_gtin(product.gtin),
        "photos": list(product.photos.all()),
        "ratings": list(product.ratings.select_related("created_by")),
        "can_edit": can_edit,
        "can_delete": can_edit and services.can_delete(user),
        "can_rate": can_edit and services.can_record_rating(user, product),
        "photo_form": photo_form,
        "tab": "detail",
    }
    return render(request, "registry/product_detail.html", context, status=status)


@role_required(*REGISTRY_EDITORS)
@GET_POST
def product_create(request):
    user = request.user
    initial = {}
    if request.GET.get("producer", "").isdigit():
        initial["producer"] = request.GET["producer"]
    form = ProductForm(request.POST or None, user=user, initial=initial, language=get_language() or "vi")
    if request.method == "POST" and form.is_valid():
        try:
            product = services.create_product(user, form.instance)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Product “%(name)s” created.") % {"name": product.name_vi})
            return redirect(product)
    return render(request, "registry/product_form.html", {"form": form, "product": None})


@role_required(*REGISTRY_EDITORS)
@GET_POST
def product_edit(request, pk: int):
    product = _editable_product(request, pk)
    form = ProductForm(
        request.POST or None, instance=product, user=request.user, language=get_language() or "vi"
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.update_product(request.user, form.instance)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Changes saved."))
            return redirect(product)
    return render(
        request, "registry/product_form.html", {"form": form, "product": _product(request, pk), "tab": "edit"}
    )


@role_required(Role.PROVINCE_OFFICER)
@GET_POST
def product_delete(request, pk: int):
    product = _editable_product(request, pk)
    if request.method == "POST":
        try:
            services.delete_product(request.user, product)
        except (ValidationError, ProtectedError):
            messages.error(
                request, _("This product is used elsewhere (e.g. a dossier) and cannot be deleted.")
            )
            return redirect(product)
        messages.success(request, _("Product “%(name)s” deleted.") % {"name": product.name_vi})
        return redirect("registry:product_list")
    return render(
        request,
        "registry/confirm_delete.html",
        {"object": product, "cancel_url": product.get_absolute_url(), "kind": _("product")},
    )


@role_required(*REGISTRY_READERS)
@require_GET
def product_history(request, pk: int):
    product = _product(request, pk)
    return _render_history(request, product, "registry/product_history.html", {"product": product})


@role_required(Role.PROVINCE_OFFICER)
@GET_POST
def product_rate(request, pk: int):
    product = _editable_product(request, pk)
    if not services.can_record_rating(request.user, product):
        raise PermissionDenied
    form = RatingForm(request.POST or None, criteria_set_id=product.criteria_set)
    if request.method == "POST" and form.is_valid():
        try:
            rating = services.record_rating(request.user, product, form.instance)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(
                request,
                _("Rating recorded: %(stars)d stars, decision %(number)s.")
                % {"stars": rating.stars, "number": rating.decision_number},
            )
            return redirect(product)
    return render(request, "registry/product_rate.html", {"form": form, "product": product, "tab": "rate"})


# --- Photos ----------------------------------------------------------------------------------------


@role_required(*REGISTRY_EDITORS)
@require_POST
def photo_add(request, pk: int):
    product = _editable_product(request, pk)
    form = PhotoForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.add_photo(
                request.user, product, form.cleaned_data["image"], form.cleaned_data["caption"]
            )
        except ValidationError as exc:
            form.add_error("image", exc.messages)
        else:
            messages.success(request, _("Photo added."))
            return redirect(product.get_absolute_url() + "#photos")
    return _render_product(request, product, form, status=400)


@role_required(*REGISTRY_EDITORS)
@require_POST
def photo_delete(request, pk: int):
    photo = get_object_or_404(
        ProductPhoto.objects.filter(product__in=Product.objects.visible_to(request.user)).select_related(
            "product__producer"
        ),
        pk=pk,
    )
    if not services.can_edit_product(request.user, photo.product):
        raise PermissionDenied
    services.delete_photo(request.user, photo)
    messages.success(request, _("Photo deleted."))
    return redirect(photo.product.get_absolute_url() + "#photos")


@role_required(*REGISTRY_READERS)
@require_GET
def photo_file(request, pk: int, variant: str):
    """Stream a photo through the storage API to someone who may see its product; never a public URL."""
    return photo_response(request.user, pk, variant)


@public
@require_GET
def photo_public(request, pk: int):
    """The thumbnail of a product on the market — rated (it has stars) or sold in batches that consumers
    scan (Circular 02/2024 wants its image on the trace page) — for anyone, cacheable by a CDN."""
    on_market = Product.objects.filter(Q(stars__isnull=False) | Q(batches__isnull=False))
    response = photo_response(request.user, pk, "thumb", products=on_market)
    response["Cache-Control"] = "public, max-age=86400"
    return response


def photo_response(user, pk: int, variant: str, products=None) -> FileResponse:
    """The photo (variant "full" or "thumb") of a product `user` may see (or one of `products`), or 404.
    Shared with the API, where machine clients come with a bearer token instead of a session."""
    if variant not in ("full", "thumb"):
        raise Http404
    products = Product.objects.visible_to(user) if products is None else products
    photo = get_object_or_404(ProductPhoto.objects.filter(product__in=products.values("pk")), pk=pk)
    field = photo.image if variant == "full" else photo.thumbnail
    if not field.name:
        raise Http404
    try:
        handle = field.storage.open(field.name, "rb")
    except (FileNotFoundError, OSError) as exc:
        raise Http404 from exc
    suffix = "." + field.name.rsplit(".", 1)[-1].lower() if "." in field.name else ""
    content_type = (
        PHOTO_TYPES.get(suffix) or mimetypes.guess_type(field.name)[0] or "application/octet-stream"
    )
    response = FileResponse(handle, content_type=content_type)
    # Stored names never change (a new upload gets a new name), so clients may keep it; only private caches.
    response["Cache-Control"] = "private, max-age=86400"
    response["Content-Disposition"] = "inline"
    return response


# --- Producers -------------------------------------------------------------------------------------


@role_required(*REGISTRY_READERS)
@require_GET
def producer_list(request):
    producers = (
        Producer.objects.visible_to(request.user)
        .select_related("commune")
        .annotate(
            product_count=Count("products", distinct=True),
            best_stars=Max("products__stars"),
            modern=modern_channel_exists(),
        )
        .order_by("name", "id")
    )
    filterset = ProducerFilter(request.GET, queryset=producers, request=request)
    return render(
        request,
        "registry/producer_list.html",
        {
            "filter": filterset,
            "page_obj": _page(request, filterset.qs),
            "can_create": has_role(request.user, *PRODUCER_CREATORS),
        },
    )


@role_required(*REGISTRY_READERS)
@require_GET
def producer_detail(request, pk: int):
    producer = _producer(request, pk)
    user = request.user
    can_edit = services.can_edit_producer(user, producer)
    products = (
        Product.objects.visible_to(user)
        .filter(producer=producer)
        .annotate(first_photo_id=_first_photo())
        .order_by("name_vi", "id")
    )
    context = {
        "producer": producer,
        "channels": list(producer.sales_channels.all()),
        "products": list(products),
        "can_edit": can_edit,
        "can_delete": can_edit and services.can_delete(user),
        "can_add_product": can_edit,
        "tab": "detail",
    }
    context["uses_modern_channel"] = any(c.is_modern for c in context["channels"])
    return render(request, "registry/producer_detail.html", context)


@role_required(*PRODUCER_CREATORS)
@GET_POST
def producer_create(request):
    form = ProducerForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            producer = services.create_producer(request.user, form.instance)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Producer “%(name)s” created.") % {"name": producer.name})
            return redirect(producer)
    return render(request, "registry/producer_form.html", {"form": form, "producer": None})


@role_required(*REGISTRY_EDITORS)
@GET_POST
def producer_edit(request, pk: int):
    producer = _editable_producer(request, pk)
    form = ProducerForm(request.POST or None, instance=producer, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_producer(request.user, form.instance)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Changes saved."))
            return redirect(producer)
    return render(
        request,
        "registry/producer_form.html",
        {"form": form, "producer": _producer(request, pk), "tab": "edit"},
    )


@role_required(*REGISTRY_EDITORS)
@GET_POST
def producer_channels(request, pk: int):
    producer = _editable_producer(request, pk)
    formset = SalesChannelFormSet(
        request.POST or None, instance=producer, queryset=SalesChannel.objects.filter(producer=producer)
    )
    if request.method == "POST" and formset.is_valid():
        changed = formset.save(commit=False)
        try:
            services.set_sales_channels(request.user, producer, changed, list(formset.deleted_objects))
        except ValidationError as exc:
            formset.non_form_errors().extend(exc.messages)
        else:
            messages.success(request, _("Sales channels saved."))
            return redirect(producer.get_absolute_url() + "#channels")
    return render(
        request,
        "registry/producer_channels.html",
        {"formset": formset, "producer": producer, "tab": "channels"},
    )


@role_required(Role.PROVINCE_OFFICER)
@GET_POST
def producer_delete(request, pk: int):
    producer = _editable_producer(request, pk)
    if request.method == "POST":
        try:
            services.delete_producer(request.user, producer)
        except (ValidationError, ProtectedError) as exc:
            text = (
                exc.messages[0] if isinstance(exc, ValidationError) else _("This producer is still in use.")
            )
            messages.error(request, text)
            return redirect(producer)
        messages.success(request, _("Producer “%(name)s” deleted.") % {"name": producer.name})
        return redirect("registry:producer_list")
    return render(
        request,
        "registry/confirm_delete.html",
        {
            "object": producer,
            "cancel_url": producer.get_absolute_url(),
            "kind": _("producer"),
            "blocked": producer.products.exists(),
        },
    )


@role_required(*REGISTRY_READERS)
@require_GET
def producer_history(request, pk: int):
    producer = _producer(request, pk)
    return _render_history(request, producer, "registry/producer_history.html", {"producer": producer})


# --- History ---------------------------------------------------------------------------------------


def _internal(model, name: str) -> bool:
    """Derived columns (the search key) change with the fields they come from: not worth a line."""
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:
        return False
    return field.concrete and not field.editable


def _field_label(model, name: str) -> str:
    special = {"photos": _("photos"), "sales_channels": _("sales channels"), "decision": _("decision")}
    if name in special:
        return special[name]
    try:
        return str(model._meta.get_field(name).verbose_name)
    except FieldDoesNotExist:  # a field that no longer exists: show its stored name
        return name


def _shown(value) -> str:
    """An audit value as text: lists joined, booleans in words, nothing as a dash."""
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, list | tuple):
        return "; ".join(str(v) for v in value)
    return str(value)


def _render_history(request, obj, template: str, context: dict):
    page = _page(request, audit.history(obj))
    model = type(obj)
    rows = [
        {
            "event": event,
            "changes": [
                {"field": _field_label(model, name), "old": _shown(values[0]), "new": _shown(values[1])}
                for name, values in sorted(event.changes.items())
                if isinstance(values, list | tuple) and len(values) == 2 and not _internal(model, name)
            ],
        }
        for event in page.object_list
    ]
    return render(request, template, {**context, "page_obj": page, "rows": rows, "tab": "history"})
