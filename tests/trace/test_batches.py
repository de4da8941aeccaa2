"""Batch services and pages, per role: a producer works on its own batches only, commune and province
officers on those in their scope, other roles never; refused actions change nothing."""

import datetime as dt

import pytest
from django.urls import reverse

from ocop.accounts.models import Role
from ocop.core.models import AuditEvent
from ocop.trace import events_forms
from ocop.trace.models import Batch, Event
from ocop.trace.services import batches
from tests.factories import ProducerFactory, ProductFactory, commune, make_user, other_commune

pytestmark = pytest.mark.django_db

GTIN = "08938500000010"


@pytest.fixture
def world():
    here = commune()
    producer = ProducerFactory(commune=here)
    product = ProductFactory(producer=producer, gtin=GTIN, name_vi="Bánh tráng phơi sương")
    other_producer = ProducerFactory(commune=other_commune(here))
    other_product = ProductFactory(producer=other_producer, gtin="08938500000027")
    return {
        "producer": producer,
        "product": product,
        "other_product": other_product,
        "owner": make_user(Role.PRODUCER, producer=producer),
        "stranger": make_user(Role.PRODUCER, producer=other_producer),
        "commune_officer": make_user(Role.COMMUNE_OFFICER, commune=here),
        "province_officer": make_user(Role.PROVINCE_OFFICER),
        "council": make_user(Role.COUNCIL_MEMBER),
        "ministry": make_user(Role.MINISTRY),
    }


def make_batch(product, lot="L001", **kw) -> Batch:
    return Batch.objects.create(product=product, producer=product.producer, gtin=product.gtin, lot=lot, **kw)


def post_data(**kw) -> dict:
    data = {
        "lot": "L2026-01",
        "produced_on": "2026-01-10",
        "packed_on": "2026-01-11",
        "expires_on": "2026-07-10",
        "quantity": "500",
        "unit": "H87",
        "sources-TOTAL_FORMS": "2",
        "sources-INITIAL_FORMS": "0",
        "sources-MIN_NUM_FORMS": "0",
        "sources-MAX_NUM_FORMS": "20",
        "sources-0-kind": "farm",
        "sources-0-name": "Ruộng ông Tư",
        "sources-0-plot": "Thửa 12",
        "sources-0-certificate": "VietGAP",
        "sources-0-certificate_number": "VG-123",
        "sources-1-kind": "farm",
    }
    return data | kw


# --- services ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["owner", "commune_officer", "province_officer"])
def test_allowed_users_create_and_audit(world, who):
    user = world[who]
    batch = batches.create_batch(
        user,
        world["product"],
        {"lot": "A-1", "produced_on": dt.date(2026, 1, 1), "sources": [{"name": "Trại A", "kind": "x"}]},
    )
    assert batch.gtin == GTIN and batch.producer == world["producer"] and batch.created_by == user
    assert batch.sources == [
        {
            "kind": "farm",
            "name": "Trại A",
            "plot": "",
            "address": "",
            "certificate": "",
            "certificate_number": "",
        }
    ]
    event = AuditEvent.objects.get(object_id=str(batch.pk), action=AuditEvent.Action.CREATE)
    assert event.actor == user and event.changes["lot"] == [None, "A-1"]
    assert event.verb == "batch.create"


@pytest.mark.parametrize("who", ["stranger", "council", "ministry"])
def test_others_may_not_create(world, who):
    with pytest.raises(batches.PermissionDenied):
        batches.create_batch(world[who], world["product"], {"lot": "A-1"})
    assert not Batch.objects.exists() and not AuditEvent.objects.filter(object_repr__contains="A-1").exists()


