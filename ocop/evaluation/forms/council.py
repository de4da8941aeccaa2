"""Forms of the council pages: setting up a council, its seats and conflicts, assigning dossiers, a
member's sheet (answers through the self-assessment form of the criteria app, plus disqualifiers, the
evidence cited and a comment per criterion) and the chair's send-back."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from ocop.accounts.models import Role, User
from ocop.criteria import engine
from ocop.registry.models import Producer

from ..models import Council, CouncilMember, Dossier, MemberRole
from ..workflow import DossierStatus

EVIDENCE_PREFIX = "ev-"
COMMENT_PREFIX = "cm-"
DISQUALIFIER_FIELD = "dq"


class CouncilForm(forms.ModelForm):
    class Meta:
        model = Council
        fields = ["name", "decision_number", "quorum", "spread_limit"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["quorum"].initial = Decimal(str(settings.OCOP_COUNCIL_QUORUM))
        self.fields["quorum"].help_text = _("Share of the scoring members who must submit, e.g. 0.75.")
        self.fields["spread_limit"].initial = settings.OCOP_SCORE_SPREAD_LIMIT

    def clean_quorum(self):
        value = self.cleaned_data["quorum"]
        if value is None or not Decimal("0") < value <= Decimal("1"):
            raise ValidationError(_("The quorum is a share of the members, above 0 and at most 1."))
        return value


class MemberForm(forms.Form):
    user = forms.ModelChoiceField(label=_("Person"), queryset=User.objects.none())
    role = forms.ChoiceField(label=_("Role on the council"), choices=MemberRole.choices)
    department = forms.CharField(label=_("Department"), max_length=200, required=False)

    def __init__(self, council: Council, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = (
            User.objects.filter(
                is_active=True, role=Role.COUNCIL_MEMBER, province_id=council.round.province_id
            )
            .exclude(council_seats__council=council)
            .order_by("full_name", "username")
        )


class ConflictForm(forms.Form):
    member = forms.ModelChoiceField(label=_("Member"), queryset=CouncilMember.objects.none())
    producers = forms.ModelMultipleChoiceField(label=_("Linked producers"), queryset=None)
    note = forms.CharField(label=_("Conflict of interest"), max_length=300)

    def __init__(self, council: Council, producers, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = CouncilMember.objects.filter(council=council).select_related("user")
        self.fields["producers"].queryset = producers


class SeatForm(forms.Form):
    """Which seat (and which of its conflicts) a removal button on the council page names."""

    member = forms.ModelChoiceField(queryset=CouncilMember.objects.none())
    producer = forms.ModelChoiceField(queryset=Producer.objects.none(), required=False)

    def __init__(self, council: Council, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = CouncilMember.objects.filter(council=council).select_related("user")
        self.fields["producer"].queryset = Producer.objects.filter(
            pk__in=CouncilMember.conflicts.through.objects.filter(councilmember__council=council).values(
                "producer_id"
            )
        )


class AssignForm(forms.Form):
    dossiers = forms.ModelMultipleChoiceField(label=_("Checked dossiers of the round"), queryset=None)

    def __init__(self, council: Council, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["dossiers"].queryset = (
            Dossier.objects.filter(round_id=council.round_id, status=DossierStatus.CHECKED)
            .select_related("product")
            .order_by("receipt_number", "id")
        )
        self.fields["dossiers"].label_from_instance = lambda d: (
            f"{d.receipt_number or d.pk} — {d.product.name_vi}"
        )


class SendBackForm(forms.Form):
    note = forms.CharField(
        label=_("Why the council re-scores"), max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )


def evidence_field(code: str) -> str:
    return f"{EVIDENCE_PREFIX}{code}"


def comment_field(code: str) -> str:
    return f"{COMMENT_PREFIX}{code}"


class SheetExtrasForm(forms.Form):
    """Disqualifiers, cited attachments and comments of a member's sheet. The attachment choices are
    this dossier's, so a forged id is refused here (and again by the service)."""

    def __init__(self, sheet: engine.Sheet, attachment_ids: list[int], *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.sheet = sheet
        self.fields[DISQUALIFIER_FIELD] = forms.TypedMultipleChoiceField(
            choices=[(str(i), text) for i, text in enumerate(sheet.disqualifiers_vi)],
            coerce=int,
            required=False,
        )
        ids = [(str(i), str(i)) for i in attachment_ids]
        for crit in sheet.criteria:
            self.fields[evidence_field(crit.code)] = forms.TypedMultipleChoiceField(
                choices=ids,
                coerce=int,
                required=False,
                error_messages={
                    "invalid_choice": _(
                        "Only this dossier's attachments can be cited as evidence (%(value)s)."
                    )
                },
            )
            self.fields[comment_field(crit.code)] = forms.CharField(required=False, max_length=2000)

    def disqualifiers(self) -> list[int]:
        return sorted(self.cleaned_data.get(DISQUALIFIER_FIELD) or [])

    def evidence(self) -> dict[str, list[int]]:
        out = {}
        for crit in self.sheet.criteria:
            values = self.cleaned_data.get(evidence_field(crit.code)) or []
            if values:
                out[crit.code] = sorted(set(values))
        return out

    def comments(self) -> dict[str, str]:
        out = {}
        for crit in self.sheet.criteria:
            text = (self.cleaned_data.get(comment_field(crit.code)) or "").strip()
            if text:
                out[crit.code] = text
        return out
