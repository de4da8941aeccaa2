"""Who may use a page: every view names its roles with `role_required`; anyone else gets 403
(or the sign-in page when anonymous). Superusers pass every check."""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied

from .models import Role

OFFICERS = (Role.PROVINCE_OFFICER, Role.COMMUNE_OFFICER)
REGISTRY_READERS = (
    Role.PROVINCE_OFFICER,
    Role.COMMUNE_OFFICER,
    Role.COUNCIL_MEMBER,
    Role.PRODUCER,
    Role.MINISTRY,
)
REGISTRY_EDITORS = (Role.PROVINCE_OFFICER, Role.COMMUNE_OFFICER, Role.PRODUCER)


def has_role(user, *roles: str) -> bool:
    if not (user.is_authenticated and user.is_active):
        return False
    return user.is_superuser or user.role in roles


def role_required(*roles: str):
    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not has_role(request.user, *roles):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        wrapped.allowed_roles = roles
        return wrapped

    return decorator