def test_refusals_change_nothing(world):
    owner, product = world["owner"], world["product"]
    product_without_gtin = ProductFactory(producer=world["producer"], gtin="")
    with pytest.raises(batches.ValidationError, match="GTIN"):
        batches.create_batch(owner, product_without_gtin, {"lot": "A-1"})
    for bad in ("", "có dấu", "A B", "X" * 21, "A#1"):
        with pytest.raises(batches.ValidationError):
            batches.create_batch(owner, product, {"lot": bad})
    with pytest.raises(batches.ValidationError):
        batches.create_batch(
            owner,
            product,
            {"lot": "A-1", "produced_on": dt.date(2026, 2, 1), "expires_on": dt.date(2026, 1, 1)},
        )
    assert not Batch.objects.exists() and not AuditEvent.objects.exists()
    batches.create_batch(owner, product, {"lot": "A-1"})
    with pytest.raises(batches.ValidationError, match="số lô"):
        batches.create_batch(owner, product, {"lot": "A-1"})
    assert Batch.objects.count() == 1


def test_update_audits_the_difference_and_checks_scope(world):
    batch = make_batch(world["product"])
    batches.update_batch(world["commune_officer"], batch, {"quantity": 10, "unit": "KGM"})
    batch.refresh_from_db()
    assert batch.quantity == 10 and batch.unit == "KGM"
    change = AuditEvent.objects.get(object_id=str(batch.pk), action=AuditEvent.Action.UPDATE)
    assert change.changes == {"quantity": [None, "10"], "unit": ["", "KGM"]}
    with pytest.raises(batches.PermissionDenied):
        batches.update_batch(world["stranger"], Batch.objects.get(pk=batch.pk), {"quantity": 99})
    batch.refresh_from_db()
    assert batch.quantity == 10 and AuditEvent.objects.filter(object_id=str(batch.pk)).count() == 1


def test_scope_lists(world):
    mine, theirs = make_batch(world["product"]), make_batch(world["other_product"], lot="B")
    assert list(Batch.objects.editable_by(world["owner"])) == [mine]
    assert list(Batch.objects.editable_by(world["commune_officer"])) == [mine]
    assert set(Batch.objects.editable_by(world["province_officer"])) >= {mine}
    assert theirs not in Batch.objects.editable_by(world["owner"])
    for who in ("council", "ministry"):
        assert not Batch.objects.editable_by(world[who]).exists()


# --- pages --------------------------------------------------------------------------------------------


def test_pages_per_role(world, client_of, client):
    batch = make_batch(world["product"])
    urls = [
        reverse("trace:batch_list"),
        reverse("trace:batch_create") + f"?product={world['product'].pk}",
        reverse("trace:batch_detail", args=[batch.pk]),
        reverse("trace:batch_edit", args=[batch.pk]),
        reverse("trace:event_new", args=[batch.pk, "harvest"]),
    ]
    for url in urls:
        assert client_of(world["owner"]).get(url).status_code == 200, url
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
        for who in ("council", "ministry"):
            assert client_of(world[who]).get(url).status_code == 403, (who, url)
    for url in urls[1:]:
        assert client_of(world["stranger"]).get(url).status_code == 404, url
    for who in ("commune_officer", "province_officer"):
        for url in urls[:4]:
            assert client_of(world[who]).get(url).status_code == 200, (who, url)
        # Officers read the timeline; the producer records its own steps.
        assert client_of(world[who]).get(urls[4]).status_code == 403
    assert (
        client_of(world["owner"]).get(reverse("trace:event_new", args=[batch.pk, "dance"])).status_code == 404
    )


def test_list_shows_own_batches_with_fixed_queries(world, client_of, django_assert_max_num_queries):
    client = client_of(world["owner"])
    make_batch(world["other_product"], lot="THEIRS")
    make_batch(world["product"], lot="MINE-0")
    with django_assert_max_num_queries(12) as small:
        response = client.get(reverse("trace:batch_list"))
    assert "MINE-0" in response.text and "THEIRS" not in response.text
    for n in range(1, 15):
        make_batch(world["product"], lot=f"MINE-{n}")
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(reverse("trace:batch_list"))
    assert "MINE-14" in response.text


