"""Decisions (Decision 26/2026, Art. 3.3, 4): after the council closes, the province forwards products at
≥ OCOP_CENTRAL_THRESHOLD points to the Ministry, recognises 3★/4★ products in one decision (also on the
central council's result when it stays under the threshold), and closes 1★/2★ dossiers without
recognition; the Ministry records the central result and recognises 5★. Every recognition issues the
certificate and records the product's star rating in the same transaction.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from ocop.accounts.access import is_ministry, is_provincial_officer
from ocop.accounts.models import User
from ocop.certificates import services as certificates
from ocop.certificates.models import Certificate, CertificateStatus, DecisionLevel
from ocop.core import audit
from ocop.core.models import AuditEvent
from ocop.criteria import engine
from ocop.criteria.sheets import band_stars, compiled_sheet
from ocop.registry import services as registry
from ocop.registry.models import StarRating

from ..models import Decision, Dossier, RequestType, Round
from ..workflow import DossierStatus as S
from . import locked, require, transition

PROVINCE_STARS = (3, 4)


def threshold() -> Decimal:
    return Decimal(str(settings.OCOP_CENTRAL_THRESHOLD))


# ------------------------------------------------------------------------------------ what is possible


def forwardable(dossier: Dossier) -> bool:
    """At or above the threshold with every 5★ mark met (the council's stars are 5)."""
    return (
        dossier.status == S.SCORED
        and dossier.points is not None
        and dossier.points >= threshold()
        and (dossier.stars or 0) >= 5
    )


def upgrade_not_higher(dossier: Dossier) -> bool:
    """An upgrade whose result does not raise the product above its certificate in force: it closes
    without recognition and the product keeps that certificate (a new one would only restart its 36
    months, which is what a re-evaluation is for)."""
    if dossier.request_type != RequestType.UPGRADE:
        return False
    current = (
        Certificate.objects.filter(product_id=dossier.product_id, status=CertificateStatus.VALID)
        .order_by("-issued_on")
        .values_list("stars", flat=True)
        .first()
    )
    _points, stars = effective_result(dossier)
    return current is not None and (stars or 0) <= current


def recognisable_by_province(dossier: Dossier) -> bool:
    """3★/4★ on the council's result, or on the central council's result when it gave 3★/4★ (Art. 4: under
    the threshold the province may then certify 3★/4★)."""
    if upgrade_not_higher(dossier):
        return False
    if dossier.status == S.SCORED:
        return dossier.stars in PROVINCE_STARS
    if dossier.status == S.CENTRAL_SCORED:
        # Under the threshold, or at it with a 5-star mark missed: 3★/4★ are the province's to recognise.
        return dossier.central_points is not None and dossier.central_stars in PROVINCE_STARS
    return False


def recognisable_by_ministry(dossier: Dossier) -> bool:
    return dossier.status == S.CENTRAL_SCORED and dossier.central_stars == 5


def effective_result(dossier: Dossier) -> tuple[Decimal | None, int | None]:
    """(points, stars) a decision rests on: the central result once recorded, else the council's."""
    if dossier.central_recorded_at is not None:
        return dossier.central_points, dossier.central_stars
    return dossier.points, dossier.stars


def not_recognisable(dossier: Dossier) -> bool:
    """1★/2★ (or disqualified, no stars) on the result the decision rests on, or an upgrade that does not
    raise the stars."""
    if dossier.status not in (S.SCORED, S.CENTRAL_SCORED):
        return False
    _points, stars = effective_result(dossier)
    return stars is None or stars <= 2 or upgrade_not_higher(dossier)


def reevaluation_due(dossier: Dossier) -> dt.date | None:
    """A re-evaluation is decided within OCOP_REEVALUATION_DECISION_DAYS days of a complete dossier
    (Art. 7.6), counted from the day the commune sent it to the province."""
    if dossier.request_type != RequestType.REEVALUATION or dossier.sent_to_province_at is None:
        return None
    sent = timezone.localtime(dossier.sent_to_province_at).date()
    return sent + dt.timedelta(days=settings.OCOP_REEVALUATION_DECISION_DAYS)


# ------------------------------------------------------------------------------------- single dossiers


def forward(user: User, dossier: Dossier, note: str = "") -> Dossier:
    """Approve a ≥ 90-point product and forward it to the Ministry's central council."""
    require(is_provincial_officer(user, dossier.round.province_id))
    with transaction.atomic():
        current = locked(dossier)
        if current.status == S.SCORED and not forwardable(current):
            raise ValidationError(
                _(
                    "Only a product with at least %(points)s points and every 5-star mark met is forwarded "
                    "to the Ministry."
                )
                % {"points": settings.OCOP_CENTRAL_THRESHOLD}
            )
        return transition(user, current, "forward", fields={"forwarded_at": timezone.now()}, note=note)


def not_recognise(user: User, dossier: Dossier, note: str = "") -> Dossier:
    """Close a 1★/2★ (or disqualified) dossier without recognition: no decision, no certificate."""
    require(is_provincial_officer(user, dossier.round.province_id))
    with transaction.atomic():
        current = locked(dossier)
        if current.status in (S.SCORED, S.CENTRAL_SCORED) and not not_recognisable(current):
            raise ValidationError(_("A product of 3 stars or more is recognised by a decision, not closed."))
        return transition(user, current, "not_recognise", note=note)


# ------------------------------------------------------------------------------------------ ratings


def _rate(user: User, certificate: Certificate, dossier: Dossier) -> None:
    """The product's star rating from the decision (source: evaluation), recorded by the registry: its
    stars and status (rated) follow, with an audit event. The registry lets the provincial office rate
    its province's products and the Ministry record a 5-star rating."""
    rating = StarRating(
        stars=certificate.stars,
        points=certificate.points,
        criteria_set=dossier.sheet.criteria_set_id,
        decision_number=certificate.decision_number,
        decision_date=certificate.decision_date,
        valid_until=certificate.expires_on,
    )
    registry.record_rating(user, dossier.product, rating, source=StarRating.Source.EVALUATION)


# ---------------------------------------------------------------------------------------- decisions


def _refuse_predating(rows: list[Dossier], date: dt.date) -> None:
    """A decision cannot be dated before the result it rests on (the central council's result, else
    the council's close): it would issue a certificate already running before the product was scored."""
    late = []
    for d in rows:
        rested_on = d.central_recorded_at or d.closed_at
        if rested_on and date < timezone.localdate(rested_on):
            late.append((d, timezone.localdate(rested_on)))
    if late:
        raise ValidationError(
            {
                "date": [
                    _("The decision cannot be dated before the result of %(dossier)s (%(day)s).")
                    % {"dossier": d, "day": day.strftime("%d/%m/%Y")}
                    for d, day in late
                ]
            }
        )


def _check_header(
    level: str, number: str, date: dt.date | None, province_id: str | None = None
) -> tuple[str, dt.date]:
    number = (number or "").strip()
    errors: dict[str, list[str]] = {}
    if not number:
        errors["number"] = [_("Enter the decision number.")]
    elif Decision.objects.filter(
        level=level,
        number=number,
        **({"province_id": province_id} if level == DecisionLevel.PROVINCE else {}),
    ).exists():
        errors["number"] = [_("A decision with this number is already recorded.")]
    if date is None:
        errors["date"] = [_("Enter the decision date.")]
    elif date > timezone.localdate():
        errors["date"] = [_("The decision date cannot be in the future.")]
    if errors:
        raise ValidationError(errors)
    return number, date  # type: ignore[return-value]  # a missing date raised above


def _create_decision(**fields: Any) -> Decision:
    """The Decision row; a number recorded meanwhile by someone else is a form error, not a crash."""
    try:
        with transaction.atomic():
            return Decision.objects.create(**fields)
    except IntegrityError:
        raise ValidationError({"number": [_("A decision with this number is already recorded.")]}) from None


def _recognise_all(user: User, decision: Decision, dossiers: list[Dossier]) -> None:
    for dossier in dossiers:
        moved = transition(
            user,
            dossier,
            "recognise",
            fields={"decision": decision},
            note=_("Decision %(n)s") % {"n": decision.number},
        )
        moved = Dossier.objects.select_related("round", "product", "producer").get(pk=moved.pk)
        # The central council's result once recorded (5★, or 3★/4★ on it), else the provincial council's.
        points, stars = effective_result(moved)
        certificate = certificates.issue_certificate(
            user,
            product=moved.product,
            producer=moved.producer,
            province_id=moved.round.province_id,
            stars=stars,  # type: ignore[arg-type]  # a recognisable dossier has its stars
            points=points,
            decision=decision,
            dossier_id=moved.pk,
        )
        _rate(user, certificate, moved)


def _decide(
    user: User,
    level: str,
    number: str,
    date: dt.date | None,
    signed_by: str,
    dossiers: Iterable[Dossier],
    *,
    eligible: Callable[[Dossier], bool],
    refusal: str,
    round_: Round | None = None,
) -> Decision:
    """One recognition decision over the ticked dossiers, all or nothing: lock them, refuse the lot if one
    is not `eligible` (`refusal` names it) or the date predates a result, then record the decision and
    recognise each (certificate and rating)."""
    dossiers = list(dossiers)
    if not dossiers:
        raise ValidationError({"dossiers": [_("Tick at least one dossier.")]})
    province_id = round_.province_id if round_ is not None else None
    number, date = _check_header(level, number, date, province_id)
    with transaction.atomic():
        rows = list(
            Dossier.objects.select_for_update()
            .select_related("round")
            .filter(pk__in=[d.pk for d in dossiers])
            .order_by("pk")
        )
        bad = [d for d in rows if not eligible(d)]
        if bad or len(rows) != len({d.pk for d in dossiers}):
            raise ValidationError(
                {
                    "dossiers": [refusal % {"dossier": d} for d in bad]
                    or [_("A ticked dossier no longer exists.")]
                }
            )
        _refuse_predating(rows, date)
        if round_ is None:
            # The Minister's decision may list products of several provinces.
            provinces = {d.round.province_id for d in rows}
            province_id = provinces.pop() if len(provinces) == 1 else None
        decision = _create_decision(
            province_id=province_id,
            round=round_,
            level=level,
            number=number,
            date=date,
            signed_by=(signed_by or "").strip(),
            created_by=user,
        )
        audit.record(
            user,
            decision,
            AuditEvent.Action.CREATE,
            audit.diff({}, audit.snapshot(decision)),
            verb="decision.record",
        )
        _recognise_all(user, decision, rows)
    return decision


def recognise(
    user: User, round_: Round, number: str, date: dt.date | None, signed_by: str, dossiers: Iterable[Dossier]
) -> Decision:
    """The provincial chair's decision recognising 3★/4★ products of a round: one Decision, each dossier
    recognised, a certificate issued and the star rating recorded — all or nothing."""
    require(is_provincial_officer(user, round_.province_id))
    return _decide(
        user,
        DecisionLevel.PROVINCE,
        number,
        date,
        signed_by,
        dossiers,
        eligible=lambda d: d.round_id == round_.pk and recognisable_by_province(d),
        refusal=_("%(dossier)s cannot be recognised by the province in this decision."),
        round_=round_,
    )


def ministry_recognise(
    user: User, number: str, date: dt.date | None, signed_by: str, dossiers: Iterable[Dossier]
) -> Decision:
    """The Minister's decision recognising 5★ products on the central council's result."""
    require(is_ministry(user), _("Only the Ministry decides 5-star recognition."))
    return _decide(
        user,
        DecisionLevel.MINISTRY,
        number,
        date,
        signed_by,
        dossiers,
        eligible=recognisable_by_ministry,
        refusal=_("%(dossier)s has no 5-star central result to recognise."),
    )


# ------------------------------------------------------------------------------------ central results


def check_central(points: Any, stars: Any, set_id: str) -> tuple[Decimal, int]:
    """Validate a central result: points 0–100 (two decimals), stars 1–5 and no more than the points band
    of the dossier's criteria set `set_id` allows (unmet marks may lower it)."""
    try:
        value = Decimal(str(points).strip().replace(",", "."))
    except (InvalidOperation, ValueError):
        raise ValidationError({"points": [_("Enter the points as a number, e.g. 91.50.")]}) from None
    if not value.is_finite() or value < 0 or value > 100:
        raise ValidationError({"points": [_("Points are between 0 and 100.")]})
    value = value.quantize(Decimal("0.01"))
    try:
        count = int(str(stars).strip())
    except (TypeError, ValueError):
        raise ValidationError({"stars": [_("Stars are a whole number from 1 to 5.")]}) from None
    if not 1 <= count <= 5:
        raise ValidationError({"stars": [_("Stars are a whole number from 1 to 5.")]})
    allowed = band_stars(set_id, value)
    if count > allowed:
        raise ValidationError(
            {
                "stars": [
                    _("%(points)s points allow at most %(stars)d stars.")
                    % {"points": value, "stars": allowed}
                ]
            }
        )
    return value, count


def record_central(user: User, dossier: Dossier, points: Any, stars: Any, note: str = "") -> Dossier:
    """The central council's result for a forwarded dossier, entered by a Ministry officer."""
    require(is_ministry(user), _("Only the Ministry records the central council's result."))
    value, count = check_central(points, stars, dossier.sheet.criteria_set_id)
    return transition(
        user,
        dossier,
        "record_central",
        fields={"central_points": value, "central_stars": count, "central_recorded_at": timezone.now()},
        note=note,
    )


@dataclass
class CentralRow:
    line: int
    dossier: Dossier
    points: Decimal
    stars: int


def _delimiter(text: str) -> str:
    """The separator of the first non-empty line: a semicolon or a tab when it holds one (a
    semicolon-separated file may write points with a decimal comma), else a comma."""
    first = next((line for line in text.splitlines() if line.strip()), "")
    for candidate in (";", "\t"):
        if candidate in first:
            return candidate
    return ","


def parse_central_csv(data: bytes | str) -> list[CentralRow]:
    """Rows `receipt_number or product_code, points, stars` (a header row is allowed); every error is
    named with its line, and any error refuses the whole file."""
    if isinstance(data, bytes):
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ValidationError(_("The file is not UTF-8 text (save it as CSV UTF-8).")) from None
    else:
        text = data
    reader = csv.reader(io.StringIO(text), delimiter=_delimiter(text))
    errors: list[str] = []
    parsed: list[tuple[int, str, Any, Any]] = []
    for line, row in enumerate(reader, start=1):
        cells = [c.strip() for c in row]
        if not any(cells):
            continue
        if line == 1 and cells and cells[0].lower() in ("receipt_number", "product_code", "code", "mã", "số"):
            continue
        # Exactly three: a fourth value is most often a decimal comma in a comma-separated file
        # ("92,5" read as 92 points and 5 stars), never something to drop silently.
        if len(cells) < 3 or any(cells[3:]):
            errors.append(_("Line %(line)d: expected three columns (code, points, stars).") % {"line": line})
            continue
        parsed.append((line, cells[0], cells[1], cells[2]))
    if not parsed and not errors:
        raise ValidationError(_("The file has no rows."))
    codes = [code for _line, code, _p, _s in parsed]
    # A product code is the product's, shared by all its dossiers (an earlier, decided one too); the
    # dossier waiting at the Ministry (at most one per product) is the one a code means.
    found: dict[str, Dossier] = {}
    for d in Dossier.objects.filter(Q(receipt_number__in=codes) | Q(product_code__in=codes)).order_by("pk"):
        for key in (d.receipt_number, d.product_code):
            if key and (key not in found or d.status == S.AT_MINISTRY):
                found[key] = d
    rows: list[CentralRow] = []
    seen: dict[int, int] = {}
    for line, code, points, stars in parsed:
        dossier = found.get(code)
        if dossier is None:
            errors.append(
                _("Line %(line)d: no dossier has the number “%(code)s”.") % {"line": line, "code": code}
            )
            continue
        if dossier.status != S.AT_MINISTRY:
            errors.append(
                _("Line %(line)d: dossier %(code)s is “%(status)s”, not waiting for the central result.")
                % {"line": line, "code": code, "status": dossier.get_status_display()}
            )
            continue
        if dossier.pk in seen:
            errors.append(
                _("Line %(line)d: dossier %(code)s is already on line %(first)d.")
                % {"line": line, "code": code, "first": seen[dossier.pk]}
            )
            continue
        seen[dossier.pk] = line
        try:
            value, count = check_central(points, stars, dossier.sheet.criteria_set_id)
        except ValidationError as exc:
            errors.extend(_("Line %(line)d: %(error)s") % {"line": line, "error": m} for m in exc.messages)
            continue
        rows.append(CentralRow(line, dossier, value, count))
    if errors:
        raise ValidationError(errors)
    return rows


def import_central(user: User, data: bytes | str) -> list[Dossier]:
    """Record many central results from a CSV file at once: all rows or none."""
    require(is_ministry(user), _("Only the Ministry records the central council's result."))
    rows = parse_central_csv(data)
    with transaction.atomic():
        return [
            record_central(
                user,
                row.dossier,
                row.points,
                row.stars,
                note=_("Imported, line %(line)d") % {"line": row.line},
            )
            for row in rows
        ]


# ----------------------------------------------------------------------------------- what producers see


def _answers(dossier: Dossier) -> tuple[dict[str, int], list[str], list[int]]:
    """The consolidated answers the council's result rests on (self-assessment as a fallback)."""
    result = dossier.result or {}
    consolidated = result.get("consolidated")
    answers: dict[str, int] = {}
    if isinstance(consolidated, dict):
        answers = {str(k): int(v) for k, v in consolidated.items() if v is not None}
    elif isinstance(consolidated, list):
        for item in consolidated:
            if isinstance(item, dict) and item.get("points") is not None:
                answers[str(item.get("criterion"))] = int(item["points"])
    not_applicable = list(result.get("not_applicable") or [])
    disqualifiers = [int(i) for i in result.get("disqualifiers") or []]
    if not answers:
        answers = {str(k): int(v) for k, v in (dossier.self_answers or {}).items() if v is not None}
        not_applicable = list(dossier.self_not_applicable or [])
    return answers, not_applicable, disqualifiers


def explain(dossier: Dossier) -> dict[str, Any]:
    """Why the product got its stars (points band, unmet marks) and the way to the next star."""
    sheet = compiled_sheet(dossier.sheet)
    answers, not_applicable, disqualifiers = _answers(dossier)
    points, _stars = effective_result(dossier)
    out: dict[str, Any] = {
        "unmet": [],
        "next": None,
        "disqualified": False,
        "stars_by_points": sheet.band_stars(points) if points is not None else None,
    }
    if not answers and not disqualifiers:
        return out  # no sheet on record (e.g. a result entered from paper): nothing to explain from
    try:
        scored = engine.score(
            sheet, answers, disqualifiers=disqualifiers, provisional=True, not_applicable=not_applicable
        )
        way = engine.next_star(sheet, answers, disqualifiers=disqualifiers, not_applicable=not_applicable)
    except engine.EngineError:
        return out
    out["disqualified"] = scored.disqualified
    if points is None:
        out["stars_by_points"] = scored.stars_by_points
    names = {c.code: (c.name_vi, c.name_en) for c in sheet.criteria}
    out["unmet"] = [
        {
            "criterion": u.criterion,
            "name_vi": names.get(u.criterion, ("", ""))[0],
            "name_en": names.get(u.criterion, ("", ""))[1],
            "stars": u.stars,
            "required_points": u.required_points,
            "given_points": u.given_points,
        }
        for u in scored.unmet_minimums
    ]
    if way:
        out["next"] = way.as_dict()
        for change in out["next"]["changes"]:
            change["name_vi"], change["name_en"] = names.get(change["criterion"], ("", ""))
    return out
