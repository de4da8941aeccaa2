"""Officers deactivate accounts (never delete them): within their province only, with a reason on the
audit record; a deactivated holder can no longer sign in."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse

from ocop.accounts import services
from ocop.accounts.models import Role, User
from ocop.core.models import AuditEvent
from ocop.places.models import Commune
from tests.factories import ProducerFactory, commune, make_user


def elsewhere_commune(than: Commune) -> Commune:
    return Commune.objects.exclude(province_id=than.province_id).order_by("code").first()


pytestmark = pytest.mark.django_db
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def test_a_provincial_officer_looks_after_the_accounts_of_its_province_only():
    here = commune()
    officer = make_user(Role.PROVINCE_OFFICER, province_id=here.province_id)
    clerk = make_user(Role.COMMUNE_OFFICER, commune=here)
    producer = make_user(Role.PRODUCER, producer=ProducerFactory(commune=here))
    member = make_user(Role.COUNCIL_MEMBER, province_id=here.province_id)
    elsewhere = make_user(Role.COMMUNE_OFFICER, commune=elsewhere_commune(here))
    ministry = make_user(Role.MINISTRY)
    seen = set(services.manageable_by(officer))
    assert {clerk, producer, member} <= seen
    assert not {officer, elsewhere, ministry} & seen
    assert not services.manageable_by(clerk).exists()  # a commune officer manages no account


def test_deactivation_needs_a_reason_is_audited_and_stops_the_sign_in(settings):
    here = commune()
    officer = make_user(Role.PROVINCE_OFFICER, province_id=here.province_id)
    clerk = make_user(Role.COMMUNE_OFFICER, commune=here, username="can.bo.xa")
    clerk.set_password("mật-khẩu-dài-123")
    clerk.save()
    with pytest.raises(ValidationError):
        services.set_active(officer, clerk, False, reason=" ")
    assert User.objects.get(pk=clerk.pk).is_active
    services.set_active(officer, clerk, False, reason="Chuyển công tác")
    assert not User.objects.get(pk=clerk.pk).is_active
    event = AuditEvent.objects.get(verb="account.deactivate", object_id=str(clerk.pk))
    assert event.note == "Chuyển công tác" and event.changes == {"is_active": [True, False]}
    assert not Client().login(username="can.bo.xa", password="mật-khẩu-dài-123")
    services.set_active(officer, clerk, True, reason="Trở lại")
    assert User.objects.get(pk=clerk.pk).is_active


def test_an_officer_of_another_province_is_refused_and_nothing_changes():
    here = commune()
    clerk = make_user(Role.COMMUNE_OFFICER, commune=here)
    stranger = make_user(Role.PROVINCE_OFFICER, province_id=elsewhere_commune(here).province_id)
    with pytest.raises(PermissionDenied):
        services.set_active(stranger, clerk, False, reason="x")
    assert User.objects.get(pk=clerk.pk).is_active and not AuditEvent.objects.filter(
        verb__startswith="account."
    )


def test_the_pages_ask_first_and_deny_the_others(client_of):
    here = commune()
    officer = make_user(Role.PROVINCE_OFFICER, province_id=here.province_id)
    clerk = make_user(Role.COMMUNE_OFFICER, commune=here, full_name="Nguyễn Thị Xã")
    client = client_of(officer)
    listing = client.get(reverse("accounts:people"), **EN)
    assert listing.status_code == 200 and "Nguyễn Thị Xã" in listing.content.decode()
    page = client.get(reverse("accounts:person", args=[clerk.pk]), **EN).content.decode()
    assert "Deactivate this account" in page and "stay on record" in page
    assert User.objects.get(pk=clerk.pk).is_active  # opening the page changes nothing
    response = client.post(reverse("accounts:person", args=[clerk.pk]), {"reason": "Nghỉ hưu"}, **EN)
    assert response.status_code == 302 and not User.objects.get(pk=clerk.pk).is_active
    for role in (Role.COMMUNE_OFFICER, Role.PRODUCER, Role.COUNCIL_MEMBER, Role.MINISTRY):
        other = client_of(make_user(role))
        assert other.get(reverse("accounts:people")).status_code == 403
        assert other.post(reverse("accounts:person", args=[clerk.pk]), {"reason": "x"}).status_code == 403
    assert Client().get(reverse("accounts:people")).status_code == 302
    stranger = make_user(Role.PROVINCE_OFFICER, province_id=elsewhere_commune(here).province_id)
    assert client_of(stranger).get(reverse("accounts:person", args=[clerk.pk])).status_code == 404


def test_the_accounts_page_speaks_vietnamese(client_of):
    here = commune()
    officer = make_user(Role.PROVINCE_OFFICER, province_id=here.province_id)
    clerk = make_user(Role.COMMUNE_OFFICER, commune=here)
    page = client_of(officer).get(reverse("accounts:person", args=[clerk.pk]), HTTP_ACCEPT_LANGUAGE="vi")
    assert "Ngừng kích hoạt tài khoản này" in page.content.decode()
