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

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import lru_cache

from unspin.lexicon import MAX_TOKENS, Candidate, Lexicon
from unspin.lm import LanguageModel
from unspin.report import Change, Restoration, apply_changes
from unspin.text import Kind, Token, lm_form, paragraphs, sentences


@dataclass(frozen=True, slots=True)
class Settings:
    """Decoder knobs. Defaults are set on simulated spinning (bench), never on evaluation text."""

    rate: float = 0.3  # prior chance that a spinnable word was spun
    candidates_per_span: int = 12
    # Skip an original whose unigram evidence trails the surface's by more than this (log10):
    # sentence context rarely overturns a gap that large, and skipping keeps decoding fast.
    prior_margin: float = 4.0
    channel_floor: float = 1e-3  # spinners use dictionaries we lack: never rule a pair out
    # log10 bonus when a content-word original occurs elsewhere in the text (the spinner kept it
    # there); function words occur everywhere, so they get no bonus.
    consistency_bonus: float = 0.5
    consistency_max_prior: float = -3.5
    beam: int = 6
    min_confidence: float = 0.5
    confidence_slope: float = 1.0  # logistic slope on the log10 evidence


@dataclass(frozen=True, slots=True)
class _Edge:
    """A way to cover tokens [start, end) of a sentence: keep them, or restore an original."""

    start: int
    end: int
    words: tuple[str, ...]
    cost: float
    candidate: Candidate | None = None


@dataclass(frozen=True, slots=True)
class _Hypothesis:
    score: float
    state: object
    edge: _Edge | None
    previous: _Hypothesis | None


def _match_case(found: str, suggestion: str) -> str:
    """Carry the surface's case pattern over: Home -> House, NATO stays upper, news lower."""
    if len(found) > 1 and found.isupper():
        return suggestion.upper()
    if found[:1].isupper():
        return suggestion[:1].upper() + suggestion[1:]
    return suggestion


