"""Certificates in the admin: read-only. Issue, revocation and expiry go through services.py (and its
audit events), never through an admin form."""

from django.contrib import admin

from ocop.core.admin import ReadOnlyAdmin

from .models import Certificate, Reminder


@admin.register(Certificate)
class CertificateAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ("number", "product_name", "producer_name", "stars", "issued_on", "expires_on", "status")
    list_filter = ("status", "stars", "province")
    search_fields = ("number", "product_name", "producer_name", "decision_number")
    date_hierarchy = "issued_on"
    list_select_related = ("province",)


@admin.register(Reminder)
class ReminderAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ("certificate", "kind", "sent_at")
    list_filter = ("kind",)
    search_fields = ("certificate__number",)
    list_select_related = ("certificate",)