def test_create_page_writes_a_batch_with_sources(world, client_of):
    url = reverse("trace:batch_create") + f"?product={world['product'].pk}"
    response = client_of(world["owner"]).post(url, post_data())
    batch = Batch.objects.get()
    assert response.status_code == 302 and response["Location"] == batch.get_absolute_url()
    assert batch.lot == "L2026-01" and batch.quantity == 500 and batch.unit == "H87"
    assert batch.sources == [
        {
            "kind": "farm",
            "name": "Ruộng ông Tư",
            "plot": "Thửa 12",
            "address": "",
            "certificate": "VietGAP",
            "certificate_number": "VG-123",
        }
    ]


def test_create_page_refuses_a_product_without_gtin(world, client_of):
    product = ProductFactory(producer=world["producer"], gtin="")
    url = reverse("trace:batch_create") + f"?product={product.pk}"
    page = client_of(world["owner"]).get(url)
    assert page.status_code == 200 and 'id="no-gtin"' in page.text and "batch-form" not in page.text
    response = client_of(world["owner"]).post(url, post_data())
    assert response.status_code == 400 and not Batch.objects.exists()


def test_create_page_shows_form_errors_and_saves_nothing(world, client_of):
    url = reverse("trace:batch_create") + f"?product={world['product'].pk}"
    response = client_of(world["owner"]).post(url, post_data(lot="lô 1"))
    assert response.status_code == 400 and "Số lô gồm từ 1 đến 20 ký tự" in response.text
    response = client_of(world["owner"]).post(url, post_data(**{"sources-1-certificate": "organic"}))
    assert response.status_code == 400
    assert not Batch.objects.exists()


def test_forged_posts_change_nothing(world, client_of):
    theirs = make_batch(world["other_product"], lot="THEIRS")
    client = client_of(world["owner"])
    before = Batch.objects.values().get(pk=theirs.pk)
    assert (
        client.post(reverse("trace:batch_edit", args=[theirs.pk]), post_data(lot="HACKED")).status_code == 404
    )
    assert (
        client.post(
            reverse("trace:batch_create") + f"?product={world['other_product'].pk}", post_data(lot="NEW")
        ).status_code
        == 404
    )
    step = reverse("trace:event_new", args=[theirs.pk, "pack"])
    assert client.post(step, {"date": "2026-01-02", "time": "08:00"}).status_code == 404
    officer = client_of(world["commune_officer"])
    assert officer.post(reverse("trace:event_new", args=[theirs.pk, "pack"]), {}).status_code == 404
    assert Batch.objects.values().get(pk=theirs.pk) == before
    assert Batch.objects.count() == 1 and not Event.objects.exists() and not AuditEvent.objects.exists()


def test_edit_page(world, client_of):
    batch = make_batch(world["product"], sources=[{"kind": "farm", "name": "Trại A"}])
    client = client_of(world["commune_officer"])
    page = client.get(reverse("trace:batch_edit", args=[batch.pk]))
    assert 'value="Trại A"' in page.text
    response = client.post(
        reverse("trace:batch_edit", args=[batch.pk]),
        post_data(lot="L001", **{"sources-INITIAL_FORMS": "1", "sources-0-name": "Trại B"}),
    )
    assert response.status_code == 302
    batch.refresh_from_db()
    assert batch.sources[0]["name"] == "Trại B" and batch.expires_on == dt.date(2026, 7, 10)


def step_post(**kw):
    return {"date": "2026-01-12", "time": "07:30", "quantity": "120", "unit": "KGM", "source": "1"} | kw


