from django.contrib import admin

from ocop.core.admin import ReadOnlyAdmin

from .models import ImportJob, Producer, Product, ProductPhoto, SalesChannel, StarRating


class SalesChannelInline(ReadOnlyAdmin, admin.TabularInline):
    model = SalesChannel
    extra = 0


@admin.register(Producer)
class ProducerAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    """Read-only: producers change through the registry pages and services (scope checks, audit)."""

    list_display = ["name", "producer_type", "tax_code", "commune"]
    list_filter = ["producer_type", "commune__province"]
    search_fields = ["name", "tax_code", "search_key"]
    autocomplete_fields = ["commune"]
    inlines = [SalesChannelInline]


class PhotoInline(ReadOnlyAdmin, admin.TabularInline):
    model = ProductPhoto
    extra = 0
    fields = ["image", "caption", "position"]


class RatingInline(ReadOnlyAdmin, admin.TabularInline):
    model = StarRating
    extra = 0
    fields = ["stars", "points", "decision_number", "decision_date", "valid_until", "source"]


@admin.register(Product)
class ProductAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    """Read-only: products, their photos and ratings change through the registry services (official
    fields follow only from an evaluation, every change is audited)."""

    list_display = ["name_vi", "producer", "product_set", "stars", "status"]
    list_filter = ["status", "stars", "product_set"]
    search_fields = ["name_vi", "name_en", "gtin", "search_key"]
    autocomplete_fields = ["producer"]
    inlines = [PhotoInline, RatingInline]


@admin.register(ImportJob)
class ImportJobAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    """Read-only: an import is started, checked and confirmed on the import pages."""

    list_display = ["created_at", "kind", "original_name", "status", "total_rows", "created_by"]
    list_filter = ["kind", "status"]
