import pytest
from django.test import Client

from ocop.accounts.models import Role
from tests.factories import make_user

ROLES = [Role.PROVINCE_OFFICER, Role.COMMUNE_OFFICER, Role.COUNCIL_MEMBER, Role.PRODUCER, Role.MINISTRY]


@pytest.fixture(autouse=True)
def _settings(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # speed; Argon2 tested apart
    settings.AXES_ENABLED = False
    settings.LANGUAGE_CODE = "vi"


@pytest.fixture
def user_of():
    """user_of(role, **scope) → a saved user of that role."""
    return make_user


@pytest.fixture
def client_of(db):
    """client_of(user) → a test client signed in as that user."""

    def make(user):
        client = Client()
        client.force_login(user)
        return client

    return make
