"""The demo data's batches: recorded through the producer's services, in the log, scannable."""

import hashlib

import pytest
from django.core.management import call_command

from ocop.demo import registry as demo
from ocop.trace import tlog
from ocop.trace.models import Batch, Event, LogNode

pytestmark = pytest.mark.django_db


def _tree_hash(leaves: list[bytes]) -> bytes:
    if len(leaves) == 1:
        return leaves[0]
    split = 1 << ((len(leaves) - 1).bit_length() - 1)
    return hashlib.sha256(b"\x01" + _tree_hash(leaves[:split]) + _tree_hash(leaves[split:])).digest()


def test_demo_batches_have_a_verified_journey_and_flush_cleanly(client):
    demo.generate(scale="province", seed=2025)
    batches = list(Batch.objects.select_related("producer"))
    assert len(batches) == 2 and {b.producer.users.get().username for b in batches} == {"demo.producer"}
    events = Event.objects.order_by("leaf_index")
    assert events.count() == 14 and [e.leaf_index for e in events] == list(range(14))
    leaves = [hashlib.sha256(b"\x00" + bytes.fromhex(e.event_hash)).digest() for e in events]
    assert tlog.root(14) == _tree_hash(leaves)  # RFC 9162, computed here
    batch = batches[0]
    page = client.get(client.get(f"/01/{batch.gtin}/10/{batch.lot}")["Location"])
    assert page.status_code == 200 and page.content.decode().count("data-step=") == 7
    call_command("ocop_demo", "--flush", verbosity=0)
    assert Batch.objects.count() == 2 and Event.objects.count() == 14
    assert LogNode.objects.filter(level=0).count() == 14  # the old log went with the old data
