"""Placeholder until this module is written; every name in urls.py answers 404."""
from django.http import Http404


def import_start(request, *args, **kwargs):
    raise Http404


def import_detail(request, *args, **kwargs):
    raise Http404


def import_status(request, *args, **kwargs):
    raise Http404


def import_confirm(request, *args, **kwargs):
    raise Http404


def import_template(request, *args, **kwargs):
    raise Http404


def export(request, *args, **kwargs):
    raise Http404
