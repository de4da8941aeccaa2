"""Placeholder until this module is written; every name in urls.py answers 404."""
from django.http import Http404


def entity_list(request, *args, **kwargs):
    raise Http404


def entity_create(request, *args, **kwargs):
    raise Http404


def entity_detail(request, *args, **kwargs):
    raise Http404


def entity_edit(request, *args, **kwargs):
    raise Http404


def entity_channels(request, *args, **kwargs):
    raise Http404


def entity_delete(request, *args, **kwargs):
    raise Http404


def entity_history(request, *args, **kwargs):
    raise Http404


def product_list(request, *args, **kwargs):
    raise Http404


def product_create(request, *args, **kwargs):
    raise Http404


def product_detail(request, *args, **kwargs):
    raise Http404


def product_edit(request, *args, **kwargs):
    raise Http404


def product_delete(request, *args, **kwargs):
    raise Http404


def product_history(request, *args, **kwargs):
    raise Http404


def product_rate(request, *args, **kwargs):
    raise Http404


def photo_add(request, *args, **kwargs):
    raise Http404


def photo_delete(request, *args, **kwargs):
    raise Http404


def photo_file(request, *args, **kwargs):
    raise Http404
