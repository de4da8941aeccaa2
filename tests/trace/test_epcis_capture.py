"""EPCIS 2.0 capture: POST /epcis/capture and POST /epcis/events, the capture job, validation against the
official schema, rollback and proceed, the capture limit, authentication, and the round trip of every
official example document."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from urllib.parse import quote

import pytest
from django.test import Client

from ocop.accounts.models import ApiToken, Role
from ocop.trace import epcis
from ocop.trace.models import CaptureJob, Event, EventEpc
from ocop.trace.services import events as services
from tests.factories import make_user

DATA = Path(__file__).parent / "data"
EXAMPLES = sorted(DATA.glob("*.jsonld"))

pytestmark = pytest.mark.django_db


def load(name: str) -> dict:
    return json.loads((DATA / name).read_text(encoding="utf-8"))


def token_for(user) -> str:
    _token, key = ApiToken.issue(user)
    return key


@pytest.fixture
def producer_user():
    return make_user(Role.PRODUCER)


@pytest.fixture
def integrator():
    return make_user(Role.INTEGRATOR)


def post(
    client: Client, path: str, body, key: str | None = None, content_type="application/ld+json", **headers
):
    if key:
        headers["Authorization"] = f"Bearer {key}"
    data = body if isinstance(body, (str, bytes)) else json.dumps(body)
    return client.post(path, data=data, content_type=content_type, headers=headers)


def object_event(serial: int, **extra) -> dict:
    event = {
        "type": "ObjectEvent",
        "eventTime": "2024-05-01T08:00:00.000+07:00",
        "eventTimeZoneOffset": "+07:00",
        "epcList": [f"urn:epc:id:sgtin:8930000.012345.{serial}"],
        "action": "OBSERVE",
        "bizStep": "shipping",
        "disposition": "in_transit",
        "readPoint": {"id": "urn:epc:id:sgln:8930000.00001.0"},
    }
    event.update(extra)
    return event


def document(events: list[dict]) -> dict:
    return {
        "@context": [epcis.CONTEXT_URL],
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": "2024-05-01T08:00:00Z",
        "epcisBody": {"eventList": events},
    }


def state() -> tuple[int, int]:
    return Event.objects.count(), EventEpc.objects.count()


# --- Round trip of the official examples ------------------------------------------------------


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_example_round_trip(path, integrator):
    doc = json.loads(path.read_text(encoding="utf-8"))
    key = token_for(integrator)
    client = Client()
    response = post(client, "/epcis/capture", doc, key)
    assert response.status_code == 202, response.content
    assert response["Location"].startswith("/epcis/capture/")
    assert response["GS1-EPCIS-Version"] == "2.0.0"
    assert response["GS1-CBV-Version"] == "2.0.0"
    assert response["GS1-EPCIS-Capture-Limit"] == "1000"
    job = client.get(response["Location"], headers={"Authorization": f"Bearer {key}"})
    assert job.status_code == 200
    assert job.json()["success"] is True
    assert job.json()["eventCount"] == len(doc["epcisBody"]["eventList"])

    hashes = epcis.event_hashes(doc["epcisBody"]["eventList"], doc["@context"])
    for original, ni in zip(doc["epcisBody"]["eventList"], hashes, strict=True):
        event_id = original.get("eventID") or ni
        answer = client.get("/epcis/events/" + quote(event_id, safe=""))
        assert answer.status_code == 200, answer.content
        assert answer["GS1-EPCIS-Version"] == "2.0.0"
        body = answer.json()
        assert body["type"] == "EPCISQueryDocument"
        (returned,) = body["epcisBody"]["queryResults"]["resultsBody"]["eventList"]
        returned = dict(returned)
        record_time = returned.pop("recordTime")
        returned.pop("@context", None)
        expected = {k: v for k, v in original.items() if k != "recordTime"}
        expected["eventID"] = event_id
        assert returned == expected
        stored = Event.objects.get(event_id=event_id)
        assert epcis.parse_time(record_time) == stored.record_time.replace(
            microsecond=stored.record_time.microsecond // 1000 * 1000
        )
        assert stored.event_hash == epcis.hash_hex(ni)
        assert stored.event_time == epcis.parse_time(original["eventTime"])
        assert stored.owner is None


def test_example_query_document_is_schema_valid(integrator):
    doc = load("Example_9.6.3-AggregationEvent.jsonld")
    services.capture(integrator, doc)
    body = Client().get("/epcis/events").json()
    assert epcis.validate(body) == []


def test_event_without_id_gets_its_hash(producer_user):
    event = object_event(1)
    job = services.capture(producer_user, document([event]))
    assert job.status == CaptureJob.Status.SUCCESS
    stored = Event.objects.get()
    (ni,) = epcis.event_hashes([event], [epcis.CONTEXT_URL])
    assert stored.event_id == ni
    assert ni.startswith("ni:///sha-256;") and ni.endswith("?ver=CBV2.0")
    assert stored.event_hash == epcis.hash_hex(ni) and len(stored.event_hash) == 64
    assert stored.owner == producer_user.producer
    assert set(stored.epcs.values_list("epc", "role")) == {("urn:epc:id:sgtin:8930000.012345.1", "epc")}
    assert stored.document["recordTime"].endswith("Z")
    assert stored.leaf_index == 0  # appended to the transparency log in the same transaction


def test_client_record_time_is_replaced(producer_user):
    event = object_event(1, recordTime="1999-01-01T00:00:00Z")
    services.capture(producer_user, document([event]))
    stored = Event.objects.get()
    assert stored.record_time.year >= 2025
    assert not stored.document["recordTime"].startswith("1999")


def test_epc_roles_extracted(integrator):
    services.capture(integrator, load("Example_9.6.4-TransformationEvent.jsonld"))
    roles = {role for _epc, role in EventEpc.objects.values_list("epc", "role")}
    assert {"input", "output", "input_class"} <= roles
    services.capture(integrator, load("Example_9.6.3-AggregationEvent.jsonld"))
    assert EventEpc.objects.filter(role="parent", epc="urn:epc:id:sscc:0614141.1234567890").exists()
    assert EventEpc.objects.filter(role="child").exists()


# --- Validation and rollback ------------------------------------------------------------------


def test_schema_failure_refused_naming_the_path(producer_user):
    events = [object_event(i) for i in range(6)]
    events[4]["eventTime"] = "yesterday"
    response = post(Client(), "/epcis/capture", document(events), token_for(producer_user))
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/problem+json")
    body = response.json()
    assert body["type"] == "epcisException:ValidationException"
    assert body["status"] == 400 and body["title"]
    assert "epcisBody.eventList[4].eventTime" in body["detail"]
    assert response["GS1-EPCIS-Version"] == "2.0.0"
    assert state() == (0, 0)  # rollback: the four valid events before it are not stored either
    job = CaptureJob.objects.get()
    assert job.status == CaptureJob.Status.FAILED and job.event_count == 0


def test_format_uri_is_enforced(producer_user):
    event = object_event(1, readPoint={"id": "not a uri"})
    response = post(Client(), "/epcis/capture", document([event]), token_for(producer_user))
    assert response.status_code == 400
    assert "epcisBody.eventList[0].readPoint.id" in response.json()["detail"]
    assert state() == (0, 0)


def test_missing_field_named(producer_user):
    event = object_event(1)
    del event["eventTimeZoneOffset"]
    job = services.capture(producer_user, document([object_event(2), event]))
    assert job.status == CaptureJob.Status.FAILED
    assert job.errors[0]["path"] == "epcisBody.eventList[1].eventTimeZoneOffset"
    assert state() == (0, 0)


def test_duplicate_event_id_rolls_back(producer_user):
    services.capture(producer_user, document([object_event(1)]))
    before = state()
    job = services.capture(producer_user, document([object_event(2), object_event(1)]))
    assert job.status == CaptureJob.Status.FAILED
    assert "eventList[1].eventID" in job.errors[0]["path"]
    assert state() == before


def test_duplicate_within_document_refused(producer_user):
    events = [object_event(1, eventID="urn:uuid:1b4e28ba-2fa1-11d2-883f-0016d3cca427")] * 2
    job = services.capture(producer_user, document(events))
    assert job.status == CaptureJob.Status.FAILED
    assert state() == (0, 0)


def test_proceed_stores_the_valid_events(producer_user):
    events = [object_event(i) for i in range(6)]
    events[4]["eventTime"] = "yesterday"
    response = post(
        Client(),
        "/epcis/capture",
        document(events),
        token_for(producer_user),
        **{"GS1-Capture-Error-Behaviour": "proceed"},
    )
    assert response.status_code == 202
    job = CaptureJob.objects.get()
    assert job.status == CaptureJob.Status.SUCCESS
    assert job.event_count == 5 and Event.objects.count() == 5
    assert job.errors[0]["path"] == "epcisBody.eventList[4].eventTime"
    assert set(Event.objects.values_list("capture_id", flat=True)) == {job.pk}


def test_bad_error_behaviour_header(producer_user):
    response = post(
        Client(),
        "/epcis/capture",
        document([object_event(1)]),
        token_for(producer_user),
        **{"GS1-Capture-Error-Behaviour": "maybe"},
    )
    assert response.status_code == 400
    assert state() == (0, 0)


def test_wrong_document_type_refused(integrator):
    doc = document([object_event(1)])
    doc["type"] = "EPCISQueryDocument"
    response = post(Client(), "/epcis/capture", doc, token_for(integrator))
    assert response.status_code == 400
    assert response.json()["type"] == "epcisException:ValidationException"
    assert state() == (0, 0) and not CaptureJob.objects.exists()


def test_not_json_refused(integrator):
    key = token_for(integrator)
    response = post(Client(), "/epcis/capture", "{not json", key)
    assert response.status_code == 400
    response = post(Client(), "/epcis/capture", "<xml/>", key, content_type="application/xml")
    assert response.status_code == 415
    assert response["Content-Type"].startswith("application/problem+json")
    assert state() == (0, 0)


def test_capture_limit(integrator, settings):
    settings.OCOP_EPCIS_CAPTURE_LIMIT = 3
    response = post(
        Client(), "/epcis/capture", document([object_event(i) for i in range(4)]), token_for(integrator)
    )
    assert response.status_code == 413
    assert response.json()["type"] == "epcisException:CaptureLimitExceededException"
    assert response["GS1-EPCIS-Capture-Limit"] == "3"
    assert state() == (0, 0)
    response = post(
        Client(), "/epcis/capture", document([object_event(i) for i in range(3)]), token_for(integrator)
    )
    assert response.status_code == 202


# --- Authentication ---------------------------------------------------------------------------


def test_capture_needs_a_token():
    response = post(Client(), "/epcis/capture", document([object_event(1)]))
    assert response.status_code == 401
    assert response["Content-Type"].startswith("application/problem+json")
    assert "Bearer" in response["WWW-Authenticate"]
    response = post(Client(), "/epcis/capture", document([object_event(1)]), "ocop_wrong")
    assert response.status_code == 401
    assert state() == (0, 0)


@pytest.mark.parametrize("role", [Role.COUNCIL_MEMBER, Role.PROVINCE_OFFICER, Role.MINISTRY])
def test_capture_refused_to_other_roles(role):
    key = token_for(make_user(role))
    assert post(Client(), "/epcis/capture", document([object_event(1)]), key).status_code == 403
    assert (
        post(Client(), "/epcis/events", object_event(1, **{"@context": [epcis.CONTEXT_URL]}), key).status_code
        == 403
    )
    assert state() == (0, 0)


def test_session_does_not_capture(client_of, producer_user):
    # Capture is for bearer tokens only (the views are CSRF-exempt, so a session must not suffice).
    response = client_of(producer_user).post(
        "/epcis/capture", data=json.dumps(document([object_event(1)])), content_type="application/json"
    )
    assert response.status_code == 401
    assert state() == (0, 0)


def test_capture_job_visible_to_its_creator_only(producer_user, integrator):
    key = token_for(producer_user)
    location = post(Client(), "/epcis/capture", document([object_event(1)]), key)["Location"]
    assert Client().get(location, headers={"Authorization": f"Bearer {key}"}).status_code == 200
    other = Client().get(location, headers={"Authorization": f"Bearer {token_for(integrator)}"})
    assert other.status_code == 404
    assert Client().get(location).status_code == 401


# --- One event --------------------------------------------------------------------------------


def test_post_single_event(integrator):
    event = object_event(7, **{"@context": [epcis.CONTEXT_URL]})
    response = post(Client(), "/epcis/events", event, token_for(integrator))
    assert response.status_code == 201, response.content
    stored = Event.objects.get()
    assert response["Location"] == "/epcis/events/" + quote(stored.event_id, safe="")
    assert response["GS1-EPCIS-Capture-Limit"]
    got = (
        Client().get(response["Location"]).json()["epcisBody"]["queryResults"]["resultsBody"]["eventList"][0]
    )
    assert got["epcList"] == event["epcList"]
    # the same event again is a duplicate
    again = post(Client(), "/epcis/events", event, token_for(integrator))
    assert again.status_code == 400
    assert Event.objects.count() == 1


def test_post_single_event_invalid(integrator):
    event = object_event(7, **{"@context": [epcis.CONTEXT_URL]})
    event["eventTime"] = "soon"
    response = post(Client(), "/epcis/events", event, token_for(integrator))
    assert response.status_code == 400
    assert "eventTime" in response.json()["detail"]
    response = post(Client(), "/epcis/events", document([object_event(1)]), token_for(integrator))
    assert response.status_code == 400
    assert state() == (0, 0)


def test_record_for_a_batch(producer_user):
    from ocop.trace.models import Batch
    from tests.factories import ProductFactory

    product = ProductFactory(producer=producer_user.producer)
    batch = Batch.objects.create(
        product=product, producer=producer_user.producer, gtin="08930000123457", lot="L1"
    )
    row = services.record(producer_user, batch, object_event(3))
    assert row.batch == batch and row.owner == producer_user.producer
    assert row.event_id.startswith("ni:///sha-256;")
    other = make_user(Role.PRODUCER)
    with pytest.raises(services.PermissionDenied):
        services.record(other, batch, object_event(4))
    bad = object_event(5)
    bad["action"] = "JUMP"
    with pytest.raises(services.ValidationError):
        services.record(producer_user, batch, bad)
    assert Event.objects.count() == 1


def test_headers_on_options_and_errors():
    response = Client().options("/epcis/capture")
    assert response["GS1-EPCIS-Capture-Limit"] == "1000"
    response = Client().get("/epcis/capture")
    assert response.status_code == 405
    assert response["GS1-EPCIS-Version"] == "2.0.0"


def test_documents_are_not_mutated(integrator):
    doc = load("Example_9.6.1-ObjectEvent.jsonld")
    before = copy.deepcopy(doc)
    services.capture(integrator, doc)
    assert doc == before


# --- The fast paths give the same answers ------------------------------------------------------


@pytest.mark.parametrize("bad_time", ["2024-01-01T23:59:60Z", "0000-01-01T00:00:00Z"])
def test_times_python_cannot_hold_are_refused(producer_user, bad_time):
    events = [object_event(i) for i in range(6)]
    events[4]["eventTime"] = bad_time
    response = post(Client(), "/epcis/capture", document(events), token_for(producer_user))
    assert response.status_code == 400
    assert "epcisBody.eventList[4].eventTime" in response.json()["detail"]
    assert state() == (0, 0)


def test_uri_refused_in_a_large_document(producer_user):
    events = [object_event(i) for i in range(300)]
    events[250]["epcList"] = ["urn:epc:id:sgtin:8930000.012345.1", "not a uri"]
    job = services.capture(producer_user, document(events))
    assert job.status == CaptureJob.Status.FAILED and job.event_count == 0
    assert {e["path"] for e in job.errors} == {"epcisBody.eventList[250].epcList[1]"}
    assert state() == (0, 0)
    job = services.capture(producer_user, document(events[:250]))
    assert job.status == CaptureJob.Status.SUCCESS and job.event_count == 250
    assert state() == (250, 250)
    stored = Event.objects.order_by("pk")
    assert [e.document["epcList"] for e in stored] == [e["epcList"] for e in events[:250]]
    assert list(stored.values_list("leaf_index", flat=True)) == list(range(250))
    assert sorted(EventEpc.objects.values_list("event__leaf_index", "epc")) == sorted(
        (i, e["epcList"][0]) for i, e in enumerate(events[:250])
    )


def test_store_refuses_a_stored_event_id_and_keeps_nothing(producer_user):
    from django.db import IntegrityError, transaction
    from django.utils import timezone

    from ocop.trace.models import LogNode

    services.capture(producer_user, document([object_event(1)]))
    before, nodes = state(), LogNode.objects.count()
    events = [object_event(2), object_event(1)]
    rows, epcs = services._build(
        events, epcis.event_hashes(events, [epcis.CONTEXT_URL]), None, timezone.now()
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        services._store(rows, epcs)
    assert state() == before and LogNode.objects.count() == nodes
    fresh = [object_event(3), object_event(4)]
    rows, epcs = services._build(fresh, epcis.event_hashes(fresh, [epcis.CONTEXT_URL]), None, timezone.now())
    with transaction.atomic():
        services._store(rows, epcs)
    assert state() == (before[0] + 2, before[1] + 2)
    for row in rows:  # the rows know their pks, as after bulk_create
        stored = Event.objects.get(pk=row.pk)
        assert stored.event_id == row.event_id and stored.document == row.document
        assert stored.event_time == row.event_time and stored.leaf_index == row.leaf_index
        assert list(stored.epcs.values_list("epc", "role")) == [(row.document["epcList"][0], "epc")]


def test_body_over_the_upload_limit_is_413_problem_and_stores_nothing(integrator, settings):
    """A body larger than Django's upload limit is refused as the capture limit (413 problem+json), not
    Django's bare 400, and nothing (no job, no event) is stored."""
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 2000
    events = [object_event(i) for i in range(30)]
    before = state()
    response = post(Client(), "/epcis/capture", document(events), token_for(integrator))
    assert response.status_code == 413
    assert response["Content-Type"].startswith("application/problem+json")
    assert response.json()["type"] == "epcisException:CaptureLimitExceededException"
    assert response["GS1-EPCIS-Capture-Limit"]
    assert state() == before
    assert not CaptureJob.objects.exists()


