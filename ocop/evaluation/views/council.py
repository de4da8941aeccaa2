"""Council pages: the councils of a province, setting one up, a member's scoring sheet, the chair's
scoring view and the discussion of diverging criteria.

INDEPENDENCE: before the chair closes, a page never shows another member's sheet, total or answer —
only how many sheets were submitted (the chair and the province also see who submitted). Every page
reads other members' sheets only through `selectors.council.visible_scores`, or anonymously (counts of
points per criterion) through `selectors.council.discussion`.

Thin views: every change goes through ocop.evaluation.services.council."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from ocop.accounts.access import role_required
from ocop.accounts.models import Role
from ocop.core.views import page_of
from ocop.criteria import engine
from ocop.criteria.sheets import compiled_sheet

from ..forms.council import (
    AssignForm,
    ConflictForm,
    CouncilForm,
    MemberForm,
    SeatForm,
    SendBackForm,
    SheetExtrasForm,
    comment_field,
    evidence_field,
)
from ..forms.selfassessment import SelfAssessmentForm
from ..models import Council, CouncilMember, Dossier, DossierAttachment, MemberRole, Round, RoundStatus
from ..scoring import required_count
from ..selectors import council as sel
from ..selectors import in_scope
from ..services import council as svc
from ..workflow import DossierStatus, IllegalTransition
from .selfassessment import answered_layout

COUNCIL_ROLES = (Role.PROVINCE_OFFICER, Role.COUNCIL_MEMBER)
GET_POST = require_http_methods(["GET", "POST"])


def _messages_of(exc: Exception) -> list[str]:
    if isinstance(exc, ValidationError):
        return list(exc.messages)
    return [str(exc) or _("You are not allowed to do this.")]


def download_url(document_id: int) -> str | None:
    """The evidence library's download link for a document, when that page exists."""
    try:
        return reverse("evaluation:library_download", args=[document_id])
    except NoReverseMatch:
        return None


def _dossier(request, pk: int) -> Dossier:
    """A dossier the user may read (otherwise 404, whether it exists or not)."""
    return get_object_or_404(
        Dossier.objects.visible_to(request.user).select_related(
            "product", "producer", "council__round", "sheet__criteria_set", "round"
        ),
        pk=pk,
    )


# ------------------------------------------------------------------------------------------ councils


@role_required(*COUNCIL_ROLES)
@require_GET
def council_list(request):
    councils = (
        Council.objects.visible_to(request.user)
        .select_related("round__province")
        .annotate(
            member_count=Count("members", distinct=True),
            dossier_count=Count("dossiers", distinct=True),
        )
        .order_by("-round__year", "-id")
    )
    page = page_of(request, councils)
    rounds = []
    user = request.user
    if user.is_superuser or (user.role == Role.PROVINCE_OFFICER and user.province_id):
        rounds = Round.objects.filter(status=RoundStatus.OPEN).order_by("-year", "-commune_cutoff")
        if not user.is_superuser:
            rounds = rounds.filter(province_id=user.province_id)
        rounds = list(rounds[:10])
    return render(request, "evaluation/council_list.html", {"page_obj": page, "open_rounds": rounds})


@role_required(Role.PROVINCE_OFFICER)
@GET_POST
def council_create(request, round_pk: int):
    round_ = get_object_or_404(Round, pk=round_pk)
    if not (request.user.is_superuser or request.user.province_id == round_.province_id):
        raise Http404
    form = CouncilForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            council = svc.create_council(
                request.user,
                round_,
                name=form.cleaned_data["name"],
                decision_number=form.cleaned_data["decision_number"],
                quorum=form.cleaned_data["quorum"],
                spread_limit=form.cleaned_data["spread_limit"],
            )
        except ValidationError as exc:
            for message in exc.messages:
                form.add_error(None, message)
        else:
            messages.success(request, _("Council created. Now add its chair and members."))
            return redirect("evaluation:council_detail", council.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "evaluation/council_form.html", {"form": form, "round": round_}, status=status)


