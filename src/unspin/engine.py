"""Restoration as noisy-channel decoding.

For every span of up to four tokens, the inverse lexicon proposes originals a spinner could have
turned into it; "keep as is" is always an option. A beam search over each sentence, carrying
KenLM state, picks the reading that maximises

    log P_LM(restored sentence) + sum of log P(spinner turned original into surface)

where the channel term is ``log(rate * channel)`` for a restored span and ``log(1 - rate)`` for a
kept word that a spinner could have produced. Each change is then scored against the same path
with that one change undone: the difference is the evidence behind its confidence and reason.
"""

from __future__ import annotations

import gc
import json
import math
import re
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from functools import cache, lru_cache
from itertools import accumulate
from operator import itemgetter
from pathlib import Path

import numpy as np

from unspin.lexicon import MAX_TOKENS, Candidate, Lexicon
from unspin.lm import LanguageModel, ScoredWord
from unspin.report import Change, Restoration, apply_changes
from unspin.sources import Kind as RelationKind
from unspin.text import Kind, Token, lm_form, paragraphs, sentences


@dataclass(frozen=True, slots=True)
class Settings:
    """Decoder knobs, set on simulated spinning of the dev split, never on evaluation text."""

    # Prior chance that a spinnable word was spun; re-estimated per document (see decode()).
    rate: float = 0.2
    rate_prior_strength: float = 20.0  # pseudo-words pulling the estimate towards a clean text
    rate_floor: float = 0.005
    # On 30 BBC dev articles, 6 instead of 12 cost crude spinning (0.35) 1 point of recall
    # (.376 -> .365) and phrase spinning (0.25) 0.4, lowered false changes (0.36% -> 0.31%) and
    # doubled the speed.
    candidates_per_span: int = 6
    # Skip an original whose unigram evidence trails the surface's by more than this (log10):
    # sentence context rarely overturns a gap that large, and skipping keeps decoding fast.
    # Spinners swap common words for rarer ones, so the originals that matter seldom trail. 4.0
    # until 2026-12-02; with the confidence model refitted for each value (dev documents 0-60),
    # recall at 0.85 on documents 60-100 (crude 0.35, phrase 0.25) and the instructions of one
    # full-tier pass over 50 documents (callgrind) went: 4.0 .504, .283, 6,423 M; 2.0 .505, .282,
    # 6,209 M; 1.5 .506, .282, 6,020 M; 1.0 .507, .275, 5,644 M, with false changes alike
    # (0.15-0.19% crude, 0.09-0.10% phrase, 0.04% clean). 1.0 starts to cost phrase recall.
    prior_margin: float = 1.5
    # Skip an original whose local score (its channel cost plus the corpus model's log10
    # probability of it between the two words before and the word after) trails keeping the span
    # by more than this. On 40 held-out dev documents (news and speech), each margin with its own
    # refitted confidence model, recall at 0.85 / false changes went (crude 0.35, phrase 0.25,
    # tortured 0.30, clean): without it .484/.14%, .260/.06%, .131/.06%, clean .07%; at 3.0
    # .486/.13%, .260/.06%, .135/.06%, .06%; at 1.0 .490/.14%, .269/.06%, .139/.06%, .04%; 0.5
    # was no better (python -m unspin.bench.devcheck). Decoding is a fifth faster: the junk no
    # longer crowds the beam.
    local_margin: float = 1.0
    channel_floor: float = 1e-3  # spinners use dictionaries we lack: never rule a pair out
    # log10 bonus when a content-word original occurs elsewhere in the text (the spinner kept it
    # there); function words occur everywhere, so they get no bonus.
    consistency_bonus: float = 0.5
    consistency_max_prior: float = -3.5
    # log10 bonus per doubling of the times the first pass restored the same surface to the same
    # original in this document.
    repeat_bonus: float = 1.0
    # Spinners apply one dictionary entry wherever its word occurs (said -> stated 17 times out of
    # 17 in sample b), so the evidence for a restoration at the other occurrences of its surface
    # counts towards this one: the summed log10 evidence there, capped either way, times this
    # weight. Less than 1 because an author's habits make the LM's errors on one word agree.
    pooled_weight: float = 0.5
    pooled_cap: float = 3.0
    # 4 instead of 6 (and a margin of 2.0 instead of 2.5): dev recall -0.1 point (crude 0.35)
    # and -0.3 (phrase 0.25), decoding a fifth faster.
    beam: int = 4
    # Hypotheses trailing the best at the same position by more than this (log10) are not
    # extended: they almost never recover, and extending them is most of the decoding time.
    beam_margin: float = 2.0
    # The LM prefers short sentences: restoring three words as one would otherwise win on length
    # alone. Each output word more (or fewer) than the span it replaces earns (or costs) this.
    # Set at 2.0 with the first decoder, retuned on 2026-12-02 with the confidence model refitted
    # for each value (docs 0-60 of the dev split), then measured at 0.85 on documents 60-100
    # (recall / false changes, crude 0.35, phrase 0.25, clean): 2.0 .491/.18%, .267/.07%, .06%;
    # 1.5 .502/.18%, .280/.06%, .04%; 1.25 .504/.17%, .283/.09%, .04%; 1.0 .506/.18%,
    # .280/.08%, .04%. 1.25 keeps the most right changes on the fit's own documents. At 2.0, "a
    # number of hundred" could not become "several hundred": 4 log10 for two words fewer
    # outweighed a 3.1 gain in context.
    length_bonus: float = 1.25
    # Capitalised words inside a sentence are mostly names; spinners mangle some, but far fewer
    # than common words.
    name_penalty: float = 1.0
    # How often a spinner draws along each kind of relation, relative to a plain synonym.
    kind_weights: tuple[tuple[RelationKind, float], ...] = (
        (RelationKind.SYNSET, 1.0),
        (RelationKind.SIMILAR, 0.5),
        (RelationKind.MOBY_ENTRY, 1.0),
        (RelationKind.MYTHES_SYNONYM, 1.0),
        (RelationKind.MYTHES_GENERIC, 0.2),
        (RelationKind.MYTHES_SIMILAR, 0.3),
        (RelationKind.MYTHES_RELATED, 0.1),
        (RelationKind.REVERSE, 0.5),
        (RelationKind.CO_LISTED, 0.5),
    )
    # Set on the dev split (60 BBC dev articles): at 0.85 false changes on untouched words are
    # 0.15% under crude spinning at rate 0.35, 0.17% at 0.45 and 0.08% under phrase spinning at
    # 0.25 (0.23%, 0.27%, 0.12% at 0.8; python -m unspin.bench.devcheck --documents 0:60
    # --conditions crude@0.35,crude@0.45,phrase@0.25). Held-out text has run up to twice the dev
    # rate (Brown press, 2026-11-30 reports), so the rule is: twice the worst dev rate stays
    # under 0.5%.
    min_confidence: float = 0.85
    # Logistic model from a change's evidence features and their pairwise products (see
    # confidence_terms) to the chance it is right; None reads the shipped model from
    # confidence.json, fitted on simulated spinning of the dev split by
    # `python -m unspin.bench.calibrate`.
    confidence_weights: tuple[float, ...] | None = None


