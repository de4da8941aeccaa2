"""Recording EPCIS 2.0 events: `capture` (a whole EPCISDocument, the REST binding's POST /epcis/capture)
and `record` (one event written by the producers' forms). Both validate against the official schema,
compute the CBV 2.0 event hash, set recordTime, store the event with its indexed fields and EPCs in one
transaction, and append it to the transparency log (ocop.trace.tlog)."""

from __future__ import annotations

import datetime
import importlib
import json
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import JSONField
from django.utils import timezone
from django.utils.translation import gettext as _

from ocop.accounts.access import has_role
from ocop.accounts.models import Role, User
from ocop.core import audit
from ocop.core.models import AuditEvent
from ocop.registry.models import Producer

from .. import epcis, pagecache
from ..models import Batch, CaptureJob, Event, EventEpc

CAPTURE_ROLES = (Role.PRODUCER, Role.INTEGRATOR)
ERROR_BEHAVIOURS = ("rollback", "proceed")


class CaptureRefused(Exception):
    """The request cannot be captured at all (not an EPCISDocument, too many events…): nothing is stored
    and no job is created. `status` is the HTTP status to answer."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


def capture_limit() -> int:
    return int(getattr(settings, "OCOP_EPCIS_CAPTURE_LIMIT", 1000))


def can_capture(user: User) -> bool:
    return has_role(user, *CAPTURE_ROLES)


def owner_of(user: User) -> Producer | None:
    """Whose data a user's events are: the producer's producer; None for integrators."""
    return user.producer if getattr(user, "role", None) == Role.PRODUCER else None


def _append_to_log(events: list[Event]) -> None:
    """Hands the new events to the transparency log, when that module is installed."""
    try:
        tlog = importlib.import_module("ocop.trace.tlog")
    except ModuleNotFoundError as exc:
        if exc.name != "ocop.trace.tlog":
            raise
        return
    tlog.append(events)


def _build(
    events: list[dict], hashes: list[str], context: Any, record_time: datetime.datetime, **common: Any
) -> tuple[list[Event], list[list[tuple[str, str]]]]:
    stamp = epcis.format_time(record_time)
    inline = epcis.custom_context(context)
    rows, epcs = [], []
    for event, ni in zip(events, hashes, strict=True):
        stored = dict(event)
        stored.setdefault("eventID", ni)
        stored["recordTime"] = stamp
        if inline and "@context" not in stored:
            stored["@context"] = inline
        fields = epcis.extract(stored)
        epcs.append(fields.pop("epcs"))
        rows.append(
            Event(
                event_id=stored["eventID"],
                event_hash=epcis.hash_hex(ni),
                record_time=record_time,
                document=stored,
                **fields,
                **common,
            )
        )
    return rows, epcs


def _store(rows: list[Event], epcs: list[list[tuple[str, str]]]) -> None:
    """Logs the events (the log sets each one's leaf_index, saved with the row) and inserts them with their
    EPCs, inside the caller's transaction.

    recordTime is set here, once the log's lock is held (it is kept until the commit): captures then commit
    in recordTime order, so a query paging by recordTime never steps over an event that commits later with
    an earlier recordTime."""
    _append_to_log(rows)
    now = timezone.now()
    now = now.replace(microsecond=now.microsecond // 1000 * 1000)  # as the document's recordTime says
    stamp = epcis.format_time(now)
    for row in rows:
        row.record_time = now
        row.document["recordTime"] = stamp
    _insert(rows, epcs)


def _insert(rows: list[Event], epcs: list[list[tuple[str, str]]]) -> None:
    """The INSERTs of `_store`: COPY on PostgreSQL, bulk_create elsewhere."""
    if connection.vendor == "postgresql":
        _copy(rows, epcs)
        return
    Event.objects.bulk_create(rows, batch_size=1000)
    EventEpc.objects.bulk_create(
        [
            EventEpc(event_id=row.pk, epc=epc, role=role)
            for row, names in zip(rows, epcs, strict=True)
            for epc, role in names
        ],
        batch_size=2000,
    )


def _copy(rows: list[Event], epcs: list[list[tuple[str, str]]]) -> None:
    """What `_store` inserts, through PostgreSQL's COPY (three times faster than bulk_create's INSERTs):
    the ids are drawn from the table's sequence first, so that each row gets its pk as with bulk_create.
    A unique violation is raised as Django's IntegrityError, and the caller's transaction rolls it back."""
    fields = [f for f in Event._meta.concrete_fields if not f.primary_key]
    json_fields = {f.attname for f in fields if isinstance(f, JSONField)}
    # A concrete field always has a column (the stubs allow None for the others).
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)  # type: ignore[arg-type]
    table = connection.ops.quote_name(Event._meta.db_table)
    epc_table = connection.ops.quote_name(EventEpc._meta.db_table)
    db = connection.alias
    with connection.cursor() as cursor, connection.wrap_database_errors:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [Event._meta.db_table, Event._meta.pk.column, len(rows)],
        )
        ids = [pk for (pk,) in cursor.fetchall()]
        raw = cursor.cursor
        with raw.copy(f"COPY {table} (id, {columns}) FROM STDIN") as copy:  # noqa: S608 — model names
            for pk, row in zip(ids, rows, strict=True):
                row.pk = pk
                row._state.adding = False
                row._state.db = db
                values = [pk]
                for field in fields:
                    value = getattr(row, field.attname)
                    values.append(json.dumps(value) if field.attname in json_fields else value)
                copy.write_row(values)
        with raw.copy(f"COPY {epc_table} (event_id, epc, role) FROM STDIN") as copy:  # noqa: S608
            for row, names in zip(rows, epcs, strict=True):
                for epc, role in names:
                    copy.write_row((row.pk, epc, role))


def _duplicates(ids: list[str]) -> set[str]:
    found: set[str] = set()
    for start in range(0, len(ids), 1000):
        found.update(
            Event.objects.filter(event_id__in=ids[start : start + 1000]).values_list("event_id", flat=True)
        )
    return found


def capture(user: User, document: Any, error_behaviour: str = "rollback", public: bool = True) -> CaptureJob:
    """Captures an EPCISDocument and returns its finished job.

    rollback (the default): any invalid event — against the schema, or an eventID already stored or
    repeated — means nothing is stored and the job fails with the errors. proceed: the valid events are
    stored and the errors recorded on the job (which fails only when no event could be stored)."""
    if not can_capture(user):
        raise PermissionDenied
    error_behaviour = (error_behaviour or "rollback").strip().lower()
    if error_behaviour not in ERROR_BEHAVIOURS:
        raise CaptureRefused(_("GS1-Capture-Error-Behaviour must be “rollback” or “proceed”."))
    if not isinstance(document, dict) or document.get("type") != "EPCISDocument":
        raise CaptureRefused(
            _("Only an EPCISDocument can be captured here (its “type” must be “EPCISDocument”).")
        )
    body = document.get("epcisBody")
    events = body.get("eventList") if isinstance(body, dict) else None
    if isinstance(events, list) and len(events) > capture_limit():
        raise CaptureRefused(
            _("The document holds %(count)d events; at most %(limit)d are captured at once.")
            % {"count": len(events), "limit": capture_limit()},
            status=413,
        )

    job = CaptureJob.objects.create(created_by=user, error_behaviour=error_behaviour)
    errors = epcis.validate(document)
    header_errors = [e for e in errors if e.event_index is None]
    bad = {e.event_index for e in errors if e.event_index is not None}
    job_errors = [e.as_dict() for e in errors]
    if header_errors or not isinstance(events, list):
        return _finish(job, job_errors, 0)

    valid = [i for i in range(len(events)) if i not in bad]
    valid_events = [events[i] for i in valid]
    hashes = epcis.event_hashes(valid_events, document.get("@context"))
    ids = [event.get("eventID") or ni for event, ni in zip(valid_events, hashes, strict=True)]
    taken = _duplicates(ids)
    seen: set[str] = set()
    keep = []
    for position, (index, event_id) in enumerate(zip(valid, ids, strict=True)):
        if event_id in taken or event_id in seen:
            job_errors.append(
                {
                    "path": f"epcisBody.eventList[{index}].eventID",
                    "message": _("The eventID %(id)s is already captured.") % {"id": event_id},
                }
            )
            continue
        seen.add(event_id)
        keep.append(position)
    if job_errors and error_behaviour == "rollback":
        return _finish(job, job_errors, 0)
    if not keep:
        return _finish(job, job_errors, 0)

    now = timezone.now()
    rows, epcs = _build(
        [valid_events[p] for p in keep],
        [hashes[p] for p in keep],
        document.get("@context"),
        now,
        owner=owner_of(user),
        capture=job,
        public=public,
    )
    try:
        with transaction.atomic():
            _store(rows, epcs)
            job.status = CaptureJob.Status.SUCCESS
            job.errors = job_errors
            job.event_count = len(rows)
            job.finished_at = timezone.now()
            job.save(update_fields=["status", "errors", "event_count", "finished_at"])
            audit.record(
                user,
                job,
                AuditEvent.Action.CREATE,
                {"events": [None, len(rows)]},
                note="EPCIS capture",
                verb="event.capture",
            )
    except IntegrityError:  # a concurrent capture stored one of these eventIDs first
        job_errors.append({"path": "epcisBody.eventList", "message": _("An eventID was captured meanwhile.")})
        return _finish(job, job_errors, 0)
    return job


def _finish(job: CaptureJob, errors: list[dict], count: int) -> CaptureJob:
    job.status = CaptureJob.Status.FAILED
    job.errors = errors
    job.event_count = count
    job.finished_at = timezone.now()
    job.save(update_fields=["status", "errors", "event_count", "finished_at"])
    return job


def capture_event(user: User, event: Any, public: bool = True) -> Event:
    """Captures one event (POST /epcis/events). Raises ValidationError (messages name the paths) when
    it is invalid or its eventID is already stored."""
    if not can_capture(user):
        raise PermissionDenied
    return _record_one(user, event, "event.capture", owner=owner_of(user), public=public)


def record(user: User, batch: Batch, event: dict[str, Any], public: bool = True) -> Event:
    """Records one EPCIS event for a batch, from the producers' forms: same validation, hash, log."""
    if not (has_role(user, Role.PRODUCER) and (user.is_superuser or user.producer_id == batch.producer_id)):
        raise PermissionDenied
    event = dict(event)
    event.setdefault("@context", [epcis.CONTEXT_URL])
    recorded = _record_one(user, event, "event.record", owner=batch.producer, batch=batch, public=public)
    # Now and again after the commit: a visitor in between must not put the old page back for a minute.
    pagecache.forget(batch.gtin, batch.lot)
    transaction.on_commit(lambda: pagecache.forget(batch.gtin, batch.lot))
    return recorded


