"""The evaluation process (Decision 26/2026, Art. 4–7): product ideas, the evidence library, rounds,
dossiers with their attachments, the commune's and the province's checks, councils and their members'
scores, and decisions.

A dossier's `status` changes only through the services (`ocop.evaluation.services`), which check the
transition against `workflow.TRANSITIONS`, run in one transaction and write an audit event.
"""

from __future__ import annotations

import secrets
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from ocop.accounts.access import is_active_user
from ocop.accounts.models import Role
from ocop.certificates.models import DecisionLevel
from ocop.core.querysets import ScopedQuerySet
from ocop.registry.models import ProducerScopedQuerySet

from .workflow import DossierStatus

# ------------------------------------------------------------------------------------------ ideas


class IdeaStatus(models.TextChoices):
    NEW = "new", _("New")
    ACCEPTED = "accepted", _("Accepted for development")
    NOT_SUITABLE = "not_suitable", _("Not suitable")


class IdeaQuerySet(ProducerScopedQuerySet):
    """The registry's scope for the roles that deal with ideas: producer, its own; commune officer, its
    commune's; provincial officer, its province's (read only). Nobody else sees an idea."""

    READERS = (Role.PRODUCER, Role.COMMUNE_OFFICER, Role.PROVINCE_OFFICER)

    def scope(self, user, *, edit: bool) -> Q | None:
        if not (user.is_authenticated and (user.is_superuser or user.role in self.READERS)):
            return None
        return super().scope(user, edit=edit)


