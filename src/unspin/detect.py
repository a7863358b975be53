"""Detection: is a text machine-spun, how sure, and where. Two tiers and a router.

- ``fast`` reads the screen's table (:mod:`unspin.screen`): shares of words that look like a
  spinner's substitutes in their context. Look-ups only, for bulk scanning.
- ``full`` also runs the restorer: its changes' confidences are calibrated probabilities, so
  their sum per word (the "change rate") is the expected share of spun words, and near-certain
  changes almost never happen in clean text. The screen's features join in.
- ``auto`` (the default) screens first and runs the restorer only on what the screen does not
  clear: the bulk of clean text costs a screen, spun text gets the full evidence and its flags.

Each tier turns its features into a probability with logistic curves fitted on simulated
spinning of the dev split (``python -m unspin.bench.calibrate``), never on evaluation text. A
paragraph's curve also sees its document's features: spinners spin whole documents, so a
60-word paragraph of a spun article is rarely clean, while a clean paragraph in a spun document
still scores lower than its neighbours.
"""

from __future__ import annotations

import functools
import math
import operator
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from itertools import compress
from typing import TYPE_CHECKING, Literal

from unspin import phrase_lists, screen
from unspin.report import Change, Flag, ParagraphVerdict, Verdict, VerdictLabel
from unspin.screen import Stretch

if TYPE_CHECKING:
    from unspin.neural import NeuralRescorer

Tier = Literal["fast", "full", "auto"]
TIERS: tuple[Tier, ...] = ("fast", "full", "auto")

MIN_WORDS = 40  # below this a verdict is a guess: say "insufficient"
SURE = 0.97  # a restorer change this confident is almost never made in clean text
LIKELY = 0.8  # ... and one this confident is right four times in five on spun dev text
FLAGGED = 0.5  # a word is flagged when it is more likely spun than not
DOUBTED = 0.1  # a change this unsure tells more of the decoder's eagerness than of spinning
# A change's likelihood gain counts up to 10^4: past that, one garbled sentence (a chemical symbol
# for a function word) would outweigh a document of plausible swaps.
GAIN_CAP = 4.0


@dataclass(frozen=True, slots=True)
class Evidence:
    """What the detector reads off the restorer for a stretch of text.

    Each rate is counted twice: over changes, and over distinct changes (the same found text
    restored to the same word). A spinner spreads its swaps over many word types, while clean
    technical prose repeats its own terms: a report on liquid helium gives six confident
    helium -> he changes, one type. On the dev split (with the corpus language model alone),
    counting both let the threshold clear every clean document at 0.96 instead of 0.97, and
    called 41% of phrase-spun documents at rate 0.15 spun instead of 34%.

    Distinct changes at :data:`LIKELY` add a middle rung between the sum of all confidences
    (which many weak changes in clean text inflate) and the near-certain ones (which phrase
    spinning, with its plausible swaps, seldom earns).

    ``doubted_rate`` counts the changes the restorer itself doubts (confidence under
    :data:`DOUBTED`): a document's curve reads it, see :func:`full_document_features`.

    ``gain_rate`` weighs each change's confidence by how much likelier it makes its sentence
    (log10, under the language models alone, capped at :data:`GAIN_CAP`): phrase spinning earns few
    near-certain changes, but many plausible ones that each make the text read much better. On
    the dev split, scored by curves fitted without each document's genre at the threshold their
    clean documents' tail sets for 0.1% (0.988 without it, 0.984 with it), it raised the
    phrase-spun documents called spun at rate 0.15 from 50.3% to 57.0%, at 0.3 from 91.7% to
    94.0%, and crude-spun ones at 0.15 from 96.5% to 97.7%; no clean one is called spun either
    way.
    """

    words: int
    change_rate: float  # summed change confidences per word: the expected share of spun words
    sure_rate: float  # near-certain changes per word
    type_rate: float  # summed confidences of distinct changes (the most confident of each) per word
    sure_type_rate: float  # distinct near-certain changes per word
    likely_type_rate: float  # distinct changes at LIKELY or above per word
    doubted_rate: float  # changes under DOUBTED confidence per word
    gain_rate: float  # summed confidence x capped log10 likelihood gain of each change, per word

    @classmethod
    def of(cls, words: int, changes: Sequence[Change], gains: Sequence[float]) -> Evidence:
        """``gains``: each change's log10 likelihood gain (``DecodedDocument.likelihood_gains``)."""
        if not words:
            return cls(0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0)
        confidences = [c.confidence for c in changes]
        by_type: dict[tuple[str, str], float] = {}
        for c in changes:
            key = (c.found.lower(), c.suggestion.lower())
            by_type[key] = max(by_type.get(key, 0.0), c.confidence)
        return cls(
            words,
            sum(confidences) / words,
            sum(c >= SURE for c in confidences) / words,
            sum(by_type.values()) / words,
            sum(c >= SURE for c in by_type.values()) / words,
            sum(c >= LIKELY for c in by_type.values()) / words,
            sum(c < DOUBTED for c in confidences) / words,
            sum(
                c * min(max(gain, 0.0), GAIN_CAP)
                for c, gain in zip(confidences, gains, strict=True)
            )
            / words,
        )

    def features(self) -> tuple[float, ...]:
        return (
            math.log(self.change_rate + 1e-4),
            math.log(self.sure_rate + 1e-3),
            math.log(self.type_rate + 1e-4),
            math.log(self.sure_type_rate + 1e-3),
            math.log(self.likely_type_rate + 1e-3),
            math.log(self.gain_rate + 1e-3),
        )


