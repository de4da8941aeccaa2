"""View helpers every app uses."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest

View = TypeVar("View", bound=Callable[..., Any])


def public(view: View) -> View:
    """Marks a view as open to anyone, so the URL audit test knows it was meant to be."""
    view.allowed_roles = "public"  # type: ignore[attr-defined]  # a mark read by the URL audit test
    return view


def page_of(request: HttpRequest, items: QuerySet[Any] | Sequence[Any], per_page: int | None = None) -> Page:
    """The page of `items` that `?page=` asks for (the last one when past the end), OCOP_PAGE_SIZE a page."""
    return Paginator(items, per_page or settings.OCOP_PAGE_SIZE).get_page(request.GET.get("page"))
