"""Page-number pagination: `page` and `page_size` in, `count`, `next`, `previous` and `results` out.

A page costs two queries (the count and the page itself) plus the list's fixed prefetches, whatever
its size. A page past the last one is a 404 problem, so a client walking `next` never loops.
"""

import math
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from ninja import Field, Schema

from .problems import TYPES, ApiProblem

MAX_PAGE_SIZE = 200
DEFAULT_PAGE_SIZE = min(getattr(settings, "OCOP_PAGE_SIZE", 50), MAX_PAGE_SIZE)


class PageParams(Schema):
    page: int = Field(1, ge=1, description="Page number, from 1.")
    page_size: int = Field(
        DEFAULT_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE, description=f"Items per page, at most {MAX_PAGE_SIZE}."
    )


class PageMeta(Schema):
    count: int = Field(..., description="Items matching the filters, over all pages.")
    page: int
    page_size: int
    pages: int = Field(..., description="Number of pages (at least 1).")
    next: str | None = Field(None, description="URL of the next page, or null on the last.")
    previous: str | None = Field(None, description="URL of the previous page, or null on the first.")


def _page_url(request: HttpRequest, page: int) -> str:
    query = request.GET.copy()
    query["page"] = str(page)
    return request.build_absolute_uri(f"{request.path}?{query.urlencode()}")


def paginate(request: HttpRequest, queryset: QuerySet, params: PageParams) -> dict[str, Any]:
    count = queryset.count()
    pages = max(1, math.ceil(count / params.page_size))
    if params.page > pages:
        raise ApiProblem(
            404,
            _("Page %(page)d does not exist: there are %(pages)d pages of %(size)d.")
            % {"page": params.page, "pages": pages, "size": params.page_size},
            type=TYPES["page-out-of-range"],
            count=count,
            pages=pages,
        )
    start = (params.page - 1) * params.page_size
    results = list(queryset[start : start + params.page_size]) if count else []
    return {
        "count": count,
        "page": params.page,
        "page_size": params.page_size,
        "pages": pages,
        "next": _page_url(request, params.page + 1) if params.page < pages else None,
        "previous": _page_url(request, params.page - 1) if params.page > 1 else None,
        "results": results,
    }
