"""Pages of the rounds: the list, opening one, closing one, and a round's board.

Thin: a view finds the round through the user's scope (outside it → 404), binds a form and hands every
change to ocop.evaluation.services.rounds. A refused change is shown as a message or form errors and
changes nothing."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from ocop.accounts.access import role_required
from ocop.accounts.models import Role
from ocop.core.calendar import default_calendar, local_today

from .. import inbox as inbox_logic
from ..forms.rounds import BoardFilter, RoundForm
from ..models import Dossier, Round, RoundKind, RoundStatus
from ..services import review as review_services
from ..services import rounds as round_services
from ..workflow import DossierStatus, IllegalTransition
from ._shared import GET_POST, _apply

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
