"""Forms of the commune's review (Form 03, a return) and the province's check (advisory records)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from ocop.core.forms import DateInput

from ..models import AdvisoryRecord, EvidenceDocument


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
