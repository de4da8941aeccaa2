"""Importing and exporting producers and products as spreadsheets (layout: ocop.registry.spreadsheets).

An import runs in two background tasks (ocop.registry.tasks):

1. **Check** (dry run): read the stored file, check every row — on its own (parse_row) and
   against the database, with lookups loaded in bulk (communes, producers by tax code, products by
   GTIN and by name, existing star ratings) — and record every error, or the plan "N to create,
   M to update, K unchanged". Nothing is written to the registry.
2. **Write**, after the officer confirms: the rows are checked again against the database as it is
   now (it may have changed since the check), then written all-or-nothing in one transaction with
   bulk inserts and updates and one audit event ("import") per object.

The rows step 1 parsed and checked are kept next to the upload (`<file>.checked.json`), so step 2
checks them against the database without parsing the file again; without that file it reads the upload.

Progress: the check runs outside any transaction and saves `processed_rows` every PROGRESS_EVERY
rows, so the page's poller sees it at once. The write runs inside one transaction, where such an
update would stay invisible to the poller (PostgreSQL) or block on the write lock (SQLite); on
PostgreSQL the progress of the write is therefore saved through a second, autocommit connection,
which never touches a row the write transaction has locked (the job row is updated by the
transaction only at its very end). On SQLite the bar of the write jumps to 100 % at commit.
"""

from __future__ import annotations

import datetime
import decimal
import json
import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import DatabaseError, connections, transaction
from django.db.models import Field, Max, OuterRef, Q, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ocop.accounts.access import has_role
from ocop.accounts.models import Role
from ocop.core import audit
from ocop.core.models import AuditEvent
from ocop.core.text import fold
from ocop.criteria.classification import CURRENT_SET
from ocop.places.models import Commune, Province

from .models import ImportJob, Producer, Product, ProductStatus, StarRating
from .rules import certificate_expiry
from .spreadsheets.cells import ParsedRow, find_header, parse_row
from .spreadsheets.columns import LAYOUTS, PRODUCERS, PRODUCTS, Layout
from .spreadsheets.errors import FileProblem, RowError
from .spreadsheets.reading import detect_format, read_rows
from .spreadsheets.writing import example_record

logger = logging.getLogger(__name__)

PROGRESS_EVERY = 500
BATCH_SIZE = 500  # rows per bulk_create / bulk_update statement
PG_BATCH_SIZE = 2000  # rows per JSON-array statement on PostgreSQL
LOOKUP_CHUNK = 2000
MAX_ERRORS = 10_000  # errors kept on the job; the count of all of them is kept too
KINDS = ("producers", "products")
FORMATS = ("xlsx", "csv")

IMPORTERS = (Role.PROVINCE_OFFICER,)
EXPORTERS = (Role.PROVINCE_OFFICER, Role.COMMUNE_OFFICER, Role.MINISTRY)

# --- Messages -----------------------------------------------------------------------------------

MESSAGES = {
    "empty_file": gettext_lazy("The file is empty."),
    "too_large": gettext_lazy("The file is larger than %(max)s MB."),
    "not_spreadsheet": gettext_lazy("This is not an XLSX or CSV file (its content is %(type)s)."),
    "legacy_xls": gettext_lazy(
        "This is an old Excel 97–2003 (.xls) file: open it in Excel and save it as .xlsx."
    ),
    "ods": gettext_lazy("This is an OpenDocument spreadsheet: save it as .xlsx or as CSV."),
    "bad_xlsx": gettext_lazy("The XLSX file is damaged or cannot be read."),
    "bad_encoding": gettext_lazy(
        'The text encoding of the CSV file is not recognised: save it as "CSV UTF-8".'
    ),
    "bad_csv": gettext_lazy("The CSV file cannot be read: %(detail)s"),
    "no_rows": gettext_lazy("The file has a header row but no data rows."),
    "missing_columns": gettext_lazy("Missing columns: %(columns)s."),
    "unknown_columns": gettext_lazy(
        "Unknown columns: %(columns)s. The columns of this layout are: %(expected)s."
    ),
    "duplicate_columns": gettext_lazy("Columns given twice: %(columns)s."),
    "unnamed_columns": gettext_lazy("Columns %(columns)s hold values but have no header."),
    "required": gettext_lazy("This cell must be filled in."),
    "too_long": gettext_lazy("Too long: at most %(max)s characters."),
    "tax_code": gettext_lazy("Not a valid tax code: 10 digits, or 13 for a branch (e.g. 0100109106-001)."),
    "personal_id": gettext_lazy("Not a valid 12-digit personal identification number."),
    "personal_id_not_household": gettext_lazy(
        "A 12-digit personal identification number is accepted only for a household business."
    ),
    "gtin_length": gettext_lazy("A GTIN has 8, 12, 13 or 14 digits."),
    "gtin_check_digit": gettext_lazy("The check digit of this GTIN is wrong."),
    "commune_code": gettext_lazy("A commune code has 5 digits."),
    "unknown_commune": gettext_lazy("No commune has this code."),
    "commune_name_mismatch": gettext_lazy("Commune code %(commune)s is %(name)s, not this commune."),
    "outside_province": gettext_lazy("This commune is in %(province)s, outside your province."),
    "date": gettext_lazy("Not a date: write it as dd/mm/yyyy."),
    "date_future": gettext_lazy("This date is in the future."),
    "integer": gettext_lazy("Not a whole number."),
    "range": gettext_lazy("Must be between %(min)s and %(max)s."),
    "choice": gettext_lazy("Not an allowed value. Allowed: %(allowed)s."),
    "email": gettext_lazy("Not a valid e-mail address."),
    "url": gettext_lazy("Not a valid web address."),
    "product_set": gettext_lazy("Unknown product set: use a code of Annex I, such as I.3.a."),
    "product_set_required": gettext_lazy("Give the product set or the scoring-sheet number."),
    "sheet_mismatch": gettext_lazy("This sheet number is not the sheet of product set %(product_set)s."),
    "rating_incomplete": gettext_lazy(
        "A star rating needs the stars, the decision number and the decision date together."
    ),
    "staff_exceeds_total": gettext_lazy("More than the total number of workers (%(total)s)."),
    "duplicate_in_file": gettext_lazy("The same record is already in row %(first_row)s of this file."),
    "tax_code_taken": gettext_lazy(
        "This tax code belongs to a producer outside your province, which you may not update."
    ),
    "unknown_producer": gettext_lazy("No producer has this tax code: import the producer first."),
    "producer_outside_province": gettext_lazy("This producer is outside your province."),
    "gtin_taken": gettext_lazy("This GTIN is already used by another producer's product."),
    "ambiguous_name": gettext_lazy(
        "This producer has several products with this name: give the GTIN to say which one."
    ),
    "decision_conflict": gettext_lazy(
        "This decision is already recorded for this product with %(stars)s stars."
    ),
    "changed_since_check": gettext_lazy("The registry changed since the check: %(detail)s"),
}


