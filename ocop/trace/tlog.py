"""The transparency log: every captured EPCIS event is a leaf of an RFC 9162 Merkle tree whose data is the
32 raw bytes of the event's CBV 2.0 hash; the server signs checkpoints of it (C2SP tlog-checkpoint, as a
C2SP signed note with an Ed25519 key) and serves inclusion and consistency proofs.

The tree is stored as its complete subtrees (`LogNode`: level 0 holds the leaf hashes, level L the hash
of 2**L leaves), written once when they complete and never changed. A proof or a root then reads
O(log n) nodes, fetched in one query.

Settings (read with defaults; none is required):
- OCOP_TLOG_KEY_FILE: the Ed25519 signing key, PEM (PKCS #8) or the raw 32-byte seed; default
  `<VAR_DIR>/tlog-ed25519.key`, created (mode 0600) on first use.
- OCOP_TLOG_ORIGIN: the log's origin line, also the key's name; default
  `<host of OCOP_PUBLIC_BASE_URL>/transparency`.
"""

from __future__ import annotations

import base64
import hashlib
import os
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Max

from ocop.core.links import public_base_url

from . import merkle
from .models import Checkpoint, Event, LogNode

# pg_advisory_xact_lock key serializing appends ("OCOPTLOG" read as a 64-bit integer).
LOCK_KEY = int.from_bytes(b"OCOPTLOG", "big") & 0x7FFFFFFFFFFFFFFF
SIGNATURE_TYPE_ED25519 = b"\x01"


# --- Appending ------------------------------------------------------------------------------------


def _lock() -> None:
    """Serializes appends until the end of the transaction. SQLite serializes writers already."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_KEY])


def size() -> int:
    """The number of leaves in the log (committed, or appended in this transaction)."""
    top = LogNode.objects.filter(level=0).aggregate(top=Max("index"))["top"]
    return 0 if top is None else top + 1


def _fetch(positions: Iterable[tuple[int, int]]) -> dict[tuple[int, int], bytes]:
    """The hashes of the given nodes, in one query (plain SQL: the ORM's cost for a few dozen OR-ed
    conditions would be most of a proof's time)."""
    positions = sorted(set(positions))
    if not positions:
        return {}
    table = LogNode._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                # the table name is the model's own
                f'SELECT n.level, n."index", n.hash FROM unnest(%s::smallint[], %s::bigint[]) AS w(level, i) '  # noqa: S608
                f'JOIN "{table}" AS n ON n.level = w.level AND n."index" = w.i',
                [[lv for lv, _ in positions], [i for _, i in positions]],
            )
        else:
            rows = ", ".join(["(%s, %s)"] * len(positions))
            cursor.execute(
                f'SELECT level, "index", hash FROM "{table}" WHERE (level, "index") IN (VALUES {rows})',  # noqa: S608
                [p for position in positions for p in position],
            )
        found = {(lv, i): bytes(h) for lv, i, h in cursor.fetchall()}
    missing = set(positions) - found.keys()
    if missing:
        raise LogCorrupted(f"the log has no node {min(missing)}")
    return found


class LogCorrupted(Exception):
    """A node the tree's size implies is not stored."""


def append_leaf_hashes(leaf_hashes: Sequence[bytes]) -> int:
    """Appends leaf hashes to the tree and stores every node that completes; returns the index of the first
    one. Must run inside a transaction (it takes the log's lock for the rest of it)."""
    _lock()
    start = size()
    if not leaf_hashes:
        return start
    known = _fetch(merkle.frontier(start))
    nodes = merkle.new_nodes(start, leaf_hashes, known)
    _insert(nodes)
    return start


def _insert(nodes: list[tuple[int, int, bytes]]) -> None:
    """Stores new nodes: COPY on PostgreSQL (several times faster than a bulk INSERT), else executemany."""
    table = LogNode._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f'COPY "{table}" (level, "index", hash) FROM STDIN') as copy:
                for row in nodes:
                    copy.write_row(row)
        else:
            cursor.executemany(
                f'INSERT INTO "{table}" (level, "index", hash) VALUES (%s, %s, %s)',  # noqa: S608
                nodes,
            )


