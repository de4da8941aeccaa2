"""What a council's pages, the API and the council commands read (Decision 26/2026, Art. 3.3): who
manages a council and who sits on it, who may score a dossier now (eligibility, conflicts of interest),
the quorum and how many sheets were submitted, which sheets a user may see, the discussion of a
re-scoring, and the council's progress. Nothing here writes; `ocop.evaluation.services.council` holds
the changes.

INDEPENDENCE: before the chair closes, nobody sees another member's sheet — only how many were
submitted. :func:`visible_scores` is the one place that answers "which sheets may this user see".
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from ocop.accounts.access import is_active_user, is_provincial_officer
from ocop.accounts.models import Role, User
from ocop.criteria.sheets import compiled_sheet
from ocop.registry.models import Producer

from ..models import (
    Council,
    CouncilMember,
    Dossier,
    DossierAttachment,
    MemberRole,
    MemberScore,
)
from ..scoring import required_count
from ..workflow import DossierStatus, IllegalTransition
from . import can_view, in_scope, require

SCORING_STATES = (DossierStatus.IN_COUNCIL, DossierStatus.RESCORING)
SCORING_ROLES = (MemberRole.CHAIR, MemberRole.MEMBER)


# ------------------------------------------------------------------------------------------ access


def can_manage(user: User, council: Council) -> bool:
    """May this user change the council (members, conflicts, assignments)?"""
    return is_provincial_officer(user, council.round.province_id)


def seat_of(user: User, council_id: int | None) -> CouncilMember | None:
    """The user's seat on a council (None when not on it)."""
    if not council_id or not is_active_user(user):
        return None
    return (
        CouncilMember.objects.filter(council_id=council_id, user=user).prefetch_related("conflicts").first()
    )


def is_conflicted(member: CouncilMember, dossier: Dossier) -> bool:
    return member.conflicts.filter(pk=dossier.producer_id).exists()


def eligible_members(dossier: Dossier) -> list[CouncilMember]:
    """The scoring members of the dossier's council (chair and members) not linked to its producer."""
    if not dossier.council_id:
        return []
    return list(
        CouncilMember.objects.filter(council_id=dossier.council_id, role__in=SCORING_ROLES)
        .exclude(conflicts=dossier.producer_id)
        .select_related("user")
        .order_by("role", "id")
    )


def council_quorum_problem(council: Council, producer_id: int | None = None) -> ValidationError | None:
    """Why this council cannot score (a dossier of `producer_id`), or None.

    A council needs its chair, and enough scoring members not linked to the producer to reach the
    quorum of its scoring members: ceil(quorum × scoring members)."""
    members = list(
        CouncilMember.objects.filter(council=council, role__in=SCORING_ROLES).prefetch_related("conflicts")
    )
    chair = next((m for m in members if m.role == MemberRole.CHAIR), None)
    if chair is None:
        return ValidationError(_("The council has no chair yet."), code="no_chair")
    conflicted = {
        m.pk for m in members if producer_id and any(e.pk == producer_id for e in m.conflicts.all())
    }
    if chair.pk in conflicted:
        return ValidationError(
            _("The chair is linked to this producer and cannot score its dossier."), code="chair_conflicted"
        )
    eligible = len(members) - len(conflicted)
    needed = max(required_count(council.quorum, len(members)), 1)
    if eligible < needed:
        return ValidationError(
            _(
                "Too few scoring members: the quorum needs %(needed)s members able to score, the council has "
                "%(eligible)s."
            )
            % {"needed": needed, "eligible": eligible},
            code="too_few_members",
        )
    return None


# ------------------------------------------------------------------------------------------ visibility


def visible_scores(user: User, dossier: Dossier) -> QuerySet[MemberScore]:
    """The MemberScore rows of `dossier` this user may see (a queryset).

    Always the user's own sheets (drafts included). Everybody else's only once the chair closed the
    scoring (`closed_at` set), and then only submitted sheets, only to the members of that council, the
    provincial officers of its province and superusers. Before the close: no one else, not even the
    province or a superuser."""
    qs = MemberScore.objects.filter(dossier_id=dossier.pk).select_related("member__user")
    if not is_active_user(user) or not can_view(user, dossier):
        return qs.none()
    own = Q(member__user=user)
    if dossier.closed_at is not None:
        closed_readers = user.is_superuser or (
            (user.role == Role.PROVINCE_OFFICER and in_scope(user, dossier))
            or (
                user.role == Role.COUNCIL_MEMBER
                and CouncilMember.objects.filter(
                    council_id=dossier.council_id,  # type: ignore[misc]  # None matches no council, as in Django
                    user=user,
                ).exists()
            )
        )
        if closed_readers:
            return qs.filter(own | Q(submitted_at__isnull=False))
    return qs.filter(own)


