"""Forms of the decision pages: the provincial and the Ministry's recognition decisions, the central
council's result (one dossier or a CSV file) and the officer's choice on a scored dossier."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from ocop.core.forms import DateInput

from ..models import Dossier
from ..services.decisions import effective_result


class DossierChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Dossier) -> str:
        points, stars = effective_result(obj)
        code = obj.receipt_number or obj.pk
        return f"{code} — {obj.product.name_vi} — {obj.producer.name} — {points} · {stars}★"


class DecisionForm(forms.Form):
    """Header of a recognition decision and the dossiers it recognises (`dossiers` = the eligible ones)."""

    number = forms.CharField(label=_("Decision number"), max_length=64)
    date = forms.DateField(label=_("Decision date"), widget=DateInput())
    signed_by = forms.CharField(label=_("Signed by"), max_length=200, required=False)
    dossiers = DossierChoice(
        label=_("Dossiers recognised"), queryset=Dossier.objects.none(), widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, dossiers=None, **kwargs):
        super().__init__(*args, **kwargs)
        if dossiers is not None:
            self.fields["dossiers"].queryset = dossiers


class CentralResultForm(forms.Form):
    points = forms.DecimalField(
        label=_("Central council points"), min_value=0, max_value=100, max_digits=5, decimal_places=2
    )
    stars = forms.TypedChoiceField(
        label=_("Central council stars"), coerce=int, choices=[(n, f"{n}★") for n in range(5, 0, -1)]
    )


class CentralImportForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_(
            "One row per dossier: receipt number or product code, points, stars (UTF-8, comma or "
            "semicolon separated). Any error refuses the whole file."
        ),
    )

    MAX_BYTES = 2 * 1024 * 1024

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > self.MAX_BYTES:
            raise forms.ValidationError(_("The file is larger than 2 MB."))
        return upload


class NoteForm(forms.Form):
    note = forms.CharField(
        label=_("Note"), required=False, max_length=300, widget=forms.Textarea(attrs={"rows": 2})
    )
