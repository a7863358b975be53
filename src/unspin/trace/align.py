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
    spans: list[SpanPair] = []
    equal_tokens = matched_immutables = query_in_spans = source_in_spans = 0
    # A span: runs of equal tokens joined across substitution-sized gaps.
    span_q = span_s = None  # start token indices of the open span
    run_equal = 0
    last_q = last_s = 0  # end token indices of the last equal block of the open span

    def close() -> None:
        nonlocal span_q, span_s, run_equal, query_in_spans, source_in_spans
        if span_q is not None and run_equal >= MIN_RUN:
            spans.append(
                SpanPair(
                    query[span_q].start,
                    query[last_q - 1].end,
                    source[span_s].start,
                    source[last_s - 1].end,
                )
            )
            query_in_spans += last_q - span_q
            source_in_spans += last_s - span_s
        span_q = span_s = None
        run_equal = 0

    gap_q = gap_s = 0
    for op in ops:
        if op.tag != "equal":
            gap_q += op.src_end - op.src_start
            gap_s += op.dest_end - op.dest_start
            continue
        if span_q is not None and (gap_q > MAX_GAP or gap_s > MAX_GAP):
            close()
        gap_q = gap_s = 0
        if span_q is None:
            span_q, span_s = op.src_start, op.dest_start
        length = op.src_end - op.src_start
        run_equal += length
        equal_tokens += length
        matched_immutables += sum(query[i].immutable for i in range(op.src_start, op.src_end))
        last_q, last_s = op.src_end, op.dest_end
    close()
    immutables = sum(t.immutable for t in query)
    return Alignment(
        immutables=matched_immutables / (immutables + SHRINK),
        aligned=query_in_spans / len(query),
        identical=equal_tokens / len(query),
        source_aligned=source_in_spans / len(source),
        spans=tuple(spans),
    )


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