def _record_one(user: User, event: Any, verb: str, **common: Any) -> Event:
    """Stores one event; its audit event says how it came (`event.record` from a batch's form,
    `event.capture` through the EPCIS API)."""
    if not isinstance(event, dict) or event.get("type") not in epcis.EVENT_TYPES:
        raise ValidationError(
            _("An EPCIS event is expected (its “type” one of %(types)s).")
            % {"types": ", ".join(epcis.EVENT_TYPES)}
        )
    errors = epcis.validate(event)
    if errors:
        raise ValidationError([str(e) for e in errors])
    context = event.get("@context")
    body = {k: v for k, v in event.items() if k != "@context"}
    (ni,) = epcis.event_hashes([body], context)
    rows, epcs = _build([body], [ni], context, timezone.now(), **common)
    row = rows[0]
    if Event.objects.filter(event_id=row.event_id).exists():
        raise ValidationError(_("The eventID %(id)s is already captured.") % {"id": row.event_id})
    try:
        with transaction.atomic():
            _store(rows, epcs)
            audit.record(user, row, AuditEvent.Action.CREATE, note="EPCIS event", verb=verb)
    except IntegrityError as exc:
        raise ValidationError(_("The eventID %(id)s is already captured.") % {"id": row.event_id}) from exc
    return row
