"""`manage.py ocop_tlog_verify`: checks the whole transparency log against the stored events.

1. Every logged event: its CBV 2.0 hash is computed again from the stored document and compared with
   `event_hash`; the document's eventID and recordTime (outside the hash) must be the stored ones; the
   leaf hash of `event_hash` is compared with the stored leaf (level-0 node). Leaves
   without an event and events without a leaf are reported too.
2. Every stored inner node is compared with the hash of its two stored children, so by induction the
   whole stored tree is the tree of the events' hashes.
3. Every checkpoint: its root is computed again from the (verified) nodes and compared with the one it
   states, and its signature is checked with the log's key.

Each problem is printed on its own line (events by eventID and leaf index); the exit status is 1 when
there is any.
"""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError

from ocop.trace import epcis, merkle, tlog
from ocop.trace.models import Checkpoint, Event, LogNode

WINDOW = 2000


class Command(BaseCommand):
    help = "Verifies the transparency log against the stored events and the signed checkpoints."

    def add_arguments(self, parser):
        parser.add_argument(
            "--skip-documents",
            action="store_true",
            help="do not compute the events' CBV 2.0 hashes again from their documents (faster)",
        )

    def handle(self, *args, skip_documents: bool = False, **options):
        self.problems = 0
        size = tlog.size()
        self._events(size, not skip_documents)
        self._nodes(size)
        checked = self._checkpoints(size)
        if self.problems:
            raise CommandError(f"{self.problems} problem(s) found in the transparency log of {size} leaves.")
        documents = "documents not hashed again" if skip_documents else "every document hashed again"
        self.stdout.write(
            f"The transparency log is intact: {size} leaves ({documents}), every node checked, "
            f"{checked} signed checkpoint(s) verified."
        )

    def report(self, message: str) -> None:
        self.problems += 1
        self.stdout.write(f"TAMPERED: {message}")

    # --- 1. events and leaves -----------------------------------------------------------------------
    def _events(self, size: int, rehash: bool) -> None:
        for event_id in Event.objects.filter(leaf_index__isnull=True).values_list("event_id", flat=True):
            self.report(f"event {event_id} is not in the log (no leaf index)")
        top = Event.objects.filter(leaf_index__gte=size).values_list("event_id", "leaf_index")
        for event_id, index in top:
            self.report(f"event {event_id} (leaf {index}) claims a leaf beyond the log's size {size}")
        for start in range(0, size, WINDOW):
            end = min(start + WINDOW, size)
            leaves = {
                i: bytes(h)
                for i, h in LogNode.objects.filter(level=0, index__gte=start, index__lt=end).values_list(
                    "index", "hash"
                )
            }
            rows = list(
                Event.objects.filter(leaf_index__gte=start, leaf_index__lt=end)
                .order_by("leaf_index")
                .values_list("event_id", "event_hash", "document", "leaf_index")
            )
            record_times = {
                index: epcis.format_time(moment)
                for index, moment in Event.objects.filter(leaf_index__gte=start, leaf_index__lt=end)
                .values_list("leaf_index", "record_time")
                .iterator()
            }
            recomputed = self._rehash(rows) if rehash else {}
            by_index = {row[3]: row for row in rows}
            for index in range(start, end):
                row = by_index.get(index)
                stored_leaf = leaves.get(index)
                if stored_leaf is None:
                    self.report(f"leaf {index} is missing from the tree")
                if row is None:
                    self.report(f"leaf {index} has no event")
                    continue
                event_id, event_hash, document, _ = row
                where = f"event {event_id} (leaf {index})"
                # eventID and recordTime are outside the CBV 2.0 hash: the document served must still
                # state the ones the event is stored (and found) under.
                if not isinstance(document, dict) or document.get("eventID") != event_id:
                    self.report(f"{where}: the document's eventID is not the stored one")
                if isinstance(document, dict) and document.get("recordTime") != record_times.get(index):
                    self.report(f"{where}: the document's recordTime is not the stored one")
                try:
                    raw = bytes.fromhex(event_hash)
                except ValueError:
                    raw = b""
                if len(raw) != 32:
                    self.report(f"{where}: the stored event hash is not a SHA-256 hash")
                    continue
                if rehash:
                    again = recomputed.get(index)
                    if again is None:
                        self.report(f"{where}: the stored document can no longer be hashed")
                    elif again != event_hash.lower():
                        self.report(f"{where}: the document does not have the stored event hash")
                if stored_leaf is not None and merkle.leaf_hash(raw) != stored_leaf:
                    self.report(f"{where}: the event hash is not the one in the log")

    @staticmethod
    def _rehash(rows) -> dict[int, str]:
        """leaf index → the CBV 2.0 hash (hex) of the stored document, events grouped by @context."""
        groups: dict[str, list[tuple[int, dict]]] = {}
        contexts: dict[str, object] = {}
        for _event_id, _hash, document, index in rows:
            if not isinstance(document, dict):
                continue
            context = document.get("@context")
            key = json.dumps(context, sort_keys=True)
            contexts[key] = context
            body = {k: v for k, v in document.items() if k != "@context"}
            groups.setdefault(key, []).append((index, body))
        out: dict[int, str] = {}
        for key, items in groups.items():
            try:
                hashes = epcis.event_hashes([body for _, body in items], contexts[key])
            except Exception:  # noqa: BLE001 — a broken document: hash the group's events one by one
                hashes = []
                for _, body in items:
                    try:
                        hashes.extend(epcis.event_hashes([body], contexts[key]))
                    except Exception:  # noqa: BLE001
                        hashes.append(None)
            for (index, _), ni in zip(items, hashes, strict=True):
                if ni is not None:
                    out[index] = epcis.hash_hex(ni).lower()
        return out

    # --- 2. inner nodes -------------------------------------------------------------------------------
    def _nodes(self, size: int) -> None:
        extra = 0
        for level in range(0, 64):
            count = size >> level
            beyond = LogNode.objects.filter(level=level, index__gte=count).count()
            extra += beyond
            if level == 0 or count == 0:
                if count == 0 and not beyond and not LogNode.objects.filter(level__gt=level).exists():
                    break
                continue
            for start in range(0, count, WINDOW):
                end = min(start + WINDOW, count)
                parents = dict(
                    LogNode.objects.filter(level=level, index__gte=start, index__lt=end).values_list(
                        "index", "hash"
                    )
                )
                children = dict(
                    LogNode.objects.filter(
                        level=level - 1, index__gte=2 * start, index__lt=2 * end
                    ).values_list("index", "hash")
                )
                for index in range(start, end):
                    left, right = children.get(2 * index), children.get(2 * index + 1)
                    stored = parents.get(index)
                    if stored is None:
                        self.report(f"node {level}/{index} is missing from the tree")
                    elif (
                        left is not None
                        and right is not None
                        and merkle.node_hash(bytes(left), bytes(right)) != bytes(stored)
                    ):
                        self.report(f"node {level}/{index} is not the hash of its children")
        if extra:
            self.report(f"{extra} node(s) lie beyond the log's size {size}")

    # --- 3. checkpoints ---------------------------------------------------------------------------------
    def _checkpoints(self, size: int) -> int:
        checked = 0
        for cp in Checkpoint.objects.order_by("tree_size").iterator(chunk_size=500):
            where = f"checkpoint of size {cp.tree_size}"
            if cp.tree_size > size:
                self.report(f"{where} is beyond the log's size {size}: leaves were removed")
                continue
            try:
                computed = tlog.root(cp.tree_size)
            except tlog.LogCorrupted as exc:
                self.report(f"{where}: {exc}")
                continue
            if computed != bytes(cp.root_hash):
                self.report(f"{where}: the log's root at this size is not the signed one")
            try:
                note = tlog.parse_note(cp.note)
            except ValueError:
                self.report(f"{where}: the stored note is malformed")
                continue
            if note.tree_size != cp.tree_size or note.root_hash != computed:
                self.report(f"{where}: the signed note does not state the log's root at this size")
            if not tlog.verify_note(cp.note):
                self.report(f"{where}: the signature does not verify with the log's key")
            checked += 1
        return checked
