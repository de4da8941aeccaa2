from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SiteConfig(AppConfig):
    """The roof: the home page, the menu, the URL root and the API root mounting every app's router.
    Nothing imports it."""

    name = "ocop.site"
    label = "site"
    verbose_name = _("Site")
