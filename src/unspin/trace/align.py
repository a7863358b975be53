"""Verification: align a query with a candidate source and score how much of it came from there.

Shared shingles only nominate candidates; a shared name or date is common between unrelated
articles on one topic. The verifier aligns the two token sequences (edit-distance opcodes over
whole tokens) and reads the alignment the way a spun copy looks: long runs of identical tokens
broken by short substitutions (a word or phrase swapped for a synonym), with the immutables
matched in order. A logistic model over a few such features, fitted on simulated copies and
near-topic non-copies of training text (:mod:`unspin.trace.calibrate`), turns them into a score
whose 0.5 is the match line.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass
from functools import cache
from pathlib import Path

from rapidfuzz.distance import Levenshtein

from unspin.trace.fingerprint import Tok

MAX_GAP = 4
"""A substitution spans at most this many tokens on either side ("in light of" -> "in mild of",
"death" -> "loss of life"); a longer gap means the texts diverge there."""
MIN_RUN = 3
"""Identical tokens a span needs before it counts as copied text."""
SHRINK = 3.0
"""Pseudo-count that pulls the immutable share of a text with few immutables towards zero: two
names in common prove little, forty do."""
CALIBRATION = Path(__file__).with_name("calibration.json")
FEATURES = ("immutables", "aligned", "identical", "source_aligned")


@dataclass(frozen=True, slots=True)
class SpanPair:
    """A stretch of the query (``query_start:query_end``, character offsets) aligned with a
    stretch of the source (``source_start:source_end``)."""

    query_start: int
    query_end: int
    source_start: int
    source_end: int


@dataclass(frozen=True, slots=True)
class Alignment:
    """Features of one query/candidate alignment and the span pairs behind them."""

    immutables: float  # share of the query's immutables matched, shrunk for short texts
    aligned: float  # share of the query's tokens inside aligned spans
    identical: float  # share of the query's tokens matched identically
    source_aligned: float  # share of the candidate's tokens inside aligned spans
    spans: tuple[SpanPair, ...]

    def vector(self) -> list[float]:
        return [getattr(self, name) for name in FEATURES]


def align(query: list[Tok], source: list[Tok]) -> Alignment:
    """Align two token lists and measure what is shared."""
    if not query or not source:
        return Alignment(0.0, 0.0, 0.0, 0.0, ())
    ops = Levenshtein.opcodes([t.key for t in query], [t.key for t in source])
    # Spans: runs of equal tokens joined across substitution-sized gaps.
    spans: list[list[tuple[int, int]]] = []  # the equal (query, source) index pairs of each
    current: list[tuple[int, int]] = []
    gap_q = gap_s = 0
    for op in ops:
        if op.tag != "equal":
            gap_q += op.src_end - op.src_start
            gap_s += op.dest_end - op.dest_start
            continue
        if current and (gap_q > MAX_GAP or gap_s > MAX_GAP):
            spans.append(current)
            current = []
        gap_q = gap_s = 0
        current += zip(
            range(op.src_start, op.src_end), range(op.dest_start, op.dest_end), strict=True
        )
    spans.append(current)
    spans = [pairs for pairs in spans if len(pairs) >= MIN_RUN]
    equal = sum(op.src_end - op.src_start for op in ops if op.tag == "equal")
    matched_immutables = sum(
        query[i].immutable
        for op in ops
        if op.tag == "equal"
        for i in range(op.src_start, op.src_end)
    )
    immutables = sum(t.immutable for t in query)
    return Alignment(
        immutables=matched_immutables / (immutables + SHRINK),
        aligned=sum(p[-1][0] - p[0][0] + 1 for p in spans) / len(query),
        identical=equal / len(query),
        source_aligned=sum(p[-1][1] - p[0][1] + 1 for p in spans) / len(source),
        spans=tuple(_by_sentence(spans, query, source)),
    )


def _by_sentence(
    spans: list[list[tuple[int, int]]], query: list[Tok], source: list[Tok]
) -> list[SpanPair]:
    """One span pair per query sentence inside each aligned span: which spun sentence came from
    which stretch of the source."""
    found = []
    for pairs in spans:
        start = 0
        for end in range(1, len(pairs) + 1):
            if (
                end == len(pairs)
                or query[pairs[end][0]].sentence != query[pairs[start][0]].sentence
            ):
                (q0, s0), (q1, s1) = pairs[start], pairs[end - 1]
                found.append(
                    SpanPair(query[q0].start, query[q1].end, source[s0].start, source[s1].end)
                )
                start = end
    return found


@dataclass(frozen=True, slots=True)
class Model:
    """Logistic weights over :data:`FEATURES`, and where they came from."""

    weights: tuple[float, ...]
    bias: float
    fitted_on: dict

    def score(self, alignment: Alignment) -> float:
        z = self.bias + sum(w * x for w, x in zip(self.weights, alignment.vector(), strict=True))
        return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, z))))

    def save(self, path: Path = CALIBRATION) -> None:
        path.write_text(json.dumps(asdict(self), indent=2) + "\n")


@cache
def model(path: Path = CALIBRATION) -> Model:
    """The shipped calibration (see :mod:`unspin.trace.calibrate`)."""
    raw = json.loads(path.read_text())
    return Model(tuple(raw["weights"]), raw["bias"], raw["fitted_on"])
