"""Forms of the rounds: opening one, and the filter of a round's board."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from ocop.core.forms import DateInput

from ..models import RoundKind
from ..workflow import DossierStatus


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
