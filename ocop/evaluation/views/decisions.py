"""Pages of the decisions: the provincial officer's choice on a scored dossier (forward, recognise,
close without recognition), the recognition decisions (province 3★/4★, Ministry 5★), the central
council's result, and the result page every reader of a dossier sees.

Thin: a view finds the dossier, round or decision through the user's scope (outside it → 404), binds a
form and hands every change to ocop.evaluation.services.decisions. A refused change is shown as a
message or form errors and changes nothing."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from ocop.accounts.access import REGISTRY_READERS, is_provincial_officer, role_required
from ocop.accounts.models import Role
from ocop.certificates.models import Certificate
from ocop.core.forms import apply_errors
from ocop.core.views import page_of

from ..forms.decisions import CentralImportForm, CentralResultForm, DecisionForm, NoteForm
from ..models import Decision, Dossier, Round
from ..services import decisions as svc
from ..workflow import DossierStatus as S
from ..workflow import IllegalTransition

GET_POST = require_http_methods(["GET", "POST"])
RESULT_STATES = (S.SCORED, S.AT_MINISTRY, S.CENTRAL_SCORED, S.RECOGNISED, S.NOT_RECOGNISED)
RELATED = ("product", "producer", "commune", "round__province", "sheet__criteria_set", "decision")


def _dossier(request, pk: int) -> Dossier:
    """A dossier the user may see, or 404 (whether missing or outside the user's area)."""
    return get_object_or_404(Dossier.objects.visible_to(request.user).select_related(*RELATED), pk=pk)


def _refused(request, error: Exception) -> None:
    if isinstance(error, ValidationError):
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.error(request, str(error) or _("You are not allowed to do this."))


def _certificate(dossier: Dossier):
    return Certificate.objects.filter(dossier=dossier).first()


# --- The provincial officer's choice -----------------------------------------------------------------


@role_required(Role.PROVINCE_OFFICER)
@GET_POST
def decide(request, pk: int):
    dossier = _dossier(request, pk)
    if not is_provincial_officer(request.user, dossier.round.province_id):
        raise Http404
    form = NoteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        action = request.POST.get("action")
        note = form.cleaned_data["note"]
        try:
            if action == "forward":
                svc.forward(request.user, dossier, note)
                messages.success(request, _("Forwarded to the Ministry's central council."))
            elif action == "not_recognise":
                svc.not_recognise(request.user, dossier, note)
                messages.success(request, _("Closed without recognition; the producer sees why."))
            else:
                raise ValidationError(_("Unknown action."))
        except (ValidationError, PermissionDenied, IllegalTransition) as error:
            _refused(request, error)
        else:
            return redirect("evaluation:result", pk=dossier.pk)
        dossier = _dossier(request, pk)
    points, stars = svc.effective_result(dossier)
    context = {
        "dossier": dossier,
        "form": form,
        "points": points,
        "stars": stars,
        "forwardable": svc.forwardable(dossier),
        "may_recognise": svc.recognisable_by_province(dossier),
        "may_close": svc.not_recognisable(dossier),
        "upgrade_not_higher": svc.upgrade_not_higher(dossier),
        "threshold": settings.OCOP_CENTRAL_THRESHOLD,
        "reevaluation_due": svc.reevaluation_due(dossier),
        "explained": svc.explain(dossier) if dossier.status in RESULT_STATES else None,
    }
    return render(request, "evaluation/decide.html", context)


@role_required(*REGISTRY_READERS)
@require_GET
def result(request, pk: int):
    dossier = _dossier(request, pk)
    points, stars = svc.effective_result(dossier)
    ready = dossier.status in RESULT_STATES
    context = {
        "dossier": dossier,
        "ready": ready,
        "points": points if ready else None,
        "stars": stars if ready else None,
        "explained": svc.explain(dossier) if ready else None,
        "certificate": _certificate(dossier),
        "threshold": settings.OCOP_CENTRAL_THRESHOLD,
        "may_decide": is_provincial_officer(request.user, dossier.round.province_id)
        and dossier.status in (S.SCORED, S.CENTRAL_SCORED),
    }
    return render(request, "evaluation/result.html", context)


# --- Provincial recognition decision -------------------------------------------------------------


def _eligible_for_province(round_: Round):
    candidates = (
        Dossier.objects.filter(round=round_, status__in=(S.SCORED, S.CENTRAL_SCORED))
        .select_related("product", "producer")
        .order_by("receipt_number", "pk")
    )
    ids = [d.pk for d in candidates if svc.recognisable_by_province(d)]
    return candidates.filter(pk__in=ids)


@role_required(Role.PROVINCE_OFFICER)
@GET_POST
def decision_create(request, round_pk: int):
    round_ = get_object_or_404(Round.objects.select_related("province"), pk=round_pk)
    if not is_provincial_officer(request.user, round_.province_id):
        raise Http404
    return _decision_page(
        request,
        _eligible_for_province(round_),
        lambda user, *header: svc.recognise(user, round_, *header),
        round_,
        "province",
    )


def _decision_page(request, eligible, record, round_: Round | None, level: str):
    """The decision form over the `eligible` dossiers; `record(user, number, date, signed_by, dossiers)`
    makes the decision through the service, and a refusal shows on the form with nothing recorded."""
    form = DecisionForm(request.POST or None, dossiers=eligible)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            decision = record(request.user, data["number"], data["date"], data["signed_by"], data["dossiers"])
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(
                request,
                _("Decision %(number)s recorded: %(count)d products recognised, certificates issued.")
                % {"number": decision.number, "count": len(data["dossiers"])},
            )
            return redirect("evaluation:decision_detail", pk=decision.pk)
    return render(request, "evaluation/decision_form.html", {"form": form, "round": round_, "level": level})


# --- Ministry ------------------------------------------------------------------------------------


@role_required(Role.MINISTRY)
@require_GET
def central_list(request):
    dossiers = (
        Dossier.objects.visible_to(request.user)
        .filter(status__in=(S.AT_MINISTRY, S.CENTRAL_SCORED))
        .select_related("product", "producer", "round__province")
        .order_by("status", "forwarded_at", "pk")
    )
    return render(request, "evaluation/central_list.html", {"page_obj": page_of(request, dossiers)})


@role_required(Role.MINISTRY)
@GET_POST
def central_result(request, pk: int):
    dossier = _dossier(request, pk)
    form = CentralResultForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            svc.record_central(request.user, dossier, form.cleaned_data["points"], form.cleaned_data["stars"])
        except (ValidationError, IllegalTransition) as error:
            if isinstance(error, ValidationError):
                apply_errors(form, error)
            else:
                form.add_error(None, str(error))
        else:
            messages.success(request, _("Central council result recorded."))
            return redirect("evaluation:central_list")
    return render(
        request,
        "evaluation/central_result.html",
        {"dossier": dossier, "form": form, "threshold": settings.OCOP_CENTRAL_THRESHOLD},
    )


@role_required(Role.MINISTRY)
@GET_POST
def central_import(request):
    form = CentralImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            rows = svc.import_central(request.user, form.cleaned_data["file"].read())
        except (ValidationError, IllegalTransition) as error:
            form.add_error("file", error.messages if isinstance(error, ValidationError) else str(error))
        else:
            messages.success(request, _("%(count)d central results recorded.") % {"count": len(rows)})
            return redirect("evaluation:central_list")
    return render(request, "evaluation/central_import.html", {"form": form})


@role_required(Role.MINISTRY)
@GET_POST
def ministry_decision(request):
    eligible = (
        Dossier.objects.visible_to(request.user)
        .filter(status=S.CENTRAL_SCORED, central_stars=5)
        .select_related("product", "producer")
        .order_by("round__province_id", "receipt_number", "pk")
    )
    return _decision_page(request, eligible, svc.ministry_recognise, None, "ministry")


# --- Decisions -------------------------------------------------------------------------------------


def _decisions(user):
    qs = Decision.objects.select_related("province", "round")
    if user.is_superuser or user.role == Role.MINISTRY:
        return qs
    if user.role == Role.PROVINCE_OFFICER and user.province_id:
        # A Minister's decision spanning provinces has no province: the province sees it by its products.
        mine = Dossier.objects.filter(round__province_id=user.province_id).values("decision_id")
        return qs.filter(Q(province_id=user.province_id) | Q(pk__in=mine))
    return qs.none()


@role_required(Role.PROVINCE_OFFICER, Role.MINISTRY)
@require_GET
def decision_list(request):
    decisions = _decisions(request.user).annotate(count=Count("dossiers")).order_by("-date", "-id")
    return render(request, "evaluation/decision_list.html", {"page_obj": page_of(request, decisions)})


@role_required(Role.PROVINCE_OFFICER, Role.MINISTRY)
@require_GET
def decision_detail(request, pk: int):
    decision = get_object_or_404(_decisions(request.user), pk=pk)
    certificates = {
        c.dossier_id: c
        for c in Certificate.objects.filter(decision=decision).only("number", "dossier_id", "status")
    }
    dossiers = list(
        decision.dossiers.select_related("product", "producer", "commune").order_by("receipt_number", "pk")
    )
    rows = [(d, certificates.get(d.pk)) for d in dossiers]
    round_url = reverse("evaluation:round_board", args=[decision.round_id]) if decision.round_id else ""
    return render(
        request,
        "evaluation/decision_detail.html",
        {"decision": decision, "rows": rows, "round_url": round_url},
    )