@dataclass(slots=True, eq=False)  # not frozen: a lattice makes thousands, and frozen init is slow
class _Edge:
    """A way to cover tokens [start, end) of a sentence: keep them, or restore an original."""

    start: int
    end: int
    words: tuple[str, ...]
    cost: float  # everything but the rate term, which changes as the rate is re-estimated
    candidate: Candidate | None = None
    spinnable: bool = False  # a kept word that a spinner could have produced
    surface: str = ""  # key form of the span a candidate edge restores
    scored: tuple[ScoredWord, ...] = ()  # words for the LM's steps (see scored_words)
    # log10 gain of the original over the span in its sentence window (see _in_context)
    local_gain: float = 0.0


@dataclass(frozen=True, slots=True)
class _Option:
    """A candidate original with its sentence-independent cost (channel, length)."""

    candidate: Candidate
    words: tuple[str, ...]
    text: str  # the words joined by spaces
    cost: float
    content_word: bool
    scored: tuple[ScoredWord, ...]  # words for the LM's steps (see scored_words)


def _match_case(found: str, suggestion: str) -> str:
    """Carry the surface's case pattern over: Home -> House, NATO stays upper, news lower, and
    word by word where the word counts agree: Wall Avenue -> Wall Street."""
    found_words, suggested_words = found.split(), suggestion.split()
    if len(found_words) > 1 and len(found_words) == len(suggested_words):
        return " ".join(map(_match_case, found_words, suggested_words))
    if len(found) > 1 and found.isupper():
        return suggestion.upper()
    if found[:1].isupper():
        return suggestion[:1].upper() + suggestion[1:]
    return suggestion


