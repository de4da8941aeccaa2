"""Forms of the officers' certificate pages (revocation)."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from ocop.core.forms import DateInput

from .models import RevocationGround


class RevokeForm(forms.Form):
    ground = forms.ChoiceField(label=_("Ground (Decision 26/2026, Art. 8)"), choices=RevocationGround.choices)
    finding_date = forms.DateField(
        label=_("Date of the finding"),
        widget=DateInput(),
    )
    decision_number = forms.CharField(label=_("Revocation decision number"), max_length=64)
    reason = forms.CharField(
        label=_("Reason"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Public: shown on the certificate's verification page."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["finding_date"].help_text = _(
            "The certificate is revoked within %(days)s days of the finding."
        ) % {"days": settings.OCOP_REVOCATION_DAYS}
