"""Councils and council scoring (Decision 26/2026, Art. 3.3 and the provincial council rules): the
changes. What the pages, the API and these commands read (who may score, the quorum, which sheets a
user may see, the discussion) is in `ocop.evaluation.selectors.council`.

* A provincial officer of the round's province sets up a council (name, establishing decision, quorum
  and spread limit), its members (chair, members, advisory team) and their conflicts of interest, and
  assigns CHECKED dossiers of the round to it.
* Each scoring member (the chair and the members, never the advisory team, never a member linked to
  the producer) fills the dossier's sheet on their own: a draft, then a submission that cannot change.
* INDEPENDENCE: before the chair closes, nobody sees another member's sheet — only how many were
  submitted. `selectors.council.visible_scores` is the one place that answers "which sheets may this user see".
* The chair closes: the quorum is checked, the engine combines the submitted sheets of the current
  scoring round; a flagged spread sends the dossier back for discussion and re-scoring (a new scoring
  round, the old sheets kept) until ``settings.OCOP_MAX_SCORING_ROUNDS``, after which the result is
  fixed with the spread on record.

Council decisions common to all sheets, where members' sheets differ:
* a disqualifier counts when MORE than half of the submitted sheets tick it;
* a conditional criterion is "not applicable" for the council when every sheet marked it so; a member
  who marked it not applicable while others answered it is counted as 0 points on it (the engine's
  value for "not applicable"), so that member's total does not change.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ocop.accounts.access import is_provincial_officer
from ocop.accounts.models import Role, User
from ocop.core import audit
from ocop.core.models import AuditEvent
from ocop.criteria import engine
from ocop.criteria.sheets import ScoreInputError, check_input, compiled_sheet
from ocop.registry.models import Producer

from ..models import (
    Council,
    CouncilMember,
    Dossier,
    DossierAttachment,
    MemberRole,
    MemberScore,
    Round,
    RoundStatus,
)
from ..scoring import MemberSheet, council_input
from ..selectors.council import (
    SCORING_STATES,
    Quorum,
    can_manage,
    chair_seat,
    council_quorum_problem,
    quorum,
    scoring_seat,
)
from ..workflow import DossierStatus, IllegalTransition
from . import locked, require, transition

MAX_COMMENT = 2000


# ------------------------------------------------------------------------------------------ councils


@transaction.atomic
def create_council(
    user: User,
    round_: Round,
    *,
    name: str,
    decision_number: str = "",
    quorum: Decimal | None = None,
    spread_limit: int | None = None,
) -> Council:
    require(is_provincial_officer(user, round_.province_id))
    if round_.status == RoundStatus.CLOSED:
        raise ValidationError(_("This round is closed: it takes no new council."), code="round_closed")
    council = Council(
        round=round_, name=name.strip(), decision_number=decision_number.strip(), created_by=user
    )
    if quorum is not None:
        council.quorum = Decimal(quorum)
    if spread_limit is not None:
        council.spread_limit = spread_limit
    if not council.name:
        raise ValidationError(_("Give the council a name."), code="name")
    if not Decimal("0") < Decimal(council.quorum) <= Decimal("1"):
        raise ValidationError(
            _("The quorum is a share of the members, above 0 and at most 1."), code="quorum"
        )
    council.full_clean()
    council.save()
    audit.record(
        user,
        council,
        AuditEvent.Action.CREATE,
        audit.diff({}, audit.snapshot(council)),
        verb="council.create",
    )
    return council


@transaction.atomic
def add_member(
    user: User, council: Council, member_user: User, *, role: str, department: str = ""
) -> CouncilMember:
    """Seats a council-member user of the round's province (one chair per council)."""
    require(can_manage(user, council))
    if role not in MemberRole.values:
        raise ValidationError(_("Unknown council role."), code="role")
    if not (
        member_user.is_active
        and member_user.role == Role.COUNCIL_MEMBER
        and member_user.province_id == council.round.province_id
    ):
        raise ValidationError(
            _("Only an active council-member account of this province can sit on the council."),
            code="not_eligible",
        )
    Council.objects.select_for_update().get(pk=council.pk)  # one change to the seats at a time
    if CouncilMember.objects.filter(council=council, user=member_user).exists():
        raise ValidationError(_("This person already sits on the council."), code="seated")
    if (
        role == MemberRole.CHAIR
        and CouncilMember.objects.filter(council=council, role=MemberRole.CHAIR).exists()
    ):
        raise ValidationError(_("The council already has a chair."), code="second_chair")
    try:
        with transaction.atomic():
            member = CouncilMember.objects.create(
                council=council, user=member_user, role=role, department=department.strip()
            )
    except IntegrityError as exc:
        raise ValidationError(_("This seat could not be added (already taken).")) from exc
    audit.record(
        user,
        council,
        AuditEvent.Action.UPDATE,
        {"member": [None, f"{member_user} — {member.get_role_display()}"]},
        verb="council.add_member",
    )
    return member