def _council_action(request, council: Council) -> tuple[dict[str, Any], bool]:
    """Handles a POST of the council page; returns (bound forms to show again, done)."""
    action = request.POST.get("action")
    producers = sel.producers_for_conflicts(council)
    bound: dict[str, Any] = {}
    try:
        if action == "member":
            form = MemberForm(council, request.POST)
            bound["member_form"] = form
            if form.is_valid():
                svc.add_member(
                    request.user,
                    council,
                    form.cleaned_data["user"],
                    role=form.cleaned_data["role"],
                    department=form.cleaned_data["department"],
                )
                messages.success(request, _("Member added."))
                return bound, True
        elif action == "conflict":
            form = ConflictForm(council, producers, request.POST)
            bound["conflict_form"] = form
            if form.is_valid():
                svc.record_conflict(
                    request.user,
                    form.cleaned_data["member"],
                    form.cleaned_data["producers"],
                    form.cleaned_data["note"],
                )
                messages.success(request, _("Conflict of interest recorded."))
                return bound, True
        elif action in ("remove_member", "remove_conflict"):
            form = SeatForm(council, request.POST)
            if form.is_valid():
                seat = form.cleaned_data["member"]
                if action == "remove_member":
                    svc.remove_member(request.user, seat)
                    messages.success(
                        request, _("%(name)s no longer sits on the council.") % {"name": seat.user}
                    )
                elif form.cleaned_data["producer"] is not None:
                    svc.remove_conflict(request.user, seat, form.cleaned_data["producer"])
                    messages.success(request, _("Conflict of interest withdrawn."))
                else:
                    raise ValidationError(_("Choose the producer whose conflict to withdraw."))
                return bound, True
        elif action == "assign":
            form = AssignForm(council, request.POST)
            bound["assign_form"] = form
            if form.is_valid():
                for dossier in form.cleaned_data["dossiers"]:
                    svc.assign(request.user, council, dossier)
                messages.success(
                    request,
                    _("%(n)s dossier(s) assigned to the council.")
                    % {"n": len(form.cleaned_data["dossiers"])},
                )
                return bound, True
        else:
            messages.error(request, _("Unknown action."))
            return bound, False
    except (ValidationError, IllegalTransition) as exc:
        for message in _messages_of(exc):
            messages.error(request, message)
        return bound, False
    messages.error(request, _("Nothing was changed: check the form."))
    return bound, False


@role_required(*COUNCIL_ROLES)
@GET_POST
def council_detail(request, pk: int):
    council = get_object_or_404(
        Council.objects.visible_to(request.user).select_related("round__province"), pk=pk
    )
    manage = sel.can_manage(request.user, council)
    bound: dict[str, Any] = {}
    status = 200
    if request.method == "POST":
        if not manage:
            raise PermissionDenied
        with transaction.atomic():  # several dossiers assigned at once: all or none
            sid = transaction.savepoint()
            bound, done = _council_action(request, council)
            if not done:
                transaction.savepoint_rollback(sid)
        if done:
            return redirect("evaluation:council_detail", council.pk)
        status = 400
    seats = list(
        CouncilMember.objects.filter(council=council)
        .select_related("user")
        .prefetch_related("conflicts")
        .order_by("role", "id")
    )
    my_seat = next((m for m in seats if m.user_id == request.user.pk), None)
    progress = sel.council_progress(council)
    scoring = [m for m in seats if m.role in sel.SCORING_ROLES]
    for row in progress:
        d = row["dossier"]
        eligible = [m for m in scoring if not any(e.pk == d.producer_id for e in m.conflicts.all())]
        row["eligible"] = len(eligible)
        row["required"] = required_count(council.quorum, len(eligible))
        row["can_score"] = my_seat is not None and my_seat in eligible and d.status in sel.SCORING_STATES
    problem = sel.council_quorum_problem(council)
    context: dict[str, Any] = {
        "council": council,
        "seats": seats,
        "my_seat": my_seat,
        "progress": progress,
        "manage": manage,
        "problem": problem.message if problem is not None else None,
    }
    if manage:
        producers = sel.producers_for_conflicts(council)
        context["member_form"] = bound.get("member_form") or MemberForm(council)
        context["conflict_form"] = bound.get("conflict_form") or ConflictForm(council, producers)
        context["assign_form"] = bound.get("assign_form") or AssignForm(council)
    return render(request, "evaluation/council_detail.html", context, status=status)


# ------------------------------------------------------------------------------------------ a member's sheet


def _option_text(crit: engine.Criterion, points) -> str:
    if points is None:
        return ""
    try:
        options = crit.options_for(int(points))
    except (TypeError, ValueError):
        return ""
    return options[0].text_vi if options else ""


def _sheet_rows(dossier, comp, state: dict[str, Any], attachments: list[DossierAttachment]):
    """The sheet laid out as on the self-assessment page, with this member's choices, the producer's
    self-score for reference, the attachments to cite and the comment per criterion."""
    answers, na = state["answers"], set(state["not_applicable"])
    cited, comments = state["evidence"], state["comments"]
    self_answers = dossier.self_answers or {}
    self_na = set(dossier.self_not_applicable or [])
    parts, rows = answered_layout(dossier.sheet.data, comp, answers, na)
    for row, crit in rows:
        code = crit.code
        row["ev_field"] = evidence_field(code)
        row["cm_field"] = comment_field(code)
        row["comment"] = comments.get(code, "")
        chosen = {int(i) for i in cited.get(code, []) if str(i).isdigit()}
        row["attachments"] = [{"a": a, "checked": a.pk in chosen} for a in attachments]
        ref = self_answers.get(code)
        row["self_points"] = ref
        row["self_na"] = code in self_na
        row["self_text"] = _option_text(crit, ref)
    return parts