def counted_sheets(dossier_id: Any, scoring_round: Any, producer_id: Any) -> QuerySet[MemberScore]:
    """The sheets the quorum counts: submitted in that scoring round by the chair or a member not linked
    to the producer. The arguments may be values or OuterRef()s (for a subquery per dossier)."""
    return MemberScore.objects.filter(
        dossier_id=dossier_id,
        scoring_round=scoring_round,
        submitted_at__isnull=False,
        member__role__in=SCORING_ROLES,
    ).exclude(member__conflicts=producer_id)


def counted_per_dossier() -> Coalesce:
    """counted_sheets() as a count per dossier of the outer query (0 when none)."""
    counted = counted_sheets(OuterRef("pk"), OuterRef("scoring_round"), OuterRef("producer_id"))
    per_dossier = counted.order_by().values("dossier_id").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(per_dossier, output_field=IntegerField()), 0)


def submitted_count(dossier: Dossier) -> int:
    """How many eligible members submitted in the current scoring round (a count, never whose)."""
    return counted_sheets(dossier.pk, dossier.scoring_round, dossier.producer_id).count()


@dataclass
class Quorum:
    eligible: list[CouncilMember]
    submitted_ids: set[int]
    required: int
    chair: CouncilMember | None

    @property
    def submitted(self) -> int:
        return len(self.submitted_ids)

    @property
    def chair_submitted(self) -> bool:
        return self.chair is not None and self.chair.pk in self.submitted_ids

    @property
    def met(self) -> bool:
        return self.required > 0 and self.submitted >= self.required and self.chair_submitted

    def problem(self) -> ValidationError | None:
        """Why the scoring cannot close yet (None when it can)."""
        if self.chair is None:
            return ValidationError(
                _("The chair cannot score this dossier, so the scoring cannot close."), code="no_chair"
            )
        if self.submitted < self.required or self.required == 0:
            return ValidationError(
                _(
                    "The quorum is not met: %(submitted)s of the %(eligible)s members able to score have "
                    "submitted; %(required)s are needed."
                )
                % {"submitted": self.submitted, "eligible": len(self.eligible), "required": self.required},
                code="quorum_not_met",
            )
        if not self.chair_submitted:
            return ValidationError(
                _("The chair has not submitted a sheet yet; the chair must be among those who scored."),
                code="chair_not_submitted",
            )
        return None


def quorum(dossier: Dossier) -> Quorum:
    """Eligible = chair + members of the council, minus those linked to the producer;
    required = ceil(quorum × eligible), and the chair must be among those who submitted."""
    eligible = eligible_members(dossier)
    ids = {m.pk for m in eligible}
    submitted = set(
        MemberScore.objects.filter(
            dossier_id=dossier.pk,
            scoring_round=dossier.scoring_round,
            submitted_at__isnull=False,
            member_id__in=ids,
        ).values_list("member_id", flat=True)
    )
    chair = next((m for m in eligible if m.role == MemberRole.CHAIR), None)
    council_quorum = (
        dossier.council.quorum if dossier.council is not None else Decimal(settings.OCOP_COUNCIL_QUORUM)
    )
    return Quorum(eligible, submitted, required_count(council_quorum, len(eligible)), chair)


# ------------------------------------------------------------------------------------------ scoring


def scoring_seat(user: User, dossier: Dossier) -> CouncilMember:
    """The user's seat if they may score this dossier now; otherwise the refusal (nothing changes).

    PermissionDenied: not on the dossier's council, on the advisory team, or linked to the producer.
    IllegalTransition: the dossier is not being scored."""
    seat = seat_of(user, dossier.council_id)
    require(seat is not None, _("You do not sit on the council this dossier is assigned to."))
    assert seat is not None  # require() refused otherwise
    require(seat.role in SCORING_ROLES, _("The advisory team checks dossiers but does not score them."))
    require(
        not any(e.pk == dossier.producer_id for e in seat.conflicts.all()),
        _(
            "You are recorded as linked to this producer (conflict of interest): you cannot score this "
            "dossier, and you do not count toward its quorum."
        ),
    )
    if dossier.status not in SCORING_STATES:
        raise IllegalTransition(
            _("This dossier is “%(status)s”: it is not being scored.")
            % {"status": dossier.get_status_display()}
        )
    return seat


def own_sheet(seat: CouncilMember, dossier: Dossier) -> MemberScore | None:
    """The member's sheet of the current scoring round (None before the first save)."""
    return MemberScore.objects.filter(
        dossier=dossier, member=seat, scoring_round=dossier.scoring_round
    ).first()