def test_owner_records_steps_and_sees_them_in_order(world, client_of, settings):
    settings.OCOP_PUBLIC_BASE_URL = "https://ocop.example.vn"
    batch = make_batch(
        world["product"], sources=[{"kind": "farm", "name": "Ruộng ông Tư", "plot": "Thửa 12"}]
    )
    client = client_of(world["owner"])
    detail = client.get(batch.get_absolute_url())
    for key in ("harvest", "transform", "pack", "ship", "sell", "inspect"):
        assert f'id="step-{key}"' in detail.text
    assert (
        client.post(
            reverse("trace:event_new", args=[batch.pk, "pack"]), step_post(date="2026-01-13")
        ).status_code
        == 302
    )
    assert client.post(reverse("trace:event_new", args=[batch.pk, "harvest"]), step_post()).status_code == 302
    response = client.post(
        reverse("trace:event_new", args=[batch.pk, "ship"]),
        step_post(date="2026-01-14", partner="Co.op Mart Tây Ninh", partner_kind="point_of_sale"),
    )
    assert response.status_code == 302
    events = list(batch.events.order_by("event_time"))
    assert [events_forms.biz_step_key(e.biz_step) for e in events] == ["harvesting", "packing", "shipping"]
    assert events[0].biz_step == "https://ocop.example.vn/voc/BizStep-harvesting"
    assert all(e.owner_id == world["producer"].pk and e.batch_id == batch.pk for e in events)
    assert events[0].document["eventTime"] == "2026-01-12T07:30:00+07:00"
    page = client.get(batch.get_absolute_url()).text
    assert page.index("Co.op Mart Tây Ninh") > page.index("Ruộng ông Tư")


def test_step_form_errors_record_nothing(world, client_of):
    batch = make_batch(world["product"])
    client = client_of(world["owner"])
    response = client.post(reverse("trace:event_new", args=[batch.pk, "ship"]), step_post(partner=""))
    assert response.status_code == 400
    response = client.post(reverse("trace:event_new", args=[batch.pk, "pack"]), step_post(date="2099-01-01"))
    assert response.status_code == 400
    response = client.post(reverse("trace:event_new", args=[batch.pk, "inspect"]), step_post())
    assert response.status_code == 400
    assert not Event.objects.exists()


def test_lot_is_locked_once_steps_are_recorded(world, client_of):
    batch = make_batch(world["product"])
    assert (
        client_of(world["owner"])
        .post(reverse("trace:event_new", args=[batch.pk, "pack"]), step_post())
        .status_code
        == 302
    )
    with pytest.raises(batches.ValidationError):
        batches.update_batch(world["owner"], Batch.objects.get(pk=batch.pk), {"lot": "L002"})
    response = client_of(world["owner"]).post(
        reverse("trace:batch_edit", args=[batch.pk]), post_data(lot="L002")
    )
    assert response.status_code == 400
    assert "Không thể thay đổi số lô sau khi đã ghi nhận sự kiện" in response.text
    assert Batch.objects.get(pk=batch.pk).lot == "L001"
    assert not AuditEvent.objects.filter(object_id=str(batch.pk), action=AuditEvent.Action.UPDATE).exists()


def test_officer_sees_the_timeline_without_step_buttons(world, client_of):
    batch = make_batch(world["product"])
    page = client_of(world["commune_officer"]).get(batch.get_absolute_url()).text
    assert 'id="timeline-empty"' in page and 'id="step-' not in page
    assert 'id="labels"' in client_of(world["owner"]).get(batch.get_absolute_url()).text


def test_renaming_a_lot_drops_the_cached_page_at_the_old_address(world, client_of, client):
    """Before any event the lot may change; the consumer page at the old lot must not live on."""
    from django.core.cache import cache

    cache.clear()
    batch = make_batch(world["product"], lot="OLD1")
    old = reverse("trace:batch_public", args=[batch.gtin, "OLD1"])
    assert client.get(old).status_code == 200
    response = client_of(world["owner"]).post(
        reverse("trace:batch_edit", args=[batch.pk]), post_data(lot="NEW1")
    )
    assert response.status_code == 302
    assert client.get(old).status_code == 404
    assert client.get(reverse("trace:batch_public", args=[batch.gtin, "NEW1"])).status_code == 200


@pytest.mark.parametrize("lot", ["..", ".", "A/../B", "A/./B", "../X"])
def test_lots_with_dot_segments_are_refused(world, lot):
    """The consumer page's address carries the lot's slashes; browsers would resolve the dot segments."""
    with pytest.raises(batches.ValidationError):
        batches.validate_lot(lot)
    with pytest.raises(batches.ValidationError):
        batches.create_batch(world["owner"], world["product"], {"lot": lot})
    assert not Batch.objects.exists()
    assert batches.validate_lot("A.B/..C/1.") == "A.B/..C/1."
