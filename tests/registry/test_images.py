"""Product photos: checked by content, re-encoded, thumbnailed; uploaded on the product page and served
only through the checked view."""

import io
import os

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from PIL import Image

from ocop.accounts.models import Role
from ocop.core.audit import history
from ocop.core.models import AuditEvent
from ocop.registry.images import MAX_SIDE, THUMB_SIDE, process_photo
from ocop.registry.models import ProductPhoto
from tests.factories import ProductFactory, image_bytes, image_upload, make_photo, make_user


def opened(content) -> Image.Image:
    content.seek(0)
    image = Image.open(io.BytesIO(content.read()))
    image.load()
    return image


def stored_files(settings) -> list[str]:
    root = settings.MEDIA_ROOT
    return (
        [os.path.join(d, f) for d, _, files in os.walk(root) for f in files] if os.path.exists(root) else []
    )


# --- images.process_photo --------------------------------------------------------------------------


def test_jpeg_is_reencoded_and_resized():
    upload = image_upload("big.jpg", "JPEG", size=(3000, 2000))
    result = process_photo(upload)
    full, thumb = opened(result.full), opened(result.thumbnail)
    assert full.format == thumb.format == "JPEG"
    assert full.size[0] == MAX_SIDE and abs(full.size[1] - MAX_SIDE * 2 / 3) < 1  # aspect ratio kept
    assert max(thumb.size) == THUMB_SIDE
    assert result.name.endswith(".jpg") and result.thumbnail_name.endswith("-thumb.jpg")
    assert "big" not in result.name  # stored names are random, not the uploaded name


def test_png_with_transparency_keeps_it_as_webp():
    result = process_photo(
        image_upload("logo.png", "PNG", mode="RGBA", color=(255, 0, 0, 128), size=(500, 500))
    )
    full = opened(result.full)
    assert full.format == "WEBP" and full.mode == "RGBA"
    assert result.name.endswith(".webp")


def test_metadata_is_dropped():
    buffer = io.BytesIO()
    exif = Image.Exif()
    exif[0x010E] = "secret GPS note"  # ImageDescription
    Image.new("RGB", (300, 200), "blue").save(buffer, "JPEG", exif=exif)
    assert b"secret GPS note" in buffer.getvalue()
    result = process_photo(SimpleUploadedFile("p.jpg", buffer.getvalue(), "image/jpeg"))
    result.full.seek(0)
    assert b"secret GPS note" not in result.full.read()


def test_exif_orientation_is_applied():
    buffer = io.BytesIO()
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise to display
    Image.new("RGB", (400, 200), "green").save(buffer, "JPEG", exif=exif)
    result = process_photo(SimpleUploadedFile("p.jpg", buffer.getvalue(), "image/jpeg"))
    assert opened(result.full).size == (200, 400)


@pytest.mark.parametrize(
    "name, content",
    [
        ("fake.jpg", "Đây không phải là ảnh, chỉ là chữ.".encode()),
        ("script.png", b"<?php echo 'x'; ?>"),
        ("empty.jpg", b""),
        ("anim.gif", image_bytes("GIF")),  # a real image, but not an accepted format
        ("cut.png", image_bytes("PNG")[:200]),  # truncated
    ],
)
def test_not_an_accepted_image_is_refused(name, content):
    with pytest.raises(ValidationError):
        process_photo(SimpleUploadedFile(name, content, "image/jpeg"))


def test_too_big_is_refused_before_decoding(settings):
    settings.OCOP_PHOTO_MAX_BYTES = 1024 * 1024
    upload = SimpleUploadedFile("huge.jpg", b"\xff\xd8" + b"0" * (1024 * 1024), "image/jpeg")
    with pytest.raises(ValidationError, match="1.0 MB"):
        process_photo(upload)


# --- Upload on the product page --------------------------------------------------------------------


@pytest.fixture
def owner_and_product(db, client_of):
    product = ProductFactory()
    owner = make_user(Role.PRODUCER, producer=product.producer)
    return client_of(owner), owner, product


@pytest.mark.parametrize("fmt, name", [("PNG", "anh.png"), ("JPEG", "anh.jpg"), ("WEBP", "anh.webp")])
def test_upload_real_image_shows_thumbnail_on_the_page(owner_and_product, fmt, name):
    client, owner, product = owner_and_product
    response = client.post(
        reverse("registry:photo_add", args=[product.pk]),
        {"image": image_upload(name, fmt, size=(1200, 900)), "caption": "Bánh tráng phơi sương"},
    )
    assert response.status_code == 302
    assert response["Location"] == product.get_absolute_url() + "#photos"
    photo = ProductPhoto.objects.get(product=product)
    assert (photo.width, photo.height) == (1200, 900)
    assert photo.uploaded_by == owner and photo.caption == "Bánh tráng phơi sương"
    page = client.get(product.get_absolute_url()).content.decode()
    thumb_url = reverse("registry:photo_file", args=[photo.pk, "thumb"])
    assert f'src="{thumb_url}"' in page
    served = client.get(thumb_url)
    assert served["Content-Type"] == "image/jpeg"
    assert "private" in served["Cache-Control"]
    image = Image.open(io.BytesIO(b"".join(served.streaming_content)))
    assert max(image.size) == THUMB_SIDE
    event = history(product).get()
    assert event.action == AuditEvent.Action.UPDATE and event.changes["photos"] == [None, photo.image.name]


