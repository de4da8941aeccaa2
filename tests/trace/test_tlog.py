"""The transparency log: appends store the tree's complete subtrees, the served proofs and checkpoint are
checked by a verifier written here from RFC 9162 and C2SP (not by the code under test), the endpoints
refuse bad requests, and the verify command finds a tampered event."""

import base64
import datetime
import hashlib
import json
import os
import stat
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils import timezone

from ocop.trace import epcis, tlog
from ocop.trace.models import Checkpoint, Event, LogNode

pytestmark = pytest.mark.django_db

DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture(autouse=True)
def _tlog_settings(settings, tmp_path):
    settings.OCOP_TLOG_KEY_FILE = str(tmp_path / "tlog.key")
    settings.OCOP_TLOG_ORIGIN = "ocop.example.vn/transparency"


# --- An independent verifier: RFC 9162 §2.1 and C2SP signed-note, written from the texts ----------------
def sha(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def mth(leaves: list[bytes]) -> bytes:
    """MTH over leaf DATA (§2.1.1)."""
    if not leaves:
        return sha(b"")
    if len(leaves) == 1:
        return sha(b"\x00" + leaves[0])
    k = 1
    while k * 2 < len(leaves):
        k *= 2
    return sha(b"\x01" + mth(leaves[:k]) + mth(leaves[k:]))


def rfc_verify_inclusion(index: int, size: int, leaf_hash: bytes, path: list[bytes], root: bytes) -> bool:
    """§2.1.3.2."""
    if index >= size:
        return False
    fn, sn, r = index, size - 1, leaf_hash
    for p in path:
        if sn == 0:
            return False
        if fn % 2 == 1 or fn == sn:
            r = sha(b"\x01" + p + r)
            while fn % 2 == 0 and fn != 0:
                fn //= 2
                sn //= 2
        else:
            r = sha(b"\x01" + r + p)
        fn //= 2
        sn //= 2
    return sn == 0 and r == root


def rfc_verify_consistency(first: int, second: int, first_root: bytes, second_root: bytes, path) -> bool:
    """§2.1.4.2."""
    path = list(path)
    if first == second:
        return not path and first_root == second_root
    if first & (first - 1) == 0:
        path.insert(0, first_root)
    fn, sn = first - 1, second - 1
    while fn % 2 == 1:
        fn //= 2
        sn //= 2
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn % 2 == 1 or fn == sn:
            fr = sha(b"\x01" + c + fr)
            sr = sha(b"\x01" + c + sr)
            while fn % 2 == 0 and fn != 0:
                fn //= 2
                sn //= 2
        else:
            sr = sha(b"\x01" + sr + c)
        fn //= 2
        sn //= 2
    return fr == first_root and sr == second_root and sn == 0


def verify_checkpoint(key: str, note: str) -> tuple[str, int, bytes]:
    """Checks a C2SP signed checkpoint with a note verifier key; returns (origin, size, root)."""
    name, key_hash, encoded = key.strip().split("+", 2)
    raw_key = base64.b64decode(encoded)
    assert raw_key[0] == 1 and len(raw_key) == 33  # Ed25519
    assert sha(name.encode() + b"\n" + raw_key)[:4].hex() == key_hash
    body, signatures = note.split("\n\n", 1)
    body += "\n"
    verified = False
    for line in signatures.splitlines():
        dash, sig_name, blob = line.split(" ")
        assert dash == "\u2014"
        blob = base64.b64decode(blob)
        if sig_name == name and blob[:4].hex() == key_hash:
            Ed25519PublicKey.from_public_bytes(raw_key[1:]).verify(blob[4:], body.encode())  # raises if bad
            verified = True
    assert verified
    origin, size, root, *extensions = body.split("\n")
    assert extensions == [""]
    return origin, int(size), base64.b64decode(root)


# --- Helpers -----------------------------------------------------------------------------------------
def make_events(count: int, start: int = 0) -> list[Event]:
    now = timezone.now()
    return [
        Event.objects.create(
            event_id=f"urn:uuid:00000000-0000-4000-8000-{start + i:012d}",
            event_hash=hashlib.sha256(f"event {start + i}".encode()).hexdigest(),
            event_type="ObjectEvent",
            event_time=now,
            event_time_zone_offset="+07:00",
            record_time=now,
            document={},
        )
        for i in range(count)
    ]


def data_of(events) -> list[bytes]:
    return [bytes.fromhex(e.event_hash) for e in events]


def b64(s: str) -> bytes:
    return base64.b64decode(s)


# --- Appending -----------------------------------------------------------------------------------------
def test_append_assigns_leaf_indexes_and_stores_exactly_the_complete_subtrees():
    events = []
    for batch in (1, 2, 5, 7, 13, 4):
        new = make_events(batch, start=len(events))
        tlog.append(new)
        events += new
        total = len(events)
        assert tlog.size() == total
        assert tlog.root(total) == mth(data_of(events))
    total = len(events)
    assert [e.leaf_index for e in Event.objects.order_by("leaf_index")] == list(range(total))
    assert {(n.level, n.index) for n in LogNode.objects.all()} == {
        (level, i) for level in range(total.bit_length()) for i in range(total >> level)
    }
    for size in range(1, total + 1):
        assert tlog.root(size) == mth(data_of(events[:size]))


def test_append_of_unsaved_events_sets_the_attribute_only():
    (saved,) = make_events(1)
    tlog.append([saved])
    unsaved = Event(event_id="urn:x", event_hash="ab" * 32)
    tlog.append([unsaved])
    assert unsaved.leaf_index == 1 and unsaved.pk is None
    assert Event.objects.get(pk=saved.pk).leaf_index == 0


def test_reading_a_proof_takes_one_query_for_the_nodes(django_assert_num_queries):
    events = make_events(37)
    tlog.append(events[:20])
    tlog.append(events[20:])
    with django_assert_num_queries(1):
        tlog.inclusion_proof(21, 37)
    with django_assert_num_queries(1):
        tlog.consistency_proof(13, 37)
    with django_assert_num_queries(1):
        tlog.root(37)
    with django_assert_num_queries(1):
        leaf, proof = tlog.leaf_and_inclusion_proof(21, 37)
    assert leaf == sha(b"\x00" + bytes.fromhex(events[21].event_hash))
    assert proof == tlog.inclusion_proof(21, 37)


def test_proof_request_query_count_does_not_grow_with_the_log(client, django_assert_num_queries):
    url = reverse("trace:tlog_proof")
    events = make_events(3)
    tlog.append(events)
    client.get(url, {"event": events[0].event_id})  # stores the checkpoint
    # eventID → leaf index, tree size, latest checkpoint, the nodes
    with django_assert_num_queries(4):
        assert client.get(url, {"event": events[1].event_id}).status_code == 200
    more = make_events(300, start=3)
    tlog.append(more)
    client.get(url, {"event": more[0].event_id})
    with django_assert_num_queries(4):
        assert client.get(url, {"event": more[200].event_id}).status_code == 200


# --- Endpoints -------------------------------------------------------------------------------------------
def test_served_proofs_verify_with_the_rfc_algorithms(client):
    events = make_events(11)
    tlog.append(events[:6])
    tlog.append(events[6:])
    more = make_events(10, start=11)
    tlog.append(more)
    events += more
    key = client.get(reverse("trace:tlog_key")).content.decode()
    response = client.get(reverse("trace:tlog_checkpoint"))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/plain")
    origin, size, root = verify_checkpoint(key, response.content.decode())
    assert (origin, size, root) == ("ocop.example.vn/transparency", 21, mth(data_of(events)))
    for event in events:
        answer = client.get(reverse("trace:tlog_proof"), {"event": event.event_id})
        assert answer.status_code == 200
        body = answer.json()
        leaf = b64(body["leaf_hash"])
        assert leaf == sha(b"\x00" + bytes.fromhex(event.event_hash))
        assert body["tree_size"] == 21
        path = [b64(h) for h in body["hashes"]]
        assert rfc_verify_inclusion(body["leaf_index"], 21, leaf, path, root)
        assert not rfc_verify_inclusion(body["leaf_index"] ^ 1, 21, leaf, path, root)
    for first in range(1, 22):
        answer = client.get(reverse("trace:tlog_consistency"), {"from": first, "to": 21})
        assert answer.status_code == 200
        body = answer.json()
        assert (body["from"], body["to"]) == (first, 21)
        path = [b64(h) for h in body["hashes"]]
        assert rfc_verify_consistency(first, 21, mth(data_of(events[:first])), root, path)
        if first < 21:
            assert not rfc_verify_consistency(first, 21, mth(data_of(events[1 : first + 1])), root, path)


def test_checkpoint_is_stored_once_per_size_and_old_ones_stay_consistent(client, django_assert_num_queries):
    tlog.append(make_events(3))
    key = client.get(reverse("trace:tlog_key")).content.decode()
    first_note = client.get(reverse("trace:tlog_checkpoint")).content.decode()
    with django_assert_num_queries(2):  # size and latest checkpoint: nothing signed again
        again = client.get(reverse("trace:tlog_checkpoint")).content.decode()
    assert again == first_note and Checkpoint.objects.count() == 1
    tlog.append(make_events(6, start=3))
    second_note = client.get(reverse("trace:tlog_checkpoint")).content.decode()
    assert Checkpoint.objects.count() == 2
    _, m, old_root = verify_checkpoint(key, first_note)
    _, n, new_root = verify_checkpoint(key, second_note)
    answer = client.get(reverse("trace:tlog_consistency"), {"from": m, "to": n}).json()
    path = [b64(h) for h in answer["hashes"]]
    assert (m, n) == (3, 9) and rfc_verify_consistency(m, n, old_root, new_root, path)


def test_empty_log_checkpoint_is_signed():
    note = tlog.checkpoint().note
    origin, size, root = verify_checkpoint(tlog.verifier_key(), note)
    assert (size, root) == (0, sha(b""))


def test_endpoint_errors_are_never_200(client):
    tlog.append(make_events(5))
    proof, consistency = reverse("trace:tlog_proof"), reverse("trace:tlog_consistency")
    for params in ({}, {"event": ""}, {"event": "  "}):
        response = client.get(proof, params)
        assert response.status_code == 400
        assert response["Content-Type"].startswith("application/problem+json")
        assert response.json()["status"] == 400
    response = client.get(proof, {"event": "urn:uuid:unknown"})
    assert response.status_code == 404 and response.json()["status"] == 404
    (unlogged,) = make_events(1, start=99)
    assert client.get(proof, {"event": unlogged.event_id}).status_code == 404
    bad = [
        {},
        {"from": "1"},
        {"to": "3"},
        {"from": "a", "to": "3"},
        {"from": "1", "to": "3.0"},
        {"from": "-1", "to": "3"},
        {"from": "0", "to": "3"},
        {"from": "4", "to": "3"},
        {"from": "1", "to": "6"},
        {"from": "١", "to": "3"},
        {"from": "1", "to": "9" * 40},
    ]
    for params in bad:
        response = client.get(consistency, params)
        assert response.status_code == 400, params
        assert response["Content-Type"].startswith("application/problem+json")
    assert client.get(consistency, {"from": "5", "to": "5"}).json()["hashes"] == []
    for name in ("tlog_checkpoint", "tlog_key", "tlog_proof", "tlog_consistency"):
        assert client.post(reverse(f"trace:{name}")).status_code == 405


def test_paths_are_the_published_ones():
    assert reverse("trace:tlog_checkpoint") == "/transparency/checkpoint"
    assert reverse("trace:tlog_key") == "/transparency/key"
    assert reverse("trace:tlog_proof") == "/transparency/proof"
    assert reverse("trace:tlog_consistency") == "/transparency/consistency"


# --- Key and origin ------------------------------------------------------------------------------------
def test_key_file_is_created_private_and_reused(settings, tmp_path):
    settings.OCOP_TLOG_KEY_FILE = str(tmp_path / "sub" / "key.pem")
    first = tlog.verifier_key()
    path = Path(settings.OCOP_TLOG_KEY_FILE)
    assert path.read_bytes().startswith(b"-----BEGIN PRIVATE KEY-----")
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    tlog._keys.clear()
    assert tlog.verifier_key() == first


def test_raw_seed_key_file_and_default_origin(settings, tmp_path):
    seed = bytes(range(32))
    (tmp_path / "seed").write_bytes(seed)
    settings.OCOP_TLOG_KEY_FILE = str(tmp_path / "seed")
    del settings.OCOP_TLOG_ORIGIN
    settings.OCOP_PUBLIC_BASE_URL = "https://ocop.gov.vn"
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    public = Ed25519PrivateKey.from_private_bytes(seed).public_key().public_bytes_raw()
    name, key_hash, encoded = tlog.verifier_key().split("+", 2)
    assert name == "ocop.gov.vn/transparency"
    assert b64(encoded) == b"\x01" + public
    assert key_hash == sha(name.encode() + b"\n\x01" + public)[:4].hex()


def test_default_key_file_is_in_var_dir(settings, tmp_path):
    del settings.OCOP_TLOG_KEY_FILE
    settings.VAR_DIR = tmp_path
    assert tlog.key_file() == tmp_path / "tlog-ed25519.key"


# --- The verify command ----------------------------------------------------------------------------------
def real_events() -> list[Event]:
    """Events of the official examples, stored as the capture service stores them, with their hashes."""
    rows = []
    record_time = timezone.now()
    for name in (
        "Example_9.6.1-ObjectEvent.jsonld",
        "Example_9.6.3-AggregationEvent.jsonld",
        "Example_9.6.4-TransformationEvent.jsonld",
    ):
        document = json.loads((DATA / name).read_text(encoding="utf-8"))
        context = document.get("@context")
        events = document["epcisBody"]["eventList"]
        for event, ni in zip(events, epcis.event_hashes(events, context), strict=True):
            stored = dict(event, eventID=event.get("eventID") or ni)
            inline = epcis.custom_context(context)
            if inline:
                stored["@context"] = inline
            stored["eventID"] = f"{stored['eventID']}#{len(rows)}"
            stored["recordTime"] = epcis.format_time(record_time)
            rows.append(
                Event.objects.create(
                    event_id=stored["eventID"],
                    event_hash=epcis.hash_hex(ni),
                    event_type=event["type"],
                    event_time=datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC),
                    event_time_zone_offset="+07:00",
                    record_time=record_time,
                    document=stored,
                )
            )
    return rows


