"""Forms of the self-assessment page: one radio group per criterion of the product's sheet, and the
evidence upload. The choices come from the compiled sheet, so a forged value or a criterion of another
sheet is refused before anything reaches the engine (which checks again)."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from ocop.criteria import engine

from ..services.selfassessment import NOT_APPLICABLE

PREFIX = "c-"


def field_name(code: str) -> str:
    return f"{PREFIX}{code}"


class SelfAssessmentForm(forms.Form):
    def __init__(self, sheet: engine.Sheet, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.sheet = sheet
        for crit in sheet.criteria:
            choices = [("", "—")] + [(str(p), str(p)) for p in crit.allowed_sorted]
            if crit.conditional:
                choices.append((NOT_APPLICABLE, _("Not applicable")))
            self.fields[field_name(crit.code)] = forms.ChoiceField(
                choices=choices,
                required=False,
                error_messages={
                    "invalid_choice": _(
                        "Criterion %(code)s: “%%(value)s” is not one of its options (%(allowed)s points)."
                    )
                    % {
                        "code": crit.code,
                        "allowed": ", ".join(str(p) for p in crit.allowed_sorted),
                    }
                },
            )

    def clean(self):
        cleaned = super().clean()
        unknown = sorted(
            key[len(PREFIX) :] for key in self.data if key.startswith(PREFIX) and key not in self.fields
        )
        if unknown:
            raise ValidationError(
                _("Not criteria of sheet %(n)s: %(codes)s. Nothing was saved."),
                params={"n": self.sheet.number, "codes": ", ".join(c[:20] for c in unknown[:10])},
                code="unknown_criterion",
            )
        return cleaned

    def answers(self) -> tuple[dict[str, int], list[str]]:
        """(answers {code: points}, not-applicable codes) from valid data."""
        answers: dict[str, int] = {}
        na: list[str] = []
        for crit in self.sheet.criteria:
            value = self.cleaned_data.get(field_name(crit.code)) or ""
            if value == NOT_APPLICABLE:
                na.append(crit.code)
            elif value != "":
                answers[crit.code] = int(value)
        return answers, na


class EvidenceForm(forms.Form):
    criterion = forms.CharField(max_length=20)
    file = forms.FileField(
        label=_("Evidence (PDF or photo)"),
        help_text=_("PDF, JPEG, PNG or WebP, at most %(mb)s MB.")
        % {"mb": settings.OCOP_DOCUMENT_MAX_BYTES // 1024 // 1024},
    )
