"""The traceability parts together: a producer records steps with the plain forms; the label's Digital
Link resolves to the trace page; the resolver's EPCIS link finds exactly those events; each event's
inclusion proof checks against the signed checkpoint's root (RFC 9162, verified here by hand)."""

import base64
import hashlib
from urllib.parse import urlsplit

import pytest
from django.urls import reverse

from ocop.accounts.models import Role
from ocop.trace.models import Batch
from tests.factories import ProducerFactory, ProductFactory, make_user

pytestmark = pytest.mark.django_db
GTIN = "08938500000010"


def _root_from_proof(index: int, size: int, leaf: bytes, hashes: list[bytes]) -> bytes:
    """RFC 9162 section 2.1.3.2, written out here rather than imported from the code under test."""
    fn, sn, r = index, size - 1, leaf
    for p in hashes:
        if fn & 1 or fn == sn:
            r = hashlib.sha256(b"\x01" + p + r).digest()
            while not fn & 1 and fn:
                fn, sn = fn >> 1, sn >> 1
        else:
            r = hashlib.sha256(b"\x01" + r + p).digest()
        fn, sn = fn >> 1, sn >> 1
    assert sn == 0
    return r


def test_from_the_forms_to_a_verified_trace(client, client_of):
    product = ProductFactory(producer=ProducerFactory(), gtin=GTIN, name_vi="Muối tôm Tây Ninh")
    producer_user = make_user(Role.PRODUCER, producer=product.producer)
    batch = Batch.objects.create(
        product=product,
        producer=product.producer,
        gtin=GTIN,
        lot="MT-2611",
        sources=[{"kind": "farm", "name": "Vườn A"}],
    )
    owner = client_of(producer_user)
    for step, day in (("harvest", "2026-11-20"), ("pack", "2026-11-21"), ("ship", "2026-11-22")):
        data = {"date": day, "time": "08:00", "quantity": "50", "unit": "KGM", "source": "1"}
        if step == "ship":
            data |= {"partner": "Siêu thị Co.op Tây Ninh", "partner_kind": "point_of_sale"}
        assert owner.post(reverse("trace:event_new", args=[batch.pk, step]), data).status_code == 302
    events = list(batch.events.order_by("event_time"))
    assert len(events) == 3 and all(e.leaf_index is not None for e in events)

    # The QR code's Digital Link opens the trace page.
    scan = client.get(f"/01/{GTIN}/10/MT-2611")
    assert scan.status_code == 307
    page = client.get(scan["Location"])
    assert page.status_code == 200 and "Muối tôm Tây Ninh" in page.content.decode()

    # The resolver's EPCIS link finds exactly the events that name the lot itself (packing and shipping;
    # the harvest names the raw material it came from).
    link = client.get(f"/01/{GTIN}/10/MT-2611", {"linkType": "gs1:epcis"})
    assert link.status_code == 307
    target = urlsplit(link["Location"])
    found = client.get(target.path + "?" + target.query).json()
    listed = found["epcisBody"]["queryResults"]["resultsBody"]["eventList"]
    assert sorted(e["eventID"] for e in listed) == sorted(e.event_id for e in events[1:])

    # Every event is in the log: its proof checks against the root of the signed checkpoint.
    checkpoint = client.get("/transparency/checkpoint").content.decode()
    size, root = int(checkpoint.split("\n")[1]), base64.b64decode(checkpoint.split("\n")[2])
    for event in events:
        proof = client.get("/transparency/proof", {"event": event.event_id}).json()
        leaf = hashlib.sha256(b"\x00" + bytes.fromhex(event.event_hash)).digest()
        assert base64.b64decode(proof["leaf_hash"]) == leaf and proof["tree_size"] == size
        hashes = [base64.b64decode(h) for h in proof["hashes"]]
        assert _root_from_proof(proof["leaf_index"], size, leaf, hashes) == root


@pytest.mark.parametrize("lot", ["A/B%1", "X'(1)*!", 'Q"<&>;=?'])
def test_the_resolvers_epcis_link_finds_the_events_of_a_lot_with_special_characters(client, client_of, lot):
    """The class URI the step forms write (events_forms.batch_class) and the one the resolver queries
    (digital_link.epc_uri) percent-encode the lot the same way."""
    from urllib.parse import quote

    from ocop.trace import digital_link, events_forms

    product = ProductFactory(producer=ProducerFactory(), gtin=GTIN)
    producer_user = make_user(Role.PRODUCER, producer=product.producer)
    batch = Batch.objects.create(product=product, producer=product.producer, gtin=GTIN, lot=lot)
    ref = events_forms.BatchRef(
        base_url="https://x.example", gtin=GTIN, lot=lot, commune_code="1", producer_id=1
    )
    assert events_forms.batch_class(ref) == digital_link.epc_uri(GTIN, lot)
    step = {"date": "2026-11-21", "time": "08:00", "quantity": "5", "unit": "KGM"}
    assert (
        client_of(producer_user).post(reverse("trace:event_new", args=[batch.pk, "pack"]), step).status_code
        == 302
    )
    (event,) = batch.events.all()
    path = f"/01/{GTIN}/10/{quote(lot, safe='')}"
    link = client.get(path, {"linkType": "gs1:epcis"}, RAW_URI=path)
    assert link.status_code == 307
    target = urlsplit(link["Location"])
    assert target.netloc == "testserver"
    found = client.get(target.path + "?" + target.query).json()
    listed = found["epcisBody"]["queryResults"]["resultsBody"]["eventList"]
    assert [e["eventID"] for e in listed] == [event.event_id]
