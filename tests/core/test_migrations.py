"""The migrations that moved and renamed models keep every row: a database in the state before them
(Entity in the registry, SelfAssessment in criteria, Counter in evaluation, ImportJob in core) is
filled through the historical models, then migrated forward and read through today's models."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from ocop.core.models import AuditEvent, Counter
from ocop.evaluation.models import SelfAssessment
from ocop.registry.models import ImportJob, Producer, Product

# Each app at its last migration before the moves and the rename.
BEFORE = [
    ("accounts", "0002_initial"),
    ("certificates", "0002_initial"),
    ("core", "0004_alter_auditevent_action"),
    ("criteria", "0003_self_assessment"),
    ("evaluation", "0001_initial"),
    ("registry", "0003_product_ocop_code"),
    ("trace", "0001_initial"),
]


@pytest.mark.django_db(transaction=True)
def test_moves_and_the_producer_rename_keep_every_row_and_its_audit_trail():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    commune = old.get_model("places", "Commune").objects.order_by("code").first()
    entity = old.get_model("registry", "Entity").objects.create(
        name="Hợp tác xã Bánh tráng Trảng Bàng",
        entity_type="cooperative",
        tax_code="3900244389",
        commune=commune,
    )
    product = old.get_model("registry", "Product").objects.create(
        name_vi="Bánh tráng phơi sương", product_set="I.1.a", search_key="banh trang", entity=entity
    )
    user = old.get_model("accounts", "User").objects.create(
        username="chu.hop.tac.xa", role="producer", entity=entity
    )
    old.get_model("evaluation", "Counter").objects.create(key="receipt:80:2026", value=7)
    sheet = old.get_model("criteria", "Sheet").objects.order_by("pk").first()
    assessment = old.get_model("criteria", "SelfAssessment").objects.create(
        product=product, sheet=sheet, answers={"1.1": 2}
    )
    old.get_model("core", "ImportJob").objects.create(
        kind="products", original_name="sp.xlsx", created_by=user
    )
    content_type = old.get_model("contenttypes", "ContentType").objects.get_or_create(
        app_label="criteria", model="selfassessment"
    )[0]
    old.get_model("core", "AuditEvent").objects.create(
        action="update", content_type=content_type, object_id=str(assessment.pk), object_repr="x", changes={}
    )

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    producer = Producer.objects.get(tax_code="3900244389")
    assert (producer.name, producer.producer_type, producer.commune_id) == (
        entity.name,
        "cooperative",
        commune.pk,
    )
    assert Product.objects.get(pk=product.pk).producer == producer
    assert producer.users.get().username == "chu.hop.tac.xa"
    assert Counter.objects.get(key="receipt:80:2026").value == 7
    moved = SelfAssessment.objects.get(pk=assessment.pk)
    assert moved.answers == {"1.1": 2} and moved.product_id == product.pk
    assert ImportJob.objects.get().original_name == "sp.xlsx"
    (event,) = AuditEvent.objects.filter(object_id=str(assessment.pk), content_type__model="selfassessment")
    assert event.content_type.app_label == "evaluation"