class Idea(models.Model):
    """A new product idea registered at the commune (by the producer, or by a commune officer for it)."""

    producer = models.ForeignKey(
        "registry.Producer", verbose_name=_("producer"), on_delete=models.CASCADE, related_name="ideas"
    )
    title = models.CharField(_("product idea"), max_length=255)
    description = models.TextField(_("description"), blank=True)
    product_set = models.CharField(_("product group"), max_length=8, blank=True)
    raw_materials = models.TextField(_("local raw materials"), blank=True)
    status = models.CharField(_("status"), max_length=16, choices=IdeaStatus.choices, default=IdeaStatus.NEW)
    product = models.ForeignKey(
        "registry.Product",
        verbose_name=_("product"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("registered"), auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = IdeaQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("product idea")
        verbose_name_plural = _("product ideas")

    def __str__(self) -> str:
        return self.title


class IdeaComment(models.Model):
    idea = models.ForeignKey(Idea, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    text = models.TextField(_("comment"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.text[:60]


# ------------------------------------------------------------------------------ evidence library


class DocumentKind(models.TextChoices):
    BUSINESS_REGISTRATION = "business_registration", _("Business registration certificate")
    FOOD_SAFETY = "food_safety", _("Food-safety facility certificate")
    QUALITY_DECLARATION = "quality_declaration", _("Quality declaration")
    LAB_RESULT = "lab_result", _("Lab test results")
    LABEL = "label", _("Product label")
    PRODUCT_STORY = "product_story", _("Product story")
    RAW_MATERIALS = "raw_materials", _("Raw-material contracts and invoices")
    ENVIRONMENT = "environment", _("Environmental dossier")
    WORKERS = "workers", _("Local workers list")
    FINANCIAL = "financial", _("Financial statements")
    IP = "ip", _("Intellectual property documents")
    DISTRIBUTION = "distribution", _("Distribution and trade-promotion contracts")
    PROMOTION = "promotion", _("Website and promotion evidence")
    TRACEABILITY = "traceability", _("Barcode and traceability stamps")
    QUALITY_SYSTEM = "quality_system", _("Quality-system certificate")
    AWARD = "award", _("Awards")
    PHOTO = "photo", _("Photos")
    OTHER = "other", _("Other")


def document_path(instance: EvidenceDocument, filename: str) -> str:
    """A name nobody can guess; the original name is kept in the row, never in the path."""
    suffix = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"evidence/{instance.producer_id}/{secrets.token_urlsafe(24)}.{suffix[:5]}"


class EvidenceDocument(models.Model):
    """One document in a producer's evidence library, uploaded once and linked by every dossier.

    A document is never edited in place once a submitted dossier links it: a newer version is a new row
    (`replaces` points at the old one), so a frozen dossier keeps exactly what was filed."""

    producer = models.ForeignKey(
        "registry.Producer", verbose_name=_("producer"), on_delete=models.CASCADE, related_name="documents"
    )
    product = models.ForeignKey(
        "registry.Product",
        verbose_name=_("product"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="documents",
        help_text=_("Leave empty for a document about the producer as a whole."),
    )
    kind = models.CharField(_("kind"), max_length=32, choices=DocumentKind.choices)
    title = models.CharField(_("title"), max_length=255)
    issuer = models.CharField(_("issued by"), max_length=255, blank=True)
    reference = models.CharField(_("number"), max_length=100, blank=True)
    issued_on = models.DateField(_("issue date"), null=True, blank=True)
    expires_on = models.DateField(_("expiry date"), null=True, blank=True)
    file = models.FileField(_("file"), upload_to=document_path, max_length=255)
    original_name = models.CharField(_("original name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveIntegerField(_("size (bytes)"))
    sha256 = models.CharField(max_length=64)
    replaces = models.ForeignKey(
        "self", verbose_name=_("replaces"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    archived = models.BooleanField(_("archived"), default=False)
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = ProducerScopedQuerySet.as_manager()

    class Meta:
        ordering = ["kind", "-issued_on", "-id"]
        indexes = [models.Index(fields=["producer", "kind"]), models.Index(fields=["expires_on"])]
        verbose_name = _("evidence document")
        verbose_name_plural = _("evidence library")

    def __str__(self) -> str:
        return self.title


# ----------------------------------------------------------------------------------------- rounds


class RoundKind(models.TextChoices):
    FIRST_HALF = "first_half", _("First round of the year")
    SECOND_HALF = "second_half", _("Second round of the year")
    EXTRA = "extra", _("Extra round")


class RoundStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


class RoundQuerySet(ScopedQuerySet):
    """The rounds a user manages, to read or to change: its province's, for a provincial officer (all of
    them for a superuser). Nobody else."""

    def scope(self, user, *, edit: bool) -> Q | None:
        if user.is_superuser:
            return Q()
        if user.role == Role.PROVINCE_OFFICER and user.province_id:
            return Q(province_id=user.province_id)
        return None


class Round(models.Model):
    """A provincial evaluation round (Art. 5): dossiers the communes send before `commune_cutoff` are
    decided before `decision_due` (30 Apr → 30 Jun, 30 Oct → 30 Dec for the two regular rounds)."""

    province = models.ForeignKey(
        "places.Province", verbose_name=_("province"), on_delete=models.PROTECT, related_name="+"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    kind = models.CharField(_("kind"), max_length=16, choices=RoundKind.choices)
    name = models.CharField(_("name"), max_length=200)
    commune_cutoff = models.DateField(_("communes send dossiers by"))
    decision_due = models.DateField(_("decision due by"))
    status = models.CharField(
        _("status"), max_length=8, choices=RoundStatus.choices, default=RoundStatus.OPEN
    )
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = RoundQuerySet.as_manager()

    class Meta:
        ordering = ["-year", "-commune_cutoff", "-id"]
        verbose_name = _("round")
        verbose_name_plural = _("rounds")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("evaluation:round_board", args=[self.pk])


# --------------------------------------------------------------------------------------- councils


def default_quorum() -> Decimal:
    return Decimal(str(settings.OCOP_COUNCIL_QUORUM))


def default_spread_limit() -> int:
    return settings.OCOP_SCORE_SPREAD_LIMIT


def default_sample_count() -> int:
    return settings.OCOP_SAMPLES_REQUIRED


class CouncilQuerySet(ScopedQuerySet):
    """Provincial officers: their province's councils (to read and to change). Council members: the
    councils they sit on (to read only)."""

    def scope(self, user, *, edit: bool) -> Q | None:
        if not is_active_user(user):
            return None
        if user.is_superuser:
            return Q()
        if user.role == Role.PROVINCE_OFFICER and user.province_id:
            return Q(round__province_id=user.province_id)
        if user.role == Role.COUNCIL_MEMBER and not edit:
            return Q(pk__in=CouncilMember.objects.filter(user=user).values("council_id"))
        return None


class Council(models.Model):
    """The provincial OCOP council of a round (the chair's establishing decision), its scoring rules
    (quorum and spread limit, settings by default) and its members."""

    round = models.ForeignKey(
        Round, verbose_name=_("round"), on_delete=models.PROTECT, related_name="councils"
    )
    name = models.CharField(_("name"), max_length=200)
    decision_number = models.CharField(_("establishing decision"), max_length=64, blank=True)
    quorum = models.DecimalField(
        _("quorum (share of members)"), max_digits=3, decimal_places=2, default=default_quorum
    )
    spread_limit = models.PositiveSmallIntegerField(
        _("largest allowed spread (points)"), default=default_spread_limit
    )
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = CouncilQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]
        verbose_name = _("council")
        verbose_name_plural = _("councils")

    def __str__(self) -> str:
        return self.name


class MemberRole(models.TextChoices):
    CHAIR = "chair", _("Chair")
    MEMBER = "member", _("Member")
    ADVISOR = "advisor", _("Advisory team")


class CouncilMember(models.Model):
    """A person on a council. The chair and members score; the advisory team checks dossiers and may
    visit producers but does not score. `conflicts` lists producers the member is linked to: the member
    cannot score their dossiers (and does not count toward their quorum)."""

    council = models.ForeignKey(Council, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="council_seats")
    role = models.CharField(_("role"), max_length=8, choices=MemberRole.choices, default=MemberRole.MEMBER)
    department = models.CharField(_("department"), max_length=200, blank=True)
    conflicts = models.ManyToManyField(
        "registry.Producer", verbose_name=_("linked producers"), blank=True, related_name="+"
    )
    conflict_note = models.CharField(_("conflict of interest"), max_length=300, blank=True)

    class Meta:
        ordering = ["council", "role", "id"]
        constraints = [
            models.UniqueConstraint(fields=["council", "user"], name="evaluation_member_once"),
            models.UniqueConstraint(
                fields=["council"], condition=Q(role="chair"), name="evaluation_one_chair"
            ),
        ]
        verbose_name = _("council member")
        verbose_name_plural = _("council members")

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_display()})"

    @property
    def scores(self) -> bool:
        return self.role in (MemberRole.CHAIR, MemberRole.MEMBER)


# -------------------------------------------------------------------------------------- decisions


class Decision(models.Model):
    """A decision recognising products (3★/4★ by the provincial chair, 5★ by the Minister). A provincial
    decision belongs to its province; the Minister's may list products of several provinces."""

    province = models.ForeignKey(
        "places.Province",
        verbose_name=_("province"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    round = models.ForeignKey(
        Round,
        verbose_name=_("round"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="decisions",
    )
    level = models.CharField(_("level"), max_length=10, choices=DecisionLevel.choices)
    number = models.CharField(_("decision number"), max_length=64)
    date = models.DateField(_("decision date"))
    signed_by = models.CharField(_("signed by"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-date", "-id"]
        constraints = [
            # Provinces number their decisions independently; the Ministry's numbers are its own.
            models.UniqueConstraint(
                fields=["province", "number"],
                condition=Q(level="province"),
                name="evaluation_province_decision",
            ),
            models.UniqueConstraint(
                fields=["number"], condition=Q(level="ministry"), name="evaluation_ministry_decision"
            ),
        ]
        verbose_name = _("decision")
        verbose_name_plural = _("decisions")

    def __str__(self) -> str:
        return f"{self.number} ({self.date:%d/%m/%Y})"


# ---------------------------------------------------------------------------------------- dossiers


class RequestType(models.TextChoices):
    FIRST = "first", _("First evaluation")
    UPGRADE = "upgrade", _("Upgrade")
    REEVALUATION = "reevaluation", _("Re-evaluation")


# A council member, and the Ministry, see a dossier only once it reached them.
COUNCIL_STATES = (
    DossierStatus.IN_COUNCIL,
    DossierStatus.RESCORING,
    DossierStatus.SCORED,
    DossierStatus.AT_MINISTRY,
    DossierStatus.CENTRAL_SCORED,
    DossierStatus.RECOGNISED,
    DossierStatus.NOT_RECOGNISED,
)
DECIDED_STATES = (DossierStatus.RECOGNISED, DossierStatus.NOT_RECOGNISED)


class DossierQuerySet(ScopedQuerySet):
    """Deny by default: the dossiers a user may read, as one query (`visible_to`), for pages, API and
    downloads alike.

    Producer: its own. Commune officer: its commune's. Provincial officer: its
    province's, once the commune sent them. Council member: those assigned
    to a council it sits on. Ministry: those forwarded to it, and every decided one.

    Who may change a dossier is asked of one stored row by the services (the workflow's table and
    `services.in_scope`), so there is no edit scope here: `editable_by` is empty."""

    def scope(self, user, *, edit: bool) -> Q | None:
        if edit or not is_active_user(user):
            return None
        if user.is_superuser:
            return Q()
        role = user.role
        if role == Role.PRODUCER and user.producer_id:
            return Q(producer_id=user.producer_id)
        if role == Role.COMMUNE_OFFICER and user.commune_id:
            # Drafts too: a commune officer may prepare a dossier on a producer's behalf.
            return Q(commune_id=user.commune_id)
        if role == Role.PROVINCE_OFFICER and user.province_id:
            # Once the commune sent it: a dossier the commune itself returned never reached the province.
            return Q(round__province_id=user.province_id, sent_to_province_at__isnull=False)
        if role == Role.COUNCIL_MEMBER:
            seats = CouncilMember.objects.filter(user=user).values("council_id")
            return Q(council_id__in=seats, status__in=COUNCIL_STATES)
        if role == Role.MINISTRY:
            # Forwarded dossiers, and every decided one: results are announced, the Ministry oversees them.
            return Q(forwarded_at__isnull=False) | Q(status__in=DECIDED_STATES)
        return None


class Dossier(models.Model):
    """A product's application in a round: Forms 01, 02 (parts I, II, IV as JSON, part III as the
    self-score) and 03, the attached evidence, and every step's result up to the decision.

    Submitting freezes it (receipt number, product code, the commune's 15-working-day deadline); only a
    return opens it again."""

    round = models.ForeignKey(
        Round, verbose_name=_("round"), on_delete=models.PROTECT, related_name="dossiers"
    )
    product = models.ForeignKey(
        "registry.Product", verbose_name=_("product"), on_delete=models.PROTECT, related_name="dossiers"
    )
    # Copied from the product when the dossier opens, so scope filters and the board need no join.
    producer = models.ForeignKey(
        "registry.Producer", verbose_name=_("producer"), on_delete=models.PROTECT, related_name="dossiers"
    )
    commune = models.ForeignKey(
        "places.Commune", verbose_name=_("commune"), on_delete=models.PROTECT, related_name="+"
    )
    sheet = models.ForeignKey(
        "criteria.Sheet", verbose_name=_("scoring sheet"), on_delete=models.PROTECT, related_name="+"
    )
    request_type = models.CharField(_("request type"), max_length=16, choices=RequestType.choices)
    status = models.CharField(
        _("status"), max_length=16, choices=DossierStatus.choices, default=DossierStatus.DRAFT, db_index=True
    )
    previous = models.ForeignKey(
        "self",
        verbose_name=_("copied from"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    # Forms (Annex III): Form 01 registration, Form 02 parts I, II and IV; part III is the self-score.
    form01 = models.JSONField(_("Form 01"), default=dict, blank=True)
    form02 = models.JSONField(_("Form 02"), default=dict, blank=True)
    self_answers = models.JSONField(_("self-assessment"), default=dict, blank=True)
    self_not_applicable = models.JSONField(default=list, blank=True)
    sample_count = models.PositiveSmallIntegerField(_("number of samples"), default=default_sample_count)

    # Filing.
    receipt_number = models.CharField(_("receipt number"), max_length=64, null=True, blank=True, unique=True)
    product_code = models.CharField(_("product code"), max_length=32, blank=True)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    received_on = models.DateField(_("received by the commune"), null=True, blank=True)
    commune_deadline = models.DateField(_("commune check due"), null=True, blank=True)
    returned_at = models.DateTimeField(_("returned"), null=True, blank=True)
    return_reason = models.TextField(_("reasons for return"), blank=True)

    # Commune review (Form 03) and the province's check.
    form03 = models.JSONField(_("Form 03"), default=dict, blank=True)
    sent_to_province_at = models.DateTimeField(_("sent to the province"), null=True, blank=True)
    checked_at = models.DateTimeField(_("checked by the advisory team"), null=True, blank=True)

    # Council.
    council = models.ForeignKey(
        Council,
        verbose_name=_("council"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="dossiers",
    )
    scoring_round = models.PositiveSmallIntegerField(_("scoring round"), default=1)
    closed_at = models.DateTimeField(_("scoring closed"), null=True, blank=True)
    points = models.DecimalField(_("points"), max_digits=5, decimal_places=2, null=True, blank=True)
    stars = models.PositiveSmallIntegerField(_("stars"), null=True, blank=True)
    result = models.JSONField(_("result"), default=dict, blank=True)

    # Ministry (5★ path).
    forwarded_at = models.DateTimeField(_("forwarded to the Ministry"), null=True, blank=True)
    central_points = models.DecimalField(
        _("central council points"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    central_stars = models.PositiveSmallIntegerField(_("central council stars"), null=True, blank=True)
    central_recorded_at = models.DateTimeField(null=True, blank=True)

    decision = models.ForeignKey(
        Decision,
        verbose_name=_("decision"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="dossiers",
    )

    created_at = models.DateTimeField(_("opened"), auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = DossierQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["round", "status"]),
            models.Index(fields=["commune", "status"]),
            models.Index(fields=["council", "status"]),
        ]
        constraints = [
            # One dossier in progress per product: a second one waits for the first to end.
            models.UniqueConstraint(
                fields=["product"],
                condition=~Q(status__in=DossierStatus.finished()),
                name="evaluation_one_open_dossier",
            )
        ]
        verbose_name = _("dossier")
        verbose_name_plural = _("dossiers")

    def __str__(self) -> str:
        return self.receipt_number or f"{self.product} ({self.get_request_type_display()})"

    def get_absolute_url(self) -> str:
        return reverse("evaluation:dossier_detail", args=[self.pk])


class DossierAttachment(models.Model):
    """A library document filed with a dossier under one checklist item (its `kind`)."""

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="attachments")
    document = models.ForeignKey(EvidenceDocument, on_delete=models.PROTECT, related_name="attachments")
    kind = models.CharField(_("checklist item"), max_length=32, choices=DocumentKind.choices)
    criterion = models.CharField(_("criterion"), max_length=20, blank=True)
    added_at = models.DateTimeField(auto_now_add=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["kind", "id"]
        constraints = [
            models.UniqueConstraint(fields=["dossier", "document", "kind"], name="evaluation_attachment_once")
        ]

    def __str__(self) -> str:
        return str(self.document)


class AdvisoryRecord(models.Model):
    """What the province's advisory team did on a dossier: a desk check, a field visit, extra lab tests."""

    class Kind(models.TextChoices):
        CHECK = "check", _("Dossier check")
        FIELD_VISIT = "field_visit", _("Field visit")
        LAB_TEST = "lab_test", _("Extra lab test")

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="advisory_records")
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    on = models.DateField(_("date"))
    findings = models.TextField(_("findings"))
    document = models.ForeignKey(
        EvidenceDocument,
        verbose_name=_("document"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["on", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.on:%d/%m/%Y}"


class MemberScore(models.Model):
    """One council member's sheet for one dossier in one scoring round. Kept for every round, so a
    re-scoring after discussion does not erase the first. `submitted_at` is None while a draft.

    `evidence` maps criterion code → ids of the dossier's attachments the member relied on."""

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="member_scores")
    member = models.ForeignKey(CouncilMember, on_delete=models.PROTECT, related_name="scores_given")
    scoring_round = models.PositiveSmallIntegerField(_("scoring round"), default=1)
    answers = models.JSONField(_("answers"), default=dict, blank=True)
    not_applicable = models.JSONField(default=list, blank=True)
    disqualifiers = models.JSONField(default=list, blank=True)
    evidence = models.JSONField(default=dict, blank=True)
    comments = models.JSONField(default=dict, blank=True)
    total = models.DecimalField(_("total"), max_digits=5, decimal_places=2, null=True, blank=True)
    stars = models.PositiveSmallIntegerField(_("stars"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["dossier", "scoring_round", "member"]
        constraints = [
            models.UniqueConstraint(
                fields=["dossier", "member", "scoring_round"], name="evaluation_one_score_per_round"
            )
        ]
        verbose_name = _("member score")
        verbose_name_plural = _("member scores")

    def __str__(self) -> str:
        return f"{self.dossier} — {self.member} ({self.scoring_round})"


# ------------------------------------------------------------------------------ self-assessment


class SelfAssessmentStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")


class SelfAssessment(models.Model):
    """A producer's self-score of one product on its scoring sheet (Form 02, Part III).

    ``answers`` maps criterion code → points of the chosen option (as the engine takes them);
    ``not_applicable`` lists conditional criteria whose condition does not hold. A producer does not
    tick disqualifiers, so ``disqualifiers`` stays empty here (kept for the council's later use).
    A product has at most one draft at a time."""

    product = models.ForeignKey(
        "registry.Product",
        verbose_name=_("product"),
        on_delete=models.CASCADE,
        related_name="self_assessments",
    )
    sheet = models.ForeignKey(
        "criteria.Sheet", verbose_name=_("scoring sheet"), on_delete=models.PROTECT, related_name="+"
    )
    answers = models.JSONField(_("answers"), default=dict, blank=True)
    not_applicable = models.JSONField(_("not applicable"), default=list, blank=True)
    disqualifiers = models.JSONField(_("disqualifiers"), default=list, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=SelfAssessmentStatus.choices, default=SelfAssessmentStatus.DRAFT
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    updated_by = models.ForeignKey(
        "accounts.User",
        verbose_name=_("updated by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["-updated_at", "-id"]
        verbose_name = _("self-assessment")
        verbose_name_plural = _("self-assessments")
        constraints = [
            models.UniqueConstraint(
                fields=["product"],
                condition=models.Q(status="draft"),
                name="evaluation_selfassessment_one_draft",
            )
        ]

    def __str__(self) -> str:
        return gettext("Self-assessment of %(product)s") % {"product": self.product}


def evidence_path(instance: SelfAssessmentEvidence, filename: str) -> str:
    """A name nobody can guess (the original name is kept in the row, never in the path)."""
    suffix = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"self-assessment/{instance.assessment.product_id}/{secrets.token_urlsafe(24)}.{suffix[:5]}"


class SelfAssessmentEvidence(models.Model):
    """A document (PDF or image) backing one criterion of a self-assessment; served only through a view
    that checks the product's permissions."""

    assessment = models.ForeignKey(
        SelfAssessment, verbose_name=_("self-assessment"), on_delete=models.CASCADE, related_name="evidence"
    )
    criterion = models.CharField(_("criterion"), max_length=20)
    file = models.FileField(_("file"), upload_to=evidence_path, max_length=255)
    original_name = models.CharField(_("original name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveIntegerField(_("size (bytes)"))
    uploaded_by = models.ForeignKey(
        "accounts.User",
        verbose_name=_("uploaded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        ordering = ["criterion", "uploaded_at", "id"]
        indexes = [models.Index(fields=["assessment", "criterion"])]
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")

    def __str__(self) -> str:
        return f"{self.criterion}: {self.original_name}"
