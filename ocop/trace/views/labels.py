"""The QR labels of a batch: a page with a small form (size and count) and a preview of one label, and
the label sheet itself (PDF). Both for the batch's producer and the commune and province officers whose
area holds it. Another role: 403; a batch outside the user's area, or one without a GTIN: 404."""

from __future__ import annotations

from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_safe

from ocop.accounts.access import role_required
from ocop.accounts.models import Role

from .. import labels
from ..models import Batch

LABEL_MAKERS = (Role.PRODUCER, Role.COMMUNE_OFFICER, Role.PROVINCE_OFFICER)

SIZE_NAMES = {
    "small": gettext_lazy("Small"),
    "medium": gettext_lazy("Medium"),
    "large": gettext_lazy("Large"),
}


def _label_batch(request, pk: int) -> Batch:
    batch = get_object_or_404(
        Batch.objects.editable_by(request.user).select_related("product", "producer"), pk=pk
    )
    if not batch.gtin:
        raise Http404
    return batch


def _size_choices() -> list[tuple[str, str]]:
    return [
        (
            key,
            _("%(name)s — %(width)s × %(height)s mm, %(per_page)d per A4 page")
            % {
                "name": SIZE_NAMES[key],
                "width": number_format(layout.width_mm, 1),
                "height": number_format(layout.height_mm, 1),
                "per_page": layout.per_page,
            },
        )
        for key, layout in labels.SIZES.items()
    ]


class LabelForm(forms.Form):
    """Size and count of a label sheet, with the bounds of labels.check()."""

    size = forms.ChoiceField(label=gettext_lazy("Label size"), widget=forms.RadioSelect)
    count = forms.IntegerField(
        label=gettext_lazy("Number of labels"), min_value=labels.MIN_COUNT, max_value=labels.MAX_COUNT
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["size"].choices = _size_choices()
        self.fields["size"].error_messages["invalid_choice"] = _("Choose small, medium or large.")
        count_message = _("Enter a number of labels from %(min)d to %(max)d.") % {
            "min": labels.MIN_COUNT,
            "max": labels.MAX_COUNT,
        }
        self.fields["count"].help_text = count_message
        for code in ("required", "invalid", "min_value", "max_value"):
            self.fields["count"].error_messages[code] = count_message


@role_required(*LABEL_MAKERS)
@require_safe
def batch_labels_page(request, pk: int):
    """The form (GET, so it works without JavaScript) and the preview; "Open the PDF" goes to the sheet
    with the chosen size and count once they are valid."""
    batch = _label_batch(request, pk)
    default = {"size": labels.DEFAULT_SIZE, "count": labels.SIZES[labels.DEFAULT_SIZE].per_page}
    submitted = "size" in request.GET or "count" in request.GET
    form = LabelForm(request.GET if submitted else None, initial=default)
    chosen = form.cleaned_data if submitted and form.is_valid() else None
    if chosen and "pdf" in request.GET:
        query = urlencode({"size": chosen["size"], "count": chosen["count"]})
        return redirect(reverse("trace:batch_labels", args=[batch.pk]) + "?" + query)
    size = (chosen or default)["size"]
    context = {
        "batch": batch,
        "form": form,
        "layout": labels.SIZES[size],
        "preview": labels.preview_context(batch, settings.OCOP_PUBLIC_BASE_URL),
    }
    status = 400 if form.is_bound and chosen is None else 200
    response = render(request, "trace/labels_page.html", context, status=status)
    response["Cache-Control"] = "private, no-store"
    return response


@role_required(*LABEL_MAKERS)
@require_safe
def batch_labels(request, pk: int):
    batch = _label_batch(request, pk)
    size = request.GET.get("size") or labels.DEFAULT_SIZE
    try:
        count = int(
            request.GET.get("count") or labels.SIZES.get(size, labels.SIZES[labels.DEFAULT_SIZE]).per_page
        )
        labels.check(size, count)
    except ValueError:
        return HttpResponseBadRequest(
            _("Choose a label size (small, medium or large) and a count from 1 to %(max)d.")
            % {"max": labels.MAX_COUNT},
            content_type="text/plain; charset=utf-8",
        )
    # The site's public address, never the host this officer happens to print from (an internal or
    # staging name would end up on physical packs).
    pdf = labels.render_labels(batch, settings.OCOP_PUBLIC_BASE_URL, size, count)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="labels-batch-{batch.pk}-{size}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response