def _state_of(sheet) -> dict[str, Any]:
    if sheet is None:
        return {"answers": {}, "not_applicable": [], "disqualifiers": [], "evidence": {}, "comments": {}}
    return {
        "answers": dict(sheet.answers or {}),
        "not_applicable": list(sheet.not_applicable or []),
        "disqualifiers": list(sheet.disqualifiers or []),
        "evidence": dict(sheet.evidence or {}),
        "comments": dict(sheet.comments or {}),
    }


def _posted_state(post) -> dict[str, Any]:
    """What the member posted, to show it again when nothing was saved (only well-formed values)."""
    answers, na, evidence, comments = {}, [], {}, {}
    for key, value in post.items():
        if key.startswith("c-"):
            if value == "na":
                na.append(key[2:])
            elif value.lstrip("-").isdigit():
                answers[key[2:]] = int(value)
        elif key.startswith("cm-"):
            comments[key[3:]] = value
    for key in post:
        if key.startswith("ev-"):
            evidence[key[3:]] = [v for v in post.getlist(key) if v.isdigit()]
    dq = [int(v) for v in post.getlist("dq") if v.isdigit()]
    return {
        "answers": answers,
        "not_applicable": na,
        "disqualifiers": dq,
        "evidence": evidence,
        "comments": comments,
    }


def _refused(request, dossier, message: str, status: int):
    return render(
        request, "evaluation/score_refused.html", {"dossier": dossier, "message": message}, status=status
    )


@role_required(Role.COUNCIL_MEMBER)
@GET_POST
def score(request, pk: int):
    """A scoring member's own sheet for the dossier (never anyone else's)."""
    dossier = _dossier(request, pk)
    try:
        seat = sel.scoring_seat(request.user, dossier)
    except PermissionDenied as exc:
        return _refused(request, dossier, str(exc), 403)
    except IllegalTransition as exc:
        return _refused(request, dossier, str(exc), 409)
    comp = compiled_sheet(dossier.sheet)
    attachments = list(
        DossierAttachment.objects.filter(dossier=dossier).select_related("document").order_by("kind", "id")
    )
    sheet = sel.own_sheet(seat, dossier)
    previous = sel.previous_sheet(seat, dossier) if sheet is None else None
    errors: list[str] = []
    status = 200
    if request.method == "POST":
        if sheet is not None and sheet.submitted_at is not None:
            messages.error(
                request,
                _("You already submitted your sheet for this scoring round; it can no longer change."),
            )
            return redirect("evaluation:score", dossier.pk)
        answers_form = SelfAssessmentForm(comp, request.POST)
        extras = SheetExtrasForm(comp, [a.pk for a in attachments], request.POST)
        submit = "submit" in request.POST
        if answers_form.is_valid() and extras.is_valid():
            answers, na = answers_form.answers()
            try:
                svc.save_sheet(
                    request.user,
                    dossier,
                    answers=answers,
                    not_applicable=na,
                    disqualifiers=extras.disqualifiers(),
                    evidence=extras.evidence(),
                    comments=extras.comments(),
                    submit=submit,
                )
            except (ValidationError, IllegalTransition, PermissionDenied) as exc:
                errors = _messages_of(exc)
            else:
                messages.success(request, _("Your sheet was submitted.") if submit else _("Draft saved."))
                return redirect("evaluation:score", dossier.pk)
        else:
            errors = [str(e) for f in (answers_form, extras) for es in f.errors.values() for e in es]
        messages.error(request, _("Nothing was saved."))
        state = _posted_state(request.POST)
        status = 400
    else:
        state = _state_of(sheet or previous)
    result = None
    try:
        result = engine.score(
            comp, state["answers"], not_applicable=state["not_applicable"], provisional=True
        )
    except engine.InvalidAnswer:
        result = None
    context = {
        "dossier": dossier,
        "seat": seat,
        "sheet": sheet,
        "previous": previous,
        "readonly": sheet is not None and sheet.submitted_at is not None,
        "comp": comp,
        "parts": _sheet_rows(dossier, comp, state, attachments),
        "disqualifiers": [
            {"index": i, "text": t, "checked": i in state["disqualifiers"]}
            for i, t in enumerate(comp.disqualifiers_vi)
        ],
        "attachments": [{"a": a, "url": download_url(a.document_id)} for a in attachments],
        "form_errors": errors,
        "result": result,
        "submitted": sel.submitted_count(dossier),
    }
    return render(request, "evaluation/score_sheet.html", context, status=status)


# ------------------------------------------------------------------------------------------ the chair