def append(events: list[Event]) -> None:
    """Appends events to the log, in order, inside the caller's transaction (the capture's): assigns each its
    `leaf_index` and stores the new nodes. Saved events get their leaf_index written here; unsaved ones
    only have the attribute set, for the caller's own save."""
    if not events:
        return
    leaves = [merkle.leaf_hash(bytes.fromhex(event.event_hash)) for event in events]
    with transaction.atomic():
        start = append_leaf_hashes(leaves)
        for offset, event in enumerate(events):
            event.leaf_index = start + offset
        saved = [event for event in events if event.pk is not None]
        if saved:
            _write_leaf_indexes(saved)


def _write_leaf_indexes(events: list[Event]) -> None:
    table = Event._meta.db_table
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                f'UPDATE "{table}" AS e SET leaf_index = v.leaf '  # noqa: S608 — the model's own table name
                "FROM unnest(%s::bigint[], %s::bigint[]) AS v(id, leaf) WHERE e.id = v.id",
                [[event.pk for event in events], [event.leaf_index for event in events]],
            )
    else:
        Event.objects.bulk_update(events, ["leaf_index"], batch_size=500)


# --- Reading --------------------------------------------------------------------------------------


def _run(function, *args: int):
    """Runs a merkle function over the stored nodes, fetched in one query beforehand."""
    nodes = _fetch(merkle.nodes_needed(function, *args))
    return function(*args, lambda level, index: nodes[(level, index)])


def root(tree_size: int) -> bytes:
    if tree_size == 0:
        return merkle.EMPTY_ROOT
    return _run(merkle.root, tree_size)


def inclusion_proof(leaf_index: int, tree_size: int) -> list[bytes]:
    return _run(merkle.inclusion_proof, leaf_index, tree_size)


def consistency_proof(first: int, second: int) -> list[bytes]:
    return _run(merkle.consistency_proof, first, second)


def leaf(leaf_index: int) -> bytes:
    return _fetch([(0, leaf_index)])[(0, leaf_index)]


def leaf_and_inclusion_proof(leaf_index: int, tree_size: int) -> tuple[bytes, list[bytes]]:
    """The stored leaf hash and its inclusion proof, read in one query."""
    if not 0 <= leaf_index < tree_size:
        raise ValueError(f"leaf index {leaf_index} is not in a tree of size {tree_size}")
    wanted = merkle.nodes_needed(merkle.inclusion_proof, leaf_index, tree_size)
    nodes = _fetch([*wanted, (0, leaf_index)])
    proof = merkle.inclusion_proof(leaf_index, tree_size, lambda level, index: nodes[(level, index)])
    return nodes[(0, leaf_index)], proof


# --- Signing (C2SP signed-note, tlog-checkpoint) ------------------------------------------------------


def origin() -> str:
    configured = getattr(settings, "OCOP_TLOG_ORIGIN", None)
    if configured:
        return configured
    return f"{urlsplit(public_base_url()).netloc or 'localhost'}/transparency"


def key_file() -> Path:
    configured = getattr(settings, "OCOP_TLOG_KEY_FILE", None)
    return Path(configured) if configured else Path(settings.VAR_DIR) / "tlog-ed25519.key"


_keys: dict[str, object] = {}
_keys_lock = threading.Lock()


