"""Criteria sets as versioned data: a set (one decision's Annex II) and its scoring sheets.

A published set is immutable: saving, updating or deleting it or any of its sheets raises
PublishedSetError, whichever way it is tried (model save/delete, queryset update/delete, cascades).
A correction is loaded as a new set id. Part maxima are data (Decision 148: 40/25/35, Decision 1048:
35/25/40), never constants.
"""

from __future__ import annotations

from django.db import models
from django.db.models.signals import pre_delete
from django.dispatch import receiver
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


class PublishedSetError(Exception):
    """An attempt to change or delete a published criteria set or one of its sheets."""

    def __init__(self, set_id: str, what: str = "") -> None:
        self.set_id = set_id
        message = gettext(
            "The criteria set “%(set)s” is published and cannot be changed or deleted%(what)s; "
            "load a correction as a new set id."
        ) % {"set": set_id, "what": f" ({what})" if what else ""}
        super().__init__(message)


class SetStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")


class CriteriaSetQuerySet(models.QuerySet):
    def published(self):
        return self.filter(status=SetStatus.PUBLISHED)

    def update(self, **kwargs):
        locked = self.filter(status=SetStatus.PUBLISHED).values_list("pk", flat=True).first()
        if locked is not None:
            raise PublishedSetError(locked, "update")
        return super().update(**kwargs)

    def delete(self):
        # Checked before Django opens its transaction, so a refusal leaves the caller's one usable.
        locked = self.filter(status=SetStatus.PUBLISHED).values_list("pk", flat=True).first()
        if locked is not None:
            raise PublishedSetError(locked, "delete")
        return super().delete()


class CriteriaSet(models.Model):
    id = models.SlugField(
        primary_key=True,
        max_length=40,
        help_text=_("Stable id, e.g. “qd26-2026”; a correction has a new id."),
    )
    title_vi = models.CharField(_("title (Vietnamese)"), max_length=300)
    title_en = models.CharField(_("title (English)"), max_length=300, blank=True)
    legal_basis = models.CharField(_("legal basis"), max_length=200, blank=True)
    decision_number = models.CharField(_("decision number"), max_length=100, blank=True)
    decision_date = models.DateField(_("decision date"), null=True, blank=True)
    effective_date = models.DateField(_("effective date"), null=True, blank=True)
    part_maxima = models.JSONField(
        _("part maxima"), default=dict, help_text=_("e.g. {“A”: 40, “B”: 25, “C”: 35}")
    )
    classification = models.JSONField(_("product classification"), default=list, blank=True)
    header = models.JSONField(
        _("set header"),
        default=dict,
        blank=True,
        help_text=_(
            "The source's top-level fields except sheets and groups (star bands, notes, known issues)."
        ),
    )
    status = models.CharField(_("status"), max_length=10, choices=SetStatus.choices, default=SetStatus.DRAFT)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    source = models.JSONField(_("source data"))
    content_hash = models.CharField(_("content hash (SHA-256)"), max_length=64)
    loaded_at = models.DateTimeField(_("loaded at"), auto_now=True)

    objects = CriteriaSetQuerySet.as_manager()

    class Meta:
        ordering = ["-effective_date", "id"]
        verbose_name = _("criteria set")
        verbose_name_plural = _("criteria sets")

    def __str__(self) -> str:
        return f"{self.id} — {self.legal_basis or self.title_vi}"

    def save(self, *args, **kwargs):
        if self.stored_status() == SetStatus.PUBLISHED:
            raise PublishedSetError(self.pk, "save")
        if self.status == SetStatus.PUBLISHED and self.published_at is None:
            self.published_at = timezone.now()
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if self.stored_status() == SetStatus.PUBLISHED:
            raise PublishedSetError(self.pk, "delete")
        return super().delete(*args, **kwargs)

    @property
    def is_published(self) -> bool:
        return self.status == SetStatus.PUBLISHED

    def stored_status(self) -> str | None:
        if self._state.adding:
            return None
        return type(self).objects.filter(pk=self.pk).values_list("status", flat=True).first()


class SheetQuerySet(models.QuerySet):
    def update(self, **kwargs):
        locked = (
            self.filter(criteria_set__status=SetStatus.PUBLISHED)
            .values_list("criteria_set_id", flat=True)
            .first()
        )
        if locked is not None:
            raise PublishedSetError(locked, "update")
        return super().update(**kwargs)

    def delete(self):
        locked = (
            self.filter(criteria_set__status=SetStatus.PUBLISHED)
            .values_list("criteria_set_id", flat=True)
            .first()
        )
        if locked is not None:
            raise PublishedSetError(locked, "delete")
        return super().delete()


class Sheet(models.Model):
    criteria_set = models.ForeignKey(
        CriteriaSet, on_delete=models.CASCADE, related_name="sheets", verbose_name=_("criteria set")
    )
    number = models.PositiveSmallIntegerField(_("number"))
    name_vi = models.CharField(_("name (Vietnamese)"), max_length=300)
    name_en = models.CharField(_("name (English)"), max_length=300, blank=True)
    group_code = models.CharField(_("group"), max_length=10, blank=True)
    subgroup_code = models.CharField(_("sub-group"), max_length=10, blank=True)
    product_set_code = models.CharField(_("product set"), max_length=10, blank=True)
    part_maxima = models.JSONField(_("part maxima"), default=dict)
    data = models.JSONField(_("sheet data"))

    objects = SheetQuerySet.as_manager()

    class Meta:
        ordering = ["criteria_set", "number"]
        constraints = [
            models.UniqueConstraint(fields=["criteria_set", "number"], name="criteria_sheet_unique_number")
        ]
        verbose_name = _("scoring sheet")
        verbose_name_plural = _("scoring sheets")

    def __str__(self) -> str:
        return f"{self.criteria_set_id} · {self.number}. {self.name_vi}"

    def save(self, *args, **kwargs):
        if self._set_is_published():
            raise PublishedSetError(self.criteria_set_id, gettext("sheet %(n)s") % {"n": self.number})
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if self._set_is_published():
            raise PublishedSetError(self.criteria_set_id, gettext("sheet %(n)s") % {"n": self.number})
        return super().delete(*args, **kwargs)

    def _set_is_published(self) -> bool:
        return CriteriaSet.objects.filter(pk=self.criteria_set_id, status=SetStatus.PUBLISHED).exists()


# The last guard, for deletions that reach these rows another way (a cascade from another model).
@receiver(pre_delete, sender=CriteriaSet)
def _refuse_deleting_published_set(sender, instance: CriteriaSet, **kwargs):
    if instance.stored_status() == SetStatus.PUBLISHED:
        raise PublishedSetError(instance.pk, "delete")


@receiver(pre_delete, sender=Sheet)
def _refuse_deleting_published_sheet(sender, instance: Sheet, **kwargs):
    if instance._set_is_published():
        raise PublishedSetError(instance.criteria_set_id, gettext("sheet %(n)s") % {"n": instance.number})


# --------------------------------------------------------------------------------- self-assessment