def test_record_time_is_taken_under_the_log_lock(producer_user, monkeypatch):
    """recordTime is set after the log's lock is held, so that captures commit in recordTime order and a
    reader paging by recordTime never steps over an event committed later with an earlier recordTime."""
    import time

    from django.utils import timezone

    from ocop.trace import tlog

    locked_at = []
    original = tlog._lock

    def lock():
        original()
        locked_at.append(timezone.now())
        time.sleep(0.005)

    monkeypatch.setattr(tlog, "_lock", lock)
    post(Client(), "/epcis/capture", document([object_event(1), object_event(2)]), token_for(producer_user))
    stored = list(Event.objects.order_by("id"))
    assert len(stored) == 2 and locked_at
    for row in stored:
        assert row.record_time >= locked_at[0]
        assert epcis.parse_time(row.document["recordTime"]) == row.record_time


def log_state() -> tuple[int, int, int, int]:
    from ocop.trace.models import Checkpoint, LogNode

    return (
        Event.objects.count(),
        EventEpc.objects.count(),
        LogNode.objects.count(),
        Checkpoint.objects.count(),
    )


@pytest.mark.parametrize("bad", ["schema", "stored_id", "repeated_id"])
def test_rollback_stores_no_event_epc_node_or_checkpoint(producer_user, bad):
    import hashlib

    from ocop.trace import tlog

    services.capture(
        producer_user, document([object_event(100, eventID="urn:uuid:1b4e28ba-2fa1-11d2-883f-0016d3cca427")])
    )
    tlog.checkpoint()
    before = log_state()
    events = [object_event(i) for i in range(8)]
    if bad == "schema":
        events[4]["eventTime"] = "yesterday"
    elif bad == "stored_id":
        events[4]["eventID"] = "urn:uuid:1b4e28ba-2fa1-11d2-883f-0016d3cca427"
    else:
        events[4]["eventID"] = events[1]["eventID"] = "urn:uuid:2c4e28ba-2fa1-11d2-883f-0016d3cca427"
    response = post(Client(), "/epcis/capture", document(events), token_for(producer_user))
    assert response.status_code == 400
    assert log_state() == before
    # proceed: exactly the valid events, their leaves next to each other, each the RFC 9162 leaf of its hash
    response = post(
        Client(),
        "/epcis/capture",
        document(events),
        token_for(producer_user),
        **{"GS1-Capture-Error-Behaviour": "proceed"},
    )
    assert response.status_code == 202
    stored = list(Event.objects.exclude(leaf_index=0).order_by("leaf_index"))
    assert len(stored) == 7
    assert [e.leaf_index for e in stored] == list(range(1, 8))
    expected_kept = [events[i] for i in range(8) if i != 4]
    assert [e.document["epcList"] for e in stored] == [e["epcList"] for e in expected_kept]
    for row in stored:
        assert tlog.leaf(row.leaf_index) == hashlib.sha256(b"\x00" + bytes.fromhex(row.event_hash)).digest()
    assert tlog.size() == 8