_BRITISH = [
    (re.compile(pattern), replacement)
    for pattern, replacement in (
        (r"is(e|ed|es|ing|ation|ations)\b", r"iz\1"),
        (r"ys(e|ed|es|ing)\b", r"yz\1"),
        (r"our\b", "or"),
        (r"our(s|ed|ing|ful|ite|able|ably|hood|hoods|ly|less)\b", r"or\1"),
        (r"tre(s)?\b", r"ter\1"),
        (r"ogue(s)?\b", r"og\1"),
        (r"ence(s)?\b", r"ense\1"),
        (r"ll(ed|ing|er|ers)\b", r"l\1"),
        (r"ae", "e"),
        (r"oe", "e"),
    )
]


@lru_cache(maxsize=200_000)  # ten regexes per call, and the same originals come up again and again
def _american(word: str) -> str:
    for pattern, replacement in _BRITISH:
        word = pattern.sub(replacement, word)
    return word


# Only a British digraph (aesthetic/esthetic, oestrogen/estrogen) lets two spellings of a word
# start with different letters.
_DIGRAPHS = ("ae", "oe")

_INFLECTIONS = frozenset(
    {"", "s", "es", "d", "ed", "ing", "r", "er", "st", "est", "e", "y", "ies", "ied"}
)


def _same_word(surface: str, original: str) -> bool:
    """Spelling variants and inflections of one word (organisation/organization, U.S./US,
    e-mail/email, reasons/reason, higher/high, stopped/stop) are listed as related by thesauri but
    make poor restorations: the language model would otherwise "correct" British spelling and
    number agreement, and read US as the pronoun us. Derivations are not the same word: spinners
    do turn production into product."""
    first, other = surface[:1], original[:1]
    if (
        first != other
        and first.isalnum()
        and other.isalnum()
        and not surface.startswith(_DIGRAPHS)
        and not original.startswith(_DIGRAPHS)
    ):
        return False  # the common case, decided before any rewriting
    if _american(surface) == _american(original) or _letters(surface) == _letters(original):
        return True
    if " " in surface or " " in original:
        return False
    shorter = min(len(surface), len(original))
    common = 0
    while common < shorter and surface[common] == original[common]:
        common += 1
    if common < 3:
        return False
    last = surface[common - 1]
    return _inflection(surface[common:], last) and _inflection(original[common:], last)


def _titled(tokens: Sequence[Token]) -> bool:
    """Whether a span of several words is written as a name (Internet Explorer, Julio Iglesias,
    Physical Education), not in capitals (a headline's AMPLITUDE MODULATION).

    The decoder never shortens such a span. On the dev split (735 documents, clean and spun five
    ways, decoded before this rule), the changes that did were wrong 573 times and overlapped a
    spinner's edit 7 times; at confidence 0.85 or more, 125 to 1, 25 of the 125 in clean
    documents. Spinners do lengthen single words into such phrases (Blair -> Tony Blair, by a
    WordNet synset), but leaving one of those costs a reader nothing, while cutting a word from a
    clean name (Internet Explorer -> Explorer) changes what the text says."""
    words = [token.text for token in tokens if token.kind is Kind.WORD]
    return (
        len(words) > 1
        and all(word[:1].isupper() for word in words)
        and not all(word.isupper() for word in words)
    )


def _letters(word: str) -> str:
    return "".join(character for character in word if character.isalnum())


def _inflection(ending: str, stem_end: str) -> bool:
    """Whether what follows a shared stem is an inflection, allowing a doubled final consonant
    (stop + ped)."""
    return ending in _INFLECTIONS or (ending[:1] == stem_end and ending[1:] in _INFLECTIONS)


CONFIDENCE_MODEL = Path(__file__).with_name("confidence.json")

# What the confidence model sees of a change (Restorer.change_features), bias last.
CHANGE_FEATURES = (
    "evidence",
    "log_channel",
    "surface_unigram",
    "original_unigram",
    "inner_capital",
    "length_change",
    "indirect_relation",
    "log_rate",
    "log_repeats",
    "pooled_evidence",
    "pair_evidence",
    "bias",
)
# Features that enter the confidence model alone, in no product. Many repeats of one restoration
# are common in dev spinning only for function words (in -> successful), so the products of the
# repeat count learned a curve that collapsed past about ten repeats for anything else: the 17
# stated -> said of a real spun article (shared/samples, seen, not tuned on), each making its
# sentence 10^5-10^7 times likelier, scored 0.12-0.90; refitted without them, 0.85-0.98. On
# held-out dev documents the model without them keeps as many right changes at the same
# false-change rate (11,432 against 11,476 at 0.85) and fits as well (log loss 0.2971 both).
UNPAIRED = frozenset({CHANGE_FEATURES.index("log_repeats")})


