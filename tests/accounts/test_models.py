"""The user model: each role's scope field, and the commune officer's province."""

import pytest
from django.core.exceptions import ValidationError

from ocop.accounts.models import Role, User
from tests.factories import ProducerFactory, commune

pytestmark = pytest.mark.django_db

SCOPE_OF_ROLE = {
    Role.PROVINCE_OFFICER: "province",
    Role.COUNCIL_MEMBER: "province",
    Role.COMMUNE_OFFICER: "commune",
    Role.PRODUCER: "producer",
}


def scope_kwargs(field):
    if field == "province":
        return {"province_id": "80"}
    if field == "commune":
        return {"commune": commune()}
    return {"producer": ProducerFactory()}


@pytest.mark.parametrize("role, field", SCOPE_OF_ROLE.items())
def test_clean_requires_the_scope_field_of_the_role(role, field):
    user = User(username="u1", role=role)
    with pytest.raises(ValidationError) as error:
        user.clean()
    assert list(error.value.message_dict) == [field]


@pytest.mark.parametrize("role, field", SCOPE_OF_ROLE.items())
def test_clean_accepts_the_role_with_its_scope(role, field):
    user = User(username="u1", role=role, **scope_kwargs(field))
    user.clean()  # no error


@pytest.mark.parametrize("role", [Role.MINISTRY, Role.INTEGRATOR, ""])
def test_roles_without_a_scope_need_none(role):
    User(username="u1", role=role).clean()


def test_a_commune_does_not_stand_in_for_a_producer_producer():
    user = User(username="u1", role=Role.PRODUCER, commune=commune())
    with pytest.raises(ValidationError) as error:
        user.clean()
    assert "producer" in error.value.message_dict


def test_full_clean_reports_the_missing_scope():
    user = User(username="u1", role=Role.COMMUNE_OFFICER)
    user.set_unusable_password()
    with pytest.raises(ValidationError) as error:
        user.full_clean()
    assert "commune" in error.value.message_dict


def test_commune_officer_province_follows_the_commune():
    place = commune()
    user = User.objects.create(username="xa1", role=Role.COMMUNE_OFFICER, commune=place)
    user.refresh_from_db()
    assert user.province_id == place.province_id == "80"


def test_str_prefers_the_full_name():
    assert str(User(username="u1", full_name="Phạm Văn Hùng")) == "Phạm Văn Hùng"
    assert str(User(username="u1")) == "u1"
