"""Group the spun variants of a collection and name their likely source.

The algorithm, shared step by step with the Spark version (:mod:`unspin.trace.spark`):

1. fingerprint every document (immutable shingles, :mod:`unspin.trace.fingerprint`);
2. bucket documents by shingle; a bucket bigger than :data:`MAX_BUCKET` is boilerplate and
   dropped, every other bucket proposes its pairs;
3. keep pairs that share at least :data:`MIN_SHARED` shingles and verify each by alignment (the
   shorter document as the query), keeping those scoring 0.5 or more as edges;
4. connected components of the edges are the clusters;
5. in each cluster, the member with the plainest wording (highest mean log frequency of its
   mutable words, those a thesaurus could rewrite) is the likely source: spinners swap common
   words for rarer "synonyms" (in -> successful, said -> stated), so a spin makes a text less
   frequent-worded. A cheap proxy: it picks the source in about five clusters of six on the bench.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from itertools import combinations
from pathlib import Path

from unspin.trace.align import align, model
from unspin.trace.fingerprint import Fingerprinter, Tok

MAX_BUCKET = 50
MIN_SHARED = 2


@dataclass(frozen=True, slots=True)
class Cluster:
    """Spun variants of one text: its members (ids, sorted) and the likely source among them."""

    source: str
    members: tuple[str, ...]

    def to_dict(self) -> dict:
        return {"source": self.source, "members": list(self.members)}


@dataclass(frozen=True, slots=True)
class Features:
    """What clustering needs of a document besides its text."""

    shingles: frozenset[int]
    plainness: float


def features(fingerprinter: Fingerprinter, text: str) -> Features:
    tokens, shingles = fingerprinter.fingerprint(text)
    return Features(frozenset(shingles), plainness(fingerprinter, tokens))


def plainness(fingerprinter: Fingerprinter, tokens: list[Tok]) -> float:
    """Mean log10 frequency of the mutable words (unknown ones count as very rare)."""
    words = [t.key for t in tokens if not t.immutable]
    if not words:
        return -math.inf
    prior = fingerprinter.prior
    return sum(prior(word) for word in words) / len(words)


def bucket_pairs(members: Iterable[str]) -> Iterator[tuple[str, str]]:
    """The pairs a shingle bucket proposes (none from an oversized bucket), ids in order."""
    ordered = sorted(set(members))
    if len(ordered) <= MAX_BUCKET:
        yield from combinations(ordered, 2)


def verify(fingerprinter: Fingerprinter, text_a: str, text_b: str) -> float:
    """Score of the shorter text as a copy of the longer one."""
    a, b = fingerprinter.tokens(text_a), fingerprinter.tokens(text_b)
    query, source = (a, b) if len(a) <= len(b) else (b, a)
    return model().score(align(query, source))


def components(edges: Iterable[tuple[str, str]]) -> list[list[str]]:
    """Connected components (union-find), each sorted, ordered by their first member."""
    parent: dict[str, str] = {}

    def find(node: str) -> str:
        parent.setdefault(node, node)
        while parent[node] != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    for a, b in edges:
        root_a, root_b = find(a), find(b)
        if root_a != root_b:
            parent[max(root_a, root_b)] = min(root_a, root_b)
    groups: dict[str, list[str]] = defaultdict(list)
    for node in parent:
        groups[find(node)].append(node)
    return sorted(sorted(group) for group in groups.values())


def clusters_from(edges: Iterable[tuple[str, str]], plain: dict[str, float]) -> list[Cluster]:
    """Clusters with their likely source (ties go to the smallest id, for determinism)."""
    return [
        Cluster(max(group, key=plain.__getitem__), tuple(group))  # group is sorted
        for group in components(edges)
    ]


def cluster(
    documents: Iterable[tuple[str, str]],
    data_dir: Path | None = None,
    progress: Callable[[str, int, int], None] | None = None,
) -> tuple[list[Cluster], dict]:
    """Cluster ``(doc_id, text)`` pairs on one machine; returns the clusters (of two or more
    documents) and counts of each step."""
    fingerprinter = Fingerprinter(data_dir)
    texts: dict[str, str] = {}
    plain: dict[str, float] = {}
    buckets: dict[int, list[str]] = defaultdict(list)
    for doc_id, text in documents:
        doc_id = str(doc_id)
        texts[doc_id] = text
        found = features(fingerprinter, text)
        plain[doc_id] = found.plainness
        for value in found.shingles:
            buckets[value].append(doc_id)
        if progress and len(texts) % 1000 == 0:
            progress("fingerprinting", len(texts), 0)
    shared: Counter[tuple[str, str]] = Counter()
    for members in buckets.values():
        shared.update(bucket_pairs(members))
    candidates = sorted(pair for pair, count in shared.items() if count >= MIN_SHARED)
    edges = []
    for number, (a, b) in enumerate(candidates, start=1):
        if verify(fingerprinter, texts[a], texts[b]) >= 0.5:
            edges.append((a, b))
        if progress and number % 1000 == 0:
            progress("verifying", number, len(candidates))
    stats = {
        "documents": len(texts),
        "buckets": len(buckets),
        "candidate_pairs": len(candidates),
        "edges": len(edges),
    }
    return clusters_from(edges, plain), stats
