"""Writing a plan, all or nothing, in the caller's transaction: batches of bulk inserts and updates
(on PostgreSQL one statement over a JSON array per batch), the new star ratings, and one audit event
("import") per object."""

from __future__ import annotations

import datetime
import decimal
import json
from typing import Any

from django.db import connections
from django.db.models import Field
from django.utils import timezone

from ocop.core import audit
from ocop.core.models import AuditEvent

from ..models import Producer, Product, StarRating
from .plan import Plan, Progress, Snapshots, chunks, no_progress

BATCH_SIZE = 500  # rows per bulk_create / bulk_update statement
PG_BATCH_SIZE = 2000  # rows per JSON-array statement on PostgreSQL


def _json_default(value: Any) -> Any:
    """JSON for the values the C encoder does not know (called only for those)."""
    if isinstance(value, datetime.date | datetime.datetime):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def _dumps(records: list) -> str:
    return json.dumps(records, ensure_ascii=False, default=_json_default)


def _pg_types(model, fields) -> list[str]:
    connection = connections["default"]
    return [f.db_type(connection) for f in fields]


def bulk_insert(model, objs: list, progress: Progress = no_progress, done: int = 0) -> int:
    """Insert new objects and give them their primary keys, in batches; returns `done` + their number.

    On PostgreSQL each batch is one INSERT … SELECT over a JSON array (jsonb_array_elements), with the
    primary keys drawn from the table's sequence beforehand: several times faster than bulk_create(),
    whose UNNEST arrays psycopg builds value by value in Python. Elsewhere, bulk_create(). Values are
    those bulk_create() would save (Field.pre_save, auto_now dates); save() itself is not called.
    """
    connection = connections["default"]
    for batch in chunks(objs, BATCH_SIZE if connection.vendor != "postgresql" else PG_BATCH_SIZE):
        if connection.vendor != "postgresql":
            model.objects.bulk_create(batch)
        else:
            _pg_insert(connection, model, batch)
        done += len(batch)
        progress(done)
    return done


def _pg_insert(connection, model, batch: list) -> None:
    meta = model._meta
    fields = [f for f in meta.concrete_fields if not f.primary_key]
    qn = connection.ops.quote_name
    now = timezone.now()
    # Field.pre_save() as bulk_create() calls it, but one clock reading for the auto_now(_add) dates
    # and a plain attribute read for the fields that do not override pre_save().
    stamped = [f.attname for f in fields if any(getattr(f, a, False) for a in ("auto_now", "auto_now_add"))]
    special = [f for f in fields if type(f).pre_save is not Field.pre_save and f.attname not in stamped]
    attnames = [f.attname for f in fields]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [meta.db_table, meta.pk.column, len(batch)],
        )
        ids = [row[0] for row in cursor.fetchall()]
        records = []
        for obj, pk in zip(batch, ids, strict=True):
            for attname in stamped:
                setattr(obj, attname, now)
            for f in special:
                f.pre_save(obj, True)
            records.append([pk, *(getattr(obj, a) for a in attnames)])
        columns = [meta.pk.column] + [f.column for f in fields]
        types = [meta.pk.db_type(connection)] + _pg_types(model, fields)
        names = ", ".join(qn(c) for c in columns)
        values = ", ".join(f"(x->>{i})::{t}" if t != "jsonb" else f"(x->{i})" for i, t in enumerate(types))
        cursor.execute(
            f"INSERT INTO {qn(meta.db_table)} ({names}) "  # noqa: S608 (quoted names from the model)
            f"SELECT {values} FROM jsonb_array_elements(%s::jsonb) AS x",
            [_dumps(records)],
        )
    for obj, pk in zip(batch, ids, strict=True):
        obj.pk = pk
        obj._state.adding = False
        obj._state.db = connection.alias


