"""The spreadsheets the registry hands out: the import templates and the exports of producers and
products. Thin: the records are in ocop.registry.exports, the file layout in ocop.registry.spreadsheets."""

from __future__ import annotations

import datetime
import tempfile
from collections.abc import Iterable, Iterator

from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpResponse, HttpResponseBadRequest, StreamingHttpResponse
from django.views.decorators.http import require_GET

from ocop.accounts.access import role_required

from ..exports import EXPORTERS, export_records, template_example
from ..imports.upload import FORMATS, IMPORTERS, KINDS
from ..spreadsheets.columns import LAYOUTS, Layout
from ..spreadsheets.writing import csv_lines, write_xlsx

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FILE_STEMS = {"producers": "chu-the", "products": "san-pham"}


def _kind_and_format(kind: str, fmt: str) -> Layout:
    if kind not in KINDS or fmt not in FORMATS:
        raise Http404
    return LAYOUTS[kind]


@role_required(*IMPORTERS)
@require_GET
def import_template(request, kind: str, fmt: str):
    """An empty file in the import layout: the header row and one example row (and, in XLSX, a second
    sheet that explains each column and its allowed values)."""
    layout = _kind_and_format(kind, fmt)
    example = [template_example(kind, request.user)]
    filename = f"mau-{FILE_STEMS[kind]}.{fmt}"
    if fmt == "csv":
        body = "".join(csv_lines(layout, example)).encode("utf-8")
        response = HttpResponse(body, content_type="text/csv; charset=utf-8")
    else:
        response = HttpResponse(content_type=XLSX_TYPE)
        write_xlsx(layout, example, response, guide=True)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _batched(lines: Iterable[str], size: int = 64 * 1024) -> Iterator[bytes]:
    buffer, length = [], 0
    for line in lines:
        buffer.append(line)
        length += len(line)
        if length >= size:
            yield "".join(buffer).encode("utf-8")
            buffer, length = [], 0
    if buffer:
        yield "".join(buffer).encode("utf-8")


@role_required(*EXPORTERS)
@require_GET
def export(request, kind: str, fmt: str):
    """The rows the user may see, narrowed by the list page's filters (same query string), in the
    import layout: CSV streamed (UTF-8 with BOM), XLSX written in openpyxl's write-only mode."""
    layout = _kind_and_format(kind, fmt)
    try:
        records = export_records(kind, request.user, request.GET, request)
    except ValidationError as exc:
        return HttpResponseBadRequest(" ".join(exc.messages))
    filename = f"{FILE_STEMS[kind]}-{datetime.date.today():%Y%m%d}.{fmt}"
    if fmt == "csv":
        response = StreamingHttpResponse(
            _batched(csv_lines(layout, records)), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response
    spool = tempfile.SpooledTemporaryFile(max_size=16 * 1024 * 1024)  # noqa: SIM115 (FileResponse closes it)
    write_xlsx(layout, records, spool, guide=True)
    spool.seek(0)
    return FileResponse(spool, as_attachment=True, filename=filename, content_type=XLSX_TYPE)
