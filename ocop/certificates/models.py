"""OCOP certificates (Decision 26/2026, Art. 4.3, 7.6, 8): issued with a recognition decision, valid 36
months, re-evaluated in a window before expiry, revoked on one of six legal grounds. The number is public:
`/verify/<number>` and the QR code on the PDF show whether a certificate is valid, expired or revoked."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from ocop.registry.models import ProducerScopedQuerySet


class DecisionLevel(models.TextChoices):
    """Who recognises and certifies: the province 3★ and 4★, the Ministry 5★ (Art. 7)."""

    PROVINCE = "province", _("Provincial People's Committee chair")
    MINISTRY = "ministry", _("Minister of Agriculture and Environment")


class CertificateStatus(models.TextChoices):
    VALID = "valid", _("Valid")
    EXPIRED = "expired", _("Expired")
    REVOKED = "revoked", _("Revoked")
    SUPERSEDED = "superseded", _("Replaced by a newer certificate")


class RevocationGround(models.TextChoices):
    """Art. 8 of Decision 26/2026."""

    FALSE_DOSSIER = "false_dossier", _("The dossier was false")
    CRITERIA_NOT_MET = "criteria_not_met", _("The product no longer meets the criteria")
    LAW_BREACH = "law_breach", _("Breach of quality, food-safety, environment, IP or labelling law")
    MARK_MISUSE = "mark_misuse", _("Misuse of the OCOP mark")
    STOPPED = "stopped", _("Production stopped")
    AUTHORITY_FINDING = "authority_finding", _("Other findings of a competent authority")


class Certificate(models.Model):
    number = models.CharField(_("certificate number"), max_length=64, unique=True)
    product = models.ForeignKey(
        "registry.Product", verbose_name=_("product"), on_delete=models.PROTECT, related_name="certificates"
    )
    producer = models.ForeignKey(
        "registry.Producer", verbose_name=_("producer"), on_delete=models.PROTECT, related_name="certificates"
    )
    province = models.ForeignKey(
        "places.Province", verbose_name=_("province"), on_delete=models.PROTECT, related_name="+"
    )
    dossier = models.OneToOneField(
        "evaluation.Dossier",
        verbose_name=_("dossier"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="certificate",
    )
    decision = models.ForeignKey(
        "evaluation.Decision",
        verbose_name=_("decision"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="certificates",
    )
    # Copied from the decision so that the public list and the PDF need no join (and imported
    # certificates without a decision row still show them).
    decision_number = models.CharField(_("decision number"), max_length=64)
    decision_date = models.DateField(_("decision date"))
    stars = models.PositiveSmallIntegerField(_("stars"))
    points = models.DecimalField(_("points"), max_digits=5, decimal_places=2, null=True, blank=True)
    product_name = models.CharField(_("product"), max_length=255)
    producer_name = models.CharField(_("producer"), max_length=255)
    issued_on = models.DateField(_("issued"))
    expires_on = models.DateField(_("expires"))
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=CertificateStatus.choices,
        default=CertificateStatus.VALID,
        db_index=True,
    )
    # A re-evaluation filed late keeps the certificate valid until the decision, at most 180 days past
    # expiry (Art. 12): set while such a dossier is pending.
    grace_until = models.DateField(_("kept valid until"), null=True, blank=True)
    superseded_by = models.ForeignKey(
        "self",
        verbose_name=_("replaced by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    revoked_on = models.DateField(_("revoked on"), null=True, blank=True)
    revocation_ground = models.CharField(
        _("ground for revocation"), max_length=20, choices=RevocationGround.choices, blank=True
    )
    revocation_reason = models.TextField(_("reason for revocation"), blank=True)
    revocation_decision = models.CharField(_("revocation decision"), max_length=64, blank=True)
    finding_date = models.DateField(_("date of the finding"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ProducerScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-issued_on", "-id"]
        indexes = [
            models.Index(fields=["status", "expires_on"]),
            models.Index(fields=["product", "-issued_on"]),
        ]
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")

    def __str__(self) -> str:
        return self.number

    def get_absolute_url(self) -> str:
        return reverse("certificates:verify", args=[self.number])


class Reminder(models.Model):
    """A reminder sent about a certificate (once per kind), so `ocop_expire` can run any number of times."""

    class Kind(models.TextChoices):
        WINDOW_OPENS = "window_opens", _("Re-evaluation window opens")
        WINDOW_CLOSING = "window_closing", _("Re-evaluation window closing soon")
        EXPIRED = "expired", _("Certificate expired")

    certificate = models.ForeignKey(Certificate, on_delete=models.CASCADE, related_name="reminders")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    sent_at = models.DateTimeField(auto_now_add=True)
    recipients = models.JSONField(default=list)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["certificate", "kind"], name="certificates_reminder_once")
        ]

    def __str__(self) -> str:
        return f"{self.certificate} — {self.get_kind_display()}"
