from django.conf import settings

from ocop.accounts.access import has_role
from ocop.accounts.models import Role


def site(request):
    """What every page needs: the language list for the header switch and the menu's role flags."""
    return {
        "LANGUAGES": settings.LANGUAGES,
        "can_import": has_role(request.user, Role.PROVINCE_OFFICER),
    }
