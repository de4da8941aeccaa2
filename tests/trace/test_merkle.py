"""The Merkle tree of ocop.trace.merkle against a naive recursive transcription of RFC 9162 §2.1, on random
sizes and every index; the verifiers accept the proofs and refuse altered ones."""

import hashlib

from hypothesis import given, settings
from hypothesis import strategies as st

from ocop.trace import merkle


# --- RFC 9162 §2.1, transcribed literally (recursion over the list of leaves) ------------------------
def _h(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def _k(n: int) -> int:
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def naive_mth(d: list[bytes]) -> bytes:
    if not d:
        return _h(b"")
    if len(d) == 1:
        return _h(b"\x00" + d[0])
    k = _k(len(d))
    return _h(b"\x01" + naive_mth(d[:k]) + naive_mth(d[k:]))


def naive_path(m: int, d: list[bytes]) -> list[bytes]:
    if len(d) == 1:
        return []
    k = _k(len(d))
    if m < k:
        return naive_path(m, d[:k]) + [naive_mth(d[k:])]
    return naive_path(m - k, d[k:]) + [naive_mth(d[:k])]


def naive_subproof(m: int, d: list[bytes], b: bool) -> list[bytes]:
    n = len(d)
    if m == n:
        return [] if b else [naive_mth(d)]
    k = _k(n)
    if m <= k:
        return naive_subproof(m, d[:k], b) + [naive_mth(d[k:])]
    return naive_subproof(m - k, d[k:], False) + [naive_mth(d[:k])]


def data(n: int, salt: int = 0) -> list[bytes]:
    return [f"leaf {salt} {i}".encode() for i in range(n)]


def tree_of(d: list[bytes]) -> merkle.MemoryTree:
    tree = merkle.MemoryTree()
    tree.append([merkle.leaf_hash(x) for x in d])
    return tree


def test_known_values():
    assert merkle.root(0, lambda *_: b"") == hashlib.sha256(b"").digest()
    assert merkle.leaf_hash(b"") == bytes.fromhex(
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"
    )
    # RFC 6962 / 9162 test vector: the tree of the eight reference leaves.
    leaves = [
        b"",
        b"\x00",
        b"\x10",
        b"\x20\x21",
        b"\x30\x31",
        b"\x40\x41\x42\x43",
        b"\x50\x51\x52\x53\x54\x55\x56\x57",
        b"\x60\x61\x62\x63\x64\x65\x66\x67\x68\x69\x6a\x6b\x6c\x6d\x6e\x6f",
    ]
    assert tree_of(leaves).root().hex() == "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"


@settings(max_examples=60, deadline=None)
@given(st.integers(min_value=1, max_value=300), st.integers(min_value=0, max_value=3))
def test_root_and_every_inclusion_proof_match_the_rfc(n, salt):
    d = data(n, salt)
    tree = tree_of(d)
    root = naive_mth(d)
    assert tree.root() == root
    for size in {1, n // 2 or 1, n}:
        assert tree.root(size) == naive_mth(d[:size])
    for m in range(n):
        proof = merkle.inclusion_proof(m, n, tree.get_node)
        assert proof == naive_path(m, d)
        assert merkle.verify_inclusion(m, n, merkle.leaf_hash(d[m]), proof, root)
        # O(log n) reads: at most one per level for each sibling, bounded by (log2 n + 1)^2 / 2 + 1
        assert len(merkle.nodes_needed(merkle.inclusion_proof, m, n)) <= 2 * n.bit_length() + 1


@settings(max_examples=60, deadline=None)
@given(st.integers(min_value=1, max_value=300), st.data())
def test_consistency_proofs_match_the_rfc(n, draw):
    d = data(n)
    tree = tree_of(d)
    firsts = set(draw.draw(st.lists(st.integers(min_value=1, max_value=n), min_size=1, max_size=20)))
    firsts |= {1, n}
    for m in sorted(firsts):
        proof = merkle.consistency_proof(m, n, tree.get_node)
        assert proof == naive_subproof(m, d, True)
        assert merkle.verify_consistency(m, n, naive_mth(d[:m]), naive_mth(d), proof)
        if proof:
            bad = list(proof)
            bad[-1] = bytes(32)
            assert not merkle.verify_consistency(m, n, naive_mth(d[:m]), naive_mth(d), bad)
        if m < n:
            assert not merkle.verify_consistency(m, n, naive_mth(d[1 : m + 1]), naive_mth(d), proof)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(min_value=1, max_value=40), min_size=1, max_size=12))
def test_appending_in_batches_builds_the_same_nodes_as_at_once(batches):
    total = sum(batches)
    d = data(total)
    whole = tree_of(d)
    pieces = merkle.MemoryTree()
    offset = 0
    for size in batches:
        pieces.append([merkle.leaf_hash(x) for x in d[offset : offset + size]])
        offset += size
        assert pieces.root() == naive_mth(d[:offset])
    assert pieces.nodes == whole.nodes
    # exactly the complete subtrees are stored
    expected = {(lv, i) for lv in range(total.bit_length()) for i in range(total >> lv)}
    assert set(pieces.nodes) == expected


def test_verifiers_refuse_wrong_proofs():
    d = data(13)
    tree = tree_of(d)
    root = tree.root()
    proof = merkle.inclusion_proof(5, 13, tree.get_node)
    leaf = merkle.leaf_hash(d[5])
    assert merkle.verify_inclusion(5, 13, leaf, proof, root)
    assert not merkle.verify_inclusion(6, 13, leaf, proof, root)
    assert not merkle.verify_inclusion(5, 17, leaf, proof, root)  # (5, 14) has the same shape
    assert not merkle.verify_inclusion(5, 13, merkle.leaf_hash(d[4]), proof, root)
    assert not merkle.verify_inclusion(5, 13, leaf, proof[:-1], root)
    assert not merkle.verify_inclusion(5, 13, leaf, [*proof, bytes(32)], root)
    assert not merkle.verify_inclusion(13, 13, leaf, proof, root)
    assert not merkle.verify_consistency(0, 13, merkle.EMPTY_ROOT, root, [])
    assert not merkle.verify_consistency(14, 13, root, root, [])
    assert merkle.verify_consistency(13, 13, root, root, [])
    assert not merkle.verify_consistency(13, 13, root, root, [root])


def test_bad_ranges_raise():
    tree = tree_of(data(4))
    for args in [(4, 4), (-1, 4), (0, 0)]:
        try:
            merkle.inclusion_proof(*args, tree.get_node)
        except ValueError:
            pass
        else:
            raise AssertionError(args)
    for args in [(0, 4), (5, 4)]:
        try:
            merkle.consistency_proof(*args, tree.get_node)
        except ValueError:
            pass
        else:
            raise AssertionError(args)
