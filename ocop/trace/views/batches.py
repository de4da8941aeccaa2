"""The producers' batch pages: list, create, edit, a batch with its timeline and one button per
value-chain step, and the plain form of each step. Producers work on their own batches, commune and
province officers on those in their scope; a batch outside the user's scope is 404."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Max
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from ocop.accounts.access import REGISTRY_EDITORS, role_required
from ocop.core.views import page_of

from .. import events_forms
from ..forms import STEP_FORMS, BatchForm, SourceFormSet, sources_from, step_form
from ..models import Batch
from ..services import batches
from .public import timeline


def _batch(request, pk: int) -> Batch:
    return get_object_or_404(
        Batch.objects.editable_by(request.user).select_related("product", "producer__commune"), pk=pk
    )


def _apply_errors(form, exc: ValidationError) -> None:
    field = {"lot": "lot", "duplicate": "lot", "lot_locked": "lot", "unit": "unit"}.get(exc.code or "")
    for message in exc.messages:
        form.add_error(field, message)


@role_required(*REGISTRY_EDITORS)
@require_GET
def batch_list(request):
    queryset = (
        Batch.objects.editable_by(request.user)
        .select_related("product", "producer")
        .annotate(event_count=Count("events"), last_event=Max("events__event_time"))
        .order_by("-created_at", "-id")
    )
    products = batches.products_for_batches(request.user).exclude(gtin="").order_by("name_vi", "id")[:200]
    return render(
        request, "trace/batch_list.html", {"page_obj": page_of(request, queryset), "products": products}
    )


@role_required(*REGISTRY_EDITORS)
@require_http_methods(["GET", "POST"])
def batch_create(request):
    product_id = request.GET.get("product") or ""
    if not product_id.isdigit():
        products = batches.products_for_batches(request.user).order_by("name_vi", "id")[:200]
        return render(request, "trace/batch_choose_product.html", {"products": products})
    product = get_object_or_404(batches.products_for_batches(request.user), pk=int(product_id))
    form = BatchForm(request.POST or None)
    sources = SourceFormSet(request.POST or None, prefix="sources")
    if not product.gtin:
        messages.error(
            request, _("This product has no GTIN (barcode number). Add its GTIN on the product page first.")
        )
        return render(
            request,
            "trace/batch_form.html",
            {"product": product, "no_gtin": True},
            status=400 if request.POST else 200,
        )
    if request.method == "POST" and form.is_valid() and sources.is_valid():
        try:
            batch = batches.create_batch(
                request.user, product, form.cleaned_data | {"sources": sources_from(sources)}
            )
        except ValidationError as exc:
            _apply_errors(form, exc)
        except PermissionDenied:
            raise Http404 from None
        else:
            messages.success(request, _("Batch %(lot)s created.") % {"lot": batch.lot})
            return redirect(batch)
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "sources": sources, "product": product}
    return render(request, "trace/batch_form.html", context, status=status)


@role_required(*REGISTRY_EDITORS)
@require_http_methods(["GET", "POST"])
def batch_edit(request, pk: int):
    batch = _batch(request, pk)
    initial = {name: getattr(batch, name) for name in ("lot", "produced_on", "packed_on", "expires_on")}
    initial |= {"best_before": batch.best_before, "quantity": batch.quantity, "unit": batch.unit}
    form = BatchForm(request.POST or None, initial=initial)
    sources = SourceFormSet(request.POST or None, prefix="sources", initial=batch.sources or None)
    if request.method == "POST" and form.is_valid() and sources.is_valid():
        try:
            batches.update_batch(request.user, batch, form.cleaned_data | {"sources": sources_from(sources)})
        except ValidationError as exc:
            batch.refresh_from_db()
            _apply_errors(form, exc)
        except PermissionDenied:
            raise Http404 from None
        else:
            messages.success(request, _("Batch saved."))
            return redirect(batch)
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "sources": sources, "product": batch.product, "batch": batch}
    return render(request, "trace/batch_form.html", context, status=status)


@role_required(*REGISTRY_EDITORS)
@require_GET
def batch_detail(request, pk: int):
    batch = _batch(request, pk)
    events = batch.events.order_by("event_time", "id")
    context = {
        "batch": batch,
        "product": batch.product,
        "rows": timeline(events),
        "steps": list(events_forms.STEPS.values()) if batches.can_record(request.user, batch) else [],
    }
    return render(request, "trace/batch_detail.html", context)


@role_required(*REGISTRY_EDITORS)
@require_http_methods(["GET", "POST"])
def event_new(request, pk: int, step: str):
    batch = _batch(request, pk)
    if step not in STEP_FORMS:
        raise Http404
    if not batches.can_record(request.user, batch):
        raise PermissionDenied
    form = step_form(step, request.POST or None, batch=batch)
    if request.method == "POST" and form.is_valid():
        try:
            batches.record_step(request.user, batch, step, form.cleaned_data)
        except ValidationError as exc:
            for message in exc.messages:
                form.add_error(None, message)
        except batches.CaptureUnavailable:
            form.add_error(None, _("Recording events is not available at the moment. Nothing was saved."))
        else:
            messages.success(request, _("%(step)s recorded.") % {"step": events_forms.STEPS[step].label})
            return redirect(batch)
    context = {"form": form, "batch": batch, "product": batch.product, "step": events_forms.STEPS[step]}
    return render(request, "trace/event_form.html", context, status=400 if request.method == "POST" else 200)
