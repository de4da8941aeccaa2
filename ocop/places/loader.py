"""Loading the provinces and communes shipped in ocop/places/data (idempotent: safe to run again)."""

import csv
from pathlib import Path

from django.db import transaction

DATA_FILE = Path(__file__).parent / "data" / "vn-admin-units-2025.csv"


def read_units(path: Path = DATA_FILE) -> tuple[dict[str, str], list[dict[str, str]]]:
    provinces: dict[str, str] = {}
    communes: list[dict[str, str]] = []
    with path.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            provinces[row["province_code"]] = row["province_name"]
            communes.append(row)
    return provinces, communes


def load_places(province_model, commune_model, path: Path = DATA_FILE) -> dict[str, int]:
    """Insert what is missing and update names that changed; returns counts of created and updated rows.

    Takes the models as arguments so that the data migration can pass its historical models.
    """
    provinces, communes = read_units(path)
    created = updated = 0
    with transaction.atomic():
        existing = {p.code: p for p in province_model.objects.all()}
        new_provinces = []
        for code, name in provinces.items():
            if code not in existing:
                new_provinces.append(province_model(code=code, name=name))
            elif existing[code].name != name:
                existing[code].name = name
                existing[code].save(update_fields=["name"])
                updated += 1
        province_model.objects.bulk_create(new_provinces)
        created += len(new_provinces)

        existing_c = {c.code: c for c in commune_model.objects.all()}
        new_communes, changed = [], []
        for row in communes:
            values = {
                "name": row["commune_name"],
                "kind": row["commune_type"],
                "province_id": row["province_code"],
            }
            current = existing_c.get(row["commune_code"])
            if current is None:
                new_communes.append(commune_model(code=row["commune_code"], **values))
            elif any(getattr(current, k) != v for k, v in values.items()):
                for k, v in values.items():
                    setattr(current, k, v)
                changed.append(current)
        commune_model.objects.bulk_create(new_communes, batch_size=1000)
        commune_model.objects.bulk_update(changed, ["name", "kind", "province_id"], batch_size=1000)
        created += len(new_communes)
        updated += len(changed)
    return {"created": created, "updated": updated}