def confidence_terms(features: Sequence[float], unpaired: frozenset[int] = UNPAIRED) -> list[float]:
    """A change's features (bias last) followed by the products of every pair of them, except
    pairs with an ``unpaired`` feature (indices into ``features``).

    How much sentence evidence a change needs depends on what kind of change it is: a rare
    original, an indirect thesaurus relation, or a span shrunk to fewer words (loss of life ->
    death is believable only when a spinner often picks that span: channel x length change)
    each call for more. A linear model cannot say that; on dev documents the fit was not
    trained on, the pairwise terms keep 5% more right changes at the same number of wrong ones
    (8% at the strictest threshold).
    """
    linear = [value for index, value in enumerate(features[:-1]) if index not in unpaired]
    return [*features, *(a * b for i, a in enumerate(linear) for b in linear[i:])]


@cache
def _shipped_confidence_weights() -> tuple[float, ...]:
    return tuple(json.loads(CONFIDENCE_MODEL.read_text(encoding="utf-8"))["weights"])


class _ConfidenceModel:
    """The logistic model over :func:`confidence_terms`, evaluated as a linear part plus one
    quadratic form, for all of a document's changes in one call: built term by term in Python,
    the 67 terms cost about a twentieth of decoding."""

    def __init__(self, weights: Sequence[float], unpaired: frozenset[int] = UNPAIRED):
        features = len(CHANGE_FEATURES)
        self.linear = np.array(weights[:features])
        self.paired = [index for index in range(features - 1) if index not in unpaired]
        # The products' weights, in confidence_terms' order (i <= j), as an upper triangle.
        self.quadratic = np.zeros((len(self.paired), len(self.paired)))
        rows, columns = np.triu_indices(len(self.paired))
        self.quadratic[rows, columns] = weights[features:]

    def probabilities(self, features: Sequence[Sequence[float]]) -> list[float]:
        """The chance that each change with these :meth:`Restorer.change_features` is right."""
        if not features:
            return []
        values = np.array(features, dtype=float)
        paired = values[:, self.paired]
        score = values @ self.linear + ((paired @ self.quadratic) * paired).sum(axis=1)
        return (1.0 / (1.0 + np.exp(-np.clip(score, -50.0, 50.0)))).tolist()


@dataclass(frozen=True, slots=True)
class DecodedDocument:
    """What the restorer makes of a document before any threshold."""

    # every change on the best paths, with its confidence features (Restorer.FEATURES)
    changes: list[tuple[Change, tuple[float, ...]]]
    # for each change, in the same order: the log10 factor by which it makes its sentence
    # likelier under the language models alone (no channel, no rate), as its reason states
    likelihood_gains: list[float]
    # the share of spinnable words the first pass restored, pulled towards the prior rate (see
    # Restorer.best_paths)
    spin_rate: float


