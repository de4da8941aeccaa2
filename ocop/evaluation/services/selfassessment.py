"""A producer's self-assessment (Form 02, Part III): the draft, its live score and its evidence.

Every change goes: permission check → one transaction → audit event (ocop.core.audit). Scoring is the
engine's (ocop.criteria.engine); nothing here re-implements a rule.

Who may do what (through the registry's scoping, never by hand):
* read (page, live panel, evidence download, PDF): ``Product.objects.visible_to(user)``;
* change (save the draft, add or delete evidence): ``Product.objects.editable_by(user)`` — the producer
  owning the product, the commune officer of its commune, the provincial officer of its province.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from ocop.accounts.models import User
from ocop.core import audit
from ocop.core.models import AuditEvent
from ocop.core.uploads import check_document
from ocop.criteria import engine, sheets
from ocop.criteria.models import SetStatus, Sheet
from ocop.registry.models import Product

from ..models import SelfAssessment, SelfAssessmentEvidence, SelfAssessmentStatus

NOT_APPLICABLE = "na"


class SheetUnavailable(Exception):
    """The product's criteria set or sheet is not published (or the product has no sheet)."""


# ------------------------------------------------------------------------------------------ access


def can_view(user: User, product: Product) -> bool:
    return bool(product.pk) and Product.objects.visible_to(user).filter(pk=product.pk).exists()


def can_edit(user: User, product: Product) -> bool:
    return bool(product.pk) and Product.objects.editable_by(user).filter(pk=product.pk).exists()


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied(_("You are not allowed to do this."))


# ------------------------------------------------------------------------------------------ sheets


def sheet_for(product: Product) -> Sheet:
    """The published sheet the product is scored on (its criteria set and its product set's sheet)."""
    number = product.sheet
    sheet = (
        Sheet.objects.select_related("criteria_set")
        # The set's full source (the whole decision, 1.7 MB of JSON) is never needed here.
        .defer("criteria_set__source", "criteria_set__classification")
        .filter(
            criteria_set_id=product.criteria_set,
            criteria_set__status=SetStatus.PUBLISHED,
            number=number or 0,
        )
        .first()
    )
    if sheet is None:
        raise SheetUnavailable(
            _("No published scoring sheet for this product (criteria set %(set)s, sheet %(n)s).")
            % {"set": product.criteria_set, "n": number or "—"}
        )
    return sheet


def compiled(sheet: Sheet) -> engine.Sheet:
    return sheets.compiled_sheet(sheet)


def current_draft(product: Product) -> SelfAssessment | None:
    return SelfAssessment.objects.filter(product=product, status=SelfAssessmentStatus.DRAFT).first()


# ------------------------------------------------------------------------------------------ scoring


@dataclass(frozen=True)
class Panel:
    """What the live panel shows: the engine's result and the way to the next star."""

    result: engine.Result
    next: engine.NextStar | None
    provisional: engine.Result  # unanswered counted as 0, for the stars shown while incomplete
    sheet: engine.Sheet

    @property
    def unanswered_count(self) -> int:
        return len(self.result.unanswered)


def evaluate(sheet: engine.Sheet, answers: dict[str, int], not_applicable: list[str]) -> Panel:
    """Scores answers (raises engine.InvalidAnswer on anything the sheet does not allow)."""
    result = engine.score(sheet, answers, not_applicable=not_applicable)
    provisional = engine.score(sheet, answers, not_applicable=not_applicable, provisional=True)
    nxt = engine.next_star(sheet, answers, not_applicable=not_applicable)
    return Panel(result=result, next=nxt, provisional=provisional, sheet=sheet)


# ------------------------------------------------------------------------------------------ drafts


def _changes(old: SelfAssessment | None, sheet: Sheet, answers: dict, na: list[str]) -> dict[str, list]:
    before_answers = old.answers if old and old.sheet_id == sheet.pk else {}
    before_na = old.not_applicable if old and old.sheet_id == sheet.pk else []
    changes: dict[str, list] = {}
    for code in sorted(before_answers.keys() | answers.keys()):
        if before_answers.get(code) != answers.get(code):
            changes[code] = [before_answers.get(code), answers.get(code)]
    if sorted(before_na) != sorted(na):
        changes["not_applicable"] = [sorted(before_na), sorted(na)]
    if old is not None and old.sheet_id != sheet.pk:
        changes["sheet"] = [str(old.sheet), str(sheet)]
    return changes