@transaction.atomic
def record_conflict(
    user: User, member: CouncilMember, producers: Iterable[Producer], note: str
) -> CouncilMember:
    """Links a member to producers they have an interest in; they cannot score those dossiers."""
    council = member.council
    require(can_manage(user, council))
    producers = list(producers)
    if not producers:
        raise ValidationError(_("Choose at least one producer."), code="producers")
    if not note.strip():
        raise ValidationError(_("Say what the conflict of interest is."), code="note")
    locked_member = CouncilMember.objects.select_for_update().get(pk=member.pk)
    if locked_member.role == MemberRole.CHAIR:
        # A council cannot close a dossier its chair may not score: refuse rather than leave it stuck.
        scoring = sorted(
            Dossier.objects.filter(
                council=council, status__in=SCORING_STATES, producer__in=[e.pk for e in producers]
            ).values_list("producer__name", flat=True)
        )
        if scoring:
            raise ValidationError(
                _(
                    "Nothing was recorded: the council is already scoring a dossier of %(producers)s, and "
                    "without its chair that scoring could never close. Replace the chair first (remove the "
                    "seat, seat another chair, then seat this person again as a member with the conflict)."
                )
                % {"producers": ", ".join(dict.fromkeys(scoring))},
                code="chair_conflict_while_scoring",
            )
    before = sorted(str(e) for e in locked_member.conflicts.all())
    locked_member.conflicts.add(*producers)
    locked_member.conflict_note = note.strip()[:300]
    locked_member.save(update_fields=["conflict_note"])
    after = sorted(str(e) for e in locked_member.conflicts.all())
    audit.record(
        user,
        council,
        AuditEvent.Action.UPDATE,
        {f"conflicts of {locked_member.user}": [before, after], "note": [None, locked_member.conflict_note]},
        verb="council.record_conflict",
    )
    return locked_member


@transaction.atomic
def remove_conflict(user: User, member: CouncilMember, producer: Producer) -> CouncilMember:
    """Withdraws a recorded conflict of interest (recorded in error, or the link ended): the member may
    score that producer's dossiers again and counts toward their quorum."""
    council = member.council
    require(can_manage(user, council))
    locked_member = CouncilMember.objects.select_for_update().get(pk=member.pk)
    if not locked_member.conflicts.filter(pk=producer.pk).exists():
        raise ValidationError(
            _("This member has no recorded conflict with this producer. Nothing was changed."),
            code="no_conflict",
        )
    before = sorted(str(e) for e in locked_member.conflicts.all())
    locked_member.conflicts.remove(producer)
    after = sorted(str(e) for e in locked_member.conflicts.all())
    if not after and locked_member.conflict_note:
        locked_member.conflict_note = ""
        locked_member.save(update_fields=["conflict_note"])
    audit.record(
        user,
        council,
        AuditEvent.Action.UPDATE,
        {f"conflicts of {locked_member.user}": [before, after]},
        verb="council.remove_conflict",
    )
    return locked_member