class Restorer:
    """Holds the lexicon and language model; safe to reuse for many documents."""

    def __init__(self, lexicon: Lexicon, lm: LanguageModel, settings: Settings | None = None):
        self.lexicon = lexicon
        self.lm = lm
        self.settings = settings or Settings()
        weights = self.settings.confidence_weights or _shipped_confidence_weights()
        if len(weights) != self.CONFIDENCE_TERMS:
            raise ValueError(
                f"{len(weights)} confidence weights for "
                f"{len(self.FEATURES)} features and their pairwise products"
            )
        self._confidence = _ConfidenceModel(weights)
        self._kind_weights = dict(self.settings.kind_weights)
        self._span = lru_cache(maxsize=500_000)(self._span_options)
        self._scored = lru_cache(maxsize=200_000)(self.lm.scored_words)
        self._unigram = lru_cache(maxsize=200_000)(self._phrase_unigram)
        self._pair = lru_cache(maxsize=500_000)(self.lm.association)

    def _rank_candidates(self, surface: str) -> tuple[_Option, ...]:
        """Originals worth decoding for a surface, most plausible first, with the parts of their
        cost that do not depend on the sentence (cached per surface by :meth:`_span_options`)."""
        s = self.settings
        floor = self._unigram(surface) - s.prior_margin
        kind_weights = self._kind_weights
        span_tokens = surface.count(" ") + 1
        options = []
        for candidate in self.lexicon.iter_candidates(surface):
            if math.log10(candidate.prior) <= floor:
                break  # candidates come by falling prior: the rest trail by even more
            if _same_word(surface, candidate.original):
                continue
            words = tuple(candidate.original.split())
            channel = candidate.channel * kind_weights[candidate.kind]
            cost = math.log10(max(channel, s.channel_floor))
            cost += s.length_bonus * (len(words) - span_tokens)
            content = self._unigram(candidate.original) < s.consistency_max_prior
            option = _Option(candidate, words, " ".join(words), cost, content, self._scored(words))
            options.append(option)
            if len(options) == s.candidates_per_span:
                break
        return tuple(options)

    def _span_options(self, surface: str) -> tuple[tuple[_Option, ...], bool]:
        """The options for a span, and whether a longer span starting with it is in the lexicon
        (if not, the decoder stops growing the span). Cached: both are trie walks."""
        return self._rank_candidates(surface), self.lexicon.continues(surface)

    def _phrase_unigram(self, phrase: str) -> float:
        priors = [self.lm.prior(word) for word in phrase.split()]
        return sum(p if p is not None else -9.0 for p in priors)

    def _edges(
        self, tokens: Sequence[Token], forms: Sequence[str], seen: set[str]
    ) -> list[list[_Edge]]:
        """Outgoing edges of every position of one sentence."""
        s = self.settings
        edges: list[list[_Edge]] = [[] for _ in tokens]
        for start, token in enumerate(tokens):
            spinnable = False
            if token.kind is Kind.WORD:
                inner_capital = start > 0 and token.text[:1].isupper()
                for end in range(start + 1, min(start + MAX_TOKENS, len(tokens)) + 1):
                    if end > start + 1 and tokens[end - 1].kind is not Kind.WORD:
                        continue
                    surface = forms[start] if end == start + 1 else " ".join(forms[start:end])
                    options, longer = self._span(surface)
                    in_context = self._in_context(options, forms, start, end)
                    if in_context and end - start > 1 and _titled(tokens[start:end]):
                        in_context = [(o, g) for o, g in in_context if len(o.words) >= end - start]
                    for option, gain in in_context:
                        spinnable = True
                        cost = option.cost - (s.name_penalty if inner_capital else 0.0)
                        if option.content_word and seen.issuperset(option.words):
                            cost += s.consistency_bonus
                        edges[start].append(
                            _Edge(
                                start,
                                end,
                                option.words,
                                cost,
                                option.candidate,
                                False,
                                surface,
                                option.scored,
                                gain,
                            )
                        )
                    if not longer:
                        break
            kept = (forms[start],)
            edges[start].append(
                _Edge(start, start + 1, kept, 0.0, None, spinnable, "", self._scored(kept))
            )
        return edges

    def _in_context(
        self, options: tuple[_Option, ...], forms: Sequence[str], start: int, end: int
    ) -> list[tuple[_Option, float]]:
        """The options for span [start, end) that its neighbours leave worth decoding, each with
        its window gain: the corpus model's log10 odds of it against the span between the two
        words before and the word after.

        The candidate cut is made without context (by prior); here each survivor is scored in
        the window against keeping the span, which drops the ones the sentence rules out (gain
        plus channel cost under -``local_margin``) before they take places in the beam. Windows
        are built as strings: this runs for every option of every span, and joining word tuples
        cost a fifth of it."""
        if not options:
            return []
        before = " ".join(forms[max(start - 2, 0) : start])
        prefix = f"{before} " if before else ""
        suffix = f" {forms[end]}" if end < len(forms) else ""
        bos, eos = start < 2, end == len(forms)
        rough_score = self.lm.rough_score
        kept = rough_score(prefix + " ".join(forms[start:end]) + suffix, bos, eos)
        floor = -self.settings.local_margin
        kept_options = []
        for option in options:
            gain = rough_score(prefix + option.text + suffix, bos, eos) - kept
            if option.cost + gain > floor:
                kept_options.append((option, gain))
        return kept_options

    def _decode(self, edges: list[list[_Edge]], rate: _RateCosts, beam: int) -> list[_Edge]:
        """Beam search over the lattice; hypotheses with the same LM state are merged.

        Hypotheses are plain tuples (score, state, edge, previous) and each edge's words were
        scored for the LM beforehand (unknown-word corrections): this loop is where decoding
        spends its time."""
        lm = self.lm
        step = lm.step
        margin = self.settings.beam_margin
        frontier: list[dict] = [{} for _ in range(len(edges) + 1)]
        start = lm.begin()
        frontier[0][start] = (0.0, start, None, None)
        first = itemgetter(0)
        for position, outgoing in enumerate(edges):
            bucket = frontier[position]
            hypotheses = (
                sorted(bucket.values(), key=first, reverse=True)[:beam]
                if beam > 1
                else [max(bucket.values(), key=first)]  # the first pass: no sort needed
            )
            costs = list(zip(outgoing, rate.costs(outgoing), strict=True))
            floor = hypotheses[0][0] - margin
            for hypothesis in hypotheses:
                score0, state0 = hypothesis[0], hypothesis[1]
                if score0 < floor:
                    break
                for edge, cost in costs:
                    score = score0 + cost
                    state = state0
                    for scored in edge.scored:
                        gain, state = step(state, scored)
                        score += gain
                    target = frontier[edge.end]
                    best = target.get(state)
                    if best is None or best[0] < score:
                        target[state] = (score, state, edge, hypothesis)
        final = max(frontier[len(edges)].values(), key=lambda h: h[0] + lm.end(h[1]))
        path = []
        while final[2] is not None:
            path.append(final[2])
            final = final[3]
        return path[::-1]

    def _path_score(self, path: Sequence[_Edge], rate: _RateCosts) -> float:
        """The decoder's score of a whole path, for error analysis (bench/misses.py)."""
        words = [word for edge in path for word in edge.words]
        return self.lm.score(words) + sum(rate.costs(path))

    def changes(
        self,
        source: str,
        lattices: Sequence[_Lattice],
        paths: Sequence[list[_Edge]],
        rate: _RateCosts,
    ) -> tuple[list[tuple[Change, tuple[float, ...]]], list[float]]:
        """Each change on the best paths of a document's sentences, with its confidence features,
        and how much likelier it makes its sentence (log10, the language models alone).

        A change is scored against the same path with it undone. That alters only the LM's steps
        over its span and the few words after it that can still see the span, so only that
        window is scored: the rest of the sentence cancels out of the difference. The web
        word-pair association is left out of decoding (on the dev split it moved no edit onto the
        best path) but sharpens the confidence."""
        reach = self.lm.order - 1  # words of history the LM conditions on
        found_changes = []  # (start, end, found, suggestion, reason) of each change
        features = []
        likelihood_gains = []
        for lattice, path in zip(lattices, paths, strict=True):
            words = [word for edge in path for word in edge.words]
            # ``first`` and ``last`` delimit each edge's words in ``words``
            for edge, last in zip(path, accumulate(len(e.words) for e in path), strict=True):
                if edge.candidate is None:
                    continue
                first = last - len(edge.words)
                undone = [lattice.edges[i][-1] for i in range(edge.start, edge.end)]
                kept = [word for other in undone for word in other.words]
                bos = first <= reach
                before = words[max(first - reach, 0) : first]
                after = words[last : last + reach]
                eos = last + reach >= len(words)
                lm_gain = self.lm.score([*before, *edge.words, *after], bos, eos) - self.lm.score(
                    [*before, *kept, *after], bos, eos
                )
                left = [words[first - 1] if first else "<s>"]
                right = words[last : last + 1]
                pair_gain = self._pairs([*left, *edge.words, *right]) - self._pairs(
                    [*left, *kept, *right]
                )
                cost_gain = rate.costs((edge,))[0] - sum(rate.costs(undone))
                likelihood_gains.append(lm_gain)
                features.append(
                    self.change_features(edge, lm_gain + cost_gain, pair_gain, lattice, rate)
                )
                start, end = lattice.tokens[edge.start].start, lattice.tokens[edge.end - 1].end
                found = source[start:end]
                reason = edge.candidate.explain(" ".join(lattice.forms[edge.start : edge.end]))
                ratio = 10**lm_gain
                if ratio >= 1.5:
                    reason += f"; sentence likelihood ×{ratio:,.0f}"
                suggestion = _match_case(found, edge.candidate.original)
                found_changes.append((start, end, found, suggestion, reason))
        confidences = self._confidence.probabilities(features)
        decoded = [
            (Change(start, end, found, suggestion, round(confidence, 4), reason), row)
            for (start, end, found, suggestion, reason), confidence, row in zip(
                found_changes, confidences, features, strict=True
            )
        ]
        return decoded, likelihood_gains

    def confidence(self, features: Sequence[float]) -> float:
        """The chance that a change with these :meth:`change_features` is right."""
        return self._confidence.probabilities([features])[0]

    def _pairs(self, words: Sequence[str]) -> float:
        """Summed web association of each adjacent pair of ``words``."""
        return sum(map(self._pair, words, words[1:]))

    FEATURES = CHANGE_FEATURES
    CONFIDENCE_TERMS = len(confidence_terms([0.0] * len(FEATURES)))  # weights the model needs

    def change_features(
        self,
        edge: _Edge,
        evidence: float,
        pair_evidence: float,
        lattice: _Lattice,
        rate: _RateCosts,
    ) -> tuple[float, ...]:
        """What the confidence model sees of one change, in the order of :attr:`FEATURES`."""
        candidate = edge.candidate
        assert candidate is not None
        surface = " ".join(lattice.forms[edge.start : edge.end])
        log_channel = math.log10(max(candidate.channel, self.settings.channel_floor))
        length_change = float((edge.end - edge.start) - len(edge.words))
        return (
            evidence,
            log_channel,
            self._unigram(surface),
            self._unigram(candidate.original),
            float(edge.start > 0 and lattice.tokens[edge.start].text[:1].isupper()),
            length_change,
            float(candidate.kind in _INDIRECT),
            rate.spun,
            math.log(1 + rate.repeats(edge)),
            rate.pooled.get(edge, 0.0),
            pair_evidence,
            1.0,
        )

    def _lattices(self, text: str) -> list[_Lattice]:
        """Tokenise once: the whole text's word forms feed the consistency bonus of every edge."""
        spans = list(paragraphs(text))
        span_forms = [[lm_form(token.text) for token in span.tokens] for span in spans]
        forms_in_text = {form for forms in span_forms for form in forms}
        lattices = []
        for span, forms_of_span in zip(spans, span_forms, strict=True):
            first = 0  # sentences are consecutive runs of the span's tokens
            for sentence in sentences(span.tokens):
                forms = forms_of_span[first : first + len(sentence)]
                first += len(sentence)
                edges = self._edges(sentence, forms, forms_in_text)
                if any(len(outgoing) > 1 for outgoing in edges):
                    lattices.append(_Lattice(sentence, forms, edges))
        return lattices

    def restore(self, text: str, min_confidence: float | None = None) -> Restoration:
        threshold = self.settings.min_confidence if min_confidence is None else min_confidence
        changes = [change for change, _ in self.decode(text) if change.confidence >= threshold]
        return Restoration(apply_changes(text, changes), changes)

    def decode(self, text: str) -> list[tuple[Change, tuple[float, ...]]]:
        """Every change on the best paths with its confidence features, before any threshold."""
        return self.decode_document(text).changes

    def decode_document(self, text: str) -> DecodedDocument:
        """:meth:`decode`, with what detection reads besides: each change's likelihood gain and
        the spin rate the document was decoded at."""
        with _collector_paused():
            return self._decoded(text)

    def _decoded(self, text: str) -> DecodedDocument:
        """:meth:`decode_document`'s work, in a frame of its own: the lattices die with it, by
        reference count, before the collector resumes. Resumed while they were still alive, its
        first run scanned them all (edges, hypotheses, LM states) and found them in use. On 360
        spun BBC dev articles (three spinners at three rates) the collector's share of
        restoration time fell from 8.6% to 4.6% (``gc.callbacks``), and restoring them all took
        4% less time."""
        lattices, paths, rate = self.best_paths(text)
        changes, likelihood_gains = self.changes(text, lattices, paths, rate)
        return DecodedDocument(changes, likelihood_gains, rate.rate)

    def best_paths(self, text: str) -> tuple[list[_Lattice], list[list[_Edge]], _RateCosts]:
        """Each sentence's lattice and best path, and the document's rate costs they were
        decoded with (for :meth:`decode`, and for error analysis: bench/misses.py).

        Every sentence is decoded twice: once at the default spin rate, then at the rate that
        pass implies for this document. A clean text thus makes changes dearer for itself.
        """
        s = self.settings
        lattices = self._lattices(text)
        default = _RateCosts(s.rate)
        # The first pass only counts changes, so a narrow beam will do.
        paths = [self._decode(lattice.edges, default, beam=1) for lattice in lattices]
        restored = sum(edge.candidate is not None for path in paths for edge in path)
        spinnable = sum(
            edge.spinnable for lattice in lattices for out in lattice.edges for edge in out
        )
        estimate = (restored + s.rate * s.rate_prior_strength) / (
            restored + spinnable + s.rate_prior_strength
        )
        # Spinners swap a word the same way throughout a text (in -> successful everywhere), so
        # a restoration the first pass made elsewhere in the document supports this one.
        repeated = Counter(
            (edge.surface, edge.candidate.original)
            for path in paths
            for edge in path
            if edge.candidate is not None
        )
        rate = _RateCosts(
            min(max(estimate, s.rate_floor), 0.5),
            repeated,
            s.repeat_bonus,
            self._pooled_evidence(lattices),
        )
        best = [self._decode(lattice.edges, rate, s.beam) for lattice in lattices]
        return lattices, best, rate

    def _pooled_evidence(self, lattices: list[_Lattice]) -> dict[_Edge, float]:
        """For each restoring edge whose surface occurs more than once in the text, the weighted
        and capped sum of the local LM evidence for the same restoration at its other
        occurrences (see ``Settings.pooled_weight``).

        Local evidence is each edge's window gain (see :meth:`_in_context`), read off the input:
        free, since pruning computed it, and blind to the other changes.
        """
        s = self.settings
        occurrences: Counter = Counter()
        restoring: list[_Edge] = []
        for lattice in lattices:
            for outgoing in lattice.edges:
                if len(outgoing) == 1:  # the kept word alone
                    continue
                edges = [edge for edge in outgoing if edge.candidate is not None]
                restoring.extend(edges)
                occurrences.update({edge.surface for edge in edges})
        gains = {edge: edge.local_gain for edge in restoring if occurrences[edge.surface] > 1}
        totals: Counter = Counter()
        for edge, gain in gains.items():
            totals[edge.surface, edge.candidate.original] += gain
        cap = s.pooled_cap
        pooled = {}
        for edge, gain in gains.items():
            others = totals[edge.surface, edge.candidate.original] - gain
            pooled[edge] = s.pooled_weight * max(-cap, min(cap, others))
        return pooled

    def with_settings(self, **overrides) -> Restorer:
        """A restorer sharing this one's data with some settings changed, for experiments on the
        dev split (see bench/calibrate.py)."""
        return Restorer(self.lexicon, self.lm, replace(self.settings, **overrides))


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Hold off CPython's cycle collector while a document is decoded.

    Decoding allocates hundreds of thousands of edges and hypotheses, and the collector runs
    every 700 allocations; one run in a hundred rescans every object that survived, the span
    cache (:meth:`Restorer._span_options`) included, which grows by the thousand per document.
    On 200 dev documents that was 13% of restoration time (timed by ``gc.callbacks``), spent
    chasing pointers for nothing: decoding makes no reference cycles (those runs freed no
    object). Paused per document, and resumed after if it was running (a caller's own pause is
    left alone), it runs about once per document: 7% of the time, and restoration is 10% faster
    (14,388 against 13,082 words/s, mean of 7 alternating runs on one core)."""
    running = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if running:
            gc.enable()


_INDIRECT = frozenset(
    {
        RelationKind.REVERSE,
        RelationKind.CO_LISTED,
        RelationKind.MYTHES_GENERIC,
        RelationKind.MYTHES_RELATED,
        RelationKind.MYTHES_SIMILAR,
    }
)


@dataclass(frozen=True, slots=True)
class _Lattice:
    tokens: Sequence[Token]
    forms: list[str]
    edges: list[list[_Edge]]


class _RateCosts:
    """log10 costs of restoring a span and of keeping a spinnable word, at one spin rate, and
    the bonuses for a restoration the first pass made elsewhere in the document (``repeated``)
    and for the evidence at the other occurrences of its surface (``pooled``, per edge)."""

    __slots__ = ("bonus", "keep", "pooled", "rate", "repeated", "spun")

    def __init__(
        self,
        rate: float,
        repeated: Counter | None = None,
        bonus: float = 0.0,
        pooled: dict[_Edge, float] | None = None,
    ) -> None:
        self.rate = rate
        self.spun = math.log10(rate)
        self.keep = math.log10(1.0 - rate)
        self.repeated = repeated if repeated is not None else Counter()
        self.bonus = bonus
        self.pooled = pooled if pooled is not None else {}

    def repeats(self, edge: _Edge) -> int:
        """How often the first pass made this restoration in the document, this place included."""
        assert edge.candidate is not None
        return self.repeated[edge.surface, edge.candidate.original]

    def costs(self, edges: Sequence[_Edge]) -> list[float]:
        """Each edge's full log10 cost: its own plus the rate terms. One call for a position's
        edges, not one per edge: the decoder asks for every edge of every position twice."""
        if len(edges) == 1 and edges[0].candidate is None and not edges[0].spinnable:
            # Most positions: a word no spinner could have produced, kept.
            return [edges[0].cost]
        spun, keep, repeated, pooled, bonus = (
            self.spun,
            self.keep,
            self.repeated,
            self.pooled,
            self.bonus,
        )
        totals = []
        for edge in edges:
            candidate = edge.candidate
            if candidate is None:
                totals.append(edge.cost + (keep if edge.spinnable else 0.0))
                continue
            repeats = repeated.get((edge.surface, candidate.original), 0)
            extra = bonus * math.log2(repeats) if repeats > 1 else 0.0
            totals.append(edge.cost + (spun + extra + pooled.get(edge, 0.0)))
        return totals
