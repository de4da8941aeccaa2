"""Checks of uploaded documents, judged by their content: every app that takes a document (evidence
library, self-assessment evidence) calls `check_document` with its size limit."""

from __future__ import annotations

import re
import zlib
from io import BytesIO

from django.core.exceptions import ValidationError
from django.core.files import File
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

IMAGE_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
IMAGE_SUFFIX = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}
# PDF names that run or carry content; a name may be written with #xx escapes (/J#61vaScript).
PDF_ACTIVE_NAMES = {b"JavaScript", b"JS", b"Launch", b"EmbeddedFile", b"EmbeddedFiles"}
_PDF_NAME = re.compile(rb"/([^\s/<>\[\]()%{}]+)")
_PDF_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")
_PDF_STREAM = re.compile(rb"stream\r?\n(.*?)endstream", re.S)
_MAX_INFLATED = 50 * 1024 * 1024


def _pdf_names(data: bytes) -> set[bytes]:
    names = set()
    for match in _PDF_NAME.finditer(data):
        names.add(_PDF_ESCAPE.sub(lambda m: bytes([int(m.group(1), 16)]), match.group(1)))
    return names


def pdf_active_content(data: bytes) -> set[str]:
    """The active-content names a PDF holds, looked for in the file and in its Flate-compressed streams
    (object streams hide dictionaries there)."""
    found = _pdf_names(data) & PDF_ACTIVE_NAMES
    budget = _MAX_INFLATED
    for match in _PDF_STREAM.finditer(data):
        if budget <= 0:
            break
        try:
            inflater = zlib.decompressobj()
            inflated = inflater.decompress(match.group(1), budget)
        except zlib.error:
            continue
        budget -= len(inflated)
        found |= _pdf_names(inflated) & PDF_ACTIVE_NAMES
    return {n.decode("ascii", "replace") for n in found}


def check_document(upload: File, max_bytes: int) -> tuple[str, str]:
    """(content type, file suffix) of an uploaded document judged from its content, not its name:
    a PDF without active content, or a JPEG, PNG or WebP photo. ValidationError with a clear message."""
    size = upload.size or 0
    if size > max_bytes:
        raise ValidationError(
            _("The file is too large (%(size)s); the limit is %(limit)s.")
            % {"size": filesizeformat(size), "limit": filesizeformat(max_bytes)},
            code="too_large",
        )
    if size == 0:
        raise ValidationError(_("The file is empty."))
    upload.seek(0)
    data = upload.read()
    upload.seek(0)
    if data.startswith(b"%PDF-"):
        active = pdf_active_content(data)
        if active:
            raise ValidationError(
                _("This PDF holds active content (%(names)s) and is refused; print it to a plain PDF first.")
                % {"names": ", ".join(sorted(active))}
            )
        return "application/pdf", "pdf"
    try:
        with Image.open(BytesIO(data)) as image:
            fmt = image.format
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        fmt = None
    if fmt not in IMAGE_TYPES:
        raise ValidationError(_("Upload a PDF or a photo (JPEG, PNG or WebP); this file is neither."))
    return IMAGE_TYPES[fmt], IMAGE_SUFFIX[fmt]