@dataclass(frozen=True, slots=True)
class Logistic:
    """A logistic curve on a feature vector (the last weight is the bias)."""

    weights: tuple[float, ...]

    def probability(self, features: Sequence[float]) -> float:
        if len(features) != len(self.weights) - 1:
            raise ValueError(f"{len(features)} features for {len(self.weights)} weights")
        score = self.weights[-1] + sum(map(operator.mul, self.weights, features))
        return 1.0 / (1.0 + math.exp(-max(min(score, 50.0), -50.0)))


def fast_features(stretch: Stretch) -> tuple[float, ...]:
    return stretch.features()


def full_features(evidence: Evidence, stretch: Stretch) -> tuple[float, ...]:
    return (*evidence.features(), *stretch.features())


def document_context(evidence: Evidence, stretch: Stretch, spin_rate: float) -> tuple[float, ...]:
    """What a paragraph's curve reads of its document: the document's full features, and the
    restorer's estimate of its spin rate, which weighs every change against the words that could
    have been spun. On the dev split, fitting on three dev genres and judging the fourth, the
    rate and the distinct likely changes (:class:`Evidence`) lowered the mean calibration error
    of documents from 0.037 to 0.025 and the clean 300-word documents over the threshold from 10
    to 5."""
    return (*full_features(evidence, stretch), math.log10(spin_rate))


def full_document_features(
    evidence: Evidence, stretch: Stretch, spin_rate: float
) -> tuple[float, ...]:
    """A document's full features: its :func:`document_context`, and the number of changes per
    word that the restorer itself doubts (:data:`DOUBTED`).

    They tell how eager the decoder is on this kind of text: in clean 300-word dev documents it
    makes 0.079 changes a word at a mean confidence of 0.15, in phrase-spun ones (rate 0.15)
    0.114 at 0.34. For the same summed confidence, more doubted changes point to clean text (the
    fitted weight is negative). The feature used to count every change, which raised phrase-spun
    recall at rate 0.15 from .763 to .819 when added; but it also counted the middling changes
    that a spinner's less familiar swaps earn, so heavy spinning read as clean. Counting only
    the doubted ones, the dev split (genre left out, at the tail threshold) calls 61.0% of
    phrase-spun documents at rate 0.15 spun instead of 57.0%, and 98.4% of crude-spun ones
    instead of 97.7%.

    Paragraph curves read neither their own count nor their document's: on the dev split, with
    both spin seeds, the document's cost phrase-spun paragraphs (rate 0.15) 1.5 and 2.8 points
    of F1, and their own gained nothing."""
    context = document_context(evidence, stretch, spin_rate)
    return (*context, math.log(evidence.doubted_rate + 1e-3))


