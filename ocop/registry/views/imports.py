"""The import pages: the upload, the job's page with its errors or its plan, the progress block the page
polls, and the confirmation. Thin: the work is in ocop.registry.imports (upload checks, plan, write, job
bodies), run in the background by ocop.registry.tasks."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ocop.accounts.access import role_required
from ocop.core.views import page_of

from .. import services
from ..imports.jobs import give_up_if_stalled, waiting_too_long
from ..imports.messages import describe
from ..imports.upload import IMPORTERS, KINDS, check_upload
from ..models import ImportJob
from .exports import XLSX_TYPE

ERRORS_PER_PAGE = 100
RUNNING = (ImportJob.Status.PENDING, ImportJob.Status.CHECKING, ImportJob.Status.IMPORTING)


class ImportForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("What the file holds"), choices=ImportJob.Kind.choices)
    file = forms.FileField(
        label=gettext_lazy("File"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv,text/csv," + XLSX_TYPE}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = _(
            "XLSX or CSV (UTF-8), at most %(max)s MB, in the layout of the template."
        ) % {"max": settings.OCOP_IMPORT_MAX_BYTES // (1024 * 1024)}

    def clean_file(self):
        upload = self.cleaned_data["file"]
        check_upload(upload)  # size, emptiness, and the type judged by the content
        return upload


@role_required(*IMPORTERS)
@require_http_methods(["GET", "POST"])
def import_start(request):
    initial = {"kind": request.GET.get("kind")} if request.GET.get("kind") in KINDS else {}
    form = ImportForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            job = services.start_import(request.user, form.cleaned_data["kind"], form.cleaned_data["file"])
        except ValidationError as exc:
            form.add_error("file", exc)
        else:
            return redirect("registry:import_detail", pk=job.pk)
    jobs = ImportJob.objects.visible_to(request.user).only(
        "pk", "kind", "status", "original_name", "created_at", "total_rows", "created_by_id"
    )[:10]
    context = {"form": form, "jobs": jobs, "kinds": KINDS}
    return render(request, "registry/import_start.html", context)


def _job(request, pk: int) -> ImportJob:
    return give_up_if_stalled(get_object_or_404(ImportJob.objects.visible_to(request.user), pk=pk))


@role_required(*IMPORTERS)
@require_GET
def import_detail(request, pk: int):
    job = _job(request, pk)
    context = {"job": job, "running": job.status in RUNNING, "waiting": waiting_too_long(job)}
    if job.errors:
        page = page_of(request, job.errors, ERRORS_PER_PAGE)
        page.object_list = [{**e, "message": describe(e)} for e in page.object_list]
        context.update(error_page=page, more_errors=job.error_count - len(job.errors))
    return render(request, "registry/import_detail.html", context)


@role_required(*IMPORTERS)
@require_GET
def import_status(request, pk: int):
    """The progress block, polled by htmx every second while the job runs; once it has finished, htmx
    is told to reload the page, which then shows the errors or the summary."""
    job = _job(request, pk)
    running = job.status in RUNNING
    context = {"job": job, "running": running, "waiting": waiting_too_long(job)}
    response = render(request, "registry/import_progress.html", context)
    if not running and request.headers.get("HX-Request"):
        response["HX-Refresh"] = "true"
    return response


@role_required(*IMPORTERS)
@require_POST
def import_confirm(request, pk: int):
    job = _job(request, pk)
    if not services.confirm_import(request.user, job):
        messages.warning(request, _("This import is not waiting for confirmation."))
    return redirect("registry:import_detail", pk=job.pk)