@pytest.mark.parametrize("address", ["/epcis/capture", "/epcis/events"])
def test_deeply_nested_json_is_a_400_problem_not_a_crash(integrator, address):
    body = '{"type": "EPCISDocument", "x": ' + "[" * 100_000 + "]" * 100_000 + "}"
    response = post(Client(), address, body, token_for(integrator))
    assert response.status_code == 400
    assert response.json()["type"] == "epcisException:ValidationException"
    assert state() == (0, 0)
    assert not CaptureJob.objects.exists()


def test_nesting_python_can_parse_but_not_walk_is_refused(producer_user):
    """An extension nested 900 deep parses, but schema validation and hashing recurse on it."""
    nested: dict = {}
    for _ in range(900):
        nested = {"example:x": nested}
    event = object_event(1, **{"example:deep": nested})
    doc = dict(document([event]), **{"@context": [epcis.CONTEXT_URL, {"example": "https://example.org/"}]})
    response = post(Client(), "/epcis/capture", doc, token_for(producer_user))
    assert response.status_code == 400
    assert response.json()["type"] == "epcisException:ValidationException"
    assert state() == (0, 0)
    # an ordinary extension a few levels deep is captured
    shallow = object_event(2, **{"example:deep": {"example:a": {"example:b": [{"example:c": "1"}]}}})
    doc = dict(document([shallow]), **{"@context": [epcis.CONTEXT_URL, {"example": "https://example.org/"}]})
    assert post(Client(), "/epcis/capture", doc, token_for(producer_user)).status_code == 202


def test_session_does_not_capture_one_event_nor_read_anothers_job(client_of, producer_user):
    response = client_of(producer_user).post(
        "/epcis/events",
        data=json.dumps(object_event(1, **{"@context": [epcis.CONTEXT_URL]})),
        content_type="application/json",
    )
    assert response.status_code == 401
    assert "Bearer" in response["WWW-Authenticate"]
    location = post(Client(), "/epcis/capture", document([object_event(2)]), token_for(producer_user))[
        "Location"
    ]
    assert client_of(producer_user).get(location).status_code == 200
    other = client_of(make_user(Role.PRODUCER)).get(location)
    assert other.status_code == 404
    assert "urn:epc" not in other.content.decode()


@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/x-www-form-urlencoded", "application/xml"]
)
def test_wrong_content_type_is_415_and_stores_nothing(integrator, content_type):
    response = post(
        Client(),
        "/epcis/capture",
        json.dumps(document([object_event(1)])),
        token_for(integrator),
        content_type,
    )
    assert response.status_code == 415
    assert state() == (0, 0) and not CaptureJob.objects.exists()
