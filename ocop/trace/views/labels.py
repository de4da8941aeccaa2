"""The QR label sheet of a batch (PDF): for the batch's producer and the commune and province officers
whose area holds it. Another role: 403; a batch outside the user's area: 404."""

from __future__ import annotations

from django.conf import settings
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from ocop.accounts.access import role_required
from ocop.accounts.models import Role

from .. import labels
from ..models import Batch

LABEL_MAKERS = (Role.PRODUCER, Role.COMMUNE_OFFICER, Role.PROVINCE_OFFICER)


@role_required(*LABEL_MAKERS)
@require_safe
def batch_labels(request, pk: int):
    batch = get_object_or_404(
        Batch.objects.editable_by(request.user).select_related("product", "producer"), pk=pk
    )
    if not batch.gtin:
        raise Http404
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
