"""Serving product photos through the storage API, never by a public URL: to the pages and to the API
(where machine clients come with a bearer token instead of a session)."""

from __future__ import annotations

import mimetypes

from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404

from .models import Product, ProductPhoto

PHOTO_TYPES = {".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png", ".webp": "image/webp"}


def photo_response(user, pk: int, variant: str, products=None) -> FileResponse:
    """The photo (variant "full" or "thumb") of a product `user` may see (or one of `products`), or 404.
    Shared with the API, where machine clients come with a bearer token instead of a session."""
    if variant not in ("full", "thumb"):
        raise Http404
    products = Product.objects.visible_to(user) if products is None else products
    photo = get_object_or_404(ProductPhoto.objects.filter(product__in=products.values("pk")), pk=pk)
    field = photo.image if variant == "full" else photo.thumbnail
    if not field.name:
        raise Http404
    try:
        handle = field.storage.open(field.name, "rb")
    except (FileNotFoundError, OSError) as exc:
        raise Http404 from exc
    suffix = "." + field.name.rsplit(".", 1)[-1].lower() if "." in field.name else ""
    content_type = (
        PHOTO_TYPES.get(suffix) or mimetypes.guess_type(field.name)[0] or "application/octet-stream"
    )
    response = FileResponse(handle, content_type=content_type)
    # Stored names never change (a new upload gets a new name), so clients may keep it; only private caches.
    response["Cache-Control"] = "private, max-age=86400"
    response["Content-Disposition"] = "inline"
    return response
