"""Forms of the dossiers: opening one, Forms 01 and 02, attaching a library document or a new upload."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from ..models import DocumentKind, RequestType, Round, RoundStatus
from .library import UploadForm


class OfferedChoiceField(forms.ChoiceField):
    """A choice among the offered ones; a refused one (a forged post) is refused with its reason."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.refused: dict[str, str] = {}

    def validate(self, value):
        if value in self.refused:
            raise forms.ValidationError(self.refused[value], code="refused")
        super().validate(value)


class OpenDossierForm(forms.Form):
    """Offers only the request types `services.dossiers.request_types_for` allows (`offers`)."""

    round = forms.ModelChoiceField(label=_("Round"), queryset=Round.objects.none())
    request_type = OfferedChoiceField(label=_("Request type"), choices=RequestType.choices)

    def __init__(self, *args, province_id, offers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["round"].queryset = Round.objects.filter(province_id=province_id, status=RoundStatus.OPEN)
        field = self.fields["request_type"]
        field.choices = [(o.value, o.label) for o in offers if not o.refused]
        field.refused = {o.value: o.refused for o in offers if o.refused}
        if len(field.choices) == 1:
            field.initial = field.choices[0][0]


class Form01(forms.Form):
    producer_name = forms.CharField(label=_("Producer"), max_length=255)
    producer_type = forms.CharField(label=_("Type"), max_length=100, required=False)
    tax_code = forms.CharField(label=_("Tax code"), max_length=20, required=False)
    address = forms.CharField(label=_("Address"), max_length=255, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=20, required=False)
    email = forms.CharField(label=_("E-mail"), max_length=254, required=False)
    representative_name = forms.CharField(label=_("Legal representative"), max_length=150)
    representative_position = forms.CharField(label=_("Position"), max_length=100, required=False)
    product_name = forms.CharField(label=_("Product"), max_length=255)
    product_group = forms.CharField(label=_("Group"), max_length=255, required=False, disabled=True)
    product_subgroup = forms.CharField(label=_("Sub-group"), max_length=255, required=False, disabled=True)
    product_set = forms.CharField(label=_("Product set"), max_length=255, required=False, disabled=True)
    request_type = forms.CharField(label=_("Request type"), required=False, disabled=True)
    sample_count = forms.IntegerField(label=_("Number of samples"), min_value=0, max_value=100)


class Form02(forms.Form):
    # Part I
    part1__organisation_type = forms.CharField(label=_("Organisation type"), max_length=100, required=False)
    part1__founded_on = forms.CharField(label=_("Founding date"), max_length=20, required=False)
    part1__representative_gender = forms.CharField(
        label=_("Representative's gender"), max_length=20, required=False
    )
    part1__representative_ethnicity = forms.CharField(
        label=_("Representative's ethnicity"), max_length=50, required=False
    )
    part1__residence = forms.CharField(label=_("Representative's residence"), max_length=255, required=False)
    part1__business_registration = forms.CharField(
        label=_("Business registration"), max_length=255, required=False
    )
    part1__quality_declaration = forms.CharField(
        label=_("Quality declaration"), max_length=255, required=False
    )
    part1__food_safety_certificate = forms.CharField(
        label=_("Food-safety certificate"), max_length=255, required=False
    )
    part1__ip_rights = forms.CharField(
        label=_("Intellectual property rights"), max_length=255, required=False
    )
    part1__history = forms.CharField(label=_("History"), widget=forms.Textarea, required=False)
    part1__organisation = forms.CharField(
        label=_("Organisation chart"), widget=forms.Textarea, required=False
    )
    # Part II
    part2__raw_materials = forms.CharField(label=_("Raw materials"), widget=forms.Textarea, required=False)
    part2__technology = forms.CharField(label=_("Technology"), widget=forms.Textarea, required=False)
    part2__packaging = forms.CharField(label=_("Packaging"), widget=forms.Textarea, required=False)
    part2__markets = forms.CharField(label=_("Markets"), widget=forms.Textarea, required=False)
    part2__revenue = forms.CharField(label=_("Revenue (VND)"), max_length=50, required=False)
    part2__profit = forms.CharField(label=_("Profit (VND)"), max_length=50, required=False)
    # Part IV
    part4__future_plan = forms.CharField(label=_("Future plan"), widget=forms.Textarea, required=False)

    @staticmethod
    def initial_from(form02: dict) -> dict:
        return {f"{part}__{k}": v for part, values in (form02 or {}).items() for k, v in values.items()}

    def parts(self) -> dict[str, dict]:
        out: dict[str, dict] = {}
        for name, value in self.cleaned_data.items():
            part, key = name.split("__", 1)
            out.setdefault(part, {})[key] = value
        return out


class AttachForm(forms.Form):
    document = forms.ModelChoiceField(label=_("Document from the library"), queryset=None)
    kind = forms.ChoiceField(label=_("Checklist item"), choices=DocumentKind.choices)

    def __init__(self, *args, documents, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["document"].queryset = documents


class UploadAttachForm(UploadForm):
    """Upload to the library and attach under the checklist item, in one step."""
