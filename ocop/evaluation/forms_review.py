"""Forms of the commune's review, the province's check and the rounds."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from ocop.core.forms import DateInput

from .models import AdvisoryRecord, EvidenceDocument, RoundKind
from .workflow import DossierStatus


class ReturnForm(forms.Form):
    reason = forms.CharField(
        label=_("Reasons for return"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=4000,
        help_text=_("The producer sees these reasons and completes the dossier."),
    )


class Form03(forms.Form):
    """Form 03: the commune's report on the dossier (Annex III)."""

    local_raw_materials = forms.CharField(
        label=_("Local raw materials"), widget=forms.Textarea(attrs={"rows": 3}), max_length=4000
    )
    local_labour = forms.CharField(
        label=_("Local labour"), widget=forms.Textarea(attrs={"rows": 3}), max_length=4000
    )
    idea_origin = forms.CharField(
        label=_("Origin of the product idea"), widget=forms.Textarea(attrs={"rows": 3}), max_length=4000
    )
    local_identity = forms.CharField(
        label=_("Local identity"), widget=forms.Textarea(attrs={"rows": 3}), max_length=4000
    )
    assessment = forms.CharField(
        label=_("The commune's assessment and conclusion"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=4000,
    )
    completeness_checked = forms.BooleanField(
        label=_("I checked that the dossier is complete (forms, evidence, samples)"), required=True
    )


class AdvisoryRecordForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=AdvisoryRecord.Kind.choices)
    on = forms.DateField(label=_("Date"), widget=DateInput())
    findings = forms.CharField(label=_("Findings"), widget=forms.Textarea(attrs={"rows": 4}), max_length=8000)
    document = forms.ModelChoiceField(
        label=_("Document from the producer's library"),
        queryset=EvidenceDocument.objects.none(),
        required=False,
    )

    def __init__(self, *args, producer_id=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["document"].queryset = EvidenceDocument.objects.filter(
            producer_id=producer_id, archived=False
        ).only("id", "title", "kind", "issued_on", "producer_id")


class CheckForm(forms.Form):
    note = forms.CharField(label=_("Note"), required=False, max_length=300)


class RoundForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=2020, max_value=2100)
    kind = forms.ChoiceField(label=_("Kind"), choices=RoundKind.choices)
    name = forms.CharField(
        label=_("Name"), required=False, max_length=200, help_text=_("Leave empty for the usual name.")
    )
    commune_cutoff = forms.DateField(
        label=_("Communes send dossiers by"),
        required=False,
        widget=DateInput(),
        help_text=_("Regular rounds: 30/04 and 30/10 unless you choose another date."),
    )
    decision_due = forms.DateField(
        label=_("Decision due by"),
        required=False,
        widget=DateInput(),
        help_text=_("Regular rounds: 30/06 and 30/12 unless you choose another date."),
    )
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 3}))


class BoardFilter(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("All"))] + list(DossierStatus.choices)
    )
    commune = forms.ChoiceField(label=_("Commune"), required=False, choices=[("", _("All"))])

    def __init__(self, *args, communes=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["commune"].choices = [("", _("All")), *communes]