def verify() -> tuple[bool, str]:
    from io import StringIO

    out = StringIO()
    try:
        call_command("ocop_tlog_verify", stdout=out)
    except CommandError as exc:
        return False, out.getvalue() + str(exc)
    return True, out.getvalue()


def test_verify_passes_on_an_intact_log_and_finds_a_changed_document():
    events = real_events()
    assert len(events) >= 4
    tlog.append(events[:2])
    tlog.checkpoint()
    tlog.append(events[2:])
    tlog.checkpoint()
    ok, output = verify()
    assert ok, output
    assert "intact" in output
    victim = events[2]
    document = dict(victim.document, eventTime="2020-01-01T00:00:00.000+07:00")
    Event.objects.filter(pk=victim.pk).update(document=document)
    ok, output = verify()
    assert not ok
    assert f"event {victim.event_id} (leaf 2)" in output
    assert "document does not have the stored event hash" in output
    assert output.count("TAMPERED") == 1


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("eventID", "urn:uuid:00000000-0000-4000-8000-000000000000", "eventID is not the stored one"),
        ("recordTime", "2020-01-01T00:00:00.000Z", "recordTime is not the stored one"),
    ],
)
def test_verify_finds_an_edit_outside_the_event_hash(field, value, message):
    """eventID and recordTime are not hashed (CBV 2.0): an edit of either in the served document is still
    found."""
    events = real_events()
    tlog.append(events)
    tlog.checkpoint()
    assert verify()[0]
    victim = events[1]
    Event.objects.filter(pk=victim.pk).update(document=dict(victim.document, **{field: value}))
    ok, output = verify()
    assert not ok
    assert f"event {victim.event_id} (leaf 1): the document's {message}" in output
    assert output.count("TAMPERED") == 1


