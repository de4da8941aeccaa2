"""Benchmark: rendering one certificate PDF (ocop.certificates.pdf.render_certificate_pdf: A4 landscape,
WeasyPrint, QR code to the verification page), in-process.

Takes certificates of the national-scale demo data (one per star level where there is one); without any,
it makes one in a transaction that is rolled back. Prints the first render (fonts loaded, templates
compiled) apart, then the median and p95 over --runs renders.

Run it through `make bench` (bench/run.py prepares the database), or alone once the database is ready:
`.venv/bin/python bench/bench_certificate_pdf.py`. Target (issue 4): median under 300 ms.
"""

from __future__ import annotations

import argparse
import datetime
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402

TARGET_MEDIAN_MS = 300
SITE = "https://ocop.example.vn"


class Rollback(Exception):
    pass


def verify_url(certificate) -> str:
    from django.urls import NoReverseMatch, reverse

    try:
        return SITE + reverse("certificates:verify", args=[certificate.number])
    except NoReverseMatch:
        return f"{SITE}/verify/{certificate.number}"


def sample_certificates():
    from ocop.certificates.models import Certificate

    found = []
    for stars in (3, 4, 5):
        cert = Certificate.objects.filter(stars=stars).order_by("id").first()
        if cert:
            found.append(cert)
    return found


def make_certificate():
    from ocop.certificates.models import Certificate
    from ocop.registry.models import Product

    product = Product.objects.filter(stars__isnull=False).select_related("producer").order_by("id").first()
    if product is None:
        raise SystemExit("No rated product: load the national demo data first.")
    decided = datetime.date(2025, 12, 29)
    return Certificate.objects.create(
        number="1/2025/CN-OCOP-BENCH",
        product=product,
        producer=product.producer,
        province_id=product.producer.commune.province_id,
        decision_number="1234/QĐ-UBND",
        decision_date=decided,
        stars=product.stars,
        product_name=product.name_vi,
        producer_name=product.producer.name,
        issued_on=decided,
        expires_on=datetime.date(2028, 12, 29),
    )


def run(render, certificates, runs: int) -> tuple[list[list], list[float]]:
    rows, all_timings = [], []
    for cert in certificates:
        url = verify_url(cert)
        started = time.perf_counter()
        pdf = render(cert, url)
        first = time.perf_counter() - started
        if not pdf.startswith(b"%PDF"):
            raise RuntimeError(f"render_certificate_pdf did not return a PDF for {cert.number}")
        timings = []
        for _ in range(runs):
            started = time.perf_counter()
            render(cert, url)
            timings.append(time.perf_counter() - started)
        all_timings.extend(timings)
        s = common.summarize_ms(timings)
        rows.append(
            [
                cert.number,
                f"{cert.stars}★",
                f"{first * 1000:.0f}",
                f"{s['median']:.0f}",
                f"{s['p95']:.0f}",
                f"{len(pdf) / 1024:.0f} KiB",
            ]
        )
    return rows, all_timings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30, help="timed renders per certificate (default 30)")
    args = parser.parse_args(argv)
    if not common.is_configured():
        common.prepare()

    print("\n## Certificate PDF (ocop.certificates.pdf.render_certificate_pdf)")
    try:
        from ocop.certificates.pdf import render_certificate_pdf
    except ImportError:
        print("ocop.certificates.pdf.render_certificate_pdf is not there yet: skipped.")
        return 0

    import logging

    from django.db import transaction

    # WeasyPrint reports every layout step at INFO; the figures are what matters here.
    logging.getLogger("weasyprint").setLevel(logging.WARNING)
    logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)
    rows, timings = [], []
    try:
        with transaction.atomic():
            certificates = sample_certificates() or [make_certificate()]
            rows, timings = run(render_certificate_pdf, certificates, args.runs)
            raise Rollback
    except Rollback:
        pass
    print(f"{args.runs} renders per certificate after a first one (fonts, templates).")
    common.print_table(["certificate", "stars", "first ms", "median ms", "p95 ms", "PDF"], rows)
    overall = common.summarize_ms(timings)
    verdict = "met" if overall["median"] < TARGET_MEDIAN_MS else "MISSED"
    print(
        f"All renders: median {overall['median']:.0f} ms, p95 {overall['p95']:.0f} ms. "
        f"Target: median under {TARGET_MEDIAN_MS} ms — {verdict}."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
