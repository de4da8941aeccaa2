from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from ocop.core.admin import ReadOnlyAdmin

from .models import ApiToken, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "full_name", "role", "province", "commune", "producer", "is_active"]
    list_filter = ["role", "is_active", "is_staff", "province"]
    search_fields = ["username", "full_name", "email"]
    autocomplete_fields = ["province", "commune", "producer"]
    fieldsets = BaseUserAdmin.fieldsets + (
        (_("OCOP role"), {"fields": ("role", "full_name", "phone", "province", "commune", "producer")}),
    )


@admin.register(ApiToken)
class ApiTokenAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    """Read-only: tokens are created with `manage.py ocop_token`, which shows the key once."""

    list_display = ["prefix", "user", "name", "created_at", "last_used_at", "revoked"]
    readonly_fields = ["key_hash", "prefix", "created_at", "last_used_at"]
    list_filter = ["revoked"]
