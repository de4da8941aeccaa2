"""Merkle tree hashing of RFC 9162 §2.1 (Certificate Transparency 2.0), with no Django in sight.

    leaf hash  = SHA-256(0x00 ‖ data)
    node hash  = SHA-256(0x01 ‖ left ‖ right)
    MTH({})    = SHA-256()
    MTH(D[n])  = node(MTH(D[0:k]), MTH(D[k:n])), k the largest power of two smaller than n

Proofs are built from a callback `get_node(level, index) -> bytes` that returns the hash of the COMPLETE
subtree of 2**level leaves starting at leaf index * 2**level. In RFC 9162's recursion every subtree whose
size is a power of two is such a complete, aligned subtree; the only other subtrees are on the tree's
right edge, and they are rebuilt from at most log2(n) complete ones. A proof therefore reads O(log n)
nodes. `nodes_needed` lists those nodes beforehand, so that a store can fetch them in one query.

The verification functions follow §2.1.3.2 (inclusion) and §2.1.4.2 (consistency) to the letter.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence

GetNode = Callable[[int, int], bytes]
HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def split_point(n: int) -> int:
    """The largest power of two smaller than n (n >= 2)."""
    return 1 << ((n - 1).bit_length() - 1)


def _is_power_of_two(n: int) -> bool:
    return n > 0 and n & (n - 1) == 0


# --- Subtree hashes from complete nodes ---------------------------------------------------------


def subtree_hash(start: int, size: int, get_node: GetNode) -> bytes:
    """MTH(D[start:start+size]) for a subtree of RFC 9162's recursion (start is a multiple of the
    largest power of two not above size), from complete nodes: one read when size is a power of two,
    else one per bit of size, combined right to left."""
    if size <= 0:
        return EMPTY_ROOT
    if _is_power_of_two(size):
        level = size.bit_length() - 1
        return get_node(level, start >> level)
    # Decompose [start, start+size) into complete subtrees, largest first.
    parts = []
    offset = start
    for level in range(size.bit_length() - 1, -1, -1):
        if size >> level & 1:
            parts.append(get_node(level, offset >> level))
            offset += 1 << level
    result = parts[-1]
    for part in reversed(parts[:-1]):
        result = node_hash(part, result)
    return result


def root(size: int, get_node: GetNode) -> bytes:
    """MTH(D[size])."""
    return subtree_hash(0, size, get_node)


def frontier(size: int) -> list[tuple[int, int]]:
    """The complete subtrees (level, index) whose hashes make up the tree of `size` leaves, largest first:
    all that is needed to append further leaves (or to compute the root)."""
    out = []
    offset = 0
    for level in range(size.bit_length() - 1, -1, -1):
        if size >> level & 1:
            out.append((level, offset >> level))
            offset += 1 << level
    return out


def new_nodes(
    old_size: int, leaf_hashes: Sequence[bytes], known: dict[tuple[int, int], bytes]
) -> list[tuple[int, int, bytes]]:
    """The nodes (level, index, hash) that become complete when `leaf_hashes` are appended to a tree of
    `old_size` leaves: the new leaves, then every parent whose subtree completes. `known` must hold the
    hashes of frontier(old_size) (only the left siblings among them are read)."""
    new_size = old_size + len(leaf_hashes)
    out = [(0, old_size + i, h) for i, h in enumerate(leaf_hashes)]
    below = {old_size + i: h for i, h in enumerate(leaf_hashes)}
    level = 1
    while True:
        first, end = old_size >> level, new_size >> level
        if first >= end:
            break
        current = {}
        for index in range(first, end):
            left = below.get(2 * index)
            if left is None:
                left = known[(level - 1, 2 * index)]
            hashed = node_hash(left, below[2 * index + 1])
            current[index] = hashed
            out.append((level, index, hashed))
        below = current
        level += 1
    return out


# --- Proofs (RFC 9162 §2.1.3.1 and §2.1.4.1) --------------------------------------------------------


def inclusion_proof(leaf_index: int, size: int, get_node: GetNode) -> list[bytes]:
    """PATH(m, D[n]) of §2.1.3.1, leaf to root."""
    if not 0 <= leaf_index < size:
        raise ValueError(f"leaf index {leaf_index} is not in a tree of size {size}")
    path: list[bytes] = []
    start, n, m = 0, size, leaf_index
    # Walk down from the root, collecting the sibling subtrees; they are listed leaf first.
    while n > 1:
        k = split_point(n)
        if m < k:
            path.append(subtree_hash(start + k, n - k, get_node))
            n = k
        else:
            path.append(subtree_hash(start, k, get_node))
            start, n, m = start + k, n - k, m - k
    path.reverse()
    return path


def consistency_proof(first: int, second: int, get_node: GetNode) -> list[bytes]:
    """PROOF(m, D[n]) of §2.1.4.1 (empty when m == n)."""
    if not 0 < first <= second:
        raise ValueError(f"no consistency proof from size {first} to size {second}")
    proof: list[bytes] = []
    start, n, m, complete = 0, second, first, True
    while m != n:
        k = split_point(n)
        if m <= k:
            proof.append(subtree_hash(start + k, n - k, get_node))
            n = k
        else:
            proof.append(subtree_hash(start, k, get_node))
            start, n, m, complete = start + k, n - k, m - k, False
    if not complete:
        proof.append(subtree_hash(start, m, get_node))
    proof.reverse()
    return proof


def nodes_needed(function: Callable[..., object], *args: int) -> list[tuple[int, int]]:
    """The (level, index) nodes that `function(*args, get_node)` reads, in order, found by a dry run (the
    walk does not depend on the hashes), so that a store can fetch them all at once."""
    wanted: list[tuple[int, int]] = []

    def record(level: int, index: int) -> bytes:
        wanted.append((level, index))
        return bytes(HASH_SIZE)

    function(*args, record)
    return wanted


# --- Verification (RFC 9162 §2.1.3.2 and §2.1.4.2) --------------------------------------------------


def verify_inclusion(
    leaf_index: int, size: int, leaf: bytes, proof: Iterable[bytes], expected_root: bytes
) -> bool:
    """True when `proof` shows that the leaf hash `leaf` is at `leaf_index` in the tree whose root is
    `expected_root`."""
    if not 0 <= leaf_index < size:
        return False
    fn, sn, r = leaf_index, size - 1, leaf
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == expected_root


def verify_consistency(
    first: int, second: int, first_root: bytes, second_root: bytes, proof: Sequence[bytes]
) -> bool:
    """True when `proof` shows that the tree of `first` leaves and root `first_root` is a prefix of the
    tree of `second` leaves and root `second_root`."""
    if not 0 < first <= second:
        return False
    proof = list(proof)
    if first == second:
        return not proof and first_root == second_root
    if _is_power_of_two(first):
        proof = [first_root, *proof]
    if not proof:
        return False
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = proof[0]
    for c in proof[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return fr == first_root and sr == second_root and sn == 0


# --- A small in-memory tree (tests, the verify command) ---------------------------------------------


class MemoryTree:
    """Complete nodes kept in a dict, appended to with `new_nodes`: the same code path as the database."""

    def __init__(self) -> None:
        self.size = 0
        self.nodes: dict[tuple[int, int], bytes] = {}

    def append(self, leaf_hashes: Sequence[bytes]) -> None:
        for level, index, hashed in new_nodes(self.size, leaf_hashes, self.nodes):
            self.nodes[(level, index)] = hashed
        self.size += len(leaf_hashes)

    def get_node(self, level: int, index: int) -> bytes:
        return self.nodes[(level, index)]

    def root(self, size: int | None = None) -> bytes:
        return root(self.size if size is None else size, self.get_node)