def bulk_change(model, objs: list, fields: list[str], progress: Progress = no_progress, done: int = 0) -> int:
    """Save these fields (and `updated_at`) of existing objects, in batches; returns `done` + their number.

    On PostgreSQL each batch is one UPDATE … FROM a JSON array; elsewhere bulk_update()."""
    connection = connections["default"]
    now = timezone.now()
    for obj in objs:
        obj.updated_at = now
    names = sorted(set(fields) | {"updated_at"})
    for batch in chunks(objs, BATCH_SIZE if connection.vendor != "postgresql" else PG_BATCH_SIZE):
        if connection.vendor != "postgresql":
            model.objects.bulk_update(batch, names)
        else:
            _pg_update(connection, model, batch, names)
        done += len(batch)
        progress(done)
    return done


def _pg_update(connection, model, batch: list, names: list[str]) -> None:
    meta = model._meta
    fields = [meta.get_field(n) for n in names]
    qn = connection.ops.quote_name
    records = [[obj.pk, *(getattr(obj, f.attname) for f in fields)] for obj in batch]
    types = [meta.pk.db_type(connection)] + _pg_types(model, fields)
    assignments = ", ".join(
        f"{qn(f.column)} = (x->>{i})::{t}" if t != "jsonb" else f"{qn(f.column)} = (x->{i})"
        for i, (f, t) in enumerate(zip(fields, types[1:], strict=True), start=1)
    )
    pk = qn(meta.pk.column)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {qn(meta.db_table)} AS t SET {assignments} "  # noqa: S608 (quoted names from the model)
            f"FROM jsonb_array_elements(%s::jsonb) AS x WHERE t.{pk} = (x->>0)::{types[0]}",
            [_dumps(records)],
        )


def apply_plan(plan: Plan, user, note: str = "", progress: Progress = no_progress) -> tuple[int, int]:
    """Write a plan without errors, in the caller's transaction: batches of bulk inserts or updates,
    each with its new star ratings and its audit events ("import", one per object), so that the
    progress reported after each batch follows the whole work. Returns (created, updated)."""
    assert plan.ok, "a plan with errors is never written"
    model = Producer if plan.kind == "producers" else Product
    size = PG_BATCH_SIZE if connections["default"].vendor == "postgresql" else BATCH_SIZE
    ratings = {id(product): rating for product, rating in plan.ratings}
    snapshot = Snapshots(model)
    fields = sorted(plan.update_fields | {"search_key"})
    verb = "producer.import" if plan.kind == "producers" else "product.import"
    done = plan.unchanged  # every row is created, updated or unchanged: the count ends at the total
    for objs, created in ((plan.creates, True), (plan.updates, False)):
        for batch in chunks(objs, size):
            if created:
                bulk_insert(model, batch)
            else:
                bulk_change(model, batch, fields)
            new_ratings = []
            for product in batch:
                rating = ratings.get(id(product))
                if rating is not None:
                    rating.product_id = product.pk
                    new_ratings.append(rating)
            bulk_insert(StarRating, new_ratings)
            changes = _created_changes(batch, ratings, snapshot) if created else plan.changes
            audit.record_many(
                user, batch, AuditEvent.Action.IMPORT, changes_for=lambda o, c=changes: c[id(o)], note=note,
                insert=bulk_insert, verb=verb,
            )  # fmt: skip
            done += len(batch)
            progress(done)
    return len(plan.creates), len(plan.updates)


def _created_changes(objs: list, ratings: dict[int, StarRating], snapshot: Snapshots) -> dict[int, dict]:
    """The audit changes of new objects: audit.diff({}, snapshot) — every field that has a value —
    and the decision of a new rating."""
    result = {}
    for obj in objs:
        changes = {name: [None, value] for name, value in snapshot(obj).items() if value is not None}
        rating = ratings.get(id(obj))
        if rating is not None:
            changes["decision"] = [None, f"{rating.decision_number} ({rating.decision_date:%d/%m/%Y})"]
        result[id(obj)] = changes
    return result
