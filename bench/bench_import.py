"""Benchmark of the products import: a 20,000-row file checked (dry run) and written, through the same
service functions the pages and the background tasks use (ocop.registry.imports.jobs).

Run against a database with national-scale data (`manage.py ocop_demo --scale national`):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ocop_bench_import .venv/bin/python bench/bench_import.py

Options: --rows N (20000), --format xlsx|xlsx-export|csv|all (all), --province CODE (80),
--producers N (1000), --keep (leave the imported products in the database). Prints rows/s for the
check, the write and both, and for a second check of the same file (every row then matches a product),
for an XLSX as Excel saves it, an XLSX as the platform's export writes it, and a CSV.

The products are spread over producers of one province; producers are created when the province has
too few with a valid tax code. The imported products are deleted afterwards (unless --keep), so the
script can be run again; the producers it created stay.
"""

from __future__ import annotations

import argparse
import datetime
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def setup_django() -> None:
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ocop.settings")
    from django.apps import apps

    if not apps.ready:
        import django

        django.setup()


def _valid_tax_code(n: int) -> str | None:
    from stdnum.vn import mst

    base = f"{n:09d}"
    code = base + mst.calc_check_digit(base)
    return code if mst.is_valid(code) else None


def ensure_officer(province: str):
    from ocop.accounts.models import Role, User

    user, _created = User.objects.get_or_create(
        username=f"bench.import.{province}",
        defaults={"role": Role.PROVINCE_OFFICER, "province_id": province, "full_name": "Bench import"},
    )
    return user


def ensure_producers(province: str, wanted: int) -> list[str]:
    """Tax codes of `wanted` producers of the province (creating some if needed), valid for an import."""
    from ocop.core.text import fold
    from ocop.places.models import Commune
    from ocop.registry.identifiers import InvalidIdentifier, normalize_tax_code
    from ocop.registry.models import Producer

    codes = []
    for code in Producer.objects.filter(commune__province_id=province).values_list("tax_code", flat=True):
        try:
            if normalize_tax_code(code, allow_personal_id=True) == code:
                codes.append(code)
        except InvalidIdentifier:
            continue
    missing = wanted - len(codes)
    if missing > 0:
        communes = list(Commune.objects.filter(province_id=province).values_list("code", flat=True))
        taken = set(Producer.objects.values_list("tax_code", flat=True))
        new, n = [], 361_000_000
        while len(new) < missing:
            n += 1
            code = _valid_tax_code(n)
            if code and code not in taken:
                name = f"Hợp tác xã Thử nghiệm Đ {len(new) + 1}"
                new.append(
                    Producer(
                        name=name, producer_type="cooperative", tax_code=code,
                        commune_id=communes[n % len(communes)], representative_name="Nguyễn Thị Hoa",
                        search_key=fold(f"{name} {code} Nguyễn Thị Hoa"),
                    )
                )  # fmt: skip
        Producer.objects.bulk_create(new, batch_size=1000)
        codes += [e.tax_code for e in new]
        print(f"created {len(new):,} producers in province {province}")
    return codes[:wanted]


def product_rows(rows: int, tax_codes: list[str], seed: int = 7) -> list[dict]:
    """Layout records for `rows` new products: GTINs from a range no product uses, a third with a rating."""
    from stdnum import ean

    from ocop.criteria.classification import product_sets
    from ocop.registry.models import Product

    rng = random.Random(seed)
    sets = list(product_sets())
    used = set(Product.objects.exclude(gtin="").values_list("gtin", flat=True))
    names = ["Bánh tráng phơi sương Trảng Bàng", "Muối tôm Tây Ninh", "Mãng cầu Bà Đen", "Đường thốt nốt",
             "Nước mắm Đ", "Trà mãng cầu", "Khô bò", "Bánh canh Trảng Bàng"]  # fmt: skip
    records, serial = [], 700_000_000
    for i in range(rows):
        while True:
            serial += 1
            base = f"893{serial:09d}"
            gtin = base + ean.calc_check_digit(base)
            if gtin.zfill(14) not in used:
                break
        code = sets[i % len(sets)]
        record = {
            "producer_tax_code": tax_codes[i % len(tax_codes)],
            "name_vi": f"{names[i % len(names)]} loại {i + 1}",
            "name_en": f"Test product {i + 1}",
            "product_set": code,
            "sheet": code,
            "gtin": gtin,
            "net_quantity": "500 g",
            "packaging": "Hộp giấy",
            "shelf_life_days": 180,
            "description_vi": "Sản phẩm thử nghiệm cho phép đo tốc độ nhập.",
        }
        if i % 3 == 0:
            record.update(
                stars=rng.choice((3, 3, 4, 5)),
                decision_number=f"{1000 + i}/QĐ-UBND",
                decision_date=datetime.date(2023, 1, 1) + datetime.timedelta(days=i % 900),
            )
        records.append(record)
    return records


