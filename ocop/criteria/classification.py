"""The OCOP product classification (groups → sub-groups → product sets → scoring sheet) read from the
criteria data shipped in ocop/criteria/data. Pure: no Django import."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

DATA_DIR = Path(__file__).parent / "data"
CURRENT_SET = "qd26-2026"


@dataclass(frozen=True)
class ProductSet:
    code: str  # e.g. "I.3.a"; a sub-group that is one set keeps the sub-group code, e.g. "IV.1"
    sheet: int
    name_vi: str
    name_en: str
    group_code: str
    group_vi: str
    group_en: str
    subgroup_code: str
    subgroup_vi: str
    subgroup_en: str

    def name(self, language: str) -> str:
        return self.name_en if language.startswith("en") else self.name_vi


@cache
def _load(set_id: str) -> dict:
    with (DATA_DIR / f"ocop-criteria-{set_id}.json").open(encoding="utf-8") as fh:
        return json.load(fh)


@cache
def product_sets(set_id: str = CURRENT_SET) -> dict[str, ProductSet]:
    """Every product set of a criteria set, keyed by code, in the order of Annex I."""
    result = {}
    for group in _load(set_id)["groups"]:
        for sub in group["subgroups"]:
            for ps in sub["product_sets"]:
                result[ps["code"]] = ProductSet(
                    code=ps["code"],
                    sheet=int(ps["sheet"]),
                    name_vi=ps["name_vi"],
                    name_en=ps["name_en"],
                    group_code=group["code"],
                    group_vi=group["name_vi"],
                    group_en=group["name_en"],
                    subgroup_code=sub["code"],
                    subgroup_vi=sub["name_vi"],
                    subgroup_en=sub["name_en"],
                )
    return result


@cache
def groups(set_id: str = CURRENT_SET) -> list[tuple[str, str, str]]:
    """(code, Vietnamese name, English name) of each group."""
    return [(g["code"], g["name_vi"], g["name_en"]) for g in _load(set_id)["groups"]]


def product_set_for_sheet(sheet: int, set_id: str = CURRENT_SET) -> ProductSet | None:
    return next((ps for ps in product_sets(set_id).values() if ps.sheet == sheet), None)