def full_tier_features(
    document: Stretch,
    paragraphs: Sequence[Stretch],
    changes: Sequence[Change],
    gains: Sequence[float],
    spin_rate: float,
) -> tuple[tuple[float, ...], list[tuple[float, ...]]]:
    """The full tier's features of a document and of each of its paragraphs (its own, then its
    document's :func:`document_context`), from the restorer's changes and their log10 likelihood
    gains (``gains``, in the same order). ``check`` scores them and ``bench/calibrate.py`` fits on
    them: one definition, so the two cannot drift apart."""
    evidence = Evidence.of(document.words, changes, gains)
    context = document_context(evidence, document, spin_rate)
    per_paragraph = []
    for p in paragraphs:
        inside = [(c, g) for c, g in zip(changes, gains, strict=True) if p.start <= c.start < p.end]
        own = Evidence.of(p.words, [c for c, _ in inside], [g for _, g in inside])
        per_paragraph.append((*full_features(own, p), *context))
    return full_document_features(evidence, document, spin_rate), per_paragraph


@dataclass(frozen=True, slots=True)
class Calibration:
    """The fitted curves and thresholds; ``python -m unspin.bench.calibrate`` prints new ones.

    Documents: features of the whole text, the last being the restorer's doubted changes.
    Paragraphs: the paragraph's features followed by its document's. ``threshold`` calls a
    document spun, ``paragraph_threshold`` a paragraph; ``clear`` is the fast probability under
    which the ``auto`` tier trusts the screen's "clean" without running the restorer; the short
    text powers say how far :meth:`for_length` pulls a text under ``MIN_WORDS`` to even odds.
    """

    fast_document: Logistic = Logistic((3.1921, 1.8836, 0.3981, -0.9658, 16.1399))
    fast_paragraph: Logistic = Logistic(
        (0.5555, 0.4835, 0.1569, 1.6579, 2.2397, 1.0351, 0.2159, -1.6206, 15.4081)
    )
    full_document: Logistic = Logistic(
        (
            *(-3.9967, -0.158, 4.433, 1.5851, 1.3693, 3.0457),  # the restorer's evidence
            *(2.0722, 0.8701, -0.0063, 0.2163),  # the screen's
            -16.8415,  # log10 of the restorer's spin-rate estimate
            -1.4339,  # log of its doubted changes per word
            20.3725,
        )
    )
    full_paragraph: Logistic = Logistic(
        (
            # the paragraph's own: the restorer's evidence, the screen's
            *(-1.8269, 0.0885, 1.4926, 0.3824, 0.205, 1.6094),
            *(0.3667, 0.309, 0.1576, 0.7125),
            # its document's context: the same, and log10 of the restorer's spin-rate estimate
            *(-1.5914, 0.1825, -1.1562, -0.0768, 0.7514, 3.9229),
            *(1.2339, 0.32, -0.0633, -2.4177),
            -11.2404,
            5.7391,
        )
    )
    # Set on the dev split (735 documents x 6 conditions; classes, and the dev genres within each
    # class, weighted equally) for 0.1% of clean documents of 300 words or more called spun: where
    # an exponential fitted to the upper tenth of their scores puts that rate, each document
    # scored by the curve fitted without its genre (bench.calibrate.tail_threshold; the bench
    # judges genres the dev split lacks). No clean dev document reaches it (highest 0.905 under
    # this curve, 0.937 without its genre). There, 98.4% of crude-spun documents at rate 0.15 and
    # all at 0.3 are called spun, and 57% of phrase-spun ones at 0.15 (96% at 0.3). Until
    # 2026-12-01 the threshold was the highest of those clean documents (0.92 at last): one
    # document, and held-out text showed it too lenient (11 of 4,222 clean bench documents called
    # spun, bench/results/2026-12-01q-detect.md). The screen alone clears 25% of clean dev
    # documents below 0.022.
    threshold: float = 0.983
    # Paragraphs are held to a false-positive rate of 0.5%, documents to 0.1%: where the fitted
    # tail of the clean dev paragraphs' scores (60 words or more, genres pooled) puts half that
    # rate (held-out text has run up to twice the dev rates; bench.calibrate._paragraph_threshold).
    paragraph_threshold: float = 0.9
    clear: float = 0.022
    # A text under MIN_WORDS words lies outside the range the curves were fitted on: its rates rest
    # on a handful of words and on the smoothing of each count ("Hello there." scored 1.000). Its
    # probabilities are pulled towards even odds: each logit is scaled by (words / MIN_WORDS) to
    # these powers, fitted on 4,900 snippets of 5-30 words of dev documents, clean and spun
    # (bench.calibrate.fit_short_texts). On them, the class-balanced log loss fell from 2.42
    # (fast) and 1.41 (full) to 0.63 and 0.60: below 40 words the curves say little more than
    # even odds, and now so do their probabilities (the full tier keeps 0.58 of the logit at 30
    # words, 0.07 at 10).
    fast_short_text_power: float = 2.8
    full_short_text_power: float = 1.9

    def for_length(self, probability: float, words: int, tier: Tier) -> float:
        """``probability`` from ``tier``'s curves for a stretch of ``words`` words, pulled
        towards even odds when the text is too short for the curves."""
        if words >= MIN_WORDS:
            return probability
        power = self.full_short_text_power if tier == "full" else self.fast_short_text_power
        clipped = min(max(probability, 1e-9), 1 - 1e-9)
        logit = math.log(clipped / (1 - clipped)) * (words / MIN_WORDS) ** power
        return 1.0 / (1.0 + math.exp(-logit))

    def thresholds(self, override: float | None = None) -> tuple[float, float]:
        """The document's and the paragraphs' thresholds; ``override`` replaces both."""
        if override is None:
            return self.threshold, self.paragraph_threshold
        return override, override


