"""Scores for restorations and verdicts against a spinner's exact edit map.

Pure functions, so each can be checked on hand-made cases. Restoration is scored by *regions*:
stretches of the spun text where the spinner, the restorer or both changed something (overlapping
spans merged). A region is correct when the restored text equals the original there, exactly. So a
spun span counts as restored only if the restorer put back the original words, a change counts as
right only if it helped restore a spun span, and leaving a span alone never scores: a pass-through
restorer gets edit recall 0 and WER after = WER before.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields

from rapidfuzz.distance import Levenshtein

from unspin.bench.spinners import SpinResult
from unspin.report import Change, Restoration, apply_changes
from unspin.text import Kind, tokenize

Span = tuple[int, int]


def _ratio(numerator: float, denominator: float) -> float | None:
    """``None`` when there is nothing to measure (no edits, no changes), never a fake 0 or 1."""
    return numerator / denominator if denominator else None


# --- restoration ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Region:
    """A stretch ``spun[spun_start:spun_end]`` touched by spinner edits and/or restorer changes,
    with the original and the restored text of that stretch."""

    spun_start: int
    spun_end: int
    original: str
    restored: str
    edits: int
    changes: int

    @property
    def correct(self) -> bool:
        return self.original == self.restored


def restoration_at(
    text: str, decoded: Iterable[tuple[Change, tuple[float, ...]]], threshold: float
) -> Restoration:
    """What ``restore(text, min_confidence=threshold)`` returns, from changes decoded once
    (``Restorer.decode``): the bench tools score one decoding at many thresholds."""
    kept = [change for change, _ in decoded if change.confidence >= threshold]
    return Restoration(apply_changes(text, kept), kept)


def effective_changes(spun: str, restoration: Restoration) -> list[Change]:
    """The restorer's changes that change something, checked against the text they index.

    Raises ``ValueError`` when a change does not index the spun text or the changes do not rebuild
    ``restoration.text``: scores computed from an inconsistent restoration would be meaningless.
    """
    changes = sorted(
        (c for c in restoration.changes if c.suggestion != c.found), key=lambda c: c.start
    )
    for change in changes:
        if change.start >= change.end:
            raise ValueError(f"empty change span (insertions are not supported): {change}")
    if apply_changes(spun, changes) != restoration.text:
        raise ValueError("the restoration's text does not follow from its changes")
    return changes


def align(spin: SpinResult, restoration: Restoration) -> list[Region]:
    """Regions of the spun text that the spinner or the restorer touched, in text order.

    Region boundaries never fall inside an edit or a change, so each maps to the original and to
    the restored text by a plain offset shift.
    """
    changes = effective_changes(spin.spun, restoration)
    spans = sorted(
        [(e.spun_start, e.spun_end) for e in spin.edits] + [(c.start, c.end) for c in changes]
    )
    bounds: list[list[int]] = []
    for start, end in spans:
        if bounds and start < bounds[-1][1]:
            bounds[-1][1] = max(bounds[-1][1], end)
        else:
            bounds.append([start, end])

    regions = []
    edit_index = change_index = 0
    original_shift = restored_shift = 0  # length added by edits/changes before the region
    for start, end in bounds:
        original_start = start + original_shift
        restored_start = start + restored_shift
        edits = changes_in = 0
        while edit_index < len(spin.edits) and spin.edits[edit_index].spun_start < end:
            edit = spin.edits[edit_index]
            original_shift += (edit.orig_end - edit.orig_start) - (edit.spun_end - edit.spun_start)
            edit_index += 1
            edits += 1
        while change_index < len(changes) and changes[change_index].start < end:
            change = changes[change_index]
            restored_shift += len(change.suggestion) - (change.end - change.start)
            change_index += 1
            changes_in += 1
        regions.append(
            Region(
                start,
                end,
                spin.original[original_start : end + original_shift],
                restoration.text[restored_start : end + restored_shift],
                edits,
                changes_in,
            )
        )
    return regions


def _word_spans(text: str) -> list[Span]:
    """Words and numbers: what WER and the token-level scores count (punctuation is not)."""
    return [(t.start, t.end) for t in tokenize(text) if t.kind is not Kind.PUNCT]


def _merged(spans: Iterable[Span]) -> list[Span]:
    merged: list[list[int]] = []
    for start, end in sorted(spans):
        if merged and start < merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(start, end) for start, end in merged]


def _overlaps(span: Span, sorted_spans: list[Span], starts: list[int]) -> bool:
    """Whether ``span`` overlaps any of ``sorted_spans`` (disjoint, sorted; ``starts`` their
    starts): only the last one starting before ``span`` ends can."""
    index = bisect.bisect_left(starts, span[1]) - 1
    return index >= 0 and sorted_spans[index][1] > span[0]


def _overlap_flags(spans: list[Span], others: Iterable[Span]) -> list[bool]:
    merged = _merged(others)
    starts = [start for start, _ in merged]
    return [_overlaps(span, merged, starts) for span in spans]


def word_errors(reference: str, hypothesis: str) -> tuple[int, int]:
    """Word-level Levenshtein distance and the reference's word count (case-sensitive)."""
    ref = [reference[s:e] for s, e in _word_spans(reference)]
    hyp = [hypothesis[s:e] for s, e in _word_spans(hypothesis)]
    return Levenshtein.distance(ref, hyp), len(ref)


