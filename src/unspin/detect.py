"""Detection: how much more likely a text becomes once restored, summed up per paragraph.

A spun text is one the restorer finds many confident changes in; a clean text yields few. The
restorer's confidences are calibrated probabilities, so their sum per word (the "change rate") is
the expected share of spun words. A logistic curve on its logarithm, fitted on simulated spinning
of the dev split (``python -m unspin.bench.calibrate``), turns it into a probability. Documents
pool their paragraphs' words.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from unspin.report import Flag, ParagraphVerdict, Verdict
from unspin.text import Kind, paragraphs

MIN_WORDS = 40  # below this a verdict is a guess: say "insufficient"


@dataclass(frozen=True, slots=True)
class Calibration:
    """Logistic curve from the log change rate (expected spun words per word) to a probability."""

    slope: float = 6.596
    midpoint: float = 0.0185
    threshold: float = 0.5

    def probability(self, change_rate: float) -> float:
        score = self.slope * (math.log(change_rate + 1e-5) - math.log(self.midpoint))
        return 1.0 / (1.0 + math.exp(-max(min(score, 50.0), -50.0)))


def change_rate(restorer, text: str) -> float:
    """Expected share of spun words: summed change confidences over the word count."""
    words = sum(token.kind is Kind.WORD for p in paragraphs(text) for token in p.tokens)
    return sum(change.confidence for change, _ in restorer.decode(text)) / words if words else 0.0


def check(unspinner, text: str, threshold: float | None = None) -> Verdict:
    """Verdict for ``text`` from the restorer's changes (the restoration lattice's evidence)."""
    calibration = Calibration()
    threshold = calibration.threshold if threshold is None else threshold
    changes = [change for change, _ in unspinner.restorer.decode(text)]
    flags = [
        Flag(c.start, c.end, c.found, c.suggestion, c.confidence, c.reason)
        for c in changes
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
        evidence = sum(c.confidence for c in changes if paragraph.start <= c.start < paragraph.end)
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
