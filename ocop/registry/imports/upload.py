"""Who may import, what may be imported, and the checks of an upload before it is stored."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError

from ocop.accounts.access import has_role
from ocop.accounts.models import Role

from ..spreadsheets.errors import FileProblem
from ..spreadsheets.reading import detect_format
from .messages import describe

KINDS = ("producers", "products")
FORMATS = ("xlsx", "csv")

IMPORTERS = (Role.PROVINCE_OFFICER,)


def can_import(user) -> bool:
    return has_role(user, *IMPORTERS)


def check_upload(upload) -> None:
    """Refuse an upload that cannot be a spreadsheet before it is stored: too large, empty, or of a
    type recognised by its content (a PNG renamed .xlsx, a binary renamed .csv). Raises ValidationError."""
    limit = settings.OCOP_IMPORT_MAX_BYTES
    if upload.size > limit:
        raise ValidationError(describe({"code": "too_large", "params": {"max": limit // (1024 * 1024)}}))
    if upload.size == 0:
        raise ValidationError(describe({"code": "empty_file"}))
    upload.seek(0)
    head = upload.read(8192)
    names = None
    if head.startswith(b"PK"):
        import zipfile

        upload.seek(0)
        try:
            with zipfile.ZipFile(upload) as archive:
                names = archive.namelist()
        except (zipfile.BadZipFile, OSError) as exc:
            raise ValidationError(describe({"code": "bad_xlsx"})) from exc
    upload.seek(0)
    try:
        detect_format(head, names)
    except FileProblem as problem:
        raise ValidationError(describe(problem.as_error().as_dict())) from problem


def storage_name(name: str | None) -> str:
    suffix = (name or "").rsplit(".", 1)[-1].lower() if "." in (name or "") else ""
    return f"import.{suffix}" if suffix in FORMATS else "import.dat"