def test_verify_finds_a_changed_hash_a_changed_node_and_a_forged_checkpoint():
    events = real_events()
    tlog.append(events)
    tlog.checkpoint()
    victim = events[1]
    forged = hashlib.sha256(b"forged").hexdigest()
    Event.objects.filter(pk=victim.pk).update(event_hash=forged)
    ok, output = verify()
    assert not ok and f"event {victim.event_id} (leaf 1): the event hash is not the one in the log" in output
    # The forger rewrites the leaf and the tree to match: the signed checkpoint no longer agrees.
    Event.objects.filter(pk=victim.pk).update(event_hash=victim.event_hash)
    LogNode.objects.filter(level=0, index=1).update(hash=sha(b"\x00" + bytes.fromhex(forged)))
    ok, output = verify()
    assert not ok and "leaf 1" in output and "node 1/0 is not the hash of its children" in output
    LogNode.objects.filter(level=0, index=1).update(hash=sha(b"\x00" + bytes.fromhex(victim.event_hash)))
    assert verify()[0]
    Checkpoint.objects.update(note=Checkpoint.objects.get().note.replace("\n\n", "\nextra\n\n"))
    ok, output = verify()
    assert not ok and "signature does not verify" in output


def test_verify_finds_a_removed_leaf_index():
    events = real_events()
    tlog.append(events)
    Event.objects.filter(pk=events[0].pk).update(leaf_index=None)
    ok, output = verify()
    assert not ok
    assert f"event {events[0].event_id} is not in the log" in output and "leaf 0 has no event" in output


