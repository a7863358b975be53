"""Detection: how much more likely a text becomes once restored, summed up per paragraph.

A spun text is one the restorer finds many confident changes in; a clean text yields few. The
evidence per paragraph is the summed confidence of the restorer's changes per word (its "change
rate"); a logistic curve turns it into a probability. Documents pool their paragraphs' words.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from unspin.report import Flag, ParagraphVerdict, Verdict
from unspin.text import Kind, paragraphs

MIN_WORDS = 40  # below this a verdict is a guess: say "insufficient"


@dataclass(frozen=True, slots=True)
class Calibration:
    """Logistic curve from change rate (confident changes per word) to spun probability."""

    slope: float = 120.0
    midpoint: float = 0.04
    threshold: float = 0.5

    def probability(self, change_rate: float) -> float:
        return 1.0 / (1.0 + math.exp(-self.slope * (change_rate - self.midpoint)))


def check(unspinner, text: str, threshold: float | None = None) -> Verdict:
    """Verdict for ``text`` from the restorer's changes (the restoration lattice's evidence)."""
    calibration = Calibration()
    threshold = calibration.threshold if threshold is None else threshold
    restoration = unspinner.restore(text, min_confidence=0.0)
    flags = [
        Flag(c.start, c.end, c.found, c.suggestion, c.confidence, c.reason)
        for c in restoration.changes
        if c.confidence >= 0.5
    ]

    def label(words: int, probability: float):
        if words < MIN_WORDS:
            return "insufficient"
        return "spun" if probability >= threshold else "clean"

    verdicts = []
    total_words = total_evidence = 0.0
    for paragraph in paragraphs(text):
        words = sum(token.kind is Kind.WORD for token in paragraph.tokens)
        evidence = sum(
            c.confidence for c in restoration.changes if paragraph.start <= c.start < paragraph.end
        )
        probability = calibration.probability(evidence / words) if words else 0.0
        verdicts.append(
            ParagraphVerdict(
                paragraph.start,
                paragraph.end,
                words,
                round(probability, 4),
                label(words, probability),
            )
        )
        total_words += words
        total_evidence += evidence
    probability = calibration.probability(total_evidence / total_words) if total_words else 0.0
    return Verdict(
        spun_probability=round(probability, 4),
        verdict=label(int(total_words), probability),
        words=int(total_words),
        paragraphs=verdicts,
        flags=flags,
        threshold=threshold,
        data_version=unspinner.version,
    )
