"""The evidence library: a producer's documents, uploading, editing and downloading one.

Thin by design: objects are found through the user's scope (outside it → 404), the role is checked by
`role_required` (a role that never may → 403), and every change is a service call; a refused change
shows its message and writes nothing."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from ocop.accounts.access import REGISTRY_READERS, role_required
from ocop.accounts.models import Role
from ocop.core.calendar import local_today
from ocop.core.views import page_of
from ocop.registry.models import Producer

from ..forms.library import DocumentForm, UploadForm
from ..models import DossierAttachment, EvidenceDocument
from ..services import library
from ._shared import FILERS, GET_POST, _errors, _id

# ------------------------------------------------------------------------------------------ library


def _library_producer(request) -> Producer:
    """The producer whose library is shown: the producer's own; an officer names it with ?producer=."""
    user = request.user
    if user.role == Role.PRODUCER and not user.is_superuser:
        if not user.producer_id:
            raise PermissionDenied
        return get_object_or_404(Producer.objects.select_related("commune"), pk=user.producer_id)
    pk = _id(request.GET.get("producer") or request.POST.get("producer"))
    return get_object_or_404(library.manageable_producers(user).select_related("commune"), pk=pk)


def _document(request, pk: int) -> EvidenceDocument:
    doc = get_object_or_404(EvidenceDocument.objects.select_related("producer__commune", "product"), pk=pk)
    if not library.can_manage(request.user, doc.producer):
        raise Http404
    return doc


@role_required(*FILERS)
def library_list(request):
    user = request.user
    if user.role != Role.PRODUCER and not request.GET.get("producer"):
        producers = library.manageable_producers(user).order_by("name")
        return render(request, "evaluation/library_producers.html", {"page_obj": page_of(request, producers)})
    producer = _library_producer(request)
    docs = library.with_decision_due(
        EvidenceDocument.objects.filter(producer=producer).select_related("product")
    )
    show_archived = request.GET.get("archived") == "1"
    if not show_archived:
        docs = docs.filter(archived=False)
    docs = list(docs.order_by("kind", "-issued_on", "-id"))
    today = local_today()
    for doc in docs:
        doc.flag = library.expiry_flag(doc.expires_on, doc.decision_due, today)
    return render(
        request,
        "evaluation/library_list.html",
        {
            "producer": producer,
            "documents": docs,
            "show_archived": show_archived,
            "flagged": sum(1 for d in docs if d.flag),
            "officer": user.role != Role.PRODUCER,
        },
    )


@role_required(*FILERS)
@GET_POST
def library_upload(request):
    producer = _library_producer(request)
    replaces = None
    if request.GET.get("replaces"):
        replaces = get_object_or_404(
            EvidenceDocument.objects.filter(producer=producer, archived=False),
            pk=_id(request.GET["replaces"]),
        )
    initial = {}
    if replaces is not None:
        initial = {f: getattr(replaces, f) for f in ("kind", "title", "issuer", "product_id")}
        initial["product"] = initial.pop("product_id")
    form = UploadForm(
        request.POST or None, request.FILES or None, products=producer.products.all(), initial=initial
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            doc = library.upload(request.user, producer, data["file"], replaces=replaces, **form.details())
        except (ValidationError, PermissionDenied) as exc:
            for text in _errors(exc):
                form.add_error("file" if isinstance(exc, ValidationError) else None, text)
        else:
            messages.success(request, _("The document was added to the library."))
            return redirect("evaluation:library_document", doc.pk)
    return render(
        request, "evaluation/library_upload.html", {"form": form, "producer": producer, "replaces": replaces}
    )


@role_required(*FILERS)
@GET_POST
def library_document(request, pk: int):
    doc = _document(request, pk)
    editable = not doc.archived and not library.filed(doc)
    initial = {f: getattr(doc, f) for f in library.EDITABLE_FIELDS}
    form = DocumentForm(request.POST or None, products=doc.producer.products.all(), initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            library.update(request.user, doc, **form.details())
        except (ValidationError, PermissionDenied) as exc:
            for text in _errors(exc):
                form.add_error(None, text)
        else:
            messages.success(request, _("The document was saved."))
            return redirect("evaluation:library_document", doc.pk)
    due = library.with_decision_due(EvidenceDocument.objects.filter(pk=doc.pk)).values_list(
        "decision_due", flat=True
    )
    flag = library.expiry_flag(doc.expires_on, due[0] if due else None)
    linked = DossierAttachment.objects.filter(document=doc).select_related(
        "dossier__product", "dossier__round"
    )
    return render(
        request,
        "evaluation/library_document.html",
        {"doc": doc, "form": form, "editable": editable, "flag": flag, "linked": linked},
    )


@role_required(*REGISTRY_READERS)
def library_download(request, pk: int):
    doc = get_object_or_404(EvidenceDocument, pk=pk)
    if not library.can_download(request.user, doc):
        raise Http404
    response = FileResponse(
        doc.file.open("rb"), content_type=doc.content_type, as_attachment=True, filename=doc.original_name
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
