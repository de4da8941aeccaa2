"""The filters of the product and producer lists (django-filter), scoped to the user who looks.

Every choice list is limited to what the user may see, and the search box folds accents the same way
the rows' `search_key` was built, so 'banh trang' finds 'Bánh tráng'.
"""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Exists, F, OuterRef, QuerySet
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from ocop.accounts.models import Role
from ocop.core.text import fold
from ocop.core.widgets import QuickSelect
from ocop.criteria.classification import CURRENT_SET, groups, product_sets
from ocop.places.models import Commune, Province

from .models import Producer, ProducerType, ProductStatus, SalesChannel

NOT_RATED = "none"
MAX_SEARCH_WORDS = 8  # each word is one more LIKE over the table: enough for a name, not for abuse


def search(queryset: QuerySet, words: str) -> QuerySet:
    """Every folded word must appear in the row's search key (in any order)."""
    for word in fold(words).split()[:MAX_SEARCH_WORDS]:
        queryset = queryset.filter(search_key__contains=word)
    return queryset


def _national(user) -> bool:
    """Users who see the whole country: they choose a province before long lists are offered."""
    return user.is_superuser or user.role == Role.MINISTRY


def _scope_communes(user):
    if _national(user):
        return Commune.objects.all()
    if user.role in (Role.PROVINCE_OFFICER, Role.COUNCIL_MEMBER) and user.province_id:
        return Commune.objects.filter(province_id=user.province_id)
    if user.role == Role.COMMUNE_OFFICER and user.commune_id:
        return Commune.objects.filter(pk=user.commune_id)
    if user.role == Role.PRODUCER and user.producer_id:
        return Commune.objects.filter(producers__pk=user.producer_id)
    return Commune.objects.none()


def _narrow_widget(field: forms.ModelChoiceField, queryset, label=str) -> None:
    """Offer only `queryset` in the drop-down while still accepting any value of the field's queryset.

    National users would otherwise get thousands of communes and producers on every list page."""
    field.widget.choices = [("", field.empty_label), *((obj.pk, label(obj)) for obj in queryset)]


class ScopedFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="filter_q")
    province = django_filters.ModelChoiceFilter(
        label=_("Province"), queryset=Province.objects.all(), field_name="commune__province"
    )
    commune = django_filters.ModelChoiceFilter(label=_("Commune"), queryset=Commune.objects.none())

    province_path = "commune__province"
    # The lists' former parameter names (before "entity" became "producer" in the code), so that saved
    # links and exports keep their filters.
    FORMER_PARAMS = {"entity": "producer", "entity_type": "producer_type"}

    def __init__(self, data=None, queryset=None, *, request=None, prefix=None):
        if data is not None and any(old in data for old in self.FORMER_PARAMS):
            data = data.copy()
            for old, new in self.FORMER_PARAMS.items():
                if old in data and new not in data:
                    data.setlist(new, data.getlist(old))
                data.pop(old, None)
        super().__init__(data, queryset, request=request, prefix=prefix)
        self.user = request.user
        self.filters["province"].field_name = self.province_path
        self.filters["commune"].field_name = self.province_path.removesuffix("__province")
        self.filters["commune"].queryset = _scope_communes(self.user).order_by("name")
        if not _national(self.user):
            del self.filters["province"]
        if self.user.role == Role.PRODUCER and not self.user.is_superuser:
            del self.filters["commune"]  # a producer sees its own commune only

    @property
    def form(self):
        if not hasattr(self, "_form"):
            self.adjust_form(super().form)
        return self._form

    def adjust_form(self, form) -> None:
        """Called once when the form is built: placeholders, and short lists for national users."""
        form.fields["q"].widget.attrs.update({"type": "search", "placeholder": _("Name, tax code, GTIN…")})
        for field in form.fields.values():
            if type(field.widget) is forms.Select:
                field.widget = QuickSelect(attrs=field.widget.attrs, choices=field.widget.choices)
        if _national(self.user) and "commune" in form.fields:
            province = self.data.get("province", "")
            if province:
                shown = Commune.objects.filter(province_id=province).order_by("name")
            else:
                chosen = self.data.get("commune")
                shown = Commune.objects.filter(pk=chosen) if chosen else Commune.objects.none()
                form.fields["commune"].help_text = _("Choose a province first.")
            _narrow_widget(form.fields["commune"], shown)

    def filter_q(self, queryset, name, value):
        return search(queryset, value)


SORT_PRODUCTS = {
    "name": (F("name_vi").asc(), F("id").asc()),
    "-name": (F("name_vi").desc(), F("id").desc()),
    "-stars": (F("stars").desc(nulls_last=True), F("name_vi").asc(), F("id").asc()),
    "stars": (F("stars").asc(nulls_last=True), F("name_vi").asc(), F("id").asc()),
    "-updated": (F("updated_at").desc(), F("id").desc()),
    "updated": (F("updated_at").asc(), F("id").asc()),
}
SORT_LABELS = {
    "name": _("Name A–Z"),
    "-name": _("Name Z–A"),
    "-stars": _("Most stars"),
    "stars": _("Fewest stars"),
    "-updated": _("Recently updated"),
    "updated": _("Least recently updated"),
}


