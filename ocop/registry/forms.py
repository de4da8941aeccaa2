"""Forms of the registry pages. They validate input and shape choices to the editor's scope; the
permission rules themselves live in services.py, which every view calls to write."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ocop.accounts.access import acts_as
from ocop.accounts.models import Role
from ocop.core.forms import DateInput, PlainLabels
from ocop.criteria.classification import CURRENT_SET, product_sets
from ocop.criteria.sheets import band_stars
from ocop.places.models import Commune

from .identifiers import InvalidIdentifier, normalize_gtin, normalize_tax_code
from .models import Producer, ProducerType, Product, SalesChannel, StarRating

IDENTIFIER_MESSAGES = {
    "tax_code": _(
        "This is not a valid tax code: 10 digits, or 13 for a branch (0100109106-001), check digit included."
    ),
    "tax_code_check_digit": _("The check digit of this tax code is wrong: check the last digit."),
    "personal_id": _("This is not a valid 12-digit personal identification number."),
    "gtin_length": _("A GTIN has 8, 12, 13 or 14 digits."),
    "gtin_check_digit": _("The GTIN's check digit is wrong; please check the number on the barcode."),
}


def identifier_error(exc: InvalidIdentifier) -> str:
    return str(IDENTIFIER_MESSAGES.get(str(exc), _("This identifier is not valid.")))


def communes_for(user):
    """The communes a user may place a producer in (and filter by): the province of a provincial
    officer, the commune of a commune officer; nothing for the others."""
    if user.is_superuser:
        return Commune.objects.select_related("province")
    if acts_as(user, Role.PROVINCE_OFFICER) and user.province_id:
        return Commune.objects.filter(province_id=user.province_id)
    if acts_as(user, Role.COMMUNE_OFFICER) and user.commune_id:
        return Commune.objects.filter(pk=user.commune_id)
    return Commune.objects.none()


def product_set_choices_grouped(language: str = "vi"):
    """Annex I as an option list grouped by product group, each option naming its scoring sheet."""
    grouped: dict[str, list] = {}
    for ps in product_sets(CURRENT_SET).values():
        group = f"{ps.group_code}. {ps.group_en if language.startswith('en') else ps.group_vi}"
        label = _("%(code)s — %(name)s (sheet %(sheet)s)") % {
            "code": ps.code,
            "name": ps.name(language),
            "sheet": ps.sheet,
        }
        grouped.setdefault(group, []).append((ps.code, label))
    return list(grouped.items())


def https_urls(db_field, **kwargs):
    """Model form fields as usual, but a web address typed without a scheme gets https://."""
    if isinstance(db_field, models.URLField):
        kwargs["assume_scheme"] = "https"
    return db_field.formfield(**kwargs)


class ProducerForm(PlainLabels, forms.ModelForm):
    """A producer's profile. `user` decides which communes are offered; a producer cannot move itself."""

    class Meta:
        model = Producer
        fields = [
            "name",
            "producer_type",
            "tax_code",
            "commune",
            "address",
            "phone",
            "email",
            "website",
            "founded_on",
            "representative_name",
            "representative_position",
            "representative_gender",
            "representative_ethnicity",
            "representative_birth_year",
            "representative_has_disability",
            "staff_total",
            "staff_female",
            "staff_local",
            "staff_ethnic_minority",
        ]
        widgets = {"founded_on": DateInput()}
        formfield_callback = https_urls

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        commune = self.fields["commune"]
        if acts_as(user, Role.PRODUCER):
            # The commune decides which officers look after the producer: only they may change it.
            commune.disabled = True
            commune.queryset = Commune.objects.filter(pk=self.instance.commune_id)
            commune.help_text = _("Ask your commune officer to change the commune.")
        else:
            commune.queryset = communes_for(user).order_by("name")
            if commune.queryset.count() == 1 and not self.instance.pk:
                commune.initial = commune.queryset.first().pk
        self.fields["founded_on"].widget.attrs["max"] = timezone.localdate().isoformat()

    def clean_founded_on(self):
        value = self.cleaned_data.get("founded_on")
        if value and value > timezone.localdate():
            raise ValidationError(_("The founding date cannot be in the future."))
        return value

    def clean(self):
        data = super().clean()
        raw = data.get("tax_code")
        if raw:
            household = data.get("producer_type") == ProducerType.HOUSEHOLD
            try:
                data["tax_code"] = normalize_tax_code(raw, allow_personal_id=household)
            except InvalidIdentifier as exc:
                self.add_error("tax_code", identifier_error(exc))
        total = data.get("staff_total")
        if total is not None:
            for name in ("staff_female", "staff_local", "staff_ethnic_minority"):
                value = data.get(name)
                if value is not None and value > total:
                    self.add_error(
                        name, _("Cannot be more than the number of workers (%(total)d).") % {"total": total}
                    )
        return data


