"""Opening a dossier offers only the request types the product's state allows (one rule,
`services.dossiers.request_types_for`, used by the page and by the service), and a producer about to
submit after the round's cut-off is told the dossier falls into the next round."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from ocop.accounts.models import Role
from ocop.core.models import AuditEvent
from ocop.evaluation.models import Dossier, RequestType
from ocop.evaluation.services import dossiers as ds
from ocop.evaluation.views import dossiers as views
from ocop.evaluation.workflow import DossierStatus as S
from tests.evaluation.factories import RoundFactory, dossier_at
from tests.evaluation.test_dossiers import certificate
from tests.factories import ProductFactory, make_user

pytestmark = pytest.mark.django_db
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def page(client, product):
    return client.get(reverse("evaluation:dossier_open", args=[product.pk]), **EN)


def offered(response) -> list[str]:
    return [value for value, _label in response.context["form"].fields["request_type"].choices]


def refused(response) -> dict[str, str]:
    return {o.value: o.refused for o in response.context["refused"]}


def producer_client(client_of, product):
    return client_of(make_user(Role.PRODUCER, producer=product.producer))


def test_valid_certificate_is_not_offered_a_first_evaluation(client_of, monkeypatch):
    product = ProductFactory()
    expires = dt.date(2027, 6, 30)
    certificate(product, expires)
    monkeypatch.setattr(ds, "local_today", lambda: expires - dt.timedelta(days=150))  # window open
    response = page(producer_client(client_of, product), product)
    assert offered(response) == [RequestType.UPGRADE, RequestType.REEVALUATION]
    assert "in force until 30/06/2027" in refused(response)[RequestType.FIRST]
    assert "in force until 30/06/2027" in response.content.decode()


def test_no_certificate_is_offered_only_a_first_evaluation(client_of):
    product = ProductFactory()
    response = page(producer_client(client_of, product), product)
    assert offered(response) == [RequestType.FIRST]
    assert set(refused(response)) == {RequestType.UPGRADE, RequestType.REEVALUATION}
    assert "needs a valid OCOP certificate" in response.content.decode()


def test_five_star_product_is_not_offered_an_upgrade(client_of, monkeypatch):
    product = ProductFactory()
    expires = dt.date(2027, 6, 30)
    cert = certificate(product, expires)
    cert.stars = 5
    cert.save()
    monkeypatch.setattr(ds, "local_today", lambda: expires - dt.timedelta(days=150))
    response = page(producer_client(client_of, product), product)
    assert offered(response) == [RequestType.REEVALUATION]
    assert "highest rating" in refused(response)[RequestType.UPGRADE]


def test_reevaluation_outside_the_window_is_not_offered_and_says_when_it_opens(client_of, monkeypatch):
    product = ProductFactory()
    expires = dt.date(2027, 6, 30)
    certificate(product, expires)
    monkeypatch.setattr(ds, "local_today", lambda: expires - dt.timedelta(days=400))
    response = page(producer_client(client_of, product), product)
    assert offered(response) == [RequestType.UPGRADE]
    opens = (expires - dt.timedelta(days=180)).strftime("%d/%m/%Y")
    assert f"from {opens}" in refused(response)[RequestType.REEVALUATION]
    assert f"from {opens}" in response.content.decode()


def test_nothing_allowed_says_why_instead_of_an_empty_form(client_of, monkeypatch):
    product = ProductFactory()
    expires = dt.date(2027, 6, 30)
    cert = certificate(product, expires)
    cert.stars = 5
    cert.save()
    monkeypatch.setattr(ds, "local_today", lambda: expires - dt.timedelta(days=400))
    response = page(producer_client(client_of, product), product)
    body = response.content.decode()
    assert "No dossier can be opened for this product now" in body
    assert "Open the dossier" not in body
    assert len(refused(response)) == 3


@pytest.mark.parametrize("request_type", [RequestType.FIRST, RequestType.UPGRADE, RequestType.REEVALUATION])
def test_forged_post_of_a_refused_type_changes_nothing(client_of, monkeypatch, request_type):
    product = ProductFactory()
    expires = dt.date(2027, 6, 30)
    cert = certificate(product, expires)
    cert.stars = 5
    cert.save()
    monkeypatch.setattr(ds, "local_today", lambda: expires - dt.timedelta(days=400))
    client = producer_client(client_of, product)
    round_ = RoundFactory()
    events = AuditEvent.objects.count()
    url = reverse("evaluation:dossier_open", args=[product.pk])
    response = client.post(url, {"round": round_.pk, "request_type": request_type}, **EN)
    assert response.status_code == 200
    assert not Dossier.objects.exists() and AuditEvent.objects.count() == events
    reason = refused(response)[request_type]
    assert reason in response.context["form"].errors["request_type"]
    # The service refuses it with the same reason, whoever calls it.
    user = make_user(Role.PRODUCER, producer=product.producer)
    with pytest.raises(ValidationError) as exc:
        ds.open_dossier(user, product, round_, request_type)
    assert exc.value.messages == [reason]
    assert not Dossier.objects.exists()


def test_forged_first_evaluation_with_a_certificate_in_force_is_refused_with_the_reason(
    client_of, monkeypatch
):
    product = ProductFactory()
    expires = dt.date(2027, 6, 30)
    certificate(product, expires)
    monkeypatch.setattr(ds, "local_today", lambda: expires - dt.timedelta(days=150))
    client = producer_client(client_of, product)
    url = reverse("evaluation:dossier_open", args=[product.pk])
    response = client.post(url, {"round": RoundFactory().pk, "request_type": "first"}, **EN)
    assert response.status_code == 200 and not Dossier.objects.exists()
    assert (
        "a first evaluation is only for a product without a certificate in force" in response.content.decode()
    )


def test_producer_sees_the_round_cutoff_before_submitting(client_of, monkeypatch):
    dossier = dossier_at(S.DRAFT)
    client = producer_client(client_of, dossier.product)
    url = reverse("evaluation:dossier_detail", args=[dossier.pk])
    cutoff = dossier.round.commune_cutoff
    monkeypatch.setattr(views, "local_today", lambda: cutoff)
    assert 'data-testid="past-cutoff"' not in client.get(url, **EN).content.decode()
    monkeypatch.setattr(views, "local_today", lambda: cutoff + dt.timedelta(days=1))
    body = client.get(url, **EN).content.decode()
    assert 'data-testid="past-cutoff"' in body
    assert f"{dossier.round.name} takes dossiers the communes send by {cutoff:%d/%m/%Y}" in body
    assert "next round" in body
