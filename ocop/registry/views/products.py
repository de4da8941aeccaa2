"""The product pages: list, detail, forms, rating, history, and the product's photos.

Thin by design: a view finds the object through the user's scope (outside it → 404), checks the role
(a forbidden action → 403), binds a form and hands every write to services.py.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.db.models.deletion import ProtectedError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from ocop.accounts.access import REGISTRY_EDITORS, REGISTRY_READERS, has_role, role_required
from ocop.accounts.models import Role
from ocop.core.forms import apply_errors
from ocop.core.views import page_of, public

from .. import services
from ..filters import ProductFilter
from ..forms import PhotoForm, ProductForm, RatingForm
from ..identifiers import is_vietnam_gtin
from ..media import photo_response
from ..models import Product, ProductPhoto
from ._shared import GET_POST, first_photo, render_history


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


# Long texts the list never shows: left out of its query.
LONG_PRODUCT_TEXT = (
    "description_vi",
    "description_en",
    "story_vi",
    "story_en",
    "label_details",
    "search_key",
)


@role_required(*REGISTRY_READERS)
@require_GET
def product_list(request):
    products = (
        Product.objects.visible_to(request.user)
        .select_related("producer__commune")
        .defer(*LONG_PRODUCT_TEXT)
        .annotate(first_photo_id=first_photo())
    )
    filterset = ProductFilter(request.GET, queryset=products, request=request)
    return render(
        request,
        "registry/product_list.html",
        {
            "filter": filterset,
            "page_obj": page_of(request, filterset.qs),
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
    return render_history(request, product, "registry/product_history.html", {"product": product})


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
