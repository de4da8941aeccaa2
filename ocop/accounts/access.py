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
# Every role: pages about one's own account (change password, "My account").
EVERY_ROLE = tuple(Role.values)


# The one superuser rule: a superuser passes every permission check (`has_role` and the predicates
# built on it) but never *acts as* a role (`acts_as`), since a role also narrows what its holder sees
# and edits, and a superuser is narrowed by nothing.


def is_active_user(user) -> bool:
    """Signed in and not deactivated."""
    return bool(user and user.is_authenticated and user.is_active)


def has_role(user, *roles: str) -> bool:
    """May act with one of these roles (a superuser may act with every role)."""
    return is_active_user(user) and (user.is_superuser or user.role in roles)


def acts_as(user, role: str) -> bool:
    """The account holds exactly this role, with the limits that come with it (never a superuser)."""
    return is_active_user(user) and not user.is_superuser and user.role == role


def is_provincial_officer(user, province_id: str | None) -> bool:
    """The provincial OCOP office of this province (a superuser counts)."""
    return is_active_user(user) and (
        user.is_superuser
        or (
            province_id is not None
            and acts_as(user, Role.PROVINCE_OFFICER)
            and user.province_id == province_id
        )
    )


def is_ministry(user) -> bool:
    return has_role(user, Role.MINISTRY)


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