class Restorer:
    """Holds the lexicon and language model; safe to reuse for many documents."""

    def __init__(self, lexicon: Lexicon, lm: LanguageModel, settings: Settings | None = None):
        self.lexicon = lexicon
        self.lm = lm
        self.settings = settings or Settings()
        self._candidates = lru_cache(maxsize=200_000)(self._rank_candidates)

    def _rank_candidates(self, surface: str) -> tuple[Candidate, ...]:
        """Originals worth decoding for a surface, most plausible first (cached per surface)."""
        s = self.settings
        found = self.lexicon.candidates(surface)
        if not found:
            return ()
        surface_prior = self._unigram(surface)
        floor = surface_prior + math.log10((1 - s.rate) / s.rate) - s.prior_margin
        kept = [c for c in found if math.log10(c.prior) > floor and c.original != surface]
        return tuple(kept[: s.candidates_per_span])

    def _unigram(self, phrase: str) -> float:
        priors = [self.lm.prior(word) for word in phrase.split()]
        return sum(p if p is not None else -9.0 for p in priors)

    def _edges(
        self, tokens: Sequence[Token], forms: Sequence[str], seen: Counter
    ) -> list[list[_Edge]]:
        """Outgoing edges of every position of one sentence."""
        s = self.settings
        keep_cost = math.log10(1 - s.rate)
        spun_cost = math.log10(s.rate)
        edges: list[list[_Edge]] = [[] for _ in tokens]
        for start, token in enumerate(tokens):
            spinnable = False
            if token.kind is Kind.WORD:
                for end in range(start + 1, min(start + MAX_TOKENS, len(tokens)) + 1):
                    last = tokens[end - 1]
                    if end > start + 1 and last.kind is not Kind.WORD:
                        continue
                    surface = " ".join(forms[start:end])
                    if end > start + 1 and surface not in self.lexicon:
                        if not self.lexicon.continues(surface):
                            break
                        continue
                    for candidate in self._candidates(surface):
                        spinnable = True
                        cost = spun_cost + math.log10(max(candidate.channel, s.channel_floor))
                        words = tuple(candidate.original.split())
                        if self._unigram(candidate.original) < s.consistency_max_prior and all(
                            seen[w] for w in words
                        ):
                            cost += s.consistency_bonus
                        edges[start].append(_Edge(start, end, words, cost, candidate))
                    if end == start + 1 and not self.lexicon.continues(surface):
                        break
            edges[start].append(
                _Edge(start, start + 1, (forms[start],), keep_cost if spinnable else 0.0)
            )
        return edges

    def _decode(self, edges: list[list[_Edge]]) -> list[_Edge]:
        """Beam search over the lattice; hypotheses with the same LM state are merged."""
        lm = self.lm
        frontier: list[dict] = [{} for _ in range(len(edges) + 1)]
        frontier[0][0] = _Hypothesis(0.0, lm.begin(), None, None)
        for position, outgoing in enumerate(edges):
            hypotheses = sorted(frontier[position].values(), key=lambda h: -h.score)
            for hypothesis in hypotheses[: self.settings.beam]:
                for edge in outgoing:
                    score, state = hypothesis.score + edge.cost, hypothesis.state
                    for word in edge.words:
                        gain, state = lm.advance(state, word)
                        score += gain
                    bucket = frontier[edge.end]
                    best = bucket.get(state)
                    if best is None or best.score < score:
                        bucket[state] = _Hypothesis(score, state, edge, hypothesis)
        final = max(frontier[len(edges)].values(), key=lambda h: h.score + lm.end(h.state))
        path = []
        while final.edge is not None:
            path.append(final.edge)
            final = final.previous
        return path[::-1]

    def _path_score(self, path: Sequence[_Edge]) -> tuple[float, float]:
        """(total score, LM part) of a path, for comparing a change against undoing it."""
        words = [word for edge in path for word in edge.words]
        lm_score = self.lm.score(words)
        return lm_score + sum(edge.cost for edge in path), lm_score

    def _sentence_changes(
        self, source: str, tokens: Sequence[Token], seen: Counter, min_confidence: float
    ) -> list[Change]:
        forms = [lm_form(token.text) for token in tokens]
        edges = self._edges(tokens, forms, seen)
        if all(len(outgoing) == 1 for outgoing in edges):
            return []
        path = self._decode(edges)
        best_total, best_lm = self._path_score(path)
        changes = []
        for index, edge in enumerate(path):
            if edge.candidate is None:
                continue
            undone = [
                _Edge(i, i + 1, (forms[i],), self._keep_cost(edges[i]))
                for i in range(edge.start, edge.end)
            ]
            total, lm_score = self._path_score([*path[:index], *undone, *path[index + 1 :]])
            evidence = best_total - total
            confidence = 1.0 / (1.0 + 10 ** (-self.settings.confidence_slope * evidence))
            if confidence < min_confidence:
                continue
            start, end = tokens[edge.start].start, tokens[edge.end - 1].end
            found = source[start:end]
            ratio = 10 ** (best_lm - lm_score)
            reason = (
                f"{edge.candidate.explain(' '.join(forms[edge.start : edge.end]))};"
                f" sentence likelihood ×{ratio:,.0f}"
                if ratio >= 1
                else f"{edge.candidate.explain(' '.join(forms[edge.start : edge.end]))}"
            )
            changes.append(
                Change(
                    start,
                    end,
                    found,
                    _match_case(found, edge.candidate.original),
                    round(confidence, 4),
                    reason,
                )
            )
        return changes

    @staticmethod
    def _keep_cost(outgoing: list[_Edge]) -> float:
        return outgoing[-1].cost

    def restore(self, text: str, min_confidence: float | None = None) -> Restoration:
        threshold = self.settings.min_confidence if min_confidence is None else min_confidence
        seen = Counter(
            lm_form(token.text) for paragraph in paragraphs(text) for token in paragraph.tokens
        )
        changes: list[Change] = []
        for paragraph in paragraphs(text):
            for sentence in sentences(paragraph.tokens):
                changes.extend(self._sentence_changes(text, sentence, seen, threshold))
        return Restoration(apply_changes(text, changes), changes)

    def with_settings(self, **overrides) -> Restorer:
        return Restorer(self.lexicon, self.lm, replace(self.settings, **overrides))
