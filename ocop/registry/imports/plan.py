"""The plan of an import, which is also its dry run: read the rows of a file, check each on its own
(parse_row) and then against the database — lookups loaded in bulk (communes, producers by tax code,
products by GTIN and by name, existing star ratings), no query per row — and decide what each row
creates, updates or leaves unchanged, with every error. Nothing is written here (see write.py).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from ocop.core import audit
from ocop.core.text import fold
from ocop.criteria.classification import CURRENT_SET
from ocop.places.models import Commune, Province

from ..models import Producer, Product, ProductStatus, StarRating
from ..rules import certificate_expiry
from ..spreadsheets.cells import ParsedRow, find_header, parse_row
from ..spreadsheets.columns import LAYOUTS, PRODUCERS, PRODUCTS, Layout
from ..spreadsheets.errors import RowError

PROGRESS_EVERY = 500
LOOKUP_CHUNK = 2000

Rows = list[tuple[int, list[str | None]]]
Progress = Callable[[int], None]


def no_progress(_count: int) -> None:
    return None


def chunks(items: list, size: int = LOOKUP_CHUNK) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _province_of(user) -> str | None:
    """The province whose rows the user may import; None for a superuser (any province)."""
    return None if user.is_superuser else user.province_id


# --- Checking: first each row on its own, then against the database --------------------------


@dataclass
class Checked:
    """The rows of a file that passed the checks a row can pass on its own, and the errors of the rest."""

    header_row: int
    labels: dict[str, str]
    rows: list[ParsedRow]
    errors: list[RowError]
    total: int


def check_rows(kind: str, rows: Rows, progress: Progress = no_progress) -> Checked:
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


def plan_rows(
    kind: str, checked: Checked, user, build: bool = False, progress: Progress = no_progress
) -> Plan:
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


def build_plan(kind: str, rows: Rows, user, progress: Progress = no_progress, build: bool = False) -> Plan:
    """Both checks of a file's rows (what the dry run does)."""
    return plan_rows(kind, check_rows(kind, rows, progress), user, build)


def _label(labels: dict[str, str], layout: Layout, key: str) -> str:
    return labels.get(key) or layout.column(key).header


def _error(plan: Plan, row: ParsedRow, labels, layout, key: str, code: str, **params) -> None:
    plan.errors.append(RowError(row.number, _label(labels, layout, key), row.text(key), code, params))


class Snapshots:
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
    for chunk in chunks(codes):
        existing.update((e.tax_code, e) for e in Producer.objects.filter(tax_code__in=chunk))
        editable.update(_editable_ids(user, chunk))
    snapshot = Snapshots(Producer) if build else None
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
    for chunk in chunks(taxes):
        found = Producer.objects.filter(tax_code__in=chunk).only("pk", "tax_code", "name")
        producers.update((e.tax_code, e) for e in found)
        editable.update(_editable_ids(user, chunk))
    gtins = sorted({r.values["gtin"] for r in rows if "gtin" in r.values})
    by_gtin: dict[str, Product] = {}
    for chunk in chunks(gtins):
        # exclude(gtin=""): lets PostgreSQL use the partial unique index on GTIN for a long IN list
        by_gtin.update((p.gtin, p) for p in Product.objects.filter(gtin__in=chunk).exclude(gtin=""))
    by_id: dict[int, Product] = {p.pk: p for p in by_gtin.values()}
    producer_ids = sorted({e.pk for e in producers.values() if e.pk in editable})
    for chunk in chunks(producer_ids):
        for product in Product.objects.filter(producer_id__in=chunk):
            by_id.setdefault(product.pk, product)
    by_name: dict[tuple[int, str], list[Product]] = {}
    for product in by_id.values():
        by_name.setdefault((product.producer_id, name_key(product.name_vi)), []).append(product)
    decisions: dict[tuple[int, str, datetime.date], int] = {}
    latest: dict[int, datetime.date] = {}
    for chunk in chunks(sorted(by_id)):
        for pid, number, date, stars in StarRating.objects.filter(product_id__in=chunk).values_list(
            "product_id", "decision_number", "decision_date", "stars"
        ):
            decisions[(pid, number, date)] = stars
            latest[pid] = max(latest.get(pid, date), date)
    snapshot = Snapshots(Product) if build else None
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
