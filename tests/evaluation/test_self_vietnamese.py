"""The self-assessment speaks Vietnamese by default: refusals are explained in Vietnamese."""

import pytest
from django.utils import translation

from ocop.evaluation.models import SelfAssessment
from tests.evaluation.test_self_assessment import page, producer_of, product  # noqa: F401 (fixture)


@pytest.mark.django_db
def test_forged_value_refused_in_vietnamese(client_of, product):  # noqa: F811
    client = client_of(producer_of(product))
    response = client.post(page(product), {"c-1.1": "7"})
    assert response.status_code == 400
    body = response.content.decode()
    with translation.override("vi"):
        assert (
            translation.gettext("Nothing was saved: the form holds values the sheet does not allow.") in body
        )
    assert "Chưa lưu gì" in body
    assert not SelfAssessment.objects.exists()