CALIBRATION = Calibration()


def _fingerprint_changes(text: str, fingerprints: Mapping[str, str]) -> list[Change]:
    return [
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


def _screen_flags(
    screen_: screen.Screen, text: str, document: Stretch, allowed: Sequence[tuple[int, int]]
) -> list[Flag]:
    """The screen's suspects as flags: the most frequent original in simulated spinning.

    Built as flags directly, not as changes: a bulk scan makes one for every twelfth word."""
    flags = []
    for start, end, word, log_odds in document.suspects:
        if allowed and phrase_lists.overlaps(start, end, allowed):
            continue
        original = screen_.originals.get(word, "")
        reason = (
            f"screen: '{word}' is often a spinner's substitute for '{original}' in this context"
            if original
            else f"screen: '{word}' is often part of a spinner's substitute in this context"
        )
        confidence = round(screen.probability(log_odds), 3)
        flags.append(Flag(start, end, text[start:end], original, confidence, reason))
    return flags


def _as_flag(change: Change) -> Flag:
    return Flag(
        change.start, change.end, change.found, change.suggestion, change.confidence, change.reason
    )


def check(
    unspinner,
    text: str,
    threshold: float | None = None,
    fingerprints: Mapping[str, str] | None = None,
    allow: Collection[str] = (),
    tier: Tier = "auto",
    calibration: Calibration = CALIBRATION,
    rescorer: NeuralRescorer | None = None,
    min_confidence: float | None = None,
) -> Verdict:
    """Verdict for ``text`` from the chosen tier (see the module docstring).

    ``threshold``, when given, is used for paragraphs as well as for the document.
    ``min_confidence`` (default :data:`FLAGGED`) is the confidence a word needs to be flagged; it
    changes no verdict. Raising it trades missed swaps for quieter clean text.
    ``fingerprints`` (tortured phrase -> correction, see :mod:`unspin.phrase_lists`) adds certain
    hits (a text with one is never cleared by the screen alone); ``allow`` (terms in
    :func:`phrase_lists.key` form) removes flags inside those terms.

    ``rescorer`` (SmolLM2, :mod:`unspin.neural`) re-judges the restorer's changes before they
    become flags, which makes ``auto`` run the restorer on every text. Only the flags change: the
    probabilities stay the engine's, which is what their curves were calibrated on. On technical
    prose, where the engine's confidences run high, false flags fall from 20 to 9 per 1,000
    words and the share of right flags rises by half (bench/results/2026-12-01b-neural-flags.md).
    """
    if tier not in TIERS:
        raise ValueError(f"tier must be one of {', '.join(TIERS)}, not {tier!r}")
    if rescorer is not None:
        if tier == "fast":
            raise ValueError("rescoring judges the restorer's changes: use tier 'full' or 'auto'")
        tier = "full"
    thresholds = calibration.thresholds(threshold)
    flagged = FLAGGED if min_confidence is None else min_confidence
    allowed = phrase_lists.allowed_spans(text, allow)
    listed = _fingerprint_changes(text, fingerprints) if fingerprints else []
    paragraphs = unspinner.screen.scan(text)
    document = Stretch.pool(paragraphs)
    fast = calibration.fast_document.probability(fast_features(document))
    # What both tiers' verdicts share: they differ in probabilities and flags.
    verdict = functools.partial(
        _verdict,
        unspinner,
        text,
        paragraphs=paragraphs,
        listed=listed,
        calibration=calibration,
        thresholds=thresholds,
        flagged=flagged,
    )
    if tier == "fast" or (tier == "auto" and fast < calibration.clear and not listed):
        probabilities = [
            calibration.fast_paragraph.probability((*fast_features(p), *fast_features(document)))
            for p in paragraphs
        ]
        flags = _screen_flags(unspinner.screen, text, document, allowed)
        return verdict("fast", fast, probabilities=probabilities, flags=flags)

    excluded = [*allowed, *((hit.start, hit.end) for hit in listed)]
    decoded = unspinner.restorer.decode_document(text)
    outside = [not phrase_lists.overlaps(c.start, c.end, excluded) for c, _ in decoded.changes]
    kept = list(compress(decoded.changes, outside))
    changes = [c for c, _ in kept]
    # A listed phrase is as sure as a change can be: it counts with the largest gain.
    gains = [*compress(decoded.likelihood_gains, outside), *[GAIN_CAP] * len(listed)]
    document_features, paragraph_features = full_tier_features(
        document, paragraphs, [*changes, *listed], gains, decoded.spin_rate
    )
    probability = calibration.full_document.probability(document_features)
    probabilities = [calibration.full_paragraph.probability(f) for f in paragraph_features]
    if rescorer is not None:
        floor = rescorer.lowest_reaching(flagged)  # the rest cannot become flags
        changes = [c for c, _ in rescorer.rescore(text, kept, judged_from=floor)]
    flags = [_as_flag(change) for change in changes]
    return verdict("full", probability, probabilities=probabilities, flags=flags)


def _verdict(
    unspinner,
    text: str,
    tier: Tier,
    probability: float,
    paragraphs: list[Stretch],
    probabilities: list[float],
    flags: list[Flag],
    listed: list[Change],
    calibration: Calibration,
    thresholds: tuple[float, float],
    flagged: float,
) -> Verdict:
    """The verdict object; ``thresholds`` are the document's and the paragraphs'."""
    threshold, paragraph_threshold = thresholds
    words = sum(p.words for p in paragraphs)
    if words < MIN_WORDS:  # in a longer text, a short paragraph has its document for context
        probability = calibration.for_length(probability, words, tier)
        probabilities = [
            calibration.for_length(q, p.words, tier)
            for p, q in zip(paragraphs, probabilities, strict=True)
        ]

    def label(words: int, p: float, cut: float) -> VerdictLabel:
        if words < MIN_WORDS:
            return "insufficient"
        return "spun" if p >= cut else "clean"

    if listed:  # a list's hit replaces what the screen or the restorer said of its span
        spans = [(hit.start, hit.end) for hit in listed]
        flags = [f for f in flags if not phrase_lists.overlaps(f.start, f.end, spans)]
        flags += map(_as_flag, listed)
    flags = sorted((f for f in flags if f.confidence >= flagged), key=operator.attrgetter("start"))
    return Verdict(
        spun_probability=round(probability, 4),
        verdict=label(words, probability, threshold),
        words=words,
        paragraphs=[
            ParagraphVerdict(
                p.start, p.end, p.words, round(q, 4), label(p.words, q, paragraph_threshold)
            )
            for p, q in zip(paragraphs, probabilities, strict=True)
        ],
        flags=flags,
        threshold=threshold,
        data_version=unspinner.version,
        tier=tier,
        paragraph_threshold=paragraph_threshold,
    )
