"""Pages of the commune's review and the province's check.

Thin: a view finds the dossier through the user's scope (outside it → 404), binds a form and hands every
change to ocop.evaluation.services.review. A refused change is shown as a message or form errors and
changes nothing."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from ocop.accounts.access import role_required
from ocop.accounts.models import Role
from ocop.core.calendar import local_today

from ..forms.review import AdvisoryRecordForm, CheckForm, Form03, ReturnForm
from ..models import Dossier
from ..services import review as review_services
from ..workflow import DossierStatus, IllegalTransition
from ._shared import GET_POST, _apply


def _dossier(request, pk: int) -> Dossier:
    """A dossier the user may see, or 404 (whether missing or outside the user's area)."""
    return get_object_or_404(
        Dossier.objects.visible_to(request.user).select_related(
            "product", "producer", "commune", "round__province", "council"
        ),
        pk=pk,
    )


def _attachments(dossier: Dossier):
    return dossier.attachments.select_related("document").only(
        "id", "kind", "dossier_id", "document__title", "document__expires_on"
    )


# --- Commune review --------------------------------------------------------------------------------


@role_required(Role.COMMUNE_OFFICER)
@GET_POST
def commune_review(request, pk: int):
    dossier = _dossier(request, pk)
    return_form = ReturnForm(prefix="return")
    form03 = Form03(prefix="form03", initial=dossier.form03 or None)
    status = 200
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "return":
                return_form = ReturnForm(request.POST, prefix="return")
                if return_form.is_valid():
                    review_services.commune_return(request.user, dossier, return_form.cleaned_data["reason"])
                    messages.success(request, _("The dossier was returned to the producer."))
                    return redirect("evaluation:commune_review", pk=dossier.pk)
            elif action == "accept":
                form03 = Form03(request.POST, prefix="form03")
                if form03.is_valid():
                    review_services.send_to_province(request.user, dossier, form03.cleaned_data)
                    messages.success(request, _("Form 03 was saved and the dossier sent to the province."))
                    return redirect("evaluation:commune_review", pk=dossier.pk)
            else:
                messages.error(request, _("Unknown action."))
        except IllegalTransition as exc:
            messages.error(request, str(exc))
            return redirect("evaluation:commune_review", pk=dossier.pk)
        except ValidationError as exc:
            _apply(return_form if action == "return" else form03, exc)
        status = 400
    return render(
        request,
        "evaluation/review_commune.html",
        {
            "dossier": dossier,
            "due": review_services.deadline_info(dossier.commune_deadline),
            # Art. 5: the round decides on what the communes send by its cut-off; later, the next round.
            "past_round_cutoff": local_today() > dossier.round.commune_cutoff,
            "attachments": _attachments(dossier),
            "can_act": dossier.status == DossierStatus.SUBMITTED,
            "return_form": return_form,
            "form03": form03,
            "form03_labels": [(form03.fields[k].label, (dossier.form03 or {}).get(k)) for k in form03.fields],
        },
        status=status,
    )


# --- Province check --------------------------------------------------------------------------------


@role_required(Role.PROVINCE_OFFICER)
@GET_POST
def province_check(request, pk: int):
    dossier = _dossier(request, pk)
    record_form = AdvisoryRecordForm(prefix="record", producer_id=dossier.producer_id)
    return_form = ReturnForm(prefix="return")
    check_form = CheckForm(prefix="check")
    status = 200
    if request.method == "POST":
        action = request.POST.get("action")
        forms = {"record": record_form, "return": return_form, "check": check_form}
        try:
            if action == "record":
                record_form = forms[action] = AdvisoryRecordForm(
                    request.POST, prefix="record", producer_id=dossier.producer_id
                )
                if record_form.is_valid():
                    review_services.add_advisory_record(request.user, dossier, **record_form.cleaned_data)
                    messages.success(request, _("The advisory record was saved."))
                    return redirect("evaluation:province_check", pk=dossier.pk)
            elif action == "return":
                return_form = forms[action] = ReturnForm(request.POST, prefix="return")
                if return_form.is_valid():
                    review_services.province_return(request.user, dossier, return_form.cleaned_data["reason"])
                    messages.success(request, _("The dossier was returned to the producer."))
                    return redirect("evaluation:province_check", pk=dossier.pk)
            elif action == "check":
                check_form = forms[action] = CheckForm(request.POST, prefix="check")
                if check_form.is_valid():
                    review_services.province_check(request.user, dossier, check_form.cleaned_data["note"])
                    messages.success(request, _("The dossier is marked as checked."))
                    return redirect("evaluation:province_check", pk=dossier.pk)
            else:
                messages.error(request, _("Unknown action."))
        except IllegalTransition as exc:
            messages.error(request, str(exc))
            return redirect("evaluation:province_check", pk=dossier.pk)
        except ValidationError as exc:
            _apply(forms.get(action, record_form), exc)
        status = 400
    return render(
        request,
        "evaluation/review_province.html",
        {
            "dossier": dossier,
            "records": dossier.advisory_records.select_related("document", "created_by"),
            "attachments": _attachments(dossier),
            "can_record": dossier.status in review_services.CHECK_STATES,
            "can_check": dossier.status == DossierStatus.AT_PROVINCE,
            "record_form": record_form,
            "return_form": return_form,
            "check_form": check_form,
        },
        status=status,
    )