# --- Concurrency (PostgreSQL: the advisory lock serializes appends) ---------------------------------------
@pytest.mark.django_db(transaction=True)
def test_concurrent_appends_are_serialized():
    from django.db import connection, transaction

    if connection.vendor != "postgresql":
        pytest.skip("SQLite serializes writers itself")
    import threading

    batches = [make_events(7, start=100 * t) for t in range(4)]
    errors = []
    barrier = threading.Barrier(len(batches))

    def work(events):
        from django.db import connections

        try:
            barrier.wait()
            with transaction.atomic():
                tlog.append(events)
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, args=(events,)) for events in batches]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    stored = list(Event.objects.order_by("leaf_index"))
    assert [e.leaf_index for e in stored] == list(range(28))
    # each batch got one contiguous run of leaves, and the tree is the tree of the events in log order
    for events in batches:
        indexes = sorted(
            Event.objects.filter(pk__in=[e.pk for e in events]).values_list("leaf_index", flat=True)
        )
        assert indexes == list(range(indexes[0], indexes[0] + 7))
    assert tlog.root(28) == mth(data_of(stored))
    assert LogNode.objects.count() == sum(28 >> level for level in range(5))


# --- The README's example for outsiders, run as written -------------------------------------------------
OUTSIDER_EXAMPLE = """
import base64, hashlib, json, urllib.parse, urllib.request
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

def get(path):
    return urllib.request.urlopen(SITE + path).read().decode()

def h(data):
    return hashlib.sha256(data).digest()

# 1. The checkpoint is signed with the log's key (C2SP signed note, Ed25519).
name, key_id, key = KEY.split("+", 2)
key = base64.b64decode(key)
assert key[0] == 1 and h(name.encode() + b"\\n" + key)[:4].hex() == key_id, "not an Ed25519 note key"
body, signatures = get("/transparency/checkpoint").split("\\n\\n", 1)
body += "\\n"
signature = next(
    base64.b64decode(line.split(" ")[2]) for line in signatures.splitlines() if line.split(" ")[1] == name
)
assert signature[:4].hex() == key_id
Ed25519PublicKey.from_public_bytes(key[1:]).verify(signature[4:], body.encode())  # raises when forged
origin, size, root = body.split("\\n")[:3]
size, root = int(size), base64.b64decode(root)

# 2. The event's hash is a leaf of the tree of that checkpoint (RFC 9162, section 2.1.3.2).
proof = json.loads(get("/transparency/proof?" + urllib.parse.urlencode({"event": EVENT_ID})))
leaf = h(b"\\x00" + bytes.fromhex(EVENT_HASH))
assert base64.b64decode(proof["leaf_hash"]) == leaf and proof["tree_size"] == size, "fetch both again"
fn, sn, r = proof["leaf_index"], size - 1, leaf
for p in map(base64.b64decode, proof["hashes"]):
    assert sn > 0, "proof too long"
    if fn & 1 or fn == sn:
        r = h(b"\\x01" + p + r)
        while not fn & 1 and fn:
            fn, sn = fn >> 1, sn >> 1
    else:
        r = h(b"\\x01" + r + p)
    fn, sn = fn >> 1, sn >> 1
assert sn == 0 and r == root, "the event is not in the log"
print(f"{EVENT_ID} is leaf {proof['leaf_index']} of {origin} at size {size}")
"""


