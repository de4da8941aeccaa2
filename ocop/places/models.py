from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Province(models.Model):
    """A province or centrally-run city, with its code under Decision 19/2025/QĐ-TTg."""

    code = models.CharField(_("code"), max_length=2, primary_key=True)
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        verbose_name = _("province")
        verbose_name_plural = _("provinces")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Commune(models.Model):
    """A commune (xã), ward (phường) or special zone (đặc khu) after the 1 July 2025 reform."""

    class Kind(models.TextChoices):
        XA = "xa", pgettext_lazy("kind of commune", "Commune")
        PHUONG = "phuong", pgettext_lazy("kind of commune", "Ward")
        DAC_KHU = "dac_khu", pgettext_lazy("kind of commune", "Special zone")

    code = models.CharField(_("code"), max_length=5, primary_key=True)
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    province = models.ForeignKey(
        Province, verbose_name=_("province"), on_delete=models.PROTECT, related_name="communes"
    )

    class Meta:
        verbose_name = _("commune")
        verbose_name_plural = _("communes")
        ordering = ["province_id", "name"]

    def __str__(self) -> str:
        return self.name