@transaction.atomic
def remove_member(user: User, member: CouncilMember) -> None:
    """Takes a seat off the council. Refused (nothing changes) once the member submitted a sheet: a sheet
    of a dossier still being scored counts toward its quorum and result, and a closed dossier's sheets are
    its record. The member's unsubmitted drafts go with the seat."""
    council = member.council
    require(can_manage(user, council))
    Council.objects.select_for_update().get(pk=council.pk)  # one change to the seats at a time
    seat = CouncilMember.objects.select_related("user").filter(pk=member.pk, council=council).first()
    if seat is None:
        raise ValidationError(_("This person does not sit on the council."), code="not_seated")
    submitted = MemberScore.objects.filter(member=seat, submitted_at__isnull=False)
    if submitted.filter(dossier__status__in=SCORING_STATES).exists():
        raise ValidationError(
            _(
                "%(name)s already submitted a sheet for a dossier this council is still scoring: the seat "
                "cannot be removed before the chair closes that scoring. Nothing was changed."
            )
            % {"name": seat.user},
            code="submitted_open",
        )
    if submitted.exists():
        raise ValidationError(
            _(
                "%(name)s scored dossiers whose scoring is closed: those sheets are part of the record, so "
                "the seat stays. Nothing was changed."
            )
            % {"name": seat.user},
            code="submitted_closed",
        )
    drafts = MemberScore.objects.filter(member=seat).delete()[0]
    label = f"{seat.user} — {seat.get_role_display()}"
    seat.delete()
    changes: dict[str, list] = {"member": [label, None]}
    if drafts:
        changes["unsubmitted drafts removed"] = [None, drafts]
    audit.record(user, council, AuditEvent.Action.UPDATE, changes, verb="council.remove_member")


@transaction.atomic
def assign(user: User, council: Council, dossier: Dossier) -> Dossier:
    """Gives a CHECKED dossier of the council's round to the council (scoring round 1)."""
    require(can_manage(user, council))
    dossier = locked(dossier)  # judged on the stored row, under the lock the transition takes again
    if dossier.round_id != council.round_id:
        raise ValidationError(_("The dossier belongs to another round than the council."), code="other_round")
    if dossier.status != DossierStatus.CHECKED:
        raise IllegalTransition(
            _("Only a dossier checked by the advisory team can be assigned (this one is “%(status)s”).")
            % {"status": dossier.get_status_display()}
        )
    problem = council_quorum_problem(council, dossier.producer_id)
    if problem is not None:
        raise problem
    return transition(
        user,
        dossier,
        "assign",
        fields={"council": council, "scoring_round": 1},
        note=str(council),
    )


# ------------------------------------------------------------------------------------------ scoring


def _clean_evidence(comp: engine.Sheet, dossier: Dossier, evidence: Any) -> dict[str, list[int]]:
    if not isinstance(evidence, dict):
        raise ValidationError(_("Evidence must map criteria to attachments."))
    allowed = set(DossierAttachment.objects.filter(dossier_id=dossier.pk).values_list("pk", flat=True))
    clean: dict[str, list[int]] = {}
    wrong: list[str] = []
    for code, ids in evidence.items():
        if code not in comp.by_code:
            raise ValidationError(_("Criterion %(code)s is not on this sheet.") % {"code": str(code)[:20]})
        values: list[int] = []
        for raw in ids or ():
            try:
                value = int(raw)
            except (TypeError, ValueError):
                value = None
            if value is None or value not in allowed:
                wrong.append(str(raw)[:12])
            elif value not in values:
                values.append(value)
        if values:
            clean[code] = sorted(values)
    if wrong:
        raise ValidationError(
            _(
                "Only this dossier's attachments can be cited as evidence (refused: %(ids)s). "
                "Nothing was saved."
            )
            % {"ids": ", ".join(wrong[:10])},
            code="foreign_evidence",
        )
    return clean


def _clean_comments(comp: engine.Sheet, comments: Any) -> dict[str, str]:
    if not isinstance(comments, dict):
        raise ValidationError(_("Comments must map criteria to text."))
    clean: dict[str, str] = {}
    for code, text in comments.items():
        if code not in comp.by_code:
            raise ValidationError(_("Criterion %(code)s is not on this sheet.") % {"code": str(code)[:20]})
        text = str(text or "").strip()
        if len(text) > MAX_COMMENT:
            raise ValidationError(
                _("The comment on criterion %(code)s is too long (at most %(n)s characters).")
                % {"code": code, "n": MAX_COMMENT}
            )
        if text:
            clean[code] = text
    return clean