def run_outsider_example(client, monkeypatch, key: str, event_id: str, event_hash: str) -> str:
    import io
    import urllib.request
    from contextlib import redirect_stdout

    def urlopen(url):
        response = client.get(url.removeprefix("https://ocop.example.vn"))
        assert response.status_code == 200
        return io.BytesIO(response.content)

    monkeypatch.setattr(urllib.request, "urlopen", urlopen)
    out = io.StringIO()
    with redirect_stdout(out):
        exec(  # noqa: S102 — the README's text, run as a reader would run it
            OUTSIDER_EXAMPLE,
            {"SITE": "https://ocop.example.vn", "KEY": key, "EVENT_ID": event_id, "EVENT_HASH": event_hash},
        )
    return out.getvalue()


def test_the_readme_example_verifies_a_record_and_refuses_a_forgery(client, monkeypatch):
    events = make_events(13)
    tlog.append(events)
    key = tlog.verifier_key()
    for event in (events[0], events[6], events[12]):
        printed = run_outsider_example(client, monkeypatch, key, event.event_id, event.event_hash)
        assert printed.startswith(
            f"{event.event_id} is leaf {event.leaf_index} of ocop.example.vn/transparency"
        )
    # a record whose content (hence hash) was changed is refused
    with pytest.raises(AssertionError):
        run_outsider_example(client, monkeypatch, key, events[3].event_id, "00" * 32)
    # a checkpoint signed with another key is refused
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    other = Ed25519PrivateKey.generate().public_key().public_bytes_raw()
    name = "ocop.example.vn/transparency"
    encoded = base64.b64encode(b"\x01" + other).decode()
    wrong = f"{name}+{key.split('+')[1]}+{encoded}"
    with pytest.raises((AssertionError, InvalidSignature)):
        run_outsider_example(client, monkeypatch, wrong, events[3].event_id, events[3].event_hash)
    # a checkpoint whose root was rewritten no longer carries a valid signature
    stored = Checkpoint.objects.get(tree_size=13)
    body, signatures = stored.note.split("\n\n", 1)
    origin, size, _root = body.split("\n")
    forged_root = base64.b64encode(sha(b"forged")).decode()
    Checkpoint.objects.filter(pk=stored.pk).update(note=f"{origin}\n{size}\n{forged_root}\n\n{signatures}")
    with pytest.raises(InvalidSignature):
        run_outsider_example(client, monkeypatch, key, events[3].event_id, events[3].event_hash)


def test_a_proof_of_a_non_public_event_shows_hashes_only(client):
    """Anyone may ask for a proof, of any event: it holds the leaf's position and hashes, never content."""
    events = make_events(3)
    secret = "urn:epc:id:sgtin:8930000.012345.SECRET"
    Event.objects.filter(pk=events[1].pk).update(
        public=False, document={"type": "ObjectEvent", "epcList": [secret], "bizStep": "shipping"}
    )
    tlog.append(events)
    response = client.get("/transparency/proof", {"event": events[1].event_id})
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"leaf_index", "tree_size", "leaf_hash", "hashes"}
    assert b64(body["leaf_hash"]) == sha(b"\x00" + bytes.fromhex(events[1].event_hash))
    text = response.content.decode()
    assert secret not in text and "shipping" not in text and "ObjectEvent" not in text