def wer(reference: str, hypothesis: str) -> float | None:
    """Word error rate of ``hypothesis`` against ``reference``."""
    errors, words = word_errors(reference, hypothesis)
    return _ratio(errors, words)


@dataclass(frozen=True, slots=True)
class BinaryScores:
    """Counts of a yes/no decision against the truth, and the usual rates (``None``: undefined)."""

    tp: int = 0
    fp: int = 0
    tn: int = 0
    fn: int = 0

    def __add__(self, other: BinaryScores) -> BinaryScores:
        return BinaryScores(
            self.tp + other.tp, self.fp + other.fp, self.tn + other.tn, self.fn + other.fn
        )

    @property
    def precision(self) -> float | None:
        return _ratio(self.tp, self.tp + self.fp)

    @property
    def recall(self) -> float | None:
        return _ratio(self.tp, self.tp + self.fn)

    @property
    def f1(self) -> float | None:
        return _ratio(2 * self.tp, 2 * self.tp + self.fp + self.fn)

    @property
    def fpr(self) -> float | None:
        return _ratio(self.fp, self.fp + self.tn)

    def summary(self) -> dict[str, float | int | None]:
        return {
            "precision": self.precision,
            "recall": self.recall,
            "f1": self.f1,
            "fpr": self.fpr,
            "tp": self.tp,
            "fp": self.fp,
            "tn": self.tn,
            "fn": self.fn,
        }


def binary_scores(labels: Sequence[bool], predicted: Sequence[bool]) -> BinaryScores:
    """Confusion counts of ``predicted`` against ``labels``."""
    if len(labels) != len(predicted):
        raise ValueError("labels and predictions differ in length")
    tp = sum(1 for y, p in zip(labels, predicted, strict=True) if y and p)
    fp = sum(1 for y, p in zip(labels, predicted, strict=True) if not y and p)
    fn = sum(1 for y, p in zip(labels, predicted, strict=True) if y and not p)
    return BinaryScores(tp, fp, len(labels) - tp - fp - fn, fn)


def token_detection(text: str, gold: Iterable[Span], predicted: Iterable[Span]) -> BinaryScores:
    """Token-level detection: a word of ``text`` is spun if it overlaps a ``gold`` span and flagged
    if it overlaps a ``predicted`` span (a restorer change or a checker flag)."""
    words = _word_spans(text)
    return binary_scores(_overlap_flags(words, gold), _overlap_flags(words, predicted))


@dataclass(frozen=True, slots=True)
class RestorationScore:
    """Counts from one or more documents; add scores to pool them, then read the rates.

    ``false_change_tokens`` are words the spinner left alone that the restorer altered (inside a
    region it got wrong); ``errors_before`` / ``errors_after`` are word-level edit distances of the
    spun and the restored text from the original.
    """

    edits: int = 0
    restored_edits: int = 0
    changes: int = 0
    correct_changes: int = 0
    untouched_tokens: int = 0
    false_change_tokens: int = 0
    tokens: BinaryScores = BinaryScores()
    reference_words: int = 0
    errors_before: int = 0
    errors_after: int = 0

    def __add__(self, other: RestorationScore) -> RestorationScore:
        return RestorationScore(
            *(getattr(self, f.name) + getattr(other, f.name) for f in fields(self))
        )

    @property
    def edit_recall(self) -> float | None:
        return _ratio(self.restored_edits, self.edits)

    @property
    def change_precision(self) -> float | None:
        return _ratio(self.correct_changes, self.changes)

    @property
    def false_change_rate(self) -> float | None:
        return _ratio(self.false_change_tokens, self.untouched_tokens)

    @property
    def wer_before(self) -> float | None:
        return _ratio(self.errors_before, self.reference_words)

    @property
    def wer_after(self) -> float | None:
        return _ratio(self.errors_after, self.reference_words)

    def summary(self) -> dict[str, float | int | None]:
        """Rates and the counts behind them, for the report."""
        return {
            "edit_recall": self.edit_recall,
            "change_precision": self.change_precision,
            "false_change_rate": self.false_change_rate,
            "wer_before": self.wer_before,
            "wer_after": self.wer_after,
            "token_precision": self.tokens.precision,
            "token_recall": self.tokens.recall,
            "token_f1": self.tokens.f1,
            "edits": self.edits,
            "restored_edits": self.restored_edits,
            "changes": self.changes,
            "correct_changes": self.correct_changes,
            "untouched_tokens": self.untouched_tokens,
            "false_change_tokens": self.false_change_tokens,
            "reference_words": self.reference_words,
        }