def _input_messages(exc: ScoreInputError) -> list[str]:
    return [e["message"] for e in exc.errors]


def save_sheet(
    user: User,
    dossier: Dossier,
    *,
    answers: dict[str, Any],
    not_applicable: list[str] | tuple = (),
    disqualifiers: list[int] | tuple = (),
    evidence: dict[str, list] | None = None,
    comments: dict[str, str] | None = None,
    submit: bool = False,
) -> MemberScore:
    """Saves the member's sheet of the current scoring round as a draft, or submits it (every criterion
    answered or, when conditional, marked not applicable). A submitted sheet never changes again.

    The audit event (on the sheet, not on the dossier) says that it was saved or submitted, never its
    points or answers."""
    with transaction.atomic():
        current = locked(dossier)
        seat = scoring_seat(user, current)
        comp = compiled_sheet(current.sheet)
        na = sorted(set(not_applicable or ()))
        dq = sorted(set(disqualifiers or ()))
        try:
            check_input(comp, answers, dq, na)
        except ScoreInputError as exc:
            raise ValidationError(
                [ValidationError(m, code="invalid_answer") for m in _input_messages(exc)]
            ) from exc
        clean_answers = {code: int(points) for code, points in answers.items()}
        try:
            result = engine.score(comp, clean_answers, disqualifiers=dq, not_applicable=na)
        except engine.InvalidAnswer as exc:
            raise ValidationError(str(exc), code="invalid_answer") from exc
        clean_evidence = _clean_evidence(comp, current, evidence or {})
        clean_comments = _clean_comments(comp, comments or {})
        if submit and result.unanswered:
            raise ValidationError(
                _("Answer every criterion before submitting (unanswered: %(codes)s). Nothing was submitted.")
                % {"codes": ", ".join(result.unanswered)},
                code="unanswered",
            )
        sheet = (
            MemberScore.objects.select_for_update()
            .filter(dossier=current, member=seat, scoring_round=current.scoring_round)
            .first()
        )
        created = sheet is None
        if sheet is None:
            sheet = MemberScore(dossier=current, member=seat, scoring_round=current.scoring_round)
        elif sheet.submitted_at is not None:
            raise IllegalTransition(
                _("You already submitted your sheet for this scoring round; it can no longer change.")
            )
        sheet.answers = clean_answers
        sheet.not_applicable = na
        sheet.disqualifiers = dq
        sheet.evidence = clean_evidence
        sheet.comments = clean_comments
        if submit:
            sheet.total = Decimal(result.total)
            sheet.stars = result.stars
            sheet.submitted_at = timezone.now()
        sheet.save()
        changes: dict[str, list] = {"scoring_round": [None, sheet.scoring_round]}
        changes["sheet"] = [None, "submitted" if submit else "draft saved"]
        action = AuditEvent.Action.CREATE if created else AuditEvent.Action.UPDATE
        # On the sheet, not the dossier: the dossier's history is read by other members, who may learn
        # how many sheets were submitted but not whose.
        audit.record(user, sheet, action, changes, verb="score.submit" if submit else "score.save")
    return sheet


# ------------------------------------------------------------------------------------------ closing


@dataclass
class CloseOutcome:
    dossier: Dossier
    rescored: bool
    combined: engine.Combined | None = None
    quorum: Quorum | None = None
    notes: list[str] = field(default_factory=list)


