from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from ocop.accounts.models import Role
from ocop.core.querysets import ScopedQuerySet
from ocop.core.text import fold
from ocop.criteria.classification import CURRENT_SET, product_sets


class ProducerType(models.TextChoices):
    COOPERATIVE = "cooperative", _("Cooperative")
    COOPERATIVE_GROUP = "cooperative_group", _("Cooperative group")
    ENTERPRISE = "enterprise", _("Enterprise")
    FARM = "farm", _("Farm")
    HOUSEHOLD = "household", _("Household business")


class Gender(models.TextChoices):
    FEMALE = "female", _("Female")
    MALE = "male", _("Male")
    OTHER = "other", _("Other")


def scope_filter(user, prefix: str = "", edit: bool = False) -> Q | None:
    """Deny by default: the rows of producers (or, with a prefix, of objects pointing at producers) that
    a user may read — or edit when `edit` — as one query filter; None means nothing at all."""
    if not user.is_authenticated or not user.is_active:
        return None
    if user.is_superuser:
        return Q()
    role = user.role
    if edit and role not in (Role.PROVINCE_OFFICER, Role.COMMUNE_OFFICER, Role.PRODUCER):
        return None
    if role == Role.MINISTRY:
        return Q()
    # A machine client (e.g. a marketplace or the national database) reads the province it is given.
    if role == Role.INTEGRATOR:
        return Q(**{f"{prefix}commune__province_id": user.province_id}) if user.province_id else None
    if role in (Role.PROVINCE_OFFICER, Role.COUNCIL_MEMBER) and user.province_id:
        return Q(**{f"{prefix}commune__province_id": user.province_id})
    if role == Role.COMMUNE_OFFICER and user.commune_id:
        return Q(**{f"{prefix}commune_id": user.commune_id})
    if role == Role.PRODUCER and user.producer_id:
        return Q(**{f"{prefix}pk" if not prefix else f"{prefix[:-2]}_id": user.producer_id})
    return None


class ProducerScopedQuerySet(ScopedQuerySet):
    """Producers, or rows pointing at a producer through `producer_path`, scoped by `scope_filter`."""

    producer_path = "producer__"

    def scope(self, user, *, edit: bool) -> Q | None:
        return scope_filter(user, prefix=self.producer_path, edit=edit)


class ProducerQuerySet(ProducerScopedQuerySet):
    producer_path = ""


