import pytest
from django.test import Client

from tests.factories import UserFactory


@pytest.mark.django_db
def test_staff_can_read_self_assessments_and_criteria_sets_in_the_admin():
    admin = UserFactory(is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(admin)
    for url in (
        "/admin/evaluation/selfassessment/",
        "/admin/criteria/criteriaset/",
        "/admin/criteria/criteriaset/qd26-2026/change/",
    ):
        assert client.get(url).status_code == 200, url
    assert client.get("/admin/evaluation/selfassessment/add/").status_code == 403
