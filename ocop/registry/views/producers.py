"""The producer pages: list, detail, forms, sales channels, history.

Thin by design: a view finds the object through the user's scope (outside it → 404), checks the role
(a forbidden action → 403), binds a form and hands every write to services.py.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Max
from django.db.models.deletion import ProtectedError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from ocop.accounts.access import REGISTRY_EDITORS, REGISTRY_READERS, has_role, role_required
from ocop.accounts.models import Role
from ocop.core.forms import apply_errors
from ocop.core.views import page_of

from .. import services
from ..filters import ProducerFilter, modern_channel_exists
from ..forms import ProducerForm, SalesChannelFormSet
from ..models import Producer, Product, SalesChannel
from ._shared import GET_POST, first_photo, render_history

PRODUCER_CREATORS = (Role.PROVINCE_OFFICER, Role.COMMUNE_OFFICER)


def _producer(request, pk: int) -> Producer:
    return get_object_or_404(
        Producer.objects.visible_to(request.user).select_related("commune__province"), pk=pk
    )


def _editable_producer(request, pk: int) -> Producer:
    producer = _producer(request, pk)
    if not services.can_edit_producer(request.user, producer):
        raise PermissionDenied
    return producer


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
            "page_obj": page_of(request, filterset.qs),
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
        .annotate(first_photo_id=first_photo())
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
    return render_history(request, producer, "registry/producer_history.html", {"producer": producer})
