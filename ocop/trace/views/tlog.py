"""The transparency log's public addresses: the signed checkpoint, the log's key, and inclusion and
consistency proofs (JSON, hashes in base64). Anyone may read them: proofs reveal only hashes. Errors are
problem+json, never a 200."""

from __future__ import annotations

import base64

from django.http import HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from ocop.core.api.problems import problem
from ocop.core.views import public

from .. import tlog
from ..models import Event

TEXT = "text/plain; charset=utf-8"


def _b64(value: bytes) -> str:
    return base64.b64encode(bytes(value)).decode()


def _no_store(response: HttpResponse) -> HttpResponse:
    # The log grows with every capture: a cached checkpoint or proof would soon be an old one.
    response["Cache-Control"] = "no-cache"
    return response


@public
@require_safe
def checkpoint(request):
    return _no_store(HttpResponse(tlog.checkpoint().note, content_type=TEXT))


@public
@require_safe
def key(request):
    response = HttpResponse(tlog.verifier_key() + "\n", content_type=TEXT)
    response["Cache-Control"] = "max-age=3600"
    return response


@public
@require_safe
def proof(request):
    event_id = request.GET.get("event", "").strip()
    if not event_id:
        return problem(request, 400, _("The “event” parameter (an eventID) is required."))
    found = Event.objects.filter(event_id=event_id).values_list("leaf_index", flat=True).first()
    if found is None:
        return problem(request, 404, _("No event with this eventID is in the transparency log."))
    current = tlog.checkpoint()
    if found >= current.tree_size:  # appended by a capture that committed after this checkpoint was read
        current = tlog.checkpoint()
    if found >= current.tree_size:
        return problem(request, 404, _("No event with this eventID is in the transparency log."))
    leaf, hashes = tlog.leaf_and_inclusion_proof(found, current.tree_size)
    return _no_store(
        JsonResponse(
            {
                "leaf_index": found,
                "tree_size": current.tree_size,
                "leaf_hash": _b64(leaf),
                "hashes": [_b64(h) for h in hashes],
            }
        )
    )


def _size(value: str | None) -> int | None:
    if value is None or not value.isascii() or not value.isdigit() or len(value) > 18:
        return None
    return int(value)


@public
@require_safe
def consistency(request):
    first, second = _size(request.GET.get("from")), _size(request.GET.get("to"))
    if first is None or second is None:
        return problem(request, 400, _("“from” and “to” must both be tree sizes (whole numbers)."))
    current = tlog.checkpoint().tree_size
    if not 0 < first <= second <= current:
        return problem(
            request,
            400,
            _("A consistency proof needs 0 < from ≤ to ≤ %(size)s, the size of the current checkpoint.")
            % {"size": current},
        )
    hashes = tlog.consistency_proof(first, second)
    return _no_store(JsonResponse({"from": first, "to": second, "hashes": [_b64(h) for h in hashes]}))