def close_scoring(user: User, dossier: Dossier) -> CloseOutcome:
    """The chair closes the current scoring round.

    Refused (nothing changes) unless the user is the chair, the dossier is being scored and the quorum
    is met with the chair among those who submitted. The submitted sheets of the current round are
    combined by the engine (spread limit of the council). A spread above the limit while more scoring
    rounds are allowed sends the dossier back (RESCORING, scoring_round + 1; `rescored=True`).
    Otherwise the result is fixed (SCORED): points = the mean rounded to 2 places, stars from the
    combined sheet (None when disqualified), and `result` with everything behind it."""
    with transaction.atomic():
        current = locked(dossier)
        chair_seat(user, current)
        if current.status not in SCORING_STATES:
            raise IllegalTransition(
                _("This dossier is “%(status)s”: its scoring cannot be closed.")
                % {"status": current.get_status_display()}
            )
        q = quorum(current)
        problem = q.problem()
        if problem is not None:
            raise problem
        council = current.council
        assert council is not None  # a dossier being scored is assigned to a council
        comp = compiled_sheet(current.sheet)
        sheets = list(
            MemberScore.objects.filter(
                dossier=current,
                scoring_round=current.scoring_round,
                submitted_at__isnull=False,
                member_id__in=q.submitted_ids,
            ).order_by("member_id")
        )
        prepared = council_input(
            comp, [MemberSheet(s.answers, s.not_applicable, s.disqualifiers) for s in sheets]
        )
        answers_list, na, dq = prepared.answers, prepared.not_applicable, prepared.disqualifiers
        combined = engine.combine(
            comp, answers_list, spread_limit=council.spread_limit, disqualifiers=dq, not_applicable=na
        )
        if combined.spread_exceeded and current.scoring_round < settings.OCOP_MAX_SCORING_ROUNDS:
            moved = transition(
                user,
                current,
                "rescore",
                fields={"scoring_round": current.scoring_round + 1},
                note=_("Spread %(spread)s points exceeds %(limit)s: discussion and re-scoring.")
                % {"spread": combined.spread, "limit": council.spread_limit},
            )
            return CloseOutcome(moved, True, combined, q)
        result = _result_json(current, sheets, combined, na, dq)
        moved = transition(
            user,
            current,
            "close",
            fields={
                "closed_at": timezone.now(),
                "points": engine.display_points(combined.mean),
                "stars": combined.stars,
                "result": result,
            },
        )
        return CloseOutcome(moved, False, combined, q)


def _result_json(
    dossier: Dossier, sheets: list[MemberScore], combined: engine.Combined, na: list[str], dq: list[int]
) -> dict[str, Any]:
    return {
        "scoring_round": dossier.scoring_round,
        "member_totals": {str(s.member_id): t for s, t in zip(sheets, combined.member_totals, strict=True)},
        "mean": str(engine.display_points(combined.mean, 4)),
        "points": str(engine.display_points(combined.mean)),
        "spread": combined.spread,
        "spread_limit": combined.spread_limit,
        "flagged": combined.spread_exceeded,
        "stars_by_points": combined.stars_by_points,
        "marks_stars": combined.consolidated_result.marks_stars,
        "stars": combined.stars,
        "disqualified": combined.disqualified,
        "disqualifiers": dq,
        "not_applicable": na,
        "unmet_minimums": [
            {
                "criterion": u.criterion,
                "stars": u.stars,
                "required_points": u.required_points,
                "given_points": u.given_points,
            }
            for u in combined.unmet_minimums
        ],
        "consolidated": {c.criterion: c.points for c in combined.consolidated},
        "sources": {c.criterion: c.source for c in combined.consolidated},
    }


def send_back(user: User, dossier: Dossier, note: str) -> Dossier:
    """The chair sends the dossier back for discussion and re-scoring (a new scoring round), at most up
    to ``settings.OCOP_MAX_SCORING_ROUNDS`` rounds in all."""
    with transaction.atomic():
        current = locked(dossier)
        chair_seat(user, current)
        if current.status not in SCORING_STATES:
            raise IllegalTransition(
                _("This dossier is “%(status)s”: it cannot be sent back for re-scoring.")
                % {"status": current.get_status_display()}
            )
        if not note.strip():
            raise ValidationError(_("Say why the council re-scores."), code="reason")
        if current.scoring_round >= settings.OCOP_MAX_SCORING_ROUNDS:
            raise ValidationError(
                _(
                    "This is scoring round %(n)s, the last one allowed (%(max)s): the chair closes it, with "
                    "any spread on record. Nothing was changed."
                )
                % {"n": current.scoring_round, "max": settings.OCOP_MAX_SCORING_ROUNDS},
                code="max_rounds",
            )
        return transition(
            user,
            current,
            "rescore",
            fields={"scoring_round": current.scoring_round + 1},
            note=note.strip()[:500],
        )
