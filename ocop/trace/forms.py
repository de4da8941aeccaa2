"""Forms of the batch pages and the plain value-chain forms (one per step: no JSON in sight). They
validate input; the permission rules live in ocop.trace.services.batches, which every view calls to write."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ocop.core.forms import DateInput

from . import events_forms
from .services import batches

UNIT_CHOICES = [("", "—"), *events_forms.UNITS]
CERTIFICATES = [
    ("", _("None")),
    ("VietGAP", "VietGAP"),
    ("VietGAHP", "VietGAHP"),
    ("organic", _("Organic (TCVN 11041)")),
    ("GlobalGAP", "GlobalG.A.P."),
    ("other", _("Other")),
]


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, **kwargs):
        super().__init__(format="%H:%M", **kwargs)


class BatchForm(forms.Form):
    lot = forms.CharField(
        label=_("Lot number"),
        max_length=20,
        help_text=_("Up to 20 characters as printed after (10) on the label: letters, digits, - . /"),
        widget=forms.TextInput(attrs={"autocapitalize": "characters", "autocomplete": "off"}),
    )
    produced_on = forms.DateField(label=_("Production date"), required=False, widget=DateInput())
    packed_on = forms.DateField(label=_("Packaging date"), required=False, widget=DateInput())
    expires_on = forms.DateField(label=_("Expiry date"), required=False, widget=DateInput())
    best_before = forms.BooleanField(label=_("The date is a best-before date"), required=False)
    quantity = forms.DecimalField(
        label=_("Quantity"), required=False, min_value=0, max_digits=12, decimal_places=3
    )
    unit = forms.ChoiceField(label=_("Unit"), choices=UNIT_CHOICES, required=False)

    def clean_lot(self):
        try:
            return batches.validate_lot(self.cleaned_data["lot"])
        except ValidationError as exc:
            raise forms.ValidationError(exc.messages) from exc

    def clean(self):
        data = super().clean()
        if data.get("quantity") is not None and not data.get("unit"):
            self.add_error("unit", _("Choose the unit of the quantity."))
        return data


class SourceForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=[("farm", _("Farm plot")), ("supplier", _("Supplier"))],
        initial="farm",
    )
    name = forms.CharField(label=_("Farm or supplier name"), max_length=200, required=False)
    plot = forms.CharField(label=_("Plot"), max_length=100, required=False)
    address = forms.CharField(label=_("Address"), max_length=255, required=False)
    certificate = forms.ChoiceField(label=_("Certificate"), choices=CERTIFICATES, required=False)
    certificate_number = forms.CharField(label=_("Certificate number"), max_length=64, required=False)

    def clean(self):
        data = super().clean()
        if data.get("certificate") and not data.get("certificate_number"):
            self.add_error("certificate_number", _("Give the certificate's number."))
        if (data.get("certificate_number") or data.get("address")) and not (
            data.get("name") or data.get("plot")
        ):
            self.add_error("name", _("Name the farm or supplier."))
        return data


SourceFormSet = forms.formset_factory(SourceForm, extra=1, max_num=20, validate_max=True)


def sources_from(formset) -> list[dict]:
    return batches.clean_sources([f.cleaned_data for f in formset.forms if f.cleaned_data])


# --- Value-chain steps ------------------------------------------------------------------------------


class StepForm(forms.Form):
    """Fields every step has: when it happened (local time) and a note."""

    date = forms.DateField(label=_("Date"), widget=DateInput())
    time = forms.TimeField(label=_("Time"), widget=TimeInput())
    note = forms.CharField(label=_("Note"), max_length=300, required=False)

    def __init__(self, *args, batch=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.batch = batch
        now = timezone.localtime()
        self.fields["date"].initial = now.date()
        self.fields["time"].initial = now.time().replace(second=0, microsecond=0)

    def clean(self):
        data = super().clean()
        if data.get("date") and data.get("time"):
            when = dt.datetime.combine(data["date"], data["time"], tzinfo=events_forms.VIETNAM)
            if when > timezone.now() + dt.timedelta(minutes=10):
                self.add_error("date", _("This step cannot happen in the future."))
            data["when"] = when
        if data.get("quantity") is not None and not data.get("unit"):
            self.add_error("unit", _("Choose the unit of the quantity."))
        return data


def _quantity_fields(form: forms.Form, label=None, required=False) -> None:
    form.fields["quantity"] = forms.DecimalField(
        label=label or _("Quantity"), required=required, min_value=0, max_digits=12, decimal_places=3
    )
    form.fields["unit"] = forms.ChoiceField(label=_("Unit"), choices=UNIT_CHOICES, required=required)


def _source_choices(batch) -> list[tuple[str, str]]:
    rows = (batch.sources or []) if batch else []
    return [
        (str(n), " — ".join(filter(None, [s.get("name"), s.get("plot"), s.get("certificate")])))
        for n, s in enumerate(rows, start=1)
    ]


class SourceStepForm(StepForm):
    """Harvest, or receipt of raw material: from one of the batch's sources."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        choices = _source_choices(self.batch)
        if choices:
            self.fields["source"] = forms.TypedChoiceField(
                label=_("Raw-material source"), choices=choices, coerce=int, initial=choices[0][0]
            )
        _quantity_fields(self, required=True)


class TransformForm(StepForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        choices = _source_choices(self.batch)
        if choices:
            self.fields["inputs"] = forms.TypedMultipleChoiceField(
                label=_("Raw materials used"),
                choices=choices,
                coerce=int,
                widget=forms.CheckboxSelectMultiple,
                initial=[c[0] for c in choices],
            )
        _quantity_fields(self, label=_("Quantity produced"), required=True)


class QuantityForm(StepForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _quantity_fields(self)


class PartnerForm(StepForm):
    partner_kind = forms.ChoiceField(label=_("Kind"), choices=events_forms.PARTNER_KINDS)
    partner = forms.CharField(label=_("Name"), max_length=200)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _quantity_fields(self)


class ShipForm(PartnerForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["partner_kind"].label = _("Ship to")
        self.fields["partner"].label = _("Recipient's name")


class ReceiveForm(PartnerForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["partner_kind"].label = _("Received by")
        self.fields["partner"].label = _("Receiver's name")


class InspectForm(StepForm):
    lab = forms.CharField(label=_("Laboratory or inspection body"), max_length=200)
    report_number = forms.CharField(label=_("Report or certificate number"), max_length=64)
    passed = forms.TypedChoiceField(
        label=_("Conclusion"),
        choices=[("1", _("Meets the requirements")), ("0", _("Does not meet the requirements"))],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
        initial="1",
    )
    result = forms.CharField(
        label=_("Findings"),
        max_length=300,
        required=False,
        help_text=_("e.g. pesticide residues below the limits of QCVN 8-1:2011/BYT"),
    )
    certificate = forms.ChoiceField(label=_("Certificate"), choices=CERTIFICATES, required=False)
    document_url = forms.URLField(
        label=_("Link to the report"),
        required=False,
        assume_scheme="https",
        help_text=_("Optional: where the lab publishes the report."),
    )


STEP_FORMS = {
    "harvest": SourceStepForm,
    "receive_raw": SourceStepForm,
    "transform": TransformForm,
    "pack": QuantityForm,
    "store": QuantityForm,
    "ship": ShipForm,
    "receive": ReceiveForm,
    "sell": QuantityForm,
    "inspect": InspectForm,
}


def step_form(step: str, data=None, *, batch):
    """The form of a step, its note last."""
    form = STEP_FORMS[step](data, batch=batch)
    form.fields["note"] = form.fields.pop("note")
    return form
