"""The evidence checklist of a dossier (Decision 26/2026, Annex III), per product group. Pure: no Django.

Kinds are the values of `models.DocumentKind`. Required items block submission; optional ones are shown
so the producer knows what lifts the score. Food and drinks (groups I, II) need a food-safety facility
certificate; medicinal-herb products (III) need one only for some products, so it is optional there. The
tourism sheet (group VI) takes no samples, lab results, food-safety certificate, quality declaration or
label."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

TOURISM_GROUP = "VI"


@dataclass(frozen=True)
class Item:
    kind: str
    required: bool


# (kind, required) per group; the order is the order of the Annex III list.
_COMMON_TAIL = (
    ("raw_materials", False),
    ("environment", False),
    ("workers", False),
    ("financial", False),
    ("ip", False),
    ("distribution", False),
    ("promotion", False),
    ("traceability", False),
    ("quality_system", False),
    ("award", False),
    ("photo", False),
    ("other", False),
)

_FOOD_AND_DRINKS = (
    ("business_registration", True),
    ("food_safety", True),
    ("quality_declaration", True),
    ("lab_result", True),
    ("label", True),
    ("product_story", False),
)
_GOODS = {
    "I": _FOOD_AND_DRINKS,
    "II": _FOOD_AND_DRINKS,
    # medicinal herbs: food-safety certificate only where the product needs one
    "III": (
        ("business_registration", True),
        ("food_safety", False),
        ("quality_declaration", True),
        ("lab_result", True),
        ("label", True),
        ("product_story", False),
    ),
}
_OTHER_GOODS = (
    ("business_registration", True),
    ("quality_declaration", True),
    ("label", True),
    ("lab_result", False),
    ("product_story", False),
)
_TOURISM = (
    ("business_registration", True),
    ("product_story", False),
    ("photo", False),
    ("environment", False),
    ("workers", False),
    ("financial", False),
    ("ip", False),
    ("distribution", False),
    ("promotion", False),
    ("quality_system", False),
    ("award", False),
    ("other", False),
)


def items_for(group_code: str | None) -> tuple[Item, ...]:
    """The checklist of a product group (I … VI)."""
    if group_code == TOURISM_GROUP:
        pairs = _TOURISM
    else:
        head = _GOODS.get(group_code or "", _OTHER_GOODS)
        listed = {kind for kind, _required in head}
        pairs = head + tuple(p for p in _COMMON_TAIL if p[0] not in listed)
    return tuple(Item(kind, required) for kind, required in pairs)


def needs_samples(group_code: str | None) -> bool:
    """Product samples go with every dossier except the tourism sheet's."""
    return group_code != TOURISM_GROUP


def required_kinds(group_code: str | None) -> tuple[str, ...]:
    return tuple(i.kind for i in items_for(group_code) if i.required)


def missing(group_code: str | None, attached_kinds: Iterable[str]) -> tuple[str, ...]:
    """The required kinds with nothing attached, in checklist order."""
    have = set(attached_kinds)
    return tuple(k for k in required_kinds(group_code) if k not in have)


def rows(group_code: str | None, attached_kinds: Iterable[str]) -> list[tuple[Item, bool]]:
    """(item, ticked) for the page."""
    have = set(attached_kinds)
    return [(item, item.kind in have) for item in items_for(group_code)]