def previous_sheet(seat: CouncilMember, dossier: Dossier) -> MemberScore | None:
    """The member's own latest sheet of an earlier round (to start a re-scoring from)."""
    return (
        MemberScore.objects.filter(dossier=dossier, member=seat, scoring_round__lt=dossier.scoring_round)
        .order_by("-scoring_round")
        .first()
    )


# ------------------------------------------------------------------------------------------ closing


def chair_seat(user: User, dossier: Dossier) -> CouncilMember:
    seat = seat_of(user, dossier.council_id)
    require(seat is not None and seat.role == MemberRole.CHAIR, _("Only the council's chair can do this."))
    assert seat is not None  # require() refused otherwise
    return seat


# ------------------------------------------------------------------------------------------ discussion


@dataclass
class DiscussionRow:
    code: str
    name_vi: str
    max_points: int
    range: int
    distribution: list[tuple[int, int]]  # (points, how many sheets), highest points first
    columns: list[
        dict[str, Any]
    ]  # per points value: {"points", "count", "evidence": [...], "members": [...]}


def discussion_round(dossier: Dossier) -> int | None:
    """The scoring round the discussion looks at: the one just sent back (RESCORING), or after the
    close the one that fixed the result. None when there is nothing to discuss yet."""
    if dossier.closed_at is not None:
        return int((dossier.result or {}).get("scoring_round") or dossier.scoring_round)
    if dossier.status == DossierStatus.RESCORING and dossier.scoring_round > 1:
        return dossier.scoring_round - 1
    return None


def discussion(dossier: Dossier, round_no: int, *, names: bool) -> list[DiscussionRow]:
    """The criteria where the submitted sheets of `round_no` differ, the widest range first, with the
    evidence cited for each choice side by side. `names` only after the close: before it, a column
    says how many sheets gave those points, never whose."""
    comp = compiled_sheet(dossier.sheet)
    sheets = list(
        MemberScore.objects.filter(dossier=dossier, scoring_round=round_no, submitted_at__isnull=False)
        .exclude(member__conflicts=dossier.producer_id)  # a sheet the result does not count is not discussed
        .select_related("member__user")
        .order_by("member_id")
    )
    attachments = {
        a.pk: a for a in DossierAttachment.objects.filter(dossier=dossier).select_related("document")
    }
    rows: list[DiscussionRow] = []
    for crit in comp.criteria:
        given = [(s, s.answers.get(crit.code)) for s in sheets if s.answers.get(crit.code) is not None]
        if len(given) < 2:
            continue
        points = [p for _s, p in given]
        spread = max(points) - min(points)
        if spread == 0:
            continue
        by_points: dict[int, list[MemberScore]] = {}
        for s, p in given:
            by_points.setdefault(int(p), []).append(s)
        columns = []
        for p in sorted(by_points, reverse=True):
            cited: Counter[int] = Counter()
            for s in by_points[p]:
                for aid in (s.evidence or {}).get(crit.code, []):
                    if aid in attachments:
                        cited[aid] += 1
            column: dict[str, Any] = {
                "points": p,
                "count": len(by_points[p]),
                "evidence": [
                    {"attachment": attachments[aid], "times": n} for aid, n in sorted(cited.items())
                ],
            }
            if names:
                column["members"] = [
                    {
                        "name": str(s.member.user),
                        "comment": (s.comments or {}).get(crit.code, ""),
                    }
                    for s in by_points[p]
                ]
            columns.append(column)
        rows.append(
            DiscussionRow(
                code=crit.code,
                name_vi=crit.name_vi,
                max_points=crit.max_points,
                range=spread,
                distribution=[(c["points"], c["count"]) for c in columns],
                columns=columns,
            )
        )
    rows.sort(key=lambda r: (-r.range, comp.by_code[r.code].index))
    return rows


# ------------------------------------------------------------------------------------------ pages' data


def council_progress(council: Council) -> list[dict[str, Any]]:
    """The council's dossiers with how many sheets were submitted in their current round (counts only)."""
    dossiers = list(
        Dossier.objects.filter(council=council)
        .select_related("product")
        .annotate(submitted=counted_per_dossier())
        .order_by("receipt_number", "id")
    )
    return [{"dossier": d, "submitted": d.submitted} for d in dossiers]


def producers_for_conflicts(council: Council) -> QuerySet[Producer]:
    """The producers a conflict can name on this council's page: those with a dossier in its round."""
    return Producer.objects.filter(dossiers__round_id=council.round_id).distinct().order_by("name")
