"""Forms of the product ideas: registering one, a comment, the officer's status."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from ocop.registry.models import product_set_choices

from ..models import IdeaStatus


class IdeaForm(forms.Form):
    producer = forms.ModelChoiceField(label=_("Producer"), queryset=None)
    title = forms.CharField(label=_("Product idea"), max_length=255)
    description = forms.CharField(label=_("Description"), widget=forms.Textarea, required=False)
    product_set = forms.ChoiceField(label=_("Product group"), required=False)
    raw_materials = forms.CharField(label=_("Local raw materials"), widget=forms.Textarea, required=False)

    def __init__(self, *args, producers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["producer"].queryset = producers
        self.fields["product_set"].choices = [("", "—"), *product_set_choices()]
        first_two = list(producers[:2])
        if len(first_two) == 1:
            self.fields["producer"].initial = first_two[0].pk
            self.fields["producer"].widget = forms.HiddenInput()


class IdeaCommentForm(forms.Form):
    text = forms.CharField(label=_("Comment"), widget=forms.Textarea(attrs={"rows": 3}), max_length=5000)


class IdeaStatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=IdeaStatus.choices)