class Producer(models.Model):
    """A producer: cooperative, cooperative group, enterprise, farm or household business (Form 02 part I)."""

    name = models.CharField(_("legal name"), max_length=255)
    producer_type = models.CharField(_("type"), max_length=24, choices=ProducerType.choices)
    tax_code = models.CharField(
        _("tax code"),
        max_length=20,
        unique=True,
        help_text=_(
            "10 digits, 13 for a branch (0100109106-001); a household business may use its owner's "
            "12-digit personal identification number."
        ),
    )
    commune = models.ForeignKey(
        "places.Commune", verbose_name=_("commune"), on_delete=models.PROTECT, related_name="producers"
    )
    address = models.CharField(_("address"), max_length=255, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    website = models.URLField(_("website"), blank=True)
    founded_on = models.DateField(_("founding date"), null=True, blank=True)

    representative_name = models.CharField(_("legal representative"), max_length=150)
    representative_position = models.CharField(_("position"), max_length=100, blank=True)
    representative_gender = models.CharField(_("gender"), max_length=8, choices=Gender.choices, blank=True)
    representative_ethnicity = models.CharField(_("ethnicity"), max_length=50, blank=True)
    representative_birth_year = models.PositiveSmallIntegerField(
        _("year of birth"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1900), MaxValueValidator(2020)],
    )
    representative_has_disability = models.BooleanField(_("person with a disability"), default=False)

    staff_total = models.PositiveIntegerField(_("workers"), default=0)
    staff_female = models.PositiveIntegerField(_("of whom women"), default=0)
    staff_local = models.PositiveIntegerField(_("of whom local"), default=0)
    staff_ethnic_minority = models.PositiveIntegerField(_("of whom ethnic minority"), default=0)

    search_key = models.CharField(max_length=600, editable=False, db_index=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ProducerQuerySet.as_manager()

    class Meta:
        verbose_name = _("producer")
        verbose_name_plural = _("producers")
        ordering = ["name", "id"]
        indexes = [models.Index(fields=["commune", "name"]), models.Index(fields=["producer_type"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(staff_female__lte=models.F("staff_total")), name="producer_female_le_total"
            ),
            models.CheckConstraint(
                condition=Q(staff_local__lte=models.F("staff_total")), name="producer_local_le_total"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        self.search_key = self.build_search_key()
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("registry:producer_detail", args=[self.pk])

    def build_search_key(self) -> str:
        """The accent-folded text the list search matches; bulk writes, which skip save(), call it too."""
        return fold(f"{self.name} {self.tax_code} {self.representative_name}")

    @property
    def uses_modern_channel(self) -> bool:
        return any(c.is_modern for c in self.sales_channels.all())


class SalesChannel(models.Model):
    """A way the producer sells; supermarkets, convenience stores and e-commerce count as modern channels."""

    class Kind(models.TextChoices):
        TRADITIONAL = "traditional", _("Traditional market / shop")
        SUPERMARKET = "supermarket", _("Supermarket")
        CONVENIENCE = "convenience", _("Convenience store")
        ECOMMERCE = "ecommerce", _("E-commerce platform")
        EXPORT = "export", _("Export")

    MODERN = {Kind.SUPERMARKET, Kind.CONVENIENCE, Kind.ECOMMERCE}

    producer = models.ForeignKey(Producer, on_delete=models.CASCADE, related_name="sales_channels")
    kind = models.CharField(_("channel"), max_length=16, choices=Kind.choices)
    name = models.CharField(
        _("name"), max_length=150, blank=True, help_text=_("e.g. Shopee, Co.opmart, Bách Hóa Xanh")
    )
    url = models.URLField(_("link"), blank=True)
    evidence_date = models.DateField(
        _("evidence date"),
        null=True,
        blank=True,
        help_text=_("Date of the contract, invoice or listing that proves it."),
    )

    class Meta:
        verbose_name = _("sales channel")
        verbose_name_plural = _("sales channels")
        ordering = ["kind", "name"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.name}" if self.name else self.get_kind_display()

    @property
    def is_modern(self) -> bool:
        return self.kind in self.MODERN


class ProductStatus(models.TextChoices):
    IDEA = "idea", _("Idea")
    IN_EVALUATION = "in_evaluation", _("In evaluation")
    RATED = "rated", _("Rated")
    EXPIRED = "expired", _("Expired")
    REVOKED = "revoked", _("Revoked")


def product_set_choices():
    return [(ps.code, f"{ps.code} — {ps.name_vi}") for ps in product_sets(CURRENT_SET).values()]


class Product(models.Model):
    producer = models.ForeignKey(
        Producer, verbose_name=_("producer"), on_delete=models.PROTECT, related_name="products"
    )
    name_vi = models.CharField(_("name (Vietnamese)"), max_length=255)
    name_en = models.CharField(_("name (English)"), max_length=255, blank=True)
    criteria_set = models.CharField(_("criteria set"), max_length=32, default=CURRENT_SET)
    product_set = models.CharField(
        _("product set"),
        max_length=10,
        choices=product_set_choices,
        help_text=_("Group / sub-group / set of Annex I; it decides the scoring sheet."),
    )
    description_vi = models.TextField(_("description (Vietnamese)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    story_vi = models.TextField(_("product story (Vietnamese)"), blank=True)
    story_en = models.TextField(_("product story (English)"), blank=True)
    packaging = models.CharField(_("packaging"), max_length=255, blank=True)
    net_quantity = models.CharField(
        _("net quantity"), max_length=64, blank=True, help_text=_("e.g. 500 g, 750 ml")
    )
    label_details = models.TextField(_("label details"), blank=True)
    gtin = models.CharField(
        _("GTIN"), max_length=14, blank=True, help_text=_("8, 12, 13 or 14 digits; stored as GTIN-14.")
    )
    ocop_code = models.CharField(
        _("OCOP product code"), max_length=32, blank=True, db_index=True, editable=False
    )
    shelf_life_days = models.PositiveIntegerField(_("shelf life (days)"), null=True, blank=True)
    stars = models.PositiveSmallIntegerField(
        _("stars"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
        help_text=_("The current rating; changed only by recording a rating."),
    )
    status = models.CharField(
        _("status"), max_length=16, choices=ProductStatus.choices, default=ProductStatus.IDEA
    )
    search_key = models.CharField(max_length=600, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ProducerScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("products")
        ordering = ["name_vi", "id"]
        indexes = [
            models.Index(fields=["producer", "name_vi"]),
            # The list's default order: lets PostgreSQL read the first page off the index.
            models.Index(fields=["name_vi", "id"], name="product_name_order"),
            models.Index(fields=["stars", "status"]),
            models.Index(fields=["product_set"]),
        ]
        constraints = [
            models.UniqueConstraint(fields=["gtin"], condition=~Q(gtin=""), name="product_gtin_unique"),
            models.CheckConstraint(
                condition=Q(stars__isnull=True) | Q(stars__gte=1, stars__lte=5), name="product_stars_1_5"
            ),
        ]

    def __str__(self) -> str:
        return self.name_vi

    def save(self, *args, **kwargs):
        self.search_key = self.build_search_key()
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("registry:product_detail", args=[self.pk])

    def build_search_key(self) -> str:
        """The accent-folded text the list search matches; bulk writes, which skip save(), call it too."""
        return fold(f"{self.name_vi} {self.name_en} {self.gtin}")

    @property
    def classification(self):
        return product_sets(self.criteria_set).get(self.product_set)

    @property
    def sheet(self) -> int | None:
        return self.classification.sheet if self.classification else None

    def display_name(self, language: str) -> str:
        return self.name_en if language.startswith("en") and self.name_en else self.name_vi


def photo_path(instance: ProductPhoto, filename: str) -> str:
    return f"products/{instance.product_id}/{filename}"


class ProductPhoto(models.Model):
    """A product photo, re-encoded on upload (see ocop.registry.images) with its thumbnail."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="photos")
    image = models.ImageField(upload_to=photo_path, width_field="width", height_field="height")
    thumbnail = models.ImageField(upload_to=photo_path)
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    caption = models.CharField(_("caption"), max_length=200, blank=True)
    position = models.PositiveSmallIntegerField(default=0)
    uploaded_at = models.DateTimeField(auto_now_add=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("photo")
        verbose_name_plural = _("photos")
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.caption or f"{self.product} #{self.pk}"


class StarRating(models.Model):
    """A star rating a product received: from a decision recorded by an officer, an import, or (later)
    the evaluation process. The product's `stars` is the newest valid one."""

    class Source(models.TextChoices):
        MANUAL = "manual", _("Entered by an officer")
        IMPORT = "import", _("Imported")
        EVALUATION = "evaluation", _("Evaluation")

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="ratings")
    stars = models.PositiveSmallIntegerField(
        _("stars"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    points = models.DecimalField(_("points"), max_digits=5, decimal_places=2, null=True, blank=True)
    criteria_set = models.CharField(_("criteria set"), max_length=32, default=CURRENT_SET)
    decision_number = models.CharField(_("decision number"), max_length=64)
    decision_date = models.DateField(_("decision date"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=16, choices=Source.choices, default=Source.MANUAL)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("star rating")
        verbose_name_plural = _("star ratings")
        ordering = ["-decision_date", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(stars__gte=1, stars__lte=5), name="rating_stars_1_5"),
        ]

    def __str__(self) -> str:
        return f"{self.product} — {self.stars}★ ({self.decision_number})"


class ImportJobQuerySet(ScopedQuerySet):
    """An import job is its uploader's (a superuser sees all of them), to read and to confirm."""

    def scope(self, user, *, edit: bool) -> Q | None:
        if not (user.is_authenticated and user.is_active):
            return None
        return Q() if user.is_superuser else Q(created_by=user)


class ImportJob(models.Model):
    """A spreadsheet import: checked in full first (dry run), then written all-or-nothing by the worker.

    The page polls `processed_rows / total_rows` to show progress.
    """

    class Kind(models.TextChoices):
        PRODUCERS = "producers", _("Producers")
        PRODUCTS = "products", _("Products")

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        CHECKING = "checking", _("Checking")
        CHECKED = "checked", _("Checked — ready to import")
        INVALID = "invalid", _("Has errors")
        IMPORTING = "importing", _("Importing")
        DONE = "done", _("Imported")
        FAILED = "failed", _("Failed")

    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PENDING)
    file = models.FileField(upload_to="imports/%Y/%m/")
    original_name = models.CharField(_("file"), max_length=255)
    total_rows = models.PositiveIntegerField(default=0)
    processed_rows = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(default=0)
    updated_count = models.PositiveIntegerField(default=0)
    unchanged_count = models.PositiveIntegerField(default=0)
    error_count = models.PositiveIntegerField(default=0)  # all errors found; `errors` may list fewer
    errors = models.JSONField(default=list, blank=True)
    message = models.TextField(blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)  # last sign of life of the running task
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = ImportJobQuerySet.as_manager()

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} — {self.original_name}"

    @property
    def percent(self) -> int:
        return int(100 * self.processed_rows / self.total_rows) if self.total_rows else 0
