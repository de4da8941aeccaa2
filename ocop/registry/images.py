"""Product photos: checked by their content (not their name), re-encoded, resized, with a thumbnail.

Re-encoding drops anything hidden in the file (metadata, trailing payloads) and caps the pixel count.
"""

from __future__ import annotations

import io
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

ALLOWED_FORMATS = {"JPEG", "PNG", "WEBP"}
MAX_SIDE = 1600
THUMB_SIDE = 400
MAX_PIXELS = 40_000_000


@dataclass
class ProcessedImage:
    name: str
    full: ContentFile
    thumbnail_name: str
    thumbnail: ContentFile


def _has_alpha(image: Image.Image) -> bool:
    return image.mode in ("RGBA", "LA", "P")


def _encode(image: Image.Image, side: int) -> ContentFile:
    """JPEG for photos; WebP where there is transparency to keep."""
    copy = image.copy()
    copy.thumbnail((side, side), Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    if _has_alpha(copy):
        copy.convert("RGBA").save(buffer, "WEBP", quality=85)
    else:
        copy.convert("RGB").save(buffer, "JPEG", quality=85, optimize=True, progressive=True)
    return ContentFile(buffer.getvalue())


def process_photo(upload) -> ProcessedImage:
    if upload.size > settings.OCOP_PHOTO_MAX_BYTES:
        raise ValidationError(
            _("The photo is %(size).1f MB; the limit is %(limit)d MB.")
            % {"size": upload.size / 1_048_576, "limit": settings.OCOP_PHOTO_MAX_BYTES // 1_048_576}
        )
    try:
        upload.seek(0)
        with Image.open(upload) as probe:
            kind = probe.format
            if kind not in ALLOWED_FORMATS:
                raise ValidationError(_("Only JPEG, PNG or WebP photos are accepted."))
            if probe.width * probe.height > MAX_PIXELS:
                raise ValidationError(_("The photo is too large (more than 40 megapixels)."))
            probe.verify()
        upload.seek(0)
        with Image.open(upload) as image:
            image.load()
            image = ImageOps.exif_transpose(image)
            full, thumb = _encode(image, MAX_SIDE), _encode(image, THUMB_SIDE)
            ext = "webp" if _has_alpha(image) else "jpg"
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError) as exc:
        raise ValidationError(_("This file is not a valid image.")) from exc
    stem = uuid.uuid4().hex
    return ProcessedImage(f"{stem}.{ext}", full, f"{stem}-thumb.{ext}", thumb)