def score_restoration(spin: SpinResult, restoration: Restoration) -> RestorationScore:
    """Score a restoration of ``spin.spun`` (its change offsets index the spun text)."""
    changes = effective_changes(spin.spun, restoration)
    regions = align(spin, restoration)
    wrong = [(r.spun_start, r.spun_end) for r in regions if r.changes and not r.correct]
    edit_spans = [(e.spun_start, e.spun_end) for e in spin.edits]
    words = _word_spans(spin.spun)
    spun_flags = _overlap_flags(words, edit_spans)
    untouched = [span for span, spun in zip(words, spun_flags, strict=True) if not spun]
    errors_before, reference_words = word_errors(spin.original, spin.spun)
    errors_after, _ = word_errors(spin.original, restoration.text)
    return RestorationScore(
        edits=len(spin.edits),
        restored_edits=sum(r.edits for r in regions if r.correct),
        changes=len(changes),
        correct_changes=sum(r.changes for r in regions if r.correct and r.edits),
        untouched_tokens=len(untouched),
        false_change_tokens=sum(_overlap_flags(untouched, wrong)),
        tokens=binary_scores(
            spun_flags, _overlap_flags(words, [(c.start, c.end) for c in changes])
        ),
        reference_words=reference_words,
        errors_before=errors_before,
        errors_after=errors_after,
    )


# --- detection -----------------------------------------------------------------------------------


def roc_auc(labels: Sequence[bool], scores: Sequence[float]) -> float | None:
    """Area under the ROC curve: the chance that a random positive outscores a random negative,
    ties counting half (Mann-Whitney U from average ranks). ``None`` without both classes."""
    if len(labels) != len(scores):
        raise ValueError("labels and scores differ in length")
    positives = sum(1 for y in labels if y)
    negatives = len(labels) - positives
    if not positives or not negatives:
        return None
    order = sorted(range(len(scores)), key=lambda i: scores[i])
    ranks = [0.0] * len(scores)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and scores[order[j + 1]] == scores[order[i]]:
            j += 1
        for k in range(i, j + 1):
            ranks[order[k]] = (i + j) / 2 + 1  # average 1-based rank of the tied group
        i = j + 1
    positive_ranks = sum(rank for rank, y in zip(ranks, labels, strict=True) if y)
    return (positive_ranks - positives * (positives + 1) / 2) / (positives * negatives)


def reliability(
    labels: Sequence[bool], probabilities: Sequence[float], bins: int = 10
) -> list[dict[str, float | int]]:
    """Items, mean predicted probability and observed share of positives in each equal-width
    probability bin (empty bins left out): where a calibration error comes from."""
    if len(labels) != len(probabilities):
        raise ValueError("labels and probabilities differ in length")
    totals = [[0, 0.0, 0.0] for _ in range(bins)]  # count, sum of p, sum of labels
    for y, p in zip(labels, probabilities, strict=True):
        if not 0.0 <= p <= 1.0 or math.isnan(p):
            raise ValueError(f"probability out of range: {p}")
        cell = totals[min(int(p * bins), bins - 1)]
        cell[0] += 1
        cell[1] += p
        cell[2] += bool(y)
    return [
        {"low": number / bins, "items": count, "mean_p": p_sum / count, "observed": y_sum / count}
        for number, (count, p_sum, y_sum) in enumerate(totals)
        if count
    ]


def expected_calibration_error(
    labels: Sequence[bool], probabilities: Sequence[float], bins: int = 10
) -> float | None:
    """ECE: the gap between predicted probability and observed frequency, averaged over equal-width
    probability bins weighted by their size. ``None`` for no items."""
    cells = reliability(labels, probabilities, bins)
    if not cells:
        return None
    total = sum(cell["items"] for cell in cells)
    return sum(cell["items"] * abs(cell["mean_p"] - cell["observed"]) for cell in cells) / total


def spans_with_edits(spans: Sequence[Span], edits: Iterable[Span]) -> list[bool]:
    """For each span (a paragraph of the spun text), whether any spinner edit falls in it."""
    return _overlap_flags(list(spans), edits)
