"""Pages of the commune's review, the province's check, the rounds and their board, and the inbox.

Thin: a view finds the dossier or round through the user's scope (outside it → 404), binds a form
and hands every change to ocop.evaluation.services.review / .rounds. A refused change is shown as a
message or form errors and changes nothing."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ocop.accounts.access import REGISTRY_READERS, role_required
from ocop.accounts.models import Role
from ocop.core.calendar import default_calendar, local_today

from . import inbox as inbox_logic
from .forms_review import AdvisoryRecordForm, BoardFilter, CheckForm, Form03, ReturnForm, RoundForm
from .models import Dossier, Round, RoundKind, RoundStatus
from .services import review as review_services
from .services import rounds as round_services
from .workflow import DossierStatus, IllegalTransition

GET_POST = require_http_methods(["GET", "POST"])
INBOX_ROLES = tuple(r for r in REGISTRY_READERS)


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


def _apply(form, error: ValidationError) -> None:
    """Put a service's ValidationError on the form (on its fields where they exist)."""
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error)


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


# --- Rounds ----------------------------------------------------------------------------------------


@role_required(Role.PROVINCE_OFFICER)
@require_GET
def round_list(request):
    year = local_today().year
    rounds = (
        Round.objects.visible_to(request.user)
        .select_related("province")
        .annotate(n_dossiers=Count("dossiers"))
    )
    province_id = request.user.province_id
    missing = round_services.regular_rounds_missing(province_id, year) if province_id else 0
    return render(
        request,
        "evaluation/round_list.html",
        {"rounds": rounds, "missing": missing, "year": year},
    )


@role_required(Role.PROVINCE_OFFICER)
@GET_POST
def round_create(request):
    today = local_today()
    if request.method == "POST":
        form = RoundForm(request.POST)
        if form.is_valid():
            try:
                created = round_services.open_round(request.user, **form.cleaned_data)
            except ValidationError as exc:
                _apply(form, exc)
            else:
                messages.success(request, _("The round was opened."))
                return redirect(created.get_absolute_url())
        status = 400
    else:
        form = RoundForm(initial={"year": today.year, "kind": RoundKind.FIRST_HALF})
        status = 200
    defaults = {kind: round_services.default_dates(today.year, kind) for kind in round_services.REGULAR_KINDS}
    return render(request, "evaluation/round_form.html", {"form": form, "defaults": defaults}, status=status)


@role_required(Role.PROVINCE_OFFICER)
@require_POST
def round_close(request, pk: int):
    round_ = get_object_or_404(Round.objects.visible_to(request.user).select_related("province"), pk=pk)
    try:
        round_services.close_round(request.user, round_)
    except IllegalTransition as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("The round is closed."))
    return redirect("evaluation:round_board", pk=round_.pk)


BOARD_COLUMNS = (
    "pk",
    "status",
    "request_type",
    "receipt_number",
    "commune_deadline",
    "points",
    "stars",
    "product__name_vi",
    "producer__name",
    "commune__name",
    "council__name",
)


@role_required(Role.PROVINCE_OFFICER)
@require_GET
def round_board(request, pk: int):
    """Every dossier of the round (drafts aside) with its state, deadline and result, at a glance.

    Five queries whatever the size (round, counts, communes, rows, plus the session's): the rows are
    read as plain values and every deadline is worked out here, so the template only prints."""
    round_ = get_object_or_404(Round.objects.visible_to(request.user).select_related("province"), pk=pk)
    # Never-submitted dossiers (drafts, and drafts withdrawn) are the producer's business, not the province's.
    base = Dossier.objects.filter(round=round_, submitted_at__isnull=False).exclude(
        status=DossierStatus.DRAFT
    )
    status_counts = dict(base.order_by().values_list("status").annotate(n=Count("pk")))
    communes = list(base.order_by("commune__name").values_list("commune_id", "commune__name").distinct())
    filters = BoardFilter(request.GET, communes=communes)
    rows = base
    if filters.is_valid():
        if filters.cleaned_data["status"]:
            rows = rows.filter(status=filters.cleaned_data["status"])
        if filters.cleaned_data["commune"]:
            rows = rows.filter(commune_id=filters.cleaned_data["commune"])
    rows = rows.order_by("commune__name", "receipt_number", "id").values_list(*BOARD_COLUMNS)
    today = local_today()
    between = default_calendar().working_days_between
    status_label = dict(DossierStatus.choices)
    request_label = dict(Dossier._meta.get_field("request_type").choices)
    cutoff, due = round_.commune_cutoff, round_.decision_due
    check_url = reverse("evaluation:province_check", args=[0]).replace("/0/", "/%d/")
    board = []
    overdue = 0
    for pk_, status, request_type, receipt, commune_deadline, points, stars, *names in rows:
        product, producer, commune, council = names
        deadline = inbox_logic.deadline_of(status, commune_deadline, cutoff, due)
        late = deadline is not None and today > deadline
        overdue += late
        board.append(
            {
                "pk": pk_,
                "status": status,
                "status_label": status_label.get(status, status),
                "request_label": request_label.get(request_type, request_type),
                "receipt_number": receipt,
                "product": product,
                "producer": producer,
                "commune": commune,
                "council": council,
                "points": None if points is None else number_format(points, 2),
                "stars": stars,
                "url": check_url % pk_ if status in review_services.CHECK_STATES else "",
                "deadline": deadline,
                "deadline_text": deadline.strftime("%d/%m/%Y") if deadline else "—",
                "days_left": between(today, deadline) if deadline else None,
                "overdue": late,
            }
        )
    counts = [
        (value, label, status_counts[value])
        for value, label in DossierStatus.choices
        if value in status_counts
    ]
    return render(
        request,
        "evaluation/round_board.html",
        {
            "round": round_,
            "rows": board,
            "counts": counts,
            "total": sum(status_counts.values()),
            "overdue_total": overdue,
            "filters": filters,
            "can_close": round_.status == RoundStatus.OPEN,
            "today": today,
        },
    )


# --- Inbox -----------------------------------------------------------------------------------------


@role_required(*INBOX_ROLES)
@require_GET
def inbox(request):
    return render(
        request,
        "evaluation/inbox.html",
        {"sections": inbox_logic.sections(request.user), "today": local_today()},
    )
