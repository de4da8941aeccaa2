"""A producer on a phone: sign in, edit a product, upload a photo, see it on the product page."""

import io

import pytest
from PIL import Image

from ocop.accounts.models import Role
from ocop.registry.models import Product
from tests.factories import ProducerFactory, ProductFactory, make_user

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]


def jpeg_bytes(width=900, height=600) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (200, 120, 40)).save(buffer, "JPEG")
    return buffer.getvalue()


def test_producer_edits_product_and_uploads_photo(page, sign_in, tmp_path):
    producer = ProducerFactory(name="Hợp tác xã Bánh tráng Trảng Bàng")
    product = ProductFactory(producer=producer, name_vi="Bánh tráng phơi sương")
    owner = make_user(Role.PRODUCER, username="chuthe.demo", producer=producer)

    sign_in(owner.username)
    page.goto(f"/registry/products/{product.pk}/")
    with page.expect_navigation():
        page.click("#edit-product")
    page.fill("#id_name_vi", "Bánh tráng phơi sương Trảng Bàng loại đặc biệt")
    with page.expect_navigation():
        page.click("#save")

    assert page.url.endswith(f"/registry/products/{product.pk}/")
    assert page.locator("h1").inner_text().startswith("Bánh tráng phơi sương Trảng Bàng loại đặc biệt")
    product.refresh_from_db()
    assert product.name_vi == "Bánh tráng phơi sương Trảng Bàng loại đặc biệt"

    photo = tmp_path / "bánh-tráng.jpg"
    photo.write_bytes(jpeg_bytes())
    page.set_input_files("#photo-upload input[name=image]", str(photo))
    with page.expect_navigation():
        page.click("#photo-upload-submit")

    thumb = page.locator("img.photo-thumb").first
    thumb.wait_for()
    # The browser really loaded the image: a re-encoded thumbnail no wider than 400 px.
    natural_width = thumb.evaluate("img => img.complete ? img.naturalWidth : 0")
    assert 0 < natural_width <= 400
    assert product.photos.count() == 1
    assert Product.objects.get(pk=product.pk).photos.first().width == 900