def describe(error: dict[str, Any]) -> str:
    """The sentence for a stored error, in the active language."""
    template = MESSAGES.get(error.get("code", ""))
    if template is None:
        return error.get("code", "")
    params = {}
    for key, value in (error.get("params") or {}).items():
        params[key] = ", ".join(str(v) for v in value) if isinstance(value, list | tuple) else value
    if error.get("code") == "range" and params.get("max") is None:
        return _("Must be at least %(min)s.") % params
    try:
        return str(template) % params if params else str(template)
    except (KeyError, TypeError, ValueError):
        return str(template)


# --- Who may ------------------------------------------------------------------------------------


def can_import(user) -> bool:
    return has_role(user, *IMPORTERS)


def can_export(user) -> bool:
    return has_role(user, *EXPORTERS)


def _province_of(user) -> str | None:
    """The province whose rows the user may import; None for a superuser (any province)."""
    return None if user.is_superuser else user.province_id


# --- Starting and confirming --------------------------------------------------------------------


def check_upload(upload) -> None:
    """Refuse an upload that cannot be a spreadsheet before it is stored: too large, empty, or of a
    type recognised by its content (a PNG renamed .xlsx, a binary renamed .csv). Raises ValidationError."""
    limit = settings.OCOP_IMPORT_MAX_BYTES
    if upload.size > limit:
        raise ValidationError(describe({"code": "too_large", "params": {"max": limit // (1024 * 1024)}}))
    if upload.size == 0:
        raise ValidationError(describe({"code": "empty_file"}))
    upload.seek(0)
    head = upload.read(8192)
    names = None
    if head.startswith(b"PK"):
        import zipfile

        upload.seek(0)
        try:
            with zipfile.ZipFile(upload) as archive:
                names = archive.namelist()
        except (zipfile.BadZipFile, OSError) as exc:
            raise ValidationError(describe({"code": "bad_xlsx"})) from exc
    upload.seek(0)
    try:
        detect_format(head, names)
    except FileProblem as problem:
        raise ValidationError(describe(problem.as_error().as_dict())) from problem


def storage_name(name: str | None) -> str:
    suffix = (name or "").rsplit(".", 1)[-1].lower() if "." in (name or "") else ""
    return f"import.{suffix}" if suffix in FORMATS else "import.dat"


STALE_AFTER = datetime.timedelta(minutes=15)  # a running task shows a sign of life every few seconds
WAITING_HINT_AFTER = datetime.timedelta(minutes=1)


def give_up_if_stalled(job: ImportJob) -> ImportJob:
    """Mark a job failed when its task has shown no sign of life for STALE_AFTER: the worker was
    stopped or restarted mid-way (a development worker reloads on every code change). The write is
    one transaction, so such a job wrote nothing. A task that is in fact alive and finishes later
    still records its real outcome."""
    running = (ImportJob.Status.CHECKING, ImportJob.Status.IMPORTING)
    if job.status not in running:
        return job
    cutoff = timezone.now() - STALE_AFTER
    stalled = ImportJob.objects.filter(pk=job.pk, status=job.status).filter(
        Q(heartbeat_at__lt=cutoff) | Q(heartbeat_at__isnull=True, created_at__lt=cutoff)
    )
    message = _("The background work stopped before the end; nothing was written. Upload the file again.")
    if stalled.update(status=ImportJob.Status.FAILED, message=message, finished_at=timezone.now()):
        job.refresh_from_db()
    return job


def waiting_too_long(job: ImportJob) -> bool:
    """A job no worker has taken up for a while: the page says so (is `manage.py db_worker` running?)."""
    return job.status == ImportJob.Status.PENDING and job.created_at < timezone.now() - WAITING_HINT_AFTER


# --- Reading the stored file --------------------------------------------------------------------

Rows = list[tuple[int, list[str | None]]]
CACHE_VERSION = 1


def _read_job_file(job: ImportJob) -> Rows:
    with job.file.open("rb") as fh:
        data = fh.read()
    if len(data) > settings.OCOP_IMPORT_MAX_BYTES:
        raise FileProblem("too_large", max=settings.OCOP_IMPORT_MAX_BYTES // (1024 * 1024))
    _fmt, rows = read_rows(data)
    return rows


def _cache_name(job: ImportJob) -> str:
    return f"{job.file.name}.checked.json"


def _save_checked(job: ImportJob, checked: Checked) -> None:
    """Keep the rows the dry run parsed, so that the write re-checks them against the database
    without reading and parsing the file again."""
    payload = {
        "version": CACHE_VERSION, "kind": job.kind, "header_row": checked.header_row,
        "labels": checked.labels, "total": checked.total, "rows": [row.to_json() for row in checked.rows],
    }  # fmt: skip
    name = _cache_name(job)
    if default_storage.exists(name):
        default_storage.delete(name)
    default_storage.save(name, ContentFile(json.dumps(payload, ensure_ascii=False).encode()))


def _load_checked(job: ImportJob) -> Checked | None:
    name = _cache_name(job)
    try:
        if not default_storage.exists(name):
            return None
        with default_storage.open(name, "rb") as fh:
            payload = json.load(fh)
    except (OSError, ValueError):
        return None
    if payload.get("version") != CACHE_VERSION or payload.get("kind") != job.kind:
        return None
    layout = LAYOUTS[job.kind]
    rows = [ParsedRow.from_json(layout, row) for row in payload["rows"]]
    return Checked(payload["header_row"], payload["labels"], rows, [], payload["total"])


def _drop_checked(job: ImportJob) -> None:
    name = _cache_name(job)
    try:
        if default_storage.exists(name):
            default_storage.delete(name)
    except OSError:  # a leftover file is harmless
        logger.warning("could not delete %s", name)


# --- Checking: first each row on its own, then against the database --------------------------


Progress = Callable[[int], None]


def _nothing(_count: int) -> None:
    return None


def _chunks(items: list, size: int = LOOKUP_CHUNK) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


@dataclass
class Checked:
    """The rows of a file that passed the checks a row can pass on its own, and the errors of the rest."""

    header_row: int
    labels: dict[str, str]
    rows: list[ParsedRow]
    errors: list[RowError]
    total: int


def check_rows(kind: str, rows: Rows, progress: Progress = _nothing) -> Checked:
    """Find the header and check every data row's cells (formats, required cells, cross-column rules)."""
    layout = LAYOUTS[kind]
    header, header_errors = find_header(layout, rows)
    data_rows = [(n, cells) for n, cells in rows if n > header.row]
    checked = Checked(header.row, header.labels, [], list(header_errors), len(data_rows))
    if header_errors:
        return checked
    if not data_rows:
        checked.errors.append(RowError(header.row, "", "", "no_rows"))
        return checked
    for index, (number, cells) in enumerate(data_rows, start=1):
        row, errors = parse_row(layout, header, number, cells)
        if errors:
            checked.errors.extend(errors)
        else:
            checked.rows.append(row)
        if index % PROGRESS_EVERY == 0:
            progress(index)
    return checked


@dataclass
class Plan:
    """What an import would do: every error, or what it creates and updates. A dry run only counts;
    a plan for writing (`build=True`) holds the model objects."""

    kind: str
    total: int = 0
    errors: list[RowError] = field(default_factory=list)
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    creates: list[Any] = field(default_factory=list)
    updates: list[Any] = field(default_factory=list)
    update_fields: set[str] = field(default_factory=set)
    changes: dict[int, dict] = field(default_factory=dict)  # id(obj) → audit changes of an update
    ratings: list[tuple[Any, StarRating]] = field(default_factory=list)  # (product, new rating)

    @property
    def ok(self) -> bool:
        return not self.errors


def plan_rows(kind: str, checked: Checked, user, build: bool = False, progress: Progress = _nothing) -> Plan:
    """Check the rows against the database — lookups loaded in bulk, no query per row — and decide
    what each row creates or updates."""
    layout = LAYOUTS[kind]
    plan = Plan(kind, total=checked.total, errors=list(checked.errors))
    if checked.rows:
        planner = _plan_producers if kind == "producers" else _plan_products
        planner(plan, checked.rows, checked.labels, user, build, progress)
    order = {key: i for i, key in enumerate(layout.keys)}
    by_label = {label: key for key, label in checked.labels.items()}
    plan.errors.sort(key=lambda e: (e.row or 0, order.get(by_label.get(e.column, ""), len(order))))
    return plan


def build_plan(kind: str, rows: Rows, user, progress: Progress = _nothing, build: bool = False) -> Plan:
    """Both checks of a file's rows (what the dry run does)."""
    return plan_rows(kind, check_rows(kind, rows, progress), user, build)


def _label(labels: dict[str, str], layout: Layout, key: str) -> str:
    return labels.get(key) or layout.column(key).header


def _error(plan: Plan, row: ParsedRow, labels, layout, key: str, code: str, **params) -> None:
    plan.errors.append(RowError(row.number, _label(labels, layout, key), row.text(key), code, params))


class _Snapshots:
    """audit.snapshot() for many objects of one model: the same values (choices by their label,
    related objects by their text), with the field lookups and choice labels worked out once."""

    def __init__(self, model):
        self.fields = {}
        for f in model._meta.concrete_fields:
            labels = {value: str(label) for value, label in f.flatchoices} if f.choices else None
            self.fields[f.name] = (f.attname, f.is_relation, labels)
        self.default = [n for n in self.fields if n not in ("id", "created_at", "updated_at")]

    def __call__(self, obj, names=None) -> dict[str, Any]:
        result = {}
        for name in names or self.default:
            attname, relation, labels = self.fields[name]
            value = getattr(obj, name) if relation else getattr(obj, attname)
            if labels is not None and value not in (None, ""):
                value = labels.get(value, value)
            if value is not None and type(value) not in (str, int, bool):
                value = audit._plain(value)  # the same plain form audit.snapshot() gives
            result[name] = value
        return result


# Producers ---------------------------------------------------------------------------------------

PRODUCER_FIELDS = (
    "name", "producer_type", "address", "phone", "email", "website", "founded_on", "representative_name",
    "representative_position", "representative_gender", "representative_ethnicity",
    "representative_birth_year", "representative_has_disability", "staff_total", "staff_female",
    "staff_local", "staff_ethnic_minority",
)  # fmt: skip


def _communes() -> dict[str, Commune]:
    return {c.code: c for c in Commune.objects.only("code", "name", "province_id")}


def _editable_ids(user, tax_codes: list[str]) -> list[int]:
    """Of the producers with these tax codes, those the user may change (the registry's own scoping)."""
    return list(
        Producer.objects.editable_by(user).filter(tax_code__in=tax_codes).values_list("pk", flat=True)
    )


def _same_commune_name(given: str, official: str) -> bool:
    prefixes = ("xa ", "phuong ", "dac khu ", "thi tran ")
    a, b = fold(given), fold(official)
    for prefix in prefixes:
        a, b = a.removeprefix(prefix), b.removeprefix(prefix)
    return a == b


def _plan_producers(plan: Plan, rows: list[ParsedRow], labels, user, build: bool, progress) -> None:
    layout = PRODUCERS
    communes = _communes()
    provinces = dict(Province.objects.values_list("code", "name"))
    province = _province_of(user)
    codes = sorted({r.values["tax_code"] for r in rows})
    existing: dict[str, Producer] = {}
    editable: set[int] = set()
    for chunk in _chunks(codes):
        existing.update((e.tax_code, e) for e in Producer.objects.filter(tax_code__in=chunk))
        editable.update(_editable_ids(user, chunk))
    snapshot = _Snapshots(Producer) if build else None
    seen: dict[str, int] = {}
    for index, row in enumerate(rows, start=1):
        if index % PROGRESS_EVERY == 0:
            progress(index)
        values = row.values
        tax = values["tax_code"]
        failed = False
        if tax in seen:
            _error(plan, row, labels, layout, "tax_code", "duplicate_in_file", first_row=seen[tax])
            continue
        seen[tax] = row.number
        commune = communes.get(values["commune_code"])
        if commune is None:
            _error(plan, row, labels, layout, "commune_code", "unknown_commune")
            failed = True
        else:
            if "commune_name" in values and not _same_commune_name(values["commune_name"], commune.name):
                _error(plan, row, labels, layout, "commune_name", "commune_name_mismatch",
                       commune=commune.code, name=commune.name)  # fmt: skip
                failed = True
            if province is not None and commune.province_id != province:
                _error(plan, row, labels, layout, "commune_code", "outside_province",
                       province=provinces.get(commune.province_id, commune.province_id))  # fmt: skip
                failed = True
        producer = existing.get(tax)
        if producer is not None and producer.pk not in editable:
            _error(plan, row, labels, layout, "tax_code", "tax_code_taken")
            failed = True
        if failed:
            continue
        wanted = {f: values[f] for f in PRODUCER_FIELDS if f in values}
        # The worker counts, merged with the stored ones (0 for a new producer), must keep the
        # parts within the total, as the table's check constraints require.
        total = wanted.get("staff_total", producer.staff_total if producer else 0)
        parts = ("staff_female", "staff_local", "staff_ethnic_minority")
        over = [k for k in parts if wanted.get(k, getattr(producer, k) if producer else 0) > total]
        if over:
            key = over[0] if over[0] in values else "staff_total"
            _error(plan, row, labels, layout, key, "staff_exceeds_total", total=total)
            continue
        if producer is None:
            plan.created += 1
            if build:
                producer = Producer(
                    tax_code=tax, commune=commune, **wanted
                )  # the commune object: no query later
                producer.search_key = producer.build_search_key()
                plan.creates.append(producer)
            continue
        changed = [f for f, v in wanted.items() if getattr(producer, f) != v]
        moved = producer.commune_id != commune.code
        if not changed and not moved:
            plan.unchanged += 1
            continue
        plan.updated += 1
        if not build:
            continue
        before = snapshot(producer, changed) if changed else {}
        for f in changed:
            setattr(producer, f, wanted[f])
        changes = audit.diff(before, snapshot(producer, changed)) if changed else {}
        if moved:
            old = communes.get(producer.commune_id)
            changes["commune"] = [old.name if old else producer.commune_id, commune.name]
            producer.commune = commune
            changed.append("commune")
        producer.search_key = producer.build_search_key()
        plan.updates.append(producer)
        plan.update_fields.update(changed)
        plan.changes[id(producer)] = changes


# Products ----------------------------------------------------------------------------------------

PRODUCT_FIELDS = (
    "name_vi", "name_en", "product_set", "gtin", "net_quantity", "packaging", "shelf_life_days",
    "description_vi",
)  # fmt: skip


def name_key(name: str) -> str:
    """Products without a GTIN are matched on (producer, name): case and spacing do not count."""
    return " ".join(name.split()).casefold()


def _rating_state(stars: int, decision_date: datetime.date) -> tuple[datetime.date | None, str | None]:
    """(valid until, product status) after a rating, as services.record_rating sets them."""
    return _rating_state_on(stars, decision_date, datetime.date.today())


@lru_cache(maxsize=4096)
def _rating_state_on(stars: int, decision_date: datetime.date, today: datetime.date):
    if stars < 3:
        return None, None
    valid_until = certificate_expiry(decision_date)
    return valid_until, ProductStatus.EXPIRED if valid_until < today else ProductStatus.RATED


def _plan_products(plan: Plan, rows: list[ParsedRow], labels, user, build: bool, progress) -> None:
    layout = PRODUCTS
    taxes = sorted({r.values["producer_tax_code"] for r in rows})
    producers: dict[str, Producer] = {}
    editable: set[int] = set()
    for chunk in _chunks(taxes):
        found = Producer.objects.filter(tax_code__in=chunk).only("pk", "tax_code", "name")
        producers.update((e.tax_code, e) for e in found)
        editable.update(_editable_ids(user, chunk))
    gtins = sorted({r.values["gtin"] for r in rows if "gtin" in r.values})
    by_gtin: dict[str, Product] = {}
    for chunk in _chunks(gtins):
        # exclude(gtin=""): lets PostgreSQL use the partial unique index on GTIN for a long IN list
        by_gtin.update((p.gtin, p) for p in Product.objects.filter(gtin__in=chunk).exclude(gtin=""))
    by_id: dict[int, Product] = {p.pk: p for p in by_gtin.values()}
    producer_ids = sorted({e.pk for e in producers.values() if e.pk in editable})
    for chunk in _chunks(producer_ids):
        for product in Product.objects.filter(producer_id__in=chunk):
            by_id.setdefault(product.pk, product)
    by_name: dict[tuple[int, str], list[Product]] = {}
    for product in by_id.values():
        by_name.setdefault((product.producer_id, name_key(product.name_vi)), []).append(product)
    decisions: dict[tuple[int, str, datetime.date], int] = {}
    latest: dict[int, datetime.date] = {}
    for chunk in _chunks(sorted(by_id)):
        for pid, number, date, stars in StarRating.objects.filter(product_id__in=chunk).values_list(
            "product_id", "decision_number", "decision_date", "stars"
        ):
            decisions[(pid, number, date)] = stars
            latest[pid] = max(latest.get(pid, date), date)
    snapshot = _Snapshots(Product) if build else None
    seen_gtin: dict[str, int] = {}
    seen_target: dict[int, int] = {}
    seen_new: dict[tuple[int, str], int] = {}
    for index, row in enumerate(rows, start=1):
        if index % PROGRESS_EVERY == 0:
            progress(index)
        values = row.values
        producer = producers.get(values["producer_tax_code"])
        if producer is None:
            _error(plan, row, labels, layout, "producer_tax_code", "unknown_producer")
            continue
        if producer.pk not in editable:
            _error(plan, row, labels, layout, "producer_tax_code", "producer_outside_province")
            continue
        gtin = values.get("gtin")
        key = name_key(values["name_vi"])
        if gtin and gtin in seen_gtin:
            _error(plan, row, labels, layout, "gtin", "duplicate_in_file", first_row=seen_gtin[gtin])
            continue
        target = None
        if gtin and gtin in by_gtin:
            target = by_gtin[gtin]
            if target.producer_id != producer.pk:
                _error(plan, row, labels, layout, "gtin", "gtin_taken")
                continue
        if target is None:
            # A row with a GTIN may claim only a product that has none yet; a row without one prefers
            # the products without a GTIN, else the single product of that name.
            same_name = by_name.get((producer.pk, key), [])
            candidates = [p for p in same_name if not p.gtin]
            if not gtin and not candidates:
                candidates = same_name
            if len(candidates) > 1:
                _error(plan, row, labels, layout, "name_vi", "ambiguous_name")
                continue
            target = candidates[0] if candidates else None
        if target is not None:
            first = seen_target.get(target.pk)
            if first is not None:
                _error(plan, row, labels, layout, "name_vi", "duplicate_in_file", first_row=first)
                continue
            seen_target[target.pk] = row.number
        elif not gtin:
            first = seen_new.get((producer.pk, key))
            if first is not None:
                _error(plan, row, labels, layout, "name_vi", "duplicate_in_file", first_row=first)
                continue
            seen_new[(producer.pk, key)] = row.number
        if gtin:
            seen_gtin[gtin] = row.number
        # The star rating of the row, if any.
        rating: tuple[int, str, datetime.date] | None = None
        stars = values.get("stars")
        if stars is not None and "decision_number" not in values:
            if target is None or target.stars != stars:
                _error(plan, row, labels, layout, "decision_number", "rating_incomplete")
                continue
        elif stars is not None:
            number, date = values["decision_number"], values["decision_date"]
            recorded = decisions.get((target.pk, number, date)) if target is not None else None
            if recorded is not None and recorded != stars:
                _error(plan, row, labels, layout, "stars", "decision_conflict", stars=recorded)
                continue
            if recorded is None:
                rating = (stars, number, date)
        wanted = {f: values[f] for f in PRODUCT_FIELDS if f in values}
        if "product_set" not in wanted and "sheet" in values:
            wanted["product_set"] = values["sheet"]
        if rating is not None and (target is None or rating[2] >= latest.get(target.pk, rating[2])):
            wanted["stars"] = rating[0]  # the newest decision is the product's current rating
            _valid, status = _rating_state(rating[0], rating[2])
            if status:
                wanted["status"] = status
        if target is None:
            plan.created += 1
            if build:
                product = Product(
                    producer=producer, criteria_set=CURRENT_SET, **wanted
                )  # object: no query later
                product.search_key = product.build_search_key()
                plan.creates.append(product)
                if rating is not None:
                    plan.ratings.append((product, _new_rating(rating, user)))
            continue
        changed = [f for f, v in wanted.items() if getattr(target, f) != v]
        if not changed and rating is None:
            plan.unchanged += 1
            continue
        plan.updated += 1
        if not build:
            continue
        before = snapshot(target, changed)
        for f in changed:
            setattr(target, f, wanted[f])
        target.search_key = target.build_search_key()
        changes = audit.diff(before, snapshot(target, changed))
        if rating is not None:
            changes["decision"] = [None, f"{rating[1]} ({rating[2]:%d/%m/%Y})"]
            plan.ratings.append((target, _new_rating(rating, user)))
        plan.changes[id(target)] = changes
        plan.updates.append(target)
        plan.update_fields.update(changed)


def _new_rating(rating: tuple[int, str, datetime.date], user) -> StarRating:
    stars, number, date = rating
    valid_until, _status = _rating_state(stars, date)
    return StarRating(
        stars=stars, decision_number=number, decision_date=date, valid_until=valid_until,
        source=StarRating.Source.IMPORT, criteria_set=CURRENT_SET, created_by=user,
    )  # fmt: skip


# --- Writing ------------------------------------------------------------------------------------


class WriteProgress:
    """Saves the progress of the write transaction where the page's poller can see it.

    Inside the transaction an ORM update of the job would stay invisible until commit (PostgreSQL) or
    wait for the write lock the transaction holds (SQLite). On PostgreSQL a second connection in
    autocommit mode saves it; on other databases nothing is saved until the end.
    """

    def __init__(self, job_id: int | None):
        self.job_id = job_id
        self.connection = None
        if job_id is not None and connections["default"].vendor == "postgresql":
            self.connection = connections.create_connection("default")

    def __call__(self, count: int) -> None:
        if self.connection is None:
            return
        table = self.connection.ops.quote_name(ImportJob._meta.db_table)
        sql = f"UPDATE {table} SET processed_rows = %s, heartbeat_at = now() WHERE id = %s"  # noqa: S608
        try:
            with self.connection.cursor() as cursor:
                cursor.execute(sql, [count, self.job_id])
        except DatabaseError:  # progress is a nicety: never let it break the import
            logger.warning("could not save the progress of import %s", self.job_id, exc_info=True)
            self.close()

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None


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


def bulk_insert(model, objs: list, progress: Progress = _nothing, done: int = 0) -> int:
    """Insert new objects and give them their primary keys, in batches; returns `done` + their number.

    On PostgreSQL each batch is one INSERT … SELECT over a JSON array (jsonb_array_elements), with the
    primary keys drawn from the table's sequence beforehand: several times faster than bulk_create(),
    whose UNNEST arrays psycopg builds value by value in Python. Elsewhere, bulk_create(). Values are
    those bulk_create() would save (Field.pre_save, auto_now dates); save() itself is not called.
    """
    connection = connections["default"]
    for batch in _chunks(objs, BATCH_SIZE if connection.vendor != "postgresql" else PG_BATCH_SIZE):
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


def bulk_change(model, objs: list, fields: list[str], progress: Progress = _nothing, done: int = 0) -> int:
    """Save these fields (and `updated_at`) of existing objects, in batches; returns `done` + their number.

    On PostgreSQL each batch is one UPDATE … FROM a JSON array; elsewhere bulk_update()."""
    connection = connections["default"]
    now = timezone.now()
    for obj in objs:
        obj.updated_at = now
    names = sorted(set(fields) | {"updated_at"})
    for batch in _chunks(objs, BATCH_SIZE if connection.vendor != "postgresql" else PG_BATCH_SIZE):
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


def apply_plan(plan: Plan, user, note: str = "", progress: Progress = _nothing) -> tuple[int, int]:
    """Write a plan without errors, in the caller's transaction: batches of bulk inserts or updates,
    each with its new star ratings and its audit events ("import", one per object), so that the
    progress reported after each batch follows the whole work. Returns (created, updated)."""
    assert plan.ok, "a plan with errors is never written"
    model = Producer if plan.kind == "producers" else Product
    size = PG_BATCH_SIZE if connections["default"].vendor == "postgresql" else BATCH_SIZE
    ratings = {id(product): rating for product, rating in plan.ratings}
    snapshot = _Snapshots(model)
    fields = sorted(plan.update_fields | {"search_key"})
    verb = "producer.import" if plan.kind == "producers" else "product.import"
    done = plan.unchanged  # every row is created, updated or unchanged: the count ends at the total
    for objs, created in ((plan.creates, True), (plan.updates, False)):
        for batch in _chunks(objs, size):
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


def _created_changes(objs: list, ratings: dict[int, StarRating], snapshot: _Snapshots) -> dict[int, dict]:
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


# --- The two tasks' bodies ----------------------------------------------------------------------


def _save_errors(job: ImportJob, errors: list[RowError]) -> None:
    job.error_count = len(errors)
    job.errors = [e.as_dict() for e in errors[:MAX_ERRORS]]


def _job_progress(job_id: int) -> Progress:
    def save(count: int) -> None:
        ImportJob.objects.filter(pk=job_id).update(processed_rows=count, heartbeat_at=timezone.now())

    return save


def run_check(job_id: int) -> ImportJob:
    """The dry run: read and check the file, then record the errors or the plan's counts."""
    job = ImportJob.objects.select_related("created_by").get(pk=job_id)
    if job.status not in (ImportJob.Status.PENDING, ImportJob.Status.CHECKING):
        return job
    job.status = ImportJob.Status.CHECKING
    job.heartbeat_at = timezone.now()
    job.save(update_fields=["status", "heartbeat_at"])
    try:
        try:
            rows = _read_job_file(job)
        except FileProblem as problem:
            _finish(job, ImportJob.Status.INVALID, errors=[problem.as_error()])
            return job
        job.total_rows = max(0, len(rows) - 1)  # until the header is found
        job.save(update_fields=["total_rows"])
        progress = _job_progress(job.pk)
        checked = check_rows(job.kind, rows, progress)
        job.total_rows = checked.total
        plan = plan_rows(job.kind, checked, job.created_by)
        if not plan.ok:
            _finish(job, ImportJob.Status.INVALID, errors=plan.errors)
            return job
        _save_checked(job, checked)
        job.created_count, job.updated_count, job.unchanged_count = plan.created, plan.updated, plan.unchanged
        _finish(job, ImportJob.Status.CHECKED, errors=[])
    except Exception:
        logger.exception("import %s: the check failed", job_id)
        _finish(job, ImportJob.Status.FAILED, message=_("The check stopped on an unexpected error."))
        raise
    return job


def run_write(job_id: int) -> ImportJob:
    """Check the rows again against the database as it is now, then write them all or nothing."""
    job = ImportJob.objects.select_related("created_by").get(pk=job_id)
    if job.status != ImportJob.Status.IMPORTING:
        return job
    user = job.created_by
    progress = WriteProgress(job.pk)
    try:
        checked = _load_checked(job)
        if checked is None:  # kept rows lost: read and check the file again
            try:
                checked = check_rows(job.kind, _read_job_file(job))
            except FileProblem as problem:
                _finish(job, ImportJob.Status.INVALID, errors=[problem.as_error()])
                return job
        # The bar: checking again fills the first half, writing the second.
        half = _job_progress(job.pk)
        plan = plan_rows(job.kind, checked, user, build=True, progress=lambda n: half(n // 2))
        if not plan.ok:
            message = str(MESSAGES["changed_since_check"] % {"detail": _("see the errors below")})
            _finish(job, ImportJob.Status.INVALID, errors=plan.errors, message=message)
            return job
        note = f"{job.original_name} (#{job.pk})"
        with transaction.atomic():
            created, updated = apply_plan(
                plan, user, note=note, progress=lambda n: progress(plan.total // 2 + n // 2)
            )
            progress.close()  # before the job row is touched in this transaction
            job.created_count, job.updated_count, job.unchanged_count = created, updated, plan.unchanged
            job.total_rows = plan.total
            _finish(job, ImportJob.Status.DONE, errors=[])
    except Exception as exc:
        logger.exception("import %s: the write failed", job_id)
        message = _("The import was rolled back: nothing was written. Reason: %(reason)s") % {"reason": exc}
        _finish(job, ImportJob.Status.FAILED, message=message[:2000])
        raise
    finally:
        progress.close()
        _drop_checked(job)  # done, refused or failed: a new upload starts again from the file
    return job


def _finish(job: ImportJob, status: str, errors: list | None = None, message: str | None = None) -> None:
    job.status = status
    if errors is not None:
        _save_errors(job, errors)
    if message is not None:
        job.message = message
    if status in (ImportJob.Status.CHECKED, ImportJob.Status.DONE):
        job.processed_rows = job.total_rows
    if status in (ImportJob.Status.DONE, ImportJob.Status.FAILED, ImportJob.Status.INVALID):
        job.finished_at = timezone.now()
    job.save()


# --- Export -------------------------------------------------------------------------------------


def producer_records(producers: Iterable[Producer]) -> Iterator[dict[str, Any]]:
    """Producers as layout records (column key → stored value)."""
    for e in producers:
        record = {f: getattr(e, f) for f in PRODUCER_FIELDS}
        record.update(tax_code=e.tax_code, commune_code=e.commune_id, commune_name=e.commune.name)
        yield record


def product_records(products: Iterable[Product]) -> Iterator[dict[str, Any]]:
    """Products as layout records; the rating columns carry the newest recorded decision."""
    for p in products:
        record = {f: getattr(p, f) for f in PRODUCT_FIELDS}
        record.update(
            producer_tax_code=p.producer.tax_code, producer_name=p.producer.name, sheet=p.product_set,
            stars=p.stars, decision_number=getattr(p, "last_decision_number", None) or "",
            decision_date=getattr(p, "last_decision_date", None),
        )  # fmt: skip
        yield record


def export_producers(user, params=None, request=None):
    """The producers a user may see, narrowed by the list page's filters (ProducerFilter)."""
    from .filters import ProducerFilter

    queryset = Producer.objects.visible_to(user).select_related("commune").order_by("name", "id")
    if params and params.get("sort") in ("stars", "-stars"):
        queryset = queryset.annotate(best_stars=Max("products__stars"))
    return _filtered(ProducerFilter, queryset, params, request)


def export_products(user, params=None, request=None):
    """The products a user may see, narrowed by the list page's filters (ProductFilter)."""
    from .filters import ProductFilter

    newest = StarRating.objects.filter(product=OuterRef("pk")).order_by("-decision_date", "-id")
    queryset = (
        Product.objects.visible_to(user)
        .select_related("producer")
        .annotate(
            last_decision_number=Subquery(newest.values("decision_number")[:1]),
            last_decision_date=Subquery(newest.values("decision_date")[:1]),
        )
        .order_by("producer__name", "name_vi", "id")
    )
    return _filtered(ProductFilter, queryset, params, request)


def _filtered(filterset_class, queryset, params, request):
    if not params or request is None:
        return queryset
    filterset = filterset_class(params, queryset=queryset, request=request)
    if not filterset.form.is_valid():
        raise ValidationError(_("The filters of this export are not valid."))
    return filterset.qs


def export_records(kind: str, user, params=None, request=None) -> Iterator[dict[str, Any]]:
    if kind == "producers":
        return producer_records(export_producers(user, params, request).iterator(chunk_size=2000))
    return product_records(export_products(user, params, request).iterator(chunk_size=2000))


def template_example(kind: str, user) -> dict[str, Any]:
    """The example row of a template, with a real commune of the user's province."""
    province = user.province_id or settings.OCOP_DEFAULT_PROVINCE_CODE
    commune = Commune.objects.filter(province_id=province).order_by("code").first()
    overrides = {}
    if commune and kind == "producers":
        overrides = {"commune_code": commune.code, "commune_name": commune.name}
    return example_record(LAYOUTS[kind], overrides)
