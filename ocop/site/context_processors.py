from django.conf import settings

from ocop.registry.exports import can_export
from ocop.registry.imports.upload import can_import


def site(request):
    """What every page needs: the language list for the header switch and the menu's role flags."""
    return {
        "LANGUAGES": settings.LANGUAGES,
        "can_import": can_import(request.user),
        "can_export": can_export(request.user),
    }
