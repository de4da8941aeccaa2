from django.contrib import admin

from ocop.core.admin import ReadOnlyAdmin

from .models import Commune, Province


@admin.register(Province)
class ProvinceAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    """Read-only: provinces and communes are loaded from the shipped data by `manage.py ocop_load_places`."""

    list_display = ["code", "name"]
    search_fields = ["code", "name"]


@admin.register(Commune)
class CommuneAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    """Read-only, like provinces."""

    list_display = ["code", "name", "kind", "province"]
    list_filter = ["kind", "province"]
    search_fields = ["code", "name"]
