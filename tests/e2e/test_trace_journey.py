"""On a phone: a producer creates a batch and records three steps with the plain forms; then anyone
who scans the label's GS1 Digital Link lands on the trace page and sees each step in the timeline."""

import pytest

from ocop.accounts.models import Role
from ocop.trace.models import Batch
from tests.factories import ProducerFactory, ProductFactory, make_user

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]

PHONE = {"width": 390, "height": 844}
GTIN = "08938500000010"


def test_producer_records_steps_and_a_visitor_scans_the_label(page, sign_in, browser, live_server):
    producer = ProducerFactory(name="HTX Bánh tráng Trảng Bàng")
    product = ProductFactory(producer=producer, name_vi="Bánh tráng phơi sương", gtin=GTIN)
    owner = make_user(Role.PRODUCER, username="htx.trangbang", producer=producer)

    page.set_viewport_size(PHONE)
    sign_in(owner.username)
    page.goto("/trace/batches/")
    page.select_option("#id_product", str(product.pk))
    with page.expect_navigation():
        page.click("#new-batch-go")
    page.fill("#id_lot", "TB2026-01")
    page.fill("#id_produced_on", "2026-01-10")
    page.fill("#id_expires_on", "2026-07-10")
    page.fill("#id_sources-0-name", "Ruộng ông Tư")
    page.fill("#id_sources-0-plot", "Thửa 12")
    with page.expect_navigation():
        page.click("#save")
    batch = Batch.objects.get(gtin=GTIN, lot="TB2026-01")
    assert page.url.endswith(f"/trace/batches/{batch.pk}/")

    # Each step is one tap from the batch page, a short form, and back.
    for step, fill in (
        ("harvest", {"#id_quantity": "300"}),
        ("pack", {"#id_quantity": "1200"}),
        ("ship", {"#id_partner": "Co.op Mart Tây Ninh", "#id_quantity": "1200"}),
    ):
        with page.expect_navigation():
            page.click(f"#step-{step}")
        for selector, value in fill.items():
            page.fill(selector, value)
        page.select_option("#id_unit", "KGM" if step == "harvest" else "H87")
        # Nothing is wider than the phone's screen.
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        with page.expect_navigation():
            page.click("#save")
        assert page.url.endswith(f"/trace/batches/{batch.pk}/"), page.content()[:2000]
    assert page.locator("#timeline li").count() == 3

    visitor = browser.new_context(base_url=live_server.url, locale="vi-VN", viewport=PHONE)
    try:
        scan = visitor.new_page()
        # The QR code's GS1 Digital Link; the resolver redirects to the batch's trace page.
        scan.goto(f"/01/{GTIN}/10/TB2026-01")
        assert f"/trace/{GTIN}/TB2026-01/" in scan.url
        assert "Bánh tráng phơi sương" in scan.locator("#product-name").inner_text()
        steps = scan.locator("#journey li")
        assert steps.count() == 3
        assert [steps.nth(i).get_attribute("data-step") for i in range(3)] == [
            "harvesting",
            "packing",
            "shipping",
        ]
        text = scan.locator("#journey").inner_text()
        assert "Ruộng ông Tư — Thửa 12" in text and "Co.op Mart Tây Ninh" in text
        assert scan.locator("#journey .verified").count() == 3
        assert scan.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    finally:
        visitor.close()
