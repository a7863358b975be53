"""Detection: how much more likely a text becomes once restored, summed up per paragraph.

A spun text is one the restorer finds many confident changes in; a clean text yields few. The
restorer's confidences are calibrated probabilities, so their sum per word (the "change rate") is
the expected share of spun words. A logistic curve on its logarithm, fitted on simulated spinning
of the dev split (``python -m unspin.bench.calibrate``), turns it into a probability. Documents
pool their paragraphs' words.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping
from dataclasses import dataclass

from unspin import phrase_lists
from unspin.report import Change, Flag, ParagraphVerdict, Verdict, VerdictLabel
from unspin.text import Kind, paragraphs

MIN_WORDS = 40  # below this a verdict is a guess: say "insufficient"


SURE = 0.97  # a change this confident is almost never made in clean text


@dataclass(frozen=True, slots=True)
class Evidence:
    """What the detector reads off the restorer for a stretch of text."""

    words: int
    change_rate: float  # summed change confidences per word: the expected share of spun words
    sure_rate: float  # near-certain changes per word

    @classmethod
    def of(cls, words: int, confidences: list[float]) -> Evidence:
        if not words:
            return cls(0, 0.0, 0.0)
        sure = sum(c >= SURE for c in confidences)
        return cls(words, sum(confidences) / words, sure / words)


@dataclass(frozen=True, slots=True)
class Calibration:
    """Logistic model from the two evidence rates (logarithms) to a spun probability.

    The change rate separates heavy spinning well; the rate of near-certain changes separates
    light spinning from clean text, where such changes almost never occur. Fitted by
    ``python -m unspin.bench.calibrate`` on the dev split.
    """

    weights: tuple[float, float, float] = (2.1079, 1.9709, 22.1025)
    # Set on dev documents: at 0.8 no clean dev document of 100 was flagged, while 74% of
    # phrase-spun ones (rate 0.15) were; at 0.5, 12% of the clean ones were.
    threshold: float = 0.8

    @staticmethod
    def features(evidence: Evidence) -> tuple[float, float, float]:
        return (math.log(evidence.change_rate + 1e-4), math.log(evidence.sure_rate + 1e-3), 1.0)

    def probability(self, evidence: Evidence) -> float:
        score = sum(w * x for w, x in zip(self.weights, self.features(evidence), strict=True))
        return 1.0 / (1.0 + math.exp(-max(min(score, 50.0), -50.0)))


def evidence(restorer, text: str) -> Evidence:
    """The evidence for a whole text, as :func:`check` computes it for a document."""
    words = sum(token.kind is Kind.WORD for p in paragraphs(text) for token in p.tokens)
    return Evidence.of(words, [change.confidence for change, _ in restorer.decode(text)])


def _overlaps(change: Change, spans: list[tuple[int, int]]) -> bool:
    return any(start < change.end and change.start < end for start, end in spans)


def check(
    unspinner,
    text: str,
    threshold: float | None = None,
    fingerprints: Mapping[str, str] | None = None,
    allow: Collection[str] = (),
) -> Verdict:
    """Verdict for ``text`` from the restorer's changes (the restoration lattice's evidence).

    ``fingerprints`` (tortured phrase -> correction, see :mod:`unspin.phrase_lists`) adds certain
    hits; ``allow`` (terms in :func:`phrase_lists.key` form) removes changes inside those terms.
    """
    calibration = Calibration()
    threshold = calibration.threshold if threshold is None else threshold
    changes = [change for change, _ in unspinner.restorer.decode(text)]
    if allow:
        allowed = [(h.start, h.end) for h in phrase_lists.find(text, dict.fromkeys(allow, ""))]
        changes = [c for c in changes if not _overlaps(c, allowed)]
    if fingerprints:
        listed = [
            Change(
                h.start,
                h.end,
                h.found,
                h.correction,
                1.0,
                f"fingerprint list: '{h.found}' is a known tortured phrase for '{h.correction}'",
            )
            for h in phrase_lists.find(text, fingerprints)
        ]
        spans = [(c.start, c.end) for c in listed]
        changes = sorted(
            [c for c in changes if not _overlaps(c, spans)] + listed, key=lambda c: c.start
        )
    flags = [
        Flag(c.start, c.end, c.found, c.suggestion, c.confidence, c.reason)
        for c in changes
        if c.confidence >= 0.5
    ]

    def label(words: int, probability: float) -> VerdictLabel:
        if words < MIN_WORDS:
            return "insufficient"
        return "spun" if probability >= threshold else "clean"

    verdicts = []
    all_words = 0
    for paragraph in paragraphs(text):
        words = sum(token.kind is Kind.WORD for token in paragraph.tokens)
        confidences = [c.confidence for c in changes if paragraph.start <= c.start < paragraph.end]
        probability = calibration.probability(Evidence.of(words, confidences))
        verdicts.append(
            ParagraphVerdict(
                paragraph.start,
                paragraph.end,
                words,
                round(probability, 4),
                label(words, probability),
            )
        )
        all_words += words
    probability = calibration.probability(Evidence.of(all_words, [c.confidence for c in changes]))
    return Verdict(
        spun_probability=round(probability, 4),
        verdict=label(all_words, probability),
        words=all_words,
        paragraphs=verdicts,
        flags=flags,
        threshold=threshold,
        data_version=unspinner.version,
    )