def _scoring_access(request, dossier: Dossier) -> tuple[CouncilMember | None, bool]:
    """(the user's seat, whether they may see who submitted). 404 when there is no council."""
    if not dossier.council_id:
        raise Http404
    seat = sel.seat_of(request.user, dossier.council_id)
    officer = request.user.is_superuser or (
        request.user.role == Role.PROVINCE_OFFICER and in_scope(request.user, dossier)
    )
    if seat is None and not officer:
        raise Http404
    return seat, officer or (seat is not None and seat.role == MemberRole.CHAIR)


@role_required(*COUNCIL_ROLES)
@GET_POST
def scoring(request, pk: int):
    dossier = _dossier(request, pk)
    seat, names = _scoring_access(request, dossier)
    is_chair = seat is not None and seat.role == MemberRole.CHAIR
    send_back_form = SendBackForm()
    status = 200
    if request.method == "POST":
        if not is_chair:
            raise PermissionDenied
        action = request.POST.get("action")
        try:
            if action == "close":
                outcome = svc.close_scoring(request.user, dossier)
                if outcome.rescored:
                    messages.warning(
                        request,
                        _(
                            "The members' totals differ by %(spread)s points (more than %(limit)s): "
                            "the dossier goes back for discussion and re-scoring (round %(round)s)."
                        )
                        % {
                            "spread": outcome.combined.spread,
                            "limit": dossier.council.spread_limit,
                            "round": outcome.dossier.scoring_round,
                        },
                    )
                    return redirect("evaluation:discussion", dossier.pk)
                messages.success(request, _("The scoring is closed; the result is fixed."))
                return redirect("evaluation:scoring", dossier.pk)
            if action == "rescore":
                send_back_form = SendBackForm(request.POST)
                if send_back_form.is_valid():
                    svc.send_back(request.user, dossier, send_back_form.cleaned_data["note"])
                    messages.success(request, _("Sent back for discussion and re-scoring."))
                    return redirect("evaluation:discussion", dossier.pk)
                messages.error(request, _("Nothing was changed: say why the council re-scores."))
            else:
                messages.error(request, _("Unknown action."))
        except (ValidationError, IllegalTransition, PermissionDenied) as exc:
            for message in _messages_of(exc):
                messages.error(request, message)
        status = 400
        dossier = _dossier(request, pk)
    q = sel.quorum(dossier) if dossier.council_id else None
    progress = []
    if names and q is not None:
        progress = [{"member": m, "submitted": m.pk in q.submitted_ids} for m in q.eligible]
    conflicted = []
    if names:
        conflicted = list(
            CouncilMember.objects.filter(
                council_id=dossier.council_id, conflicts=dossier.producer_id
            ).select_related("user")
        )
    visible = list(
        sel.visible_scores(request.user, dossier)
        .filter(submitted_at__isnull=False)
        .order_by("scoring_round", "member_id")
    )
    closed = dossier.closed_at is not None
    rounds: dict[int, list] = {}
    if closed:
        for s in visible:
            rounds.setdefault(s.scoring_round, []).append(s)
    context = {
        "dossier": dossier,
        "seat": seat,
        "is_chair": is_chair,
        "names": names,
        "quorum": q,
        "progress": progress,
        "conflicted": conflicted,
        "closed": closed,
        "rounds": sorted(rounds.items()),
        "own": [s for s in visible if seat is not None and s.member_id == seat.pk] if not closed else [],
        "can_act": is_chair and dossier.status in sel.SCORING_STATES,
        "send_back_form": send_back_form,
        "max_rounds": settings.OCOP_MAX_SCORING_ROUNDS,
    }
    return render(request, "evaluation/scoring_chair.html", context, status=status)


# ------------------------------------------------------------------------------------------ discussion


@role_required(*COUNCIL_ROLES)
@require_GET
def discussion(request, pk: int):
    dossier = _dossier(request, pk)
    seat, _names = _scoring_access(request, dossier)
    if seat is not None and dossier.closed_at is None and sel.is_conflicted(seat, dossier):
        raise PermissionDenied(
            _("You are recorded as linked to this producer: the discussion opens to you after the close.")
        )
    latest = sel.discussion_round(dossier)
    round_no = latest
    asked = request.GET.get("round", "")
    if latest and asked.isdigit() and 1 <= int(asked) <= latest:
        round_no = int(asked)  # an earlier round, never the one being scored
    names = dossier.closed_at is not None
    rows = sel.discussion(dossier, round_no, names=names) if round_no else []
    for row in rows:
        for column in row.columns:
            for item in column["evidence"]:
                item["url"] = download_url(item["attachment"].document_id)
    context = {
        "dossier": dossier,
        "round_no": round_no,
        "rounds": list(range(1, latest + 1)) if latest else [],
        "names": names,
        "rows": rows,
        "status_rescoring": dossier.status == DossierStatus.RESCORING,
    }
    return render(request, "evaluation/discussion.html", context)


__all__ = ["council_create", "council_detail", "council_list", "discussion", "score", "scoring"]
