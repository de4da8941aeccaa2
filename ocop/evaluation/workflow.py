"""The dossier's states and the transitions between them (Decision 26/2026, Art. 4–7), as data.

Every service that moves a dossier calls `check(action, status, role)` first; the table is also what
the pages use to show which buttons an actor has. Object-level checks (is this the producer's own
dossier, the officer's commune, a member of the assigned council) stay in the services.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _

PRODUCER = "producer"
COMMUNE = "commune_officer"
PROVINCE = "province_officer"
COUNCIL = "council_member"
MINISTRY = "ministry"


class DossierStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted to the commune")
    RETURNED = "returned", _("Returned for completion")
    AT_PROVINCE = "at_province", _("Sent to the province")
    CHECKED = "checked", _("Checked by the advisory team")
    IN_COUNCIL = "in_council", _("Council scoring")
    RESCORING = "rescoring", _("Re-scoring after discussion")
    SCORED = "scored", _("Scored")
    AT_MINISTRY = "at_ministry", _("Forwarded to the Ministry")
    CENTRAL_SCORED = "central_scored", _("Scored by the central council")
    RECOGNISED = "recognised", _("Recognised")
    NOT_RECOGNISED = "not_recognised", _("Not recognised")
    WITHDRAWN = "withdrawn", _("Withdrawn")

    @classmethod
    def finished(cls) -> list[str]:
        return [cls.RECOGNISED, cls.NOT_RECOGNISED, cls.WITHDRAWN]

    @classmethod
    def editable(cls) -> list[str]:
        """States in which the producer may change forms and attachments."""
        return [cls.DRAFT, cls.RETURNED]


S = DossierStatus


@dataclass(frozen=True)
class Transition:
    action: str
    sources: tuple[str, ...]
    target: str
    roles: tuple[str, ...]
    label: str


TRANSITIONS: dict[str, Transition] = {
    t.action: t
    for t in (
        Transition("submit", (S.DRAFT, S.RETURNED), S.SUBMITTED, (PRODUCER, COMMUNE), _("Submit")),
        Transition("withdraw", (S.DRAFT, S.SUBMITTED, S.RETURNED), S.WITHDRAWN, (PRODUCER,), _("Withdraw")),
        Transition("commune_return", (S.SUBMITTED,), S.RETURNED, (COMMUNE,), _("Return to the producer")),
        Transition(
            "send_to_province",
            (S.SUBMITTED,),
            S.AT_PROVINCE,
            (COMMUNE,),
            _("Accept and send to the province"),
        ),
        Transition(
            "province_return",
            (S.AT_PROVINCE, S.CHECKED),
            S.RETURNED,
            (PROVINCE,),
            _("Return to the producer"),
        ),
        Transition("province_check", (S.AT_PROVINCE,), S.CHECKED, (PROVINCE,), _("Mark as checked")),
        Transition("assign", (S.CHECKED,), S.IN_COUNCIL, (PROVINCE,), _("Assign to a council")),
        Transition(
            "rescore", (S.IN_COUNCIL, S.RESCORING), S.RESCORING, (COUNCIL,), _("Send back for re-scoring")
        ),
        Transition("close", (S.IN_COUNCIL, S.RESCORING), S.SCORED, (COUNCIL,), _("Close the scoring")),
        Transition("forward", (S.SCORED,), S.AT_MINISTRY, (PROVINCE,), _("Forward to the Ministry")),
        Transition(
            "record_central", (S.AT_MINISTRY,), S.CENTRAL_SCORED, (MINISTRY,), _("Record the central result")
        ),
        Transition(
            "recognise", (S.SCORED, S.CENTRAL_SCORED), S.RECOGNISED, (PROVINCE, MINISTRY), _("Recognise")
        ),
        Transition(
            "not_recognise",
            (S.SCORED, S.CENTRAL_SCORED),
            S.NOT_RECOGNISED,
            (PROVINCE,),
            _("Close without recognition"),
        ),
    )
}


class IllegalTransition(Exception):
    """The action is not possible from this state, or not for this role. The message says why."""


def check(action: str, status: str, role: str, *, superuser: bool = False) -> Transition:
    transition = TRANSITIONS.get(action)
    if transition is None:
        raise IllegalTransition(_("Unknown action."))
    if status not in transition.sources:
        raise IllegalTransition(
            _("A dossier that is “%(status)s” cannot be changed this way (%(action)s).")
            % {"status": S(status).label, "action": transition.label}
        )
    if not superuser and role not in transition.roles:
        raise IllegalTransition(_("Your role cannot do this."))
    return transition


def available(status: str, role: str, *, superuser: bool = False) -> list[Transition]:
    """The actions a role could take from this state (before the object-level checks)."""
    return [t for t in TRANSITIONS.values() if status in t.sources and (superuser or role in t.roles)]