def signing_key():
    """The log's Ed25519 private key, read from the key file (created there, mode 0600, when missing)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    path = key_file()
    with _keys_lock:
        cached = _keys.get(str(path))
        if cached is not None:
            return cached
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            pem = Ed25519PrivateKey.generate().private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
            # Written whole under another name, then linked into place: a process that loses the race
            # never reads a half-written key, and keeps the winner's.
            temporary = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}")
            fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as handle:
                handle.write(pem)
            try:
                os.link(temporary, path)
            except FileExistsError:
                pass
            finally:
                temporary.unlink()
        raw = path.read_bytes()
        if len(raw) == 32:
            key = Ed25519PrivateKey.from_private_bytes(raw)
        else:
            key = serialization.load_pem_private_key(raw, password=None)
            if not isinstance(key, Ed25519PrivateKey):
                raise ValueError(f"{path} does not hold an Ed25519 key")
        _keys[str(path)] = key
        return key


def public_key_bytes() -> bytes:
    from cryptography.hazmat.primitives import serialization

    return signing_key().public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def key_id(name: str, public_key: bytes) -> bytes:
    """C2SP signed-note key ID: the first 4 bytes of SHA-256(name ‖ 0x0A ‖ 0x01 ‖ public key)."""
    return hashlib.sha256(name.encode() + b"\n" + SIGNATURE_TYPE_ED25519 + public_key).digest()[:4]


def verifier_key() -> str:
    """The note verifier key: `<name>+<hex key id>+<base64(0x01 ‖ public key)>`."""
    name, public = origin(), public_key_bytes()
    encoded = base64.b64encode(SIGNATURE_TYPE_ED25519 + public).decode()
    return f"{name}+{key_id(name, public).hex()}+{encoded}"


def checkpoint_body(tree_size: int, root_hash: bytes) -> str:
    return f"{origin()}\n{tree_size}\n{base64.b64encode(root_hash).decode()}\n"


def sign_note(body: str) -> str:
    """A signed note: the body, an empty line, and the signature line of the log's key."""
    name = origin()
    signature = signing_key().sign(body.encode())
    blob = base64.b64encode(key_id(name, public_key_bytes()) + signature).decode()
    return f"{body}\n\u2014 {name} {blob}\n"


@dataclass(frozen=True)
class ParsedNote:
    body: str
    origin: str
    tree_size: int
    root_hash: bytes
    signatures: list[tuple[str, bytes, bytes]]  # (key name, key id, signature)


def parse_note(note: str) -> ParsedNote:
    """Splits a signed checkpoint note; raises ValueError when it is malformed."""
    body, sep, sigs = note.rpartition("\n\n")
    if not sep:
        raise ValueError("no signature block")
    body += "\n"
    lines = body.split("\n")
    if len(lines) < 4 or not lines[1].isdigit():
        raise ValueError("not a checkpoint")
    signatures = []
    for line in sigs.rstrip("\n").split("\n"):
        dash, name, blob = line.split(" ")
        if dash != "\u2014":
            raise ValueError("not a signature line")
        raw = base64.b64decode(blob, validate=True)
        signatures.append((name, raw[:4], raw[4:]))
    return ParsedNote(body, lines[0], int(lines[1]), base64.b64decode(lines[2], validate=True), signatures)


def verify_note(note: str) -> bool:
    """True when the note carries a valid signature by this log's key."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    try:
        parsed = parse_note(note)
    except ValueError:
        return False
    name, public = origin(), public_key_bytes()
    expected_id = key_id(name, public)
    for sig_name, sig_id, signature in parsed.signatures:
        if sig_name == name and sig_id == expected_id:
            try:
                Ed25519PublicKey.from_public_bytes(public).verify(signature, parsed.body.encode())
            except InvalidSignature:
                return False
            return True
    return False


def checkpoint() -> Checkpoint:
    """The signed checkpoint of the log at its current size: the stored one when the size has not changed
    (two small queries), else a new one, stored."""
    current = size()
    latest = Checkpoint.objects.only("tree_size", "root_hash", "note").first()
    if latest is not None and latest.tree_size == current:
        return latest
    root_hash = root(current)
    made = Checkpoint(
        tree_size=current, root_hash=root_hash, note=sign_note(checkpoint_body(current, root_hash))
    )
    try:
        with transaction.atomic():
            made.save()
    except IntegrityError:  # another request stored the checkpoint of this size first
        return Checkpoint.objects.get(tree_size=current)
    return made
