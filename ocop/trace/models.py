"""Traceability (TCVN 12850:2019, Circular 02/2024/TT-BKHCN): batches of a product, GS1 EPCIS 2.0
events along the value chain, and the transparency log that makes every captured event verifiable.

Events are stored as captured (`document`) with the fields the EPCIS query filters on copied into
indexed columns, and every EPC an event names in `EventEpc` (one row per EPC and role), so MATCH_epc /
MATCH_anyEPC / MATCH_epcClass are index lookups at a million events.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from ocop.accounts.models import Role
from ocop.core.querysets import ScopedQuerySet
from ocop.registry.models import ProducerScopedQuerySet


class BatchQuerySet(ProducerScopedQuerySet):
    """Batches, scoped by their producer: a producer's own, those of the producers in an officer's area
    (`editable_by`: the producer and the commune and province officers; nobody else)."""


class EventQuerySet(ScopedQuerySet):
    """Public events for everyone; a producer also sees its own non-public ones (a superuser, all).
    A recorded event is never changed: `editable_by` is nothing for everyone."""

    def scope(self, user, *, edit: bool) -> Q | None:
        if edit:
            return None
        authenticated = user is not None and getattr(user, "is_authenticated", False)
        if authenticated and user.is_active and user.is_superuser:
            return Q()
        condition = Q(public=True)
        if authenticated and user.role == Role.PRODUCER and user.producer_id:
            condition |= Q(owner_id=user.producer_id)
        return condition


class Batch(models.Model):
    """A lot of a product: what the label's GS1 Digital Link `/01/<gtin>/10/<lot>` points at."""

    product = models.ForeignKey(
        "registry.Product", verbose_name=_("product"), on_delete=models.PROTECT, related_name="batches"
    )
    # Copied from the product so that the resolver and scope filters need no join.
    producer = models.ForeignKey(
        "registry.Producer", verbose_name=_("producer"), on_delete=models.PROTECT, related_name="batches"
    )
    gtin = models.CharField(_("GTIN-14"), max_length=14)
    lot = models.CharField(_("lot number"), max_length=20)
    produced_on = models.DateField(_("production date"), null=True, blank=True)
    packed_on = models.DateField(_("packaging date"), null=True, blank=True)
    expires_on = models.DateField(_("expiry date"), null=True, blank=True)
    best_before = models.BooleanField(
        _("date is a best-before date"), default=False, help_text=_("Otherwise it is a use-by date.")
    )
    quantity = models.DecimalField(_("quantity"), max_digits=12, decimal_places=3, null=True, blank=True)
    unit = models.CharField(_("unit"), max_length=20, blank=True)
    # [{"kind": "farm"|"supplier", "name", "plot", "address", "certificate": "VietGAP"|"organic"|…,
    #   "certificate_number"}]
    sources = models.JSONField(_("raw-material sources"), default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = BatchQuerySet.as_manager()

    class Meta:
        ordering = ["-produced_on", "-id"]
        constraints = [models.UniqueConstraint(fields=["gtin", "lot"], name="trace_batch_gtin_lot")]
        verbose_name = _("batch")
        verbose_name_plural = _("batches")

    def __str__(self) -> str:
        return f"{self.product} — {self.lot}"

    def get_absolute_url(self) -> str:
        return reverse("trace:batch_detail", args=[self.pk])


class CaptureJob(models.Model):
    """One `POST /epcis/capture` (EPCIS 2.0 REST binding): its outcome, shown at /epcis/capture/{id}."""

    class Status(models.TextChoices):
        RUNNING = "running", _("Running")
        SUCCESS = "success", _("Succeeded")
        FAILED = "failed", _("Failed")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.RUNNING)
    error_behaviour = models.CharField(max_length=16, default="rollback")
    errors = models.JSONField(default=list, blank=True)
    event_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return str(self.id)


class Event(models.Model):
    """An EPCIS 2.0 event, as captured (plus the server's recordTime), with its CBV 2.0 event hash."""

    event_id = models.CharField(max_length=400, unique=True)
    event_hash = models.CharField(max_length=64, db_index=True)  # hex SHA-256 of the CBV 2.0 pre-hash
    event_type = models.CharField(max_length=32, db_index=True)
    event_time = models.DateTimeField(db_index=True)
    event_time_zone_offset = models.CharField(max_length=6)
    record_time = models.DateTimeField(db_index=True)
    biz_step = models.CharField(max_length=200, blank=True, db_index=True)
    disposition = models.CharField(max_length=200, blank=True, db_index=True)
    read_point = models.CharField(max_length=400, blank=True, db_index=True)
    biz_location = models.CharField(max_length=400, blank=True, db_index=True)
    document = models.JSONField()
    # Whose data it is: the producer whose account captured it (None: an integrator's or public data).
    owner = models.ForeignKey(
        "registry.Producer", null=True, blank=True, on_delete=models.PROTECT, related_name="trace_events"
    )
    batch = models.ForeignKey(Batch, null=True, blank=True, on_delete=models.PROTECT, related_name="events")
    capture = models.ForeignKey(
        CaptureJob, null=True, blank=True, on_delete=models.SET_NULL, related_name="events"
    )
    public = models.BooleanField(default=True)
    # Position in the transparency log (leaf index); set in the same transaction as the capture.
    leaf_index = models.BigIntegerField(null=True, blank=True, unique=True)

    objects = EventQuerySet.as_manager()

    class Meta:
        ordering = ["record_time", "id"]
        indexes = [models.Index(fields=["event_time", "id"]), models.Index(fields=["record_time", "id"])]

    def __str__(self) -> str:
        return self.event_id


class EventEpc(models.Model):
    """One EPC (or EPC class) an event names, with its role, for the EPCIS MATCH_ filters."""

    class Role(models.TextChoices):
        EPC = "epc", "epcList"
        PARENT = "parent", "parentID"
        CHILD = "child", "childEPCs"
        INPUT = "input", "inputEPCList"
        OUTPUT = "output", "outputEPCList"
        CLASS = "class", "quantityList"
        CHILD_CLASS = "child_class", "childQuantityList"
        INPUT_CLASS = "input_class", "inputQuantityList"
        OUTPUT_CLASS = "output_class", "outputQuantityList"

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="epcs")
    epc = models.CharField(max_length=400)
    role = models.CharField(max_length=12, choices=Role.choices)

    class Meta:
        indexes = [models.Index(fields=["epc", "role"])]

    def __str__(self) -> str:
        return f"{self.role}: {self.epc}"


class LogNode(models.Model):
    """A node of the transparency log's Merkle tree (RFC 9162): the hash of the complete subtree of
    2**level leaves starting at leaf `index * 2**level`. Stored once and never changed, so proofs take
    O(log n) reads."""

    level = models.PositiveSmallIntegerField()
    index = models.BigIntegerField()
    hash = models.BinaryField(max_length=32)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["level", "index"], name="trace_lognode_position")]

    def __str__(self) -> str:
        return f"{self.level}/{self.index}"


class Checkpoint(models.Model):
    """A signed checkpoint (C2SP tlog-checkpoint) of the log at a tree size."""

    tree_size = models.BigIntegerField(unique=True)
    root_hash = models.BinaryField(max_length=32)
    note = models.TextField()  # the signed note, as served at /transparency/checkpoint
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-tree_size"]

    def __str__(self) -> str:
        return f"checkpoint {self.tree_size}"
