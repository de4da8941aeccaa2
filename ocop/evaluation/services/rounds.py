"""Provincial evaluation rounds (Decision 26/2026, Art. 5): at least two a year — dossiers the communes
send before 30 April are decided before 30 June, those sent before 30 October before 30 December — and
extra rounds on dates the province chooses."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from ocop.accounts.access import is_provincial_officer
from ocop.accounts.models import User
from ocop.core import audit
from ocop.core.models import AuditEvent

from ..models import Dossier, Round, RoundKind, RoundStatus
from ..workflow import DossierStatus, IllegalTransition
from . import require

# Art. 5: (communes send by, decision due by) as (month, day) for the two regular rounds.
REGULAR_DATES: dict[str, tuple[tuple[int, int], tuple[int, int]]] = {
    RoundKind.FIRST_HALF: ((4, 30), (6, 30)),
    RoundKind.SECOND_HALF: ((10, 30), (12, 30)),
}
REGULAR_KINDS = tuple(REGULAR_DATES)
MIN_REGULAR_ROUNDS = 2


def default_dates(year: int, kind: str) -> tuple[dt.date, dt.date] | None:
    """(communes send by, decision due by) of a regular round of `year`; None for an extra round,
    whose dates the province chooses."""
    dates = REGULAR_DATES.get(kind)
    if dates is None:
        if kind not in RoundKind.values:
            raise ValueError(f"unknown round kind: {kind!r}")
        return None
    (cm, cd), (dm, dd) = dates
    return dt.date(year, cm, cd), dt.date(year, dm, dd)


def default_name(year: int, kind: str) -> str:
    return f"{RoundKind(kind).label} {year}"


def regular_rounds_missing(province_id: str, year: int) -> int:
    """How many regular rounds the province still lacks for `year` (Art. 5: at least two a year)."""
    kinds = Round.objects.filter(province_id=province_id, year=year, kind__in=REGULAR_KINDS)
    return max(0, MIN_REGULAR_ROUNDS - kinds.values("kind").distinct().count())


@transaction.atomic
def open_round(
    user: User,
    *,
    year: int,
    kind: str,
    province_id: str | None = None,
    name: str = "",
    commune_cutoff: dt.date | None = None,
    decision_due: dt.date | None = None,
    notes: str = "",
) -> Round:
    """A provincial officer opens a round for its province. Regular rounds take Art. 5's dates unless
    others are given; an extra round needs both dates, the cut-off before the decision."""
    province_id = province_id or getattr(user, "province_id", None)
    require(bool(province_id) and is_provincial_officer(user, province_id))
    errors: dict[str, str] = {}
    if kind not in RoundKind.values:
        raise ValidationError({"kind": _("Choose a kind of round.")})
    defaults = default_dates(year, kind)
    if defaults:
        commune_cutoff = commune_cutoff or defaults[0]
        decision_due = decision_due or defaults[1]
        # Art. 5 sets the latest dates of a regular round; a province may choose earlier ones.
        if not dt.date(year, 1, 1) <= commune_cutoff <= defaults[0]:
            errors["commune_cutoff"] = _(
                "In a regular round communes send dossiers by %(date)s at the latest (Art. 5)."
            ) % {"date": f"{defaults[0]:%d/%m/%Y}"}
        if not dt.date(year, 1, 1) <= decision_due <= defaults[1]:
            errors["decision_due"] = _(
                "In a regular round the decision is due by %(date)s at the latest (Art. 5)."
            ) % {"date": f"{defaults[1]:%d/%m/%Y}"}
        if Round.objects.filter(province_id=province_id, year=year, kind=kind).exists():
            errors["kind"] = _(
                "The province already has its %(round)s; open an extra round for more dossiers."
            ) % {"round": default_name(year, kind)}
    if commune_cutoff is None:
        errors["commune_cutoff"] = _("An extra round needs the date by which communes send dossiers.")
    if decision_due is None:
        errors["decision_due"] = _("An extra round needs the date by which the decision is due.")
    if commune_cutoff and decision_due and commune_cutoff >= decision_due:
        errors.setdefault("decision_due", _("The decision is due after the communes' cut-off date."))
    if errors:
        raise ValidationError(errors)
    assert province_id and commune_cutoff and decision_due  # required and checked above
    created = Round.objects.create(
        province_id=province_id,
        year=year,
        kind=kind,
        name=(name or "").strip() or default_name(year, kind),
        commune_cutoff=commune_cutoff,
        decision_due=decision_due,
        notes=notes,
        created_by=user,
    )
    audit.record(
        user, created, AuditEvent.Action.CREATE, audit.diff({}, audit.snapshot(created)), verb="round.open"
    )
    return created


def unfinished(round_: Round) -> QuerySet[Dossier]:
    return Dossier.objects.filter(round=round_).exclude(status__in=DossierStatus.finished())


@transaction.atomic
def close_round(user: User, round_: Round) -> Round:
    """Close a round once every dossier in it is finished (recognised, not recognised or withdrawn)."""
    current = Round.objects.select_for_update().get(pk=round_.pk)
    require(is_provincial_officer(user, current.province_id))
    if current.status == RoundStatus.CLOSED:
        raise IllegalTransition(_("This round is already closed."))
    left = unfinished(current).count()
    if left:
        raise IllegalTransition(
            _("This round cannot be closed: %(n)d dossier(s) in it are not finished yet.") % {"n": left}
        )
    audit.update(user, current, "round.close", {"status": RoundStatus.CLOSED})
    return current
