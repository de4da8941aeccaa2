"""The EPCIS 2.0 SimpleEventQuery over stored events: the REST binding's query parameters, who sees
what, and keyset pagination with an opaque signed `nextPageToken`."""

from __future__ import annotations

import datetime
import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass

from django.core import signing
from django.db.models import Q
from django.utils.translation import gettext as _

from . import epcis
from .models import Event, EventEpc

DEFAULT_PER_PAGE = 30
MAX_PER_PAGE = 1000
TOKEN_SALT = "ocop.trace.epcis.nextPageToken"

LIST_PARAMS = {
    "eventType",
    "EQ_bizStep",
    "EQ_disposition",
    "EQ_readPoint",
    "EQ_bizLocation",
    "MATCH_epc",
    "MATCH_anyEPC",
    "MATCH_epcClass",
    "EQ_eventID",
}
TIME_PARAMS = {
    "GE_eventTime": ("event_time", "gte"),
    "LT_eventTime": ("event_time", "lt"),
    "GE_recordTime": ("record_time", "gte"),
    "LT_recordTime": ("record_time", "lt"),
}
OTHER_PARAMS = {"orderBy", "orderDirection", "perPage", "nextPageToken"}
KNOWN = LIST_PARAMS | set(TIME_PARAMS) | OTHER_PARAMS

# Which EPC roles each MATCH_ parameter looks at (EPCIS 2.0, 8.2.7.1).
MATCH_ROLES = {
    "MATCH_epc": (EventEpc.Role.EPC, EventEpc.Role.CHILD),
    "MATCH_anyEPC": (
        EventEpc.Role.EPC,
        EventEpc.Role.CHILD,
        EventEpc.Role.PARENT,
        EventEpc.Role.INPUT,
        EventEpc.Role.OUTPUT,
    ),
    "MATCH_epcClass": (EventEpc.Role.CLASS, EventEpc.Role.CHILD_CLASS),
}
ORDER_FIELDS = {"eventTime": "event_time", "recordTime": "record_time"}
URI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:\S+$")


class QueryParameterError(ValueError):
    """A query parameter that is unknown or malformed; the message says which."""


@dataclass
class Page:
    events: list[Event]
    next_token: str | None


def _values(params: Mapping[str, list[str]], name: str) -> list[str]:
    values = []
    for raw in params.get(name, []):
        values.extend(v.strip() for v in raw.split("|"))
    if not values or any(not v for v in values):
        raise QueryParameterError(_("%(name)s needs one or more values separated by “|”.") % {"name": name})
    return values


def _time(params: Mapping[str, list[str]], name: str) -> datetime.datetime:
    raw = params[name]
    if len(raw) != 1:
        raise QueryParameterError(_("%(name)s is given more than once.") % {"name": name})
    try:
        value = epcis.parse_time(raw[0].strip().replace(" ", "+"))
    except (ValueError, OverflowError) as exc:
        raise QueryParameterError(
            _("%(name)s must be a date and time such as 2024-05-01T08:00:00Z.") % {"name": name}
        ) from exc
    return value


def _single(params: Mapping[str, list[str]], name: str) -> str | None:
    raw = params.get(name)
    if raw is None:
        return None
    if len(raw) != 1:
        raise QueryParameterError(_("%(name)s is given more than once.") % {"name": name})
    return raw[0].strip()


def _epc_condition(values: list[str], roles) -> Q:
    """EPCs equal to one of the values, or matching an EPC pattern (urn:epc:idpat:…, `*` fields)."""
    exact, condition = [], Q()
    for value in values:
        if not URI.match(value):
            raise QueryParameterError(_("“%(value)s” is not a URI.") % {"value": value})
        if value.startswith("urn:epc:idpat:"):
            scheme, _sep, fields = value[len("urn:epc:idpat:") :].partition(":")
            parts = fields.split(".")
            fixed = []
            for part in parts:
                if part == "*":
                    break
                fixed.append(part)
            if any(p != "*" for p in parts[len(fixed) :]):
                raise QueryParameterError(
                    _("Only trailing “*” fields are supported in “%(value)s”.") % {"value": value}
                )
            if len(fixed) == len(parts):
                exact.append(f"urn:epc:id:{scheme}:{fields}")
                exact.append(f"urn:epc:class:{scheme}:{fields}")
            else:
                prefix = ".".join(fixed) + ("." if fixed else "")
                condition |= Q(epc__startswith=f"urn:epc:id:{scheme}:{prefix}")
                condition |= Q(epc__startswith=f"urn:epc:class:{scheme}:{prefix}")
        else:
            exact.append(value)
    if exact:
        condition |= Q(epc__in=exact)
    return Q(pk__in=EventEpc.objects.filter(condition, role__in=roles).values("event_id"))


