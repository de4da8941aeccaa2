"""Forms of the evidence library: a document's details and its upload."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from ocop.core.forms import DateInput

from ..models import DocumentKind, EvidenceDocument


class DocumentForm(forms.Form):
    """The details of a library document (dates, issuer …) without the file."""

    kind = forms.ChoiceField(label=_("Kind"), choices=DocumentKind.choices)
    title = forms.CharField(label=_("Title"), max_length=255)
    issuer = forms.CharField(label=_("Issued by"), max_length=255, required=False)
    reference = forms.CharField(label=_("Number"), max_length=100, required=False)
    issued_on = forms.DateField(label=_("Issue date"), required=False, widget=DateInput())
    expires_on = forms.DateField(label=_("Expiry date"), required=False, widget=DateInput())
    product = forms.ModelChoiceField(label=_("Product"), queryset=None, required=False)

    def __init__(self, *args, products, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["product"].queryset = products
        self.fields["product"].help_text = EvidenceDocument._meta.get_field("product").help_text

    def details(self) -> dict:
        """The document's details as the library services take them (every field but the file)."""
        return {name: self.cleaned_data[name] for name in DocumentForm.base_fields}

    def clean(self):
        data = super().clean()
        issued, expires = data.get("issued_on"), data.get("expires_on")
        if issued and expires and expires < issued:
            self.add_error("expires_on", _("The expiry date is before the issue date."))
        return data


class UploadForm(DocumentForm):
    file = forms.FileField(
        label=_("File"),
        help_text=_("PDF, JPEG, PNG or WebP."),
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,image/jpeg,image/png,image/webp"}),
    )
    title = forms.CharField(label=_("Title"), max_length=255, required=False)

    field_order = ["file", "kind", "title", "issuer", "reference", "issued_on", "expires_on", "product"]
