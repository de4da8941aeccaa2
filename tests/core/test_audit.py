"""The audit log: snapshots of plain values, old → new diffs, newest-first history."""

import datetime
from decimal import Decimal

import pytest
from django.utils import translation

from ocop.accounts.models import Role
from ocop.core import audit
from ocop.core.models import AuditEvent
from ocop.registry.models import StarRating
from tests.factories import ProducerFactory, ProductFactory, make_user

pytestmark = pytest.mark.django_db


def test_snapshot_uses_display_values_and_plain_types():
    producer = ProducerFactory(producer_type="household", founded_on=datetime.date(2010, 5, 1))
    with translation.override("vi"):
        snap = audit.snapshot(producer)
    assert snap["producer_type"] == "Hộ kinh doanh"  # the choice's label, as the history shows it
    assert snap["commune"] == producer.commune.name  # foreign keys by their text
    assert snap["founded_on"] == "2010-05-01"
    assert "id" not in snap and "created_at" not in snap and "updated_at" not in snap
    rating = StarRating(
        product=ProductFactory(),
        stars=4,
        points=Decimal("71.25"),
        decision_number="1",
        decision_date=datetime.date(2025, 1, 2),
    )
    assert audit.snapshot(rating, ["points", "decision_date"]) == {
        "points": "71.25",
        "decision_date": "2025-01-02",
    }


def test_diff_lists_only_changed_fields_both_ways():
    assert audit.diff({"a": 1, "b": 2}, {"a": 1, "b": 3}) == {"b": [2, 3]}
    assert audit.diff({}, {"a": 1}) == {"a": [None, 1]}
    assert audit.diff({"a": 1}, {}) == {"a": [1, None]}
    assert audit.diff({"a": 1}, {"a": 1}) == {}


def test_record_and_history_newest_first():
    product = ProductFactory()
    officer = make_user(Role.PROVINCE_OFFICER)
    first = audit.record(officer, product, AuditEvent.Action.CREATE, {"name_vi": [None, "A"]})
    second = audit.record(officer, product, AuditEvent.Action.UPDATE, {"name_vi": ["A", "B"]}, note="x" * 400)
    audit.record(officer, ProductFactory(), AuditEvent.Action.UPDATE)  # another object's event
    events = list(audit.history(product))
    assert events == [second, first]
    assert second.actor == officer and len(second.note) == 300
    assert second.object_repr == product.name_vi


def test_anonymous_actor_is_stored_as_nobody():
    from django.contrib.auth.models import AnonymousUser

    event = audit.record(AnonymousUser(), ProductFactory(), AuditEvent.Action.IMPORT)
    assert event.actor is None


def test_update_is_one_audited_change_with_its_business_verb():
    product = ProductFactory(name_vi="Bánh tráng")
    assert audit.update(None, product, "product.rename", {"name_vi": "Bánh tráng"}) is None
    assert not AuditEvent.objects.filter(verb="product.rename").exists()
    event = audit.update(None, product, "product.rename", {"name_vi": "Bánh tráng phơi sương"}, note="n")
    assert (event.verb, event.action, event.note) == ("product.rename", AuditEvent.Action.UPDATE, "n")
    assert event.changes == {"name_vi": ["Bánh tráng", "Bánh tráng phơi sương"]}
    product.refresh_from_db()
    assert product.name_vi == "Bánh tráng phơi sương"