class SalesChannelForm(PlainLabels, forms.ModelForm):
    class Meta:
        model = SalesChannel
        fields = ["kind", "name", "url", "evidence_date"]
        widgets = {"evidence_date": DateInput()}
        formfield_callback = https_urls

    def clean_evidence_date(self):
        value = self.cleaned_data.get("evidence_date")
        if value and value > timezone.localdate():
            raise ValidationError(_("The evidence date cannot be in the future."))
        return value


SalesChannelFormSet = forms.inlineformset_factory(
    Producer, SalesChannel, form=SalesChannelForm, extra=2, can_delete=True, max_num=50, validate_max=True
)


class ProductForm(PlainLabels, forms.ModelForm):
    """A product's profile. Stars are never edited here (only by recording a rating); a producer sees
    neither stars nor status and its own producer only."""

    gtin = forms.CharField(
        label=_("GTIN"),
        max_length=20,
        required=False,
        help_text=_("The barcode number: 8, 12, 13 or 14 digits; stored as GTIN-14."),
    )

    class Meta:
        model = Product
        fields = [
            "producer",
            "name_vi",
            "name_en",
            "product_set",
            "status",
            "gtin",
            "net_quantity",
            "packaging",
            "shelf_life_days",
            "label_details",
            "description_vi",
            "description_en",
            "story_vi",
            "story_en",
        ]
        widgets = {
            name: forms.Textarea(attrs={"rows": 4})
            for name in ("label_details", "description_vi", "description_en", "story_vi", "story_en")
        }

    def __init__(self, *args, user, language: str = "vi", **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        producer = self.fields["producer"]
        producer.queryset = Producer.objects.editable_by(user).order_by("name")
        producer.label_from_instance = lambda e: f"{e.name} ({e.tax_code})"
        if acts_as(user, Role.PRODUCER):
            producer.disabled = True
            self.initial["producer"] = user.producer_id
            del self.fields["status"]
        self.fields["product_set"].choices = [("", "---------"), *product_set_choices_grouped(language)]
        self.fields["gtin"].widget.attrs.update({"inputmode": "numeric", "autocomplete": "off"})

    def clean_gtin(self):
        raw = self.cleaned_data.get("gtin", "")
        if not raw.strip():
            return ""
        try:
            gtin = normalize_gtin(raw)
        except InvalidIdentifier as exc:
            raise ValidationError(identifier_error(exc)) from exc
        clash = Product.objects.filter(gtin=gtin).exclude(pk=self.instance.pk).first()
        if clash:
            raise ValidationError(_("Another product already uses this GTIN."))
        return gtin


class RatingForm(PlainLabels, forms.ModelForm):
    """A star rating from a decision. Valid until defaults to 36 months after the decision (3★+)."""

    class Meta:
        model = StarRating
        fields = ["stars", "points", "decision_number", "decision_date", "valid_until"]
        widgets = {"decision_date": DateInput(), "valid_until": DateInput()}
        help_texts = {"valid_until": _("Leave empty: 36 months after the decision date for 3 stars or more.")}

    def __init__(self, *args, criteria_set_id: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.criteria_set_id = criteria_set_id  # whose star bands bound the stars a number of points allows
        self.fields["stars"] = forms.TypedChoiceField(
            label=_("Stars"), coerce=int, choices=[(n, "★" * n) for n in range(5, 0, -1)]
        )
        self.fields["points"].min_value = 0
        self.fields["points"].widget.attrs.update({"min": 0, "max": 100, "step": "0.01"})

    def clean_decision_date(self):
        value = self.cleaned_data.get("decision_date")
        if value and value > timezone.localdate():
            raise ValidationError(_("The decision date cannot be in the future."))
        return value

    def clean(self):
        data = super().clean()
        points, stars = data.get("points"), data.get("stars")
        if points is not None:
            if not 0 <= points <= 100:
                self.add_error("points", _("Points are between 0 and 100."))
            elif stars and stars > (allowed := band_stars(self.criteria_set_id, points)):
                self.add_error(
                    "stars",
                    _("%(points)s points allow at most %(max)d stars.") % {"points": points, "max": allowed},
                )
        decided, until = data.get("decision_date"), data.get("valid_until")
        if decided and until and until <= decided:
            self.add_error("valid_until", _("Must be after the decision date."))
        return data


class PhotoForm(PlainLabels, forms.Form):
    # A plain FileField: the content check (format, size, pixels) is images.process_photo's, with one message.
    image = forms.FileField(
        label=_("Photo"), widget=forms.FileInput(attrs={"accept": "image/jpeg,image/png,image/webp"})
    )
    caption = forms.CharField(label=_("Caption"), max_length=200, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["image"].help_text = _("JPEG, PNG or WebP, at most %(mb)d MB.") % {
            "mb": settings.OCOP_PHOTO_MAX_BYTES // 1_048_576
        }