def group_choices():
    english = (get_language() or "vi").startswith("en")
    return [
        (code, f"{code}. {name_en if english else name_vi}") for code, name_vi, name_en in groups(CURRENT_SET)
    ]


def product_set_choices():
    language = get_language() or "vi"
    return [
        (
            ps.code,
            _("%(code)s — %(name)s (sheet %(sheet)s)")
            % {"code": ps.code, "name": ps.name(language), "sheet": ps.sheet},
        )
        for ps in product_sets(CURRENT_SET).values()
    ]


class ProductFilter(ScopedFilterSet):
    province_path = "producer__commune__province"

    group = django_filters.ChoiceFilter(label=_("OCOP group"), choices=group_choices, method="filter_group")
    product_set = django_filters.ChoiceFilter(label=_("Product set / sheet"), choices=product_set_choices)
    sheet = django_filters.NumberFilter(label=_("Sheet"), method="filter_sheet", widget=forms.HiddenInput)
    stars = django_filters.ChoiceFilter(
        label=_("Stars"),
        choices=[*((str(n), "★" * n) for n in range(5, 0, -1)), (NOT_RATED, _("Not rated"))],
        method="filter_stars",
    )
    status = django_filters.ChoiceFilter(label=_("Status"), choices=ProductStatus.choices)
    producer_type = django_filters.ChoiceFilter(
        label=_("Producer type"), choices=ProducerType.choices, field_name="producer__producer_type"
    )
    # Reached from a producer's page (?producer=ID), not picked from a drop-down: a province holds hundreds
    # of producers, and rendering them as options on every list page cost more than the rest of the page.
    producer = django_filters.ModelChoiceFilter(
        label=_("Producer"), queryset=Producer.objects.none(), widget=forms.HiddenInput
    )
    sort = django_filters.ChoiceFilter(
        label=_("Sort by"), choices=list(SORT_LABELS.items()), method="filter_sort", empty_label=None
    )

    class Meta:
        fields: list[str] = []

    def __init__(self, data=None, queryset=None, *, request=None, prefix=None):
        super().__init__(data, queryset, request=request, prefix=prefix)
        self.filters["producer"].queryset = Producer.objects.visible_to(self.user).order_by("name")
        if self.user.role == Role.PRODUCER and not self.user.is_superuser:
            del self.filters["producer"]
            del self.filters["producer_type"]

    @property
    def chosen_producer(self) -> Producer | None:
        """The producer the list is narrowed to, shown above the list with a link to remove it."""
        if "producer" not in self.filters or not self.form.is_valid():
            return None
        return self.form.cleaned_data.get("producer")

    def filter_group(self, queryset, name, value):
        return queryset.filter(product_set__startswith=f"{value}.")

    def filter_sheet(self, queryset, name, value):
        codes = [ps.code for ps in product_sets(CURRENT_SET).values() if ps.sheet == int(value)]
        return queryset.filter(product_set__in=codes, criteria_set=CURRENT_SET)

    def filter_stars(self, queryset, name, value):
        if value == NOT_RATED:
            return queryset.filter(stars__isnull=True)
        return queryset.filter(stars=int(value))

    def filter_sort(self, queryset, name, value):
        return queryset.order_by(*SORT_PRODUCTS.get(value, SORT_PRODUCTS["name"]))


SORT_PRODUCERS = {
    "name": (F("name").asc(), F("id").asc()),
    "-name": (F("name").desc(), F("id").desc()),
    "-stars": (F("best_stars").desc(nulls_last=True), F("name").asc(), F("id").asc()),
    "stars": (F("best_stars").asc(nulls_last=True), F("name").asc(), F("id").asc()),
    "-updated": (F("updated_at").desc(), F("id").desc()),
    "updated": (F("updated_at").asc(), F("id").asc()),
}


def modern_channel_exists():
    return Exists(SalesChannel.objects.filter(producer=OuterRef("pk"), kind__in=SalesChannel.MODERN))


class ProducerFilter(ScopedFilterSet):
    """Expects a queryset annotated with `best_stars` (for sorting)."""

    producer_type = django_filters.ChoiceFilter(label=_("Type"), choices=ProducerType.choices)
    modern = django_filters.BooleanFilter(
        label=_("Sells through modern channels"),
        method="filter_modern",
        widget=forms.Select(choices=[("", _("Any")), ("true", _("Yes")), ("false", _("No"))]),
    )
    sort = django_filters.ChoiceFilter(
        label=_("Sort by"), choices=list(SORT_LABELS.items()), method="filter_sort", empty_label=None
    )

    class Meta:
        fields: list[str] = []

    def filter_modern(self, queryset, name, value):
        condition = modern_channel_exists()
        return queryset.filter(condition if value else ~condition)

    def filter_sort(self, queryset, name, value):
        return queryset.order_by(*SORT_PRODUCERS.get(value, SORT_PRODUCERS["name"]))
