"""EPCIS 2.0 queries: GET /epcis/events with every SimpleEventQuery parameter (each with a matching and a
non-matching event), ordering, keyset paging with nextPageToken, visibility of non-public events,
parameter errors, and the headers."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import parse_qs, quote, urlsplit

import pytest
from django.test import Client

from ocop.accounts.models import ApiToken, Role
from ocop.trace import epcis
from ocop.trace.models import Event
from ocop.trace.services import events as services
from tests.factories import make_user

DATA = Path(__file__).parent / "data"

pytestmark = pytest.mark.django_db


def doc(events: list[dict]) -> dict:
    return {
        "@context": [epcis.CONTEXT_URL],
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": "2024-05-01T08:00:00Z",
        "epcisBody": {"eventList": events},
    }


def ids(response) -> list[str]:
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["type"] == "EPCISQueryDocument"
    assert body["epcisBody"]["queryResults"]["queryName"] == "SimpleEventQuery"
    return [e["eventID"] for e in body["epcisBody"]["queryResults"]["resultsBody"]["eventList"]]


A_ID = "urn:uuid:00000000-0000-4000-8000-00000000000a"
B_ID = "urn:uuid:00000000-0000-4000-8000-00000000000b"

EVENT_A = {
    "eventID": A_ID,
    "type": "ObjectEvent",
    "eventTime": "2024-05-01T08:00:00.000+07:00",
    "eventTimeZoneOffset": "+07:00",
    "epcList": ["urn:epc:id:sgtin:8930000.012345.1"],
    "quantityList": [{"epcClass": "urn:epc:class:lgtin:8930000.012345.LOT1", "quantity": 5, "uom": "KGM"}],
    "action": "OBSERVE",
    "bizStep": "shipping",
    "disposition": "in_transit",
    "readPoint": {"id": "urn:epc:id:sgln:8930000.00001.0"},
    "bizLocation": {"id": "urn:epc:id:sgln:8930000.00001.1"},
}
EVENT_B = {
    "eventID": B_ID,
    "type": "AggregationEvent",
    "eventTime": "2024-06-01T08:00:00.000+07:00",
    "eventTimeZoneOffset": "+07:00",
    "parentID": "urn:epc:id:sscc:8930000.0000000001",
    "childEPCs": ["urn:epc:id:sgtin:8930000.099999.7"],
    "childQuantityList": [{"epcClass": "urn:epc:class:lgtin:8930000.099999.LOT9", "quantity": 2}],
    "action": "ADD",
    "bizStep": "https://ref.gs1.org/cbv/BizStep-packing",
    "disposition": "https://ref.gs1.org/cbv/Disp-in_progress",
    "readPoint": {"id": "urn:epc:id:sgln:8930000.00002.0"},
    "bizLocation": {"id": "urn:epc:id:sgln:8930000.00002.1"},
}
EVENT_T = {
    "eventID": "urn:uuid:00000000-0000-4000-8000-00000000000c",
    "type": "TransformationEvent",
    "eventTime": "2024-07-01T08:00:00.000+07:00",
    "eventTimeZoneOffset": "+07:00",
    "inputEPCList": ["urn:epc:id:sgtin:8930000.055555.1"],
    "outputEPCList": ["urn:epc:id:sgtin:8930000.066666.1"],
    "inputQuantityList": [{"epcClass": "urn:epc:class:lgtin:8930000.055555.IN", "quantity": 1}],
}


@pytest.fixture
def integrator():
    return make_user(Role.INTEGRATOR)


@pytest.fixture
def two(integrator):
    job = services.capture(integrator, doc([EVENT_A, EVENT_B]))
    assert job.status == "success", job.errors
    # recordTime differs between the two: set it apart for the recordTime filters
    Event.objects.filter(event_id=A_ID).update(record_time=epcis.parse_time("2025-01-01T00:00:00Z"))
    Event.objects.filter(event_id=B_ID).update(record_time=epcis.parse_time("2025-02-01T00:00:00Z"))


def q(**params) -> list[str]:
    return ids(Client().get("/epcis/events", params))


CASES = [
    ({"eventType": "ObjectEvent"}, [A_ID]),
    ({"eventType": "AggregationEvent|ObjectEvent"}, [A_ID, B_ID]),
    ({"eventType": "TransactionEvent"}, []),
    ({"GE_eventTime": "2024-05-15T00:00:00Z"}, [B_ID]),
    ({"LT_eventTime": "2024-05-15T00:00:00Z"}, [A_ID]),
    ({"GE_eventTime": "2024-05-01T01:00:00Z"}, [A_ID, B_ID]),  # inclusive: 08:00+07:00 is 01:00Z
    ({"LT_eventTime": "2024-05-01T01:00:00Z"}, []),
    ({"GE_recordTime": "2025-01-15T00:00:00Z"}, [B_ID]),
    ({"LT_recordTime": "2025-01-15T00:00:00Z"}, [A_ID]),
    ({"EQ_bizStep": "shipping"}, [A_ID]),
    ({"EQ_bizStep": "packing"}, [B_ID]),
    ({"EQ_bizStep": "https://ref.gs1.org/cbv/BizStep-shipping"}, [A_ID]),
    ({"EQ_bizStep": "receiving"}, []),
    ({"EQ_disposition": "in_transit"}, [A_ID]),
    ({"EQ_disposition": "in_progress|in_transit"}, [A_ID, B_ID]),
    ({"EQ_disposition": "destroyed"}, []),
    ({"EQ_readPoint": "urn:epc:id:sgln:8930000.00001.0"}, [A_ID]),
    ({"EQ_readPoint": "urn:epc:id:sgln:8930000.00009.0"}, []),
    ({"EQ_bizLocation": "urn:epc:id:sgln:8930000.00002.1"}, [B_ID]),
    ({"EQ_bizLocation": "urn:epc:id:sgln:8930000.00001.0"}, []),
    ({"MATCH_epc": "urn:epc:id:sgtin:8930000.012345.1"}, [A_ID]),
    ({"MATCH_epc": "urn:epc:id:sgtin:8930000.099999.7"}, [B_ID]),  # childEPCs
    ({"MATCH_epc": "urn:epc:id:sscc:8930000.0000000001"}, []),  # parentID is not MATCH_epc
    ({"MATCH_epc": "urn:epc:idpat:sgtin:8930000.012345.*"}, [A_ID]),
    ({"MATCH_epc": "urn:epc:id:sgtin:8930000.012345.2"}, []),
    ({"MATCH_anyEPC": "urn:epc:id:sscc:8930000.0000000001"}, [B_ID]),
    ({"MATCH_anyEPC": "urn:epc:id:sgtin:8930000.012345.1|urn:epc:id:sgtin:8930000.099999.7"}, [A_ID, B_ID]),
    ({"MATCH_anyEPC": "urn:epc:id:sscc:8930000.0000000002"}, []),
    ({"MATCH_epcClass": "urn:epc:class:lgtin:8930000.012345.LOT1"}, [A_ID]),
    ({"MATCH_epcClass": "urn:epc:class:lgtin:8930000.099999.LOT9"}, [B_ID]),  # childQuantityList
    ({"MATCH_epcClass": "urn:epc:class:lgtin:8930000.012345.LOT2"}, []),
    ({"EQ_eventID": A_ID}, [A_ID]),
    ({"EQ_eventID": "urn:uuid:00000000-0000-4000-8000-0000000000ff"}, []),
    ({"EQ_bizStep": "shipping", "EQ_disposition": "in_progress"}, []),
]


@pytest.mark.parametrize(("params", "expected"), CASES, ids=[json.dumps(c[0]) for c in CASES])
def test_filter(two, params, expected):
    assert sorted(q(**params)) == sorted(expected)


def test_transformation_roles(integrator):
    services.capture(integrator, doc([EVENT_T]))
    assert q(MATCH_anyEPC="urn:epc:id:sgtin:8930000.055555.1") == [EVENT_T["eventID"]]
    assert q(MATCH_anyEPC="urn:epc:id:sgtin:8930000.066666.1") == [EVENT_T["eventID"]]
    assert q(MATCH_epc="urn:epc:id:sgtin:8930000.055555.1") == []  # input/output are not MATCH_epc
    assert q(MATCH_epcClass="urn:epc:class:lgtin:8930000.055555.IN") == []  # nor inputQuantityList


def test_order(two):
    assert q(orderBy="eventTime") == [A_ID, B_ID]
    assert q(orderBy="eventTime", orderDirection="DESC") == [B_ID, A_ID]
    assert q(orderBy="recordTime", orderDirection="DESC") == [B_ID, A_ID]


@pytest.mark.parametrize(
    "params",
    [
        {"eventType": "Nothing"},
        {"GE_eventTime": "yesterday"},
        {"orderBy": "bizStep"},
        {"orderDirection": "UP"},
        {"perPage": "0"},
        {"perPage": "many"},
        {"nextPageToken": "forged"},
        {"MATCH_epc": "not a uri"},
        {"EQ_bizStep": ""},
        {"surprise": "1"},
    ],
)
def test_bad_parameter(two, params):
    response = Client().get("/epcis/events", params)
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/problem+json")
    assert response.json()["type"] == "epcisException:QueryParameterException"
    assert response["GS1-EPCIS-Version"] == "2.0.0"


def test_paging(integrator):
    events = []
    for i in range(7):
        events.append(
            {
                "type": "ObjectEvent",
                "eventTime": f"2024-05-0{i + 1}T08:00:00.000+07:00",
                "eventTimeZoneOffset": "+07:00",
                "epcList": [f"urn:epc:id:sgtin:8930000.012345.{i}"],
                "action": "OBSERVE",
            }
        )
    services.capture(integrator, doc(events))
    expected = list(Event.objects.order_by("event_time", "id").values_list("event_id", flat=True))
    seen, url, params = [], "/epcis/events", {"orderBy": "eventTime", "perPage": "3"}
    pages = 0
    while True:
        response = Client().get(url, params)
        seen += ids(response)
        pages += 1
        if "Link" not in response:
            break
        link = response["Link"]
        assert link.endswith('>; rel="next"')
        target = urlsplit(link[1 : link.index(">")])
        params = {k: v[0] for k, v in parse_qs(target.query).items()}
        assert params["perPage"] == "3" and params["nextPageToken"]
    assert pages == 3
    assert seen == expected
    # a token is bound to its query
    first = Client().get(url, {"orderBy": "eventTime", "perPage": "3"})
    token = parse_qs(urlsplit(first["Link"][1 : first["Link"].index(">")]).query)["nextPageToken"][0]
    other = Client().get(url, {"orderBy": "recordTime", "perPage": "3", "nextPageToken": token})
    assert other.status_code == 400


def test_visibility(integrator):
    mine = make_user(Role.PRODUCER)
    theirs = make_user(Role.PRODUCER)
    services.capture(mine, doc([dict(EVENT_A)]), public=False)
    services.capture(integrator, doc([dict(EVENT_B)]))

    def as_user(user):
        headers = {"Authorization": f"Bearer {ApiToken.issue(user)[1]}"} if user else {}
        return ids(Client().get("/epcis/events", headers=headers))

    assert as_user(None) == [B_ID]
    assert sorted(as_user(mine)) == [A_ID, B_ID]
    assert as_user(theirs) == [B_ID]
    assert as_user(make_user(Role.COUNCIL_MEMBER)) == [B_ID]
    single = "/epcis/events/" + quote(A_ID, safe="")
    assert Client().get(single).status_code == 404
    own = Client().get(single, headers={"Authorization": f"Bearer {ApiToken.issue(mine)[1]}"})
    assert own.status_code == 200
    other = Client().get(single, headers={"Authorization": f"Bearer {ApiToken.issue(theirs)[1]}"})
    assert other.status_code == 404
    assert other.json()["type"] == "epcisException:NoSuchResourceException"


def test_bad_token_on_query(two):
    response = Client().get("/epcis/events", headers={"Authorization": "Bearer ocop_nothing"})
    assert response.status_code == 401


def test_headers_and_media_type(two):
    response = Client().get("/epcis/events")
    assert response["GS1-EPCIS-Version"] == "2.0.0"
    assert response["GS1-CBV-Version"] == "2.0.0"
    assert response["Content-Type"].startswith("application/ld+json")
    assert epcis.validate(response.json()) == []


def test_query_count_does_not_grow(integrator, django_assert_max_num_queries):
    def events(n, start):
        return [
            {
                "type": "ObjectEvent",
                "eventTime": "2024-05-01T08:00:00.000+07:00",
                "eventTimeZoneOffset": "+07:00",
                "epcList": [f"urn:epc:id:sgtin:8930000.012345.{start + i}"],
                "action": "OBSERVE",
            }
            for i in range(n)
        ]

    services.capture(integrator, doc(events(3, 0)))
    with django_assert_max_num_queries(1):
        assert (
            len(ids(Client().get("/epcis/events", {"MATCH_anyEPC": "urn:epc:idpat:sgtin:8930000.012345.*"})))
            == 3
        )
    services.capture(integrator, doc(events(30, 100)))
    with django_assert_max_num_queries(1):
        assert (
            len(ids(Client().get("/epcis/events", {"MATCH_anyEPC": "urn:epc:idpat:sgtin:8930000.012345.*"})))
            == 30
        )


# --- Non-public events: never seen by others, through any filter, the single-event address or paging ---


@pytest.fixture
def private_a(integrator):
    """EVENT_A non-public, of one producer; EVENT_B public, from an integrator."""
    mine = make_user(Role.PRODUCER)
    assert services.capture(mine, doc([dict(EVENT_A)]), public=False).status == "success"
    assert services.capture(integrator, doc([dict(EVENT_B)])).status == "success"
    Event.objects.filter(event_id=A_ID).update(record_time=epcis.parse_time("2025-01-01T00:00:00Z"))
    Event.objects.filter(event_id=B_ID).update(record_time=epcis.parse_time("2025-02-01T00:00:00Z"))
    return mine


def bearer(user) -> dict:
    return {"Authorization": f"Bearer {ApiToken.issue(user)[1]}"} if user else {}


REVEALING = [c for c in CASES if A_ID in c[1]]


@pytest.mark.parametrize(("params", "expected"), REVEALING, ids=[json.dumps(c[0]) for c in REVEALING])
def test_no_filter_reveals_a_private_event(private_a, integrator, params, expected):
    others = [
        None,
        make_user(Role.PRODUCER),
        integrator,
        make_user(Role.COUNCIL_MEMBER),
        make_user(Role.MINISTRY),
    ]
    for user in others:
        assert ids(Client().get("/epcis/events", params, headers=bearer(user))) == [
            e for e in expected if e != A_ID
        ]
    assert sorted(ids(Client().get("/epcis/events", params, headers=bearer(private_a)))) == sorted(expected)


def test_paging_tokens_do_not_carry_private_events_to_others(private_a):
    mine, theirs = bearer(private_a), bearer(make_user(Role.PRODUCER))
    first = Client().get("/epcis/events", {"perPage": "1"}, headers=mine)
    assert ids(first) == [A_ID]
    token = parse_qs(urlsplit(first["Link"][1 : first["Link"].index(">")]).query)["nextPageToken"][0]
    # the producer's own token, replayed by another caller, pages over public events only
    for headers in ({}, theirs):
        assert ids(
            Client().get("/epcis/events", {"perPage": "1", "nextPageToken": token}, headers=headers)
        ) == [B_ID]
    # another caller's pages never hold the private event
    seen, params = [], {"perPage": "1"}
    while True:
        response = Client().get("/epcis/events", params, headers=theirs)
        seen += ids(response)
        if "Link" not in response:
            break
        params["nextPageToken"] = parse_qs(urlsplit(response["Link"][1 : response["Link"].index(">")]).query)[
            "nextPageToken"
        ][0]
    assert seen == [B_ID]


@pytest.mark.parametrize("how", ["revoked", "inactive"])
def test_a_dead_token_is_refused_not_read_as_anonymous(private_a, how):
    token, key = ApiToken.issue(private_a)
    if how == "revoked":
        ApiToken.objects.filter(pk=token.pk).update(revoked=True)
    else:
        type(private_a).objects.filter(pk=private_a.pk).update(is_active=False)
    headers = {"Authorization": f"Bearer {key}"}
    for address in ("/epcis/events", "/epcis/events/" + quote(A_ID, safe="")):
        response = Client().get(address, headers=headers)
        assert response.status_code == 401
        assert "Bearer" in response["WWW-Authenticate"]
        assert "eventList" not in response.content.decode()
    before = Event.objects.count()
    response = Client().post(
        "/epcis/capture",
        data=json.dumps(doc([dict(EVENT_B, eventID=None)])),
        content_type="application/json",
        headers=headers,
    )
    assert response.status_code == 401
    assert Event.objects.count() == before


@pytest.mark.django_db(transaction=True)
def test_paging_by_record_time_skips_no_event_committed_late():
    """A capture that started first but commits last must not get an earlier recordTime than events a
    reader has already paged past (PostgreSQL: the log's lock orders the commits)."""
    import threading

    from django.db import connection, connections

    if connection.vendor != "postgresql":
        pytest.skip("needs concurrent connections")
    integrator = make_user(Role.INTEGRATOR)
    early, late = dict(EVENT_A), dict(EVENT_B)
    gate, waiting, errors = threading.Event(), threading.Event(), []
    original = services._store

    def held_store(rows, epcs):
        if threading.current_thread().name == "slow":
            waiting.set()
            gate.wait(10)
        return original(rows, epcs)

    def slow():
        try:
            services.capture(integrator, doc([early]))
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connections.close_all()

    services._store = held_store
    try:
        thread = threading.Thread(target=slow, name="slow")
        thread.start()
        assert waiting.wait(10)
        services.capture(integrator, doc([late]))
        first = Client().get("/epcis/events", {"perPage": "1"})
        assert ids(first) == [B_ID] and "Link" not in first
        last_seen = Event.objects.get(event_id=B_ID).record_time
        gate.set()
        thread.join(10)
    finally:
        services._store = original
        gate.set()
    assert not errors
    # a reader continuing after what it has seen finds the late commit
    assert Event.objects.get(event_id=A_ID).record_time > last_seen
    assert ids(Client().get("/epcis/events")) == [B_ID, A_ID]