def save_draft(
    user: User, product: Product, answers: dict[str, Any], not_applicable: list[str]
) -> SelfAssessment:
    """Saves the product's draft; validates every answer against the product's published sheet first
    (engine.InvalidAnswer: nothing saved). Audit: each changed answer old → new."""
    _require(can_edit(user, product))
    sheet = sheet_for(product)
    comp = compiled(sheet)
    clean = engine.validate_answers(comp, answers)
    na = sorted(set(not_applicable))
    engine.score(comp, clean, not_applicable=na)  # checks not-applicable use (raises InvalidAnswer)
    try:
        return _save_draft(user, product, sheet, clean, na)
    except IntegrityError:
        # Two first saves at once: the other one created the draft (one draft per product); update it.
        return _save_draft(user, product, sheet, clean, na)


def _save_draft(user: User, product: Product, sheet: Sheet, clean: dict, na: list[str]) -> SelfAssessment:
    with transaction.atomic():
        draft = (
            SelfAssessment.objects.select_for_update()
            .filter(product=product, status=SelfAssessmentStatus.DRAFT)
            .first()
        )
        created = draft is None
        changes = _changes(draft, sheet, clean, na)
        if draft is None:
            draft = SelfAssessment(product=product, status=SelfAssessmentStatus.DRAFT)
        draft.sheet = sheet
        draft.answers = clean
        draft.not_applicable = na
        draft.disqualifiers = []
        draft.updated_by = user if getattr(user, "is_authenticated", False) else None
        draft.save()
        if created or changes:
            action = AuditEvent.Action.CREATE if created else AuditEvent.Action.UPDATE
            audit.record(user, draft, action, changes, verb="self_assessment.save")
    return draft


def _draft_for_evidence(user: User, product: Product, sheet: Sheet) -> SelfAssessment:
    draft = (
        SelfAssessment.objects.select_for_update()
        .filter(product=product, status=SelfAssessmentStatus.DRAFT)
        .first()
    )
    if draft is None:
        try:
            with transaction.atomic():
                draft = SelfAssessment.objects.create(
                    product=product, sheet=sheet, status=SelfAssessmentStatus.DRAFT, updated_by=user
                )
        except IntegrityError:  # created meanwhile by another request
            return SelfAssessment.objects.select_for_update().get(
                product=product, status=SelfAssessmentStatus.DRAFT
            )
        audit.record(user, draft, AuditEvent.Action.CREATE, {}, verb="self_assessment.save")
    elif draft.sheet_id != sheet.pk:
        # The product moved to another sheet: the old answers mean nothing on the new one.
        changes = _changes(draft, sheet, {}, [])
        draft.sheet, draft.answers, draft.not_applicable, draft.updated_by = sheet, {}, [], user
        draft.save()
        audit.record(user, draft, AuditEvent.Action.UPDATE, changes, verb="self_assessment.save")
    return draft


# ------------------------------------------------------------------------------------------ evidence


def add_evidence(user: User, product: Product, criterion: str, upload: File) -> SelfAssessmentEvidence:
    _require(can_edit(user, product))
    sheet = sheet_for(product)
    if criterion not in compiled(sheet).by_code:
        raise ValidationError(
            _("Criterion %(code)s is not on this product's sheet.") % {"code": str(criterion)[:20]}
        )
    content_type, suffix = check_document(upload, settings.OCOP_DOCUMENT_MAX_BYTES)
    original = os.path.basename(str(upload.name or "")).strip()[:255] or f"evidence.{suffix}"
    stored_name: str | None = ""
    try:
        with transaction.atomic():
            draft = _draft_for_evidence(user, product, sheet)
            evidence = SelfAssessmentEvidence(
                assessment=draft,
                criterion=criterion,
                original_name=original,
                content_type=content_type,
                size=upload.size,
                uploaded_by=user,
            )
            evidence.file.save(f"evidence.{suffix}", upload, save=False)
            stored_name = evidence.file.name
            evidence.save()
            audit.record(
                user,
                draft,
                AuditEvent.Action.UPDATE,
                {f"evidence {criterion}": [None, original]},
                verb="self_assessment.add_evidence",
            )
    except Exception:
        if stored_name:
            SelfAssessmentEvidence.file.field.storage.delete(stored_name)
        raise
    return evidence


def delete_evidence(user: User, evidence: SelfAssessmentEvidence) -> None:
    product = evidence.assessment.product
    _require(can_edit(user, product))
    name, storage = evidence.file.name, evidence.file.storage
    with transaction.atomic():
        audit.record(
            user,
            evidence.assessment,
            AuditEvent.Action.UPDATE,
            {f"evidence {evidence.criterion}": [evidence.original_name, None]},
            verb="self_assessment.remove_evidence",
        )
        evidence.delete()
        transaction.on_commit(lambda: storage.delete(name) if name else None)