FORMATS = {
    "xlsx": "XLSX as Excel saves it (shared strings)",
    "xlsx-export": "XLSX as the platform's export writes it (inline strings)",
    "csv": "CSV (UTF-8 with BOM)",
}


def build_file(fmt: str, records: list[dict]) -> bytes:
    import io

    import openpyxl

    from ocop.registry.spreadsheets.columns import PRODUCTS
    from ocop.registry.spreadsheets.writing import csv_lines, row_values, write_xlsx

    layout = PRODUCTS
    if fmt == "csv":
        return "".join(csv_lines(layout, records)).encode("utf-8")
    buffer = io.BytesIO()
    if fmt == "xlsx-export":
        write_xlsx(layout, records, buffer, guide=False)
        return buffer.getvalue()
    workbook = openpyxl.Workbook()  # the normal mode stores text in a shared-strings table, as Excel does
    sheet = workbook.active
    sheet.title = layout.sheet_title
    sheet.append(layout.headers)
    for record in records:
        sheet.append(row_values(layout, record, for_xlsx=True))
    workbook.save(buffer)
    return buffer.getvalue()


def run_import(user, fmt: str, data: bytes) -> tuple:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from ocop.registry import services
    from ocop.registry.imports import jobs

    name = f"bench.{fmt.split('-')[0]}"
    job = services.start_import(user, "products", SimpleUploadedFile(name, data), enqueue=False)
    started = time.perf_counter()
    job = jobs.run_check(job.pk)
    checked = time.perf_counter()
    if job.status != "checked":
        raise SystemExit(f"the check failed: {job.status} {job.message} {job.errors[:5]}")
    services.confirm_import(user, job, enqueue=False)
    write_start = time.perf_counter()
    job = jobs.run_write(job.pk)
    written = time.perf_counter()
    if job.status != "done":
        raise SystemExit(f"the write failed: {job.status} {job.message} {job.errors[:5]}")
    return job, checked - started, written - write_start


def recheck(user, fmt: str, data: bytes) -> tuple:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from ocop.registry import services
    from ocop.registry.imports import jobs

    name = f"again.{fmt.split('-')[0]}"
    job = services.start_import(user, "products", SimpleUploadedFile(name, data), enqueue=False)
    started = time.perf_counter()
    job = jobs.run_check(job.pk)
    return job, time.perf_counter() - started


def cleanup(records: list[dict]) -> None:
    from django.contrib.contenttypes.models import ContentType
    from django.db import transaction

    from ocop.core.models import AuditEvent
    from ocop.registry.models import Product

    gtins = [r["gtin"].zfill(14) for r in records]
    with transaction.atomic():
        ids = []
        for start in range(0, len(gtins), 2000):
            ids += list(
                Product.objects.filter(gtin__in=gtins[start : start + 2000]).values_list("pk", flat=True)
            )
        content_type = ContentType.objects.get_for_model(Product)
        for start in range(0, len(ids), 2000):
            chunk = ids[start : start + 2000]
            AuditEvent.objects.filter(
                content_type=content_type, object_id__in=[str(i) for i in chunk]
            ).delete()
            Product.objects.filter(pk__in=chunk).delete()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--format", choices=[*FORMATS, "all"], default="all")
    parser.add_argument("--province", default="80")
    parser.add_argument("--producers", type=int, default=1000)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args(argv)
    setup_django()
    from django.conf import settings
    from django.db import connection

    from ocop.registry.models import Producer, Product

    print(
        f"database: {connection.vendor} {settings.DATABASES['default'].get('NAME')} — "
        f"{Producer.objects.count():,} producers, {Product.objects.count():,} products"
    )
    user = ensure_officer(args.province)
    tax_codes = ensure_producers(args.province, args.producers)
    formats = list(FORMATS) if args.format == "all" else [args.format]
    for fmt in formats:
        records = product_rows(args.rows, tax_codes)
        started = time.perf_counter()
        data = build_file(fmt, records)
        built = time.perf_counter() - started
        size = len(data) / 1e6
        print(f"\n{FORMATS[fmt]}: {args.rows:,} product rows, {size:.1f} MB (built in {built:.1f} s)")
        try:
            job, check, write = run_import(user, fmt, data)
            n = job.total_rows
            print(f"  dry run (read + check) {check:6.2f} s  {n / check:8,.0f} rows/s")
            print(f"  write (check again + write, one transaction) {write:6.2f} s  {n / write:8,.0f} rows/s")
            print(f"  total {check + write:6.2f} s  {n / (check + write):8,.0f} rows/s  "
                  f"({job.created_count:,} created, {job.updated_count:,} updated)")  # fmt: skip
            again, seconds = recheck(user, fmt, data)
            print(f"  dry run of the same file again (all unchanged: {again.unchanged_count:,}) "
                  f"{seconds:6.2f} s  {n / seconds:8,.0f} rows/s")  # fmt: skip
        finally:
            if not args.keep:
                cleanup(records)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
