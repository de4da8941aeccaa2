import hashlib
import secrets

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    PROVINCE_OFFICER = "province_officer", _("Provincial OCOP officer")
    COMMUNE_OFFICER = "commune_officer", _("Commune officer")
    COUNCIL_MEMBER = "council_member", _("Council member")
    PRODUCER = "producer", _("Producer")
    MINISTRY = "ministry", _("Ministry officer")
    INTEGRATOR = "integrator", _("Machine client")


class User(AbstractUser):
    """A person (or machine client) and the place or producer their work is scoped to.

    A provincial officer and a council member work within `province`; a commune officer within
    `commune`; a producer within `producer`. Ministry officers see the whole country, read-only.
    """

    role = models.CharField(_("role"), max_length=32, choices=Role.choices, blank=True)
    full_name = models.CharField(_("full name"), max_length=150, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    province = models.ForeignKey(
        "places.Province",
        verbose_name=_("province"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    commune = models.ForeignKey(
        "places.Commune",
        verbose_name=_("commune"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    producer = models.ForeignKey(
        "registry.Producer",
        verbose_name=_("producer"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="users",
    )

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.full_name or self.username

    def clean(self):
        super().clean()
        needs = {
            Role.PROVINCE_OFFICER: "province",
            Role.COUNCIL_MEMBER: "province",
            Role.COMMUNE_OFFICER: "commune",
            Role.PRODUCER: "producer",
        }
        field = needs.get(self.role)
        if field and not getattr(self, f"{field}_id"):
            raise ValidationError({field: _("This role needs this field.")})

    def save(self, *args, **kwargs):
        # A commune officer's province follows the commune, so province filters need no join.
        if self.commune_id and not self.province_id:
            self.province_id = self.commune.province_id
        super().save(*args, **kwargs)


class ApiToken(models.Model):
    """A bearer token for machine clients. Only its SHA-256 is stored; the token is shown once."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100, blank=True)
    key_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=8)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"

    @staticmethod
    def hash(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()

    @classmethod
    def issue(cls, user: User, name: str = "") -> tuple["ApiToken", str]:
        # Hex, so that the prefix shown in lists and given to `ocop_token --revoke` never starts with "-".
        key = "ocop_" + secrets.token_hex(32)
        token = cls.objects.create(user=user, name=name, key_hash=cls.hash(key), prefix=key[5:13])
        return token, key