def _fingerprint(params: Mapping[str, list[str]]) -> str:
    items = sorted((k, tuple(v)) for k, v in params.items() if k not in ("nextPageToken", "perPage"))
    return hashlib.sha256(repr(items).encode()).hexdigest()[:16]


def run(user, params: Mapping[str, list[str]]) -> Page:
    """The page of events a query asks for. `params`: name → list of raw values (request.GET.lists())."""
    params = {k: list(v) for k, v in params.items()}
    unknown = sorted(set(params) - KNOWN)
    if unknown:
        raise QueryParameterError(_("Unknown query parameter: %(name)s.") % {"name": unknown[0]})
    events = Event.objects.visible_to(user)
    if "eventType" in params:
        types = _values(params, "eventType")
        if any(t not in epcis.EVENT_TYPES for t in types):
            raise QueryParameterError(
                _("eventType must be among %(types)s.") % {"types": ", ".join(epcis.EVENT_TYPES)}
            )
        events = events.filter(event_type__in=types)
    for name, (field, lookup) in TIME_PARAMS.items():
        if name in params:
            events = events.filter(**{f"{field}__{lookup}": _time(params, name)})
    if "EQ_bizStep" in params:
        events = events.filter(
            biz_step__in=[epcis.bare(v, epcis.CBV_BIZSTEP) for v in _values(params, "EQ_bizStep")]
        )
    if "EQ_disposition" in params:
        events = events.filter(
            disposition__in=[epcis.bare(v, epcis.CBV_DISP) for v in _values(params, "EQ_disposition")]
        )
    if "EQ_readPoint" in params:
        events = events.filter(read_point__in=_values(params, "EQ_readPoint"))
    if "EQ_bizLocation" in params:
        events = events.filter(biz_location__in=_values(params, "EQ_bizLocation"))
    if "EQ_eventID" in params:
        events = events.filter(event_id__in=_values(params, "EQ_eventID"))
    for name, roles in MATCH_ROLES.items():
        if name in params:
            events = events.filter(_epc_condition(_values(params, name), roles))

    order_by = _single(params, "orderBy") or "recordTime"
    if order_by not in ORDER_FIELDS:
        raise QueryParameterError(_("orderBy must be eventTime or recordTime."))
    field = ORDER_FIELDS[order_by]
    direction = (_single(params, "orderDirection") or "ASC").upper()
    if direction not in ("ASC", "DESC"):
        raise QueryParameterError(_("orderDirection must be ASC or DESC."))
    per_page_raw = _single(params, "perPage")
    try:
        per_page = int(per_page_raw) if per_page_raw is not None else DEFAULT_PER_PAGE
    except ValueError as exc:
        raise QueryParameterError(_("perPage must be a whole number.")) from exc
    if not 1 <= per_page <= MAX_PER_PAGE:
        raise QueryParameterError(_("perPage must be between 1 and %(max)d.") % {"max": MAX_PER_PAGE})

    fingerprint = _fingerprint(params)
    token = _single(params, "nextPageToken")
    if token:
        try:
            state = signing.loads(token, salt=TOKEN_SALT)
            after_time = datetime.datetime.fromisoformat(state["t"])
            after_id = int(state["i"])
        except (signing.BadSignature, KeyError, TypeError, ValueError) as exc:
            raise QueryParameterError(_("nextPageToken is not valid.")) from exc
        if state.get("q") != fingerprint:
            raise QueryParameterError(_("nextPageToken belongs to another query."))
        if direction == "ASC":
            events = events.filter(
                Q(**{f"{field}__gt": after_time}) | Q(**{field: after_time, "id__gt": after_id})
            )
        else:
            events = events.filter(
                Q(**{f"{field}__lt": after_time}) | Q(**{field: after_time, "id__lt": after_id})
            )
    sign = "" if direction == "ASC" else "-"
    rows = list(events.order_by(f"{sign}{field}", f"{sign}id")[: per_page + 1])
    next_token = None
    if len(rows) > per_page:
        rows = rows[:per_page]
        last = rows[-1]
        next_token = signing.dumps(
            {"t": getattr(last, field).isoformat(), "i": last.pk, "q": fingerprint},
            salt=TOKEN_SALT,
            compress=True,
        )
    return Page(rows, next_token)