def test_photo_upload_form_is_on_the_product_page(owner_and_product):
    client, _owner, product = owner_and_product
    body = client.get(product.get_absolute_url()).content.decode()
    assert f'action="{reverse("registry:photo_add", args=[product.pk])}"' in body
    assert 'enctype="multipart/form-data"' in body
    assert 'type="file" name="image"' in body


def test_fake_image_is_refused_with_a_message_and_nothing_stored(owner_and_product, settings):
    client, _owner, product = owner_and_product
    fake = SimpleUploadedFile("anh.jpg", b"just some text, renamed", "image/jpeg")
    response = client.post(reverse("registry:photo_add", args=[product.pk]), {"image": fake})
    assert response.status_code == 400
    assert "image" in response.context["photo_form"].errors
    with translation.override("vi"):  # the default language of the pages
        assert translation.gettext("This file is not a valid image.") in response.content.decode()
    assert not ProductPhoto.objects.exists() and not AuditEvent.objects.exists()
    assert stored_files(settings) == []


def test_too_big_upload_is_refused(owner_and_product, settings):
    client, _owner, product = owner_and_product
    settings.OCOP_PHOTO_MAX_BYTES = 50_000
    big = SimpleUploadedFile("big.png", image_bytes("PNG", size=(1500, 1500), color=None) + b"\0" * 60_000)
    response = client.post(reverse("registry:photo_add", args=[product.pk]), {"image": big})
    assert response.status_code == 400
    with translation.override("vi"):
        expected = translation.gettext("The photo is %(size).1f MB; the limit is %(limit)d MB.") % {
            "size": big.size / 1_048_576,
            "limit": 0,
        }
    assert response.context["photo_form"].errors["image"][0] == expected
    assert not ProductPhoto.objects.exists()
    assert stored_files(settings) == []


def test_missing_file_is_refused(owner_and_product):
    client, _owner, product = owner_and_product
    response = client.post(reverse("registry:photo_add", args=[product.pk]), {"caption": "x"})
    assert response.status_code == 400 and "image" in response.context["photo_form"].errors


def test_delete_photo_removes_files_and_is_audited(
    owner_and_product, settings, django_capture_on_commit_callbacks
):
    client, _owner, product = owner_and_product
    photo = make_photo(product)
    names = [photo.image.name, photo.thumbnail.name]
    assert all(photo.image.storage.exists(n) for n in names)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("registry:photo_delete", args=[photo.pk]))
    assert response.status_code == 302
    assert not ProductPhoto.objects.filter(pk=photo.pk).exists()
    assert not any(photo.image.storage.exists(n) for n in names)
    event = history(product).first()
    assert event.changes["photos"] == [names[0], None]
    assert client.get(reverse("registry:photo_file", args=[photo.pk, "thumb"])).status_code == 404


def test_first_photo_is_the_list_thumbnail(owner_and_product):
    client, _owner, product = owner_and_product
    first, second = make_photo(product), make_photo(product)
    assert (first.position, second.position) == (0, 1)
    body = client.get(reverse("registry:product_list")).content.decode()
    assert reverse("registry:photo_file", args=[first.pk, "thumb"]) in body
    assert reverse("registry:photo_file", args=[second.pk, "thumb"]) not in body


def test_public_thumbnail_only_for_a_product_on_the_market(client, db):
    """Rated products and products sold in scanned batches show their thumbnail to anyone; others not."""
    from django.urls import reverse

    from ocop.trace.models import Batch
    from tests.factories import ProductFactory, make_photo

    hidden = make_photo(ProductFactory())
    rated_product = ProductFactory(stars=4)
    rated = make_photo(rated_product)
    batched_product = ProductFactory(gtin="08938500000010")
    Batch.objects.create(
        product=batched_product, producer=batched_product.producer, gtin=batched_product.gtin, lot="L01"
    )
    batched = make_photo(batched_product)
    for photo in (rated, batched):
        response = client.get(reverse("registry:photo_public", args=[photo.pk]))
        assert response.status_code == 200 and response["Content-Type"].startswith("image/")
        assert response["Cache-Control"] == "public, max-age=86400"
    assert client.get(reverse("registry:photo_public", args=[hidden.pk])).status_code == 404
