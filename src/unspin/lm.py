"""The n-gram language model that decides which restoration reads most like real English.

A KenLM model trained on the open corpora (:func:`unspin.corpora.training_documents`) does the
work. Its weak spot for this task is the unknown word: KenLM gives every out-of-vocabulary word the
same ``<unk>`` probability, so a typo, a spinner's gibberish and a real but rare word all score
alike, and the decoder happily keeps gibberish. :class:`LanguageModel` therefore replaces the flat
``<unk>`` unigram with a wordfreq prior (how common the word is on the web), scaled to the share
of running text that unseen words take, and keeps KenLM's context backoff around it.

A corpus of a few million words also cannot know which words go together in today's English
(White House, deep inside, mobile phone). :meth:`LanguageModel.association` adds that from Google
Web 1T counts (a trillion words of 2006 web text; the top 286k word pairs, as shipped in
``wordsegment``): how much more often two words stand side by side than chance would have them.

Neither fixes the model's main weakness, how little text it has seen: it prefers *stated* to
*said* after "the minister" (the State of the Union addresses) and barely knows *deep learning*.
So every score is a weighted sum of two models: the corpus 5-gram, which sees punctuation, and the
CMU Sphinx US English trigram (:mod:`unspin.sphinx`), estimated from far more modern text, which
scores the words alone. A decoding state is the pair of the two models' states.

Files in a model directory: ``lm.binary`` (KenLM probing hash tables, memory-mapped),
``sphinx.binary`` (the Sphinx trigram, the same way), ``unigram.marisa`` (word -> log10 wordfreq
frequency, memory-mapped, so queries never import wordfreq, whose load is slow),
``webpairs.marisa`` (Web 1T log10 counts of words and word pairs) and ``lm.json`` (the build
manifest and the constants of the unknown-word and association models). :mod:`unspin.lmbuild`
writes them; this module only reads, so editing it does not make the data stale.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import kenlm
import marisa_trie

from unspin.lmbuild import (
    BINARY_FILE,
    DATA_FILES,
    MANIFEST_FILE,
    PAIRS_FILE,
    PRIOR_FILE,
    PRIOR_FORMAT,
    SPHINX_FILE,
)

# Weights of the corpus 5-gram and the Sphinx trigram in every score: the plain average, chosen on
# the dev split (100 documents of bench.calibrate, decoded once per weighting, the confidence model
# refitted on 60 and scored on 40). Their sum sets how far the language model can outvote the
# channel prior (a sum of 3 lost 3 points of recall), their ratio how much each model is trusted
# (1:2 and 2:1 did no better than 1:1).
CORPUS_WEIGHT = 0.5
SPHINX_WEIGHT = 0.5

_ASSOCIATION_LIMIT = 3.0
_SMASHED_DIGITS = re.compile(r"\d{2,}")  # wordfreq stores "1990" as "0000"


class ModelNotFound(FileNotFoundError):
    """The model directory lacks a file: the model was never built there, or only in part."""


State = tuple[kenlm.State, kenlm.State]
"""A decoding state: the corpus model's and the Sphinx model's. Tuples hash and compare in C, so
the decoder can merge hypotheses on them as cheaply as on one model's state."""

# What the Sphinx model does with a word: score it; skip it (punctuation: its context runs on
# across a comma); or restart from no context after it (a word outside its vocabulary).
SPHINX_SCORES, SPHINX_SKIPS, SPHINX_RESTARTS = 0, 1, 2

# What a hot loop steps over: a word, the corpus model's weight and correction for it, and what
# the Sphinx model does with it (see LanguageModel.scored_word).
ScoredWord = tuple[str, float, float, int]


class LanguageModel:
    """Query side of the model; every word must already be in :func:`unspin.text.lm_form`.

    Scores are ``CORPUS_WEIGHT`` × the corpus 5-gram plus ``SPHINX_WEIGHT`` × the Sphinx trigram,
    both in log10. A word the corpus model does not know is scored by its wordfreq prior instead
    of the flat ``<unk>`` probability, keeping the model's backoff; one the Sphinx model does not
    know, by the corpus model alone (:meth:`scored_word`).
    """

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)
        for name in (*DATA_FILES, MANIFEST_FILE):
            if not (self.directory / name).is_file():
                raise ModelNotFound(
                    f"no language model at {self.directory} ({name} missing); "
                    "build it with `unspin data build`"
                )
        config = kenlm.Config()
        config.load_method = kenlm.LoadMethod.LAZY  # mmap: load in milliseconds, page in on use
        self._model = kenlm.Model(str(self.directory / BINARY_FILE), config)
        self._sphinx = kenlm.Model(str(self.directory / SPHINX_FILE), config)
        self._priors = marisa_trie.RecordTrie(PRIOR_FORMAT).mmap(str(self.directory / PRIOR_FILE))
        self.manifest: dict[str, Any] = json.loads(
            (self.directory / MANIFEST_FILE).read_text(encoding="utf-8")
        )
        unknown = self.manifest["unknown_words"]
        self._unknown_log10: float = unknown["unknown_log10"]
        # KenLM scores an unseen word as backoff(context) + log10 P(<unk>); swapping P(<unk>) for
        # unseen_mass * prior(word) / prior_mass keeps the backoff and the model normalised.
        self._oov_offset = (
            math.log10(unknown["unseen_mass"])
            - math.log10(unknown["prior_mass"])
            - self._model.BaseScore(_null_state(self._model), "<unk>", kenlm.State())
        )
        # Per-word look-ups, cached: ranking candidates and scoring changes ask for the same few
        # thousand words over and over, and a trie look-up costs several times a dict's.
        self._scored = _WordCache(self._score_word)
        self._prior_by_word = _WordCache(self._read_prior)
        self._sphinx_restart = _null_state(self._sphinx)
        self._base_score = self._model.BaseScore
        self._sphinx_score = self._sphinx.BaseScore
        # rough_score(sentence, bos=True, eos=True): log10 probability of ``sentence`` (words
        # joined by spaces) under the corpus model alone, without the Sphinx model or the
        # unknown-word corrections of :meth:`score`: a third of its cost, for pruning candidates
        # that the full score would rule out anyway. KenLM's own method, bound here: the decoder
        # calls it half a million times per hundred documents, and a wrapper's frame cost a
        # tenth of the call. Pass bos and eos by position: as keywords they cost KenLM's wrapper
        # 0.4 us of a 1.3 us call.
        self.rough_score: Callable[..., float] = self._model.score
        self._web = marisa_trie.RecordTrie(PRIOR_FORMAT).mmap(str(self.directory / PAIRS_FILE))
        web_pairs = self.manifest["web_pairs"]
        self._web_count = _WordCache(self._read_web_count)
        self._web_total: float = web_pairs["total_log10"]
        self._web_threshold: float = web_pairs["pair_threshold_log10"]

    @property
    def order(self) -> int:
        """The longest n-gram either model conditions on."""
        return max(self._model.order, self._sphinx.order)

    def __contains__(self, word: str) -> bool:
        """Whether the corpus model knows ``word`` (unknown words are scored through the prior)."""
        return word in self._model

    def prior(self, word: str) -> float | None:
        """log10 of the word's wordfreq frequency, or None when wordfreq does not list it."""
        return self._prior_by_word[word]

    def _read_prior(self, word: str) -> float | None:
        found = self._priors.get(word)
        if found is None and word[:1].isdigit():
            found = self._priors.get(_SMASHED_DIGITS.sub(lambda m: "0" * len(m[0]), word))
        return found[0][0] if found else None

    def association(self, first: str, second: str) -> float:
        """log10 of how much more often ``first second`` occurs on the web than chance predicts
        (pointwise mutual information), clipped to [-3, 3]; 0 when either word is unknown.

        Only pairs seen at least ~100,000 times are listed. For an unlisted pair that caps the
        association: when even the cap is below chance (two very common words, "successful
        the"), the pair is penalised; otherwise its absence says nothing and it scores 0.
        """
        first_log10, second_log10 = self._web_count[first], self._web_count[second]
        if first_log10 is None or second_log10 is None:
            return 0.0
        chance = first_log10 + second_log10 - self._web_total
        found_pair = self._web.get(f"{first} {second}")
        if found_pair is None:
            return max(min(self._web_threshold - chance, 0.0), -_ASSOCIATION_LIMIT)
        return max(min(found_pair[0][0] - chance, _ASSOCIATION_LIMIT), -_ASSOCIATION_LIMIT)

    def _read_web_count(self, word: str) -> float | None:
        found = self._web.get(word)
        return found[0][0] if found else None

    def scored_word(self, word: str) -> ScoredWord:
        """``word`` with what each model adds to the score for it.

        The corpus model's correction is non-zero for a word it does not know (the prior replaces
        ``<unk>``). The Sphinx model scores only words it knows. It never saw punctuation, which
        it skips, nor digits and words outside its 72k: given one of those as ``<unk>``, it would
        judge the word by a flat -100 and the next words by a unigram, while a known rival is
        judged in context (*U.S.*, unknown, would lose to the pronoun *us*). The corpus model
        scores such words alone, at the full weight, and the Sphinx model restarts after them.
        Cached (see ``_WordCache``).
        """
        return self._scored[word]

    def _score_word(self, word: str) -> ScoredWord:
        corpus_offset = 0.0
        if word not in self._model:
            prior = self.prior(word)
            corpus_offset = self._oov_offset + (self._unknown_log10 if prior is None else prior)
        if word in self._sphinx:
            return word, CORPUS_WEIGHT, CORPUS_WEIGHT * corpus_offset, SPHINX_SCORES
        alone = CORPUS_WEIGHT + SPHINX_WEIGHT
        role = SPHINX_RESTARTS if any(c.isalnum() for c in word) else SPHINX_SKIPS
        return word, alone, alone * corpus_offset, role

    def scored_words(self, words: tuple[str, ...]) -> tuple[ScoredWord, ...]:
        """:meth:`scored_word` of each word, for hot loops that call :meth:`step` themselves."""
        return tuple(map(self.scored_word, words))

    def step(self, state: State, scored: ScoredWord) -> tuple[float, State]:
        """log10 P(word | state) and the state after it; the decoder's inner loop."""
        word, corpus_weight, corpus_offset, sphinx_role = scored
        corpus_state, sphinx_state = state
        corpus_out = kenlm.State()
        score = corpus_weight * self._base_score(corpus_state, word, corpus_out) + corpus_offset
        if sphinx_role == SPHINX_SCORES:
            sphinx_out = kenlm.State()
            score += SPHINX_WEIGHT * self._sphinx_score(sphinx_state, word, sphinx_out)
            return score, (corpus_out, sphinx_out)
        if sphinx_role == SPHINX_SKIPS:
            return score, (corpus_out, sphinx_state)
        return score, (corpus_out, self._sphinx_restart)

    def advance(self, state: State, word: str) -> tuple[float, State]:
        """log10 P(word | state) and the state after it; ``state`` is left untouched."""
        return self.step(state, self.scored_word(word))

    def begin(self) -> State:
        """State at the start of a sentence (after ``<s>``)."""
        corpus, sphinx_state = kenlm.State(), kenlm.State()
        self._model.BeginSentenceWrite(corpus)
        self._sphinx.BeginSentenceWrite(sphinx_state)
        return corpus, sphinx_state

    def null_state(self) -> State:
        """State with no context, for text that does not start a sentence."""
        return _null_state(self._model), _null_state(self._sphinx)

    def end(self, state: State) -> float:
        """log10 P(</s> | state)."""
        return CORPUS_WEIGHT * self._base_score(
            state[0], "</s>", kenlm.State()
        ) + SPHINX_WEIGHT * self._sphinx_score(state[1], "</s>", kenlm.State())

    def score(self, words: Sequence[str], bos: bool = True, eos: bool = True) -> float:
        """Total log10 probability of ``words``; equals chained :meth:`advance` plus :meth:`end`
        (to float precision: KenLM sums in single precision, in C)."""
        scored = self.scored_words(tuple(words))
        sentence = " ".join(words)
        if all(role == SPHINX_SCORES for _, _, _, role in scored):
            # The common case: every word is weighted alike, so each model scores the whole
            # sentence in one C call.
            return (
                CORPUS_WEIGHT * self._model.score(sentence, bos, eos)
                + sum(offset for _, _, offset, _ in scored)
                + SPHINX_WEIGHT * self._sphinx.score(sentence, bos, eos)
            )
        corpus_steps = self._model.full_scores(sentence, bos, eos)
        # zip stops on ``scored`` first, so the </s> step is still there for next() below.
        total = sum(
            weight * step[0] + offset
            for (_, weight, offset, _), step in zip(scored, corpus_steps, strict=False)
        )
        if eos:
            total += CORPUS_WEIGHT * next(corpus_steps)[0]
        # The Sphinx model reads the words it knows, in runs split where it restarts.
        segments: list[list[str]] = [[]]
        for word, _, _, role in scored:
            if role == SPHINX_SCORES:
                segments[-1].append(word)
            elif role == SPHINX_RESTARTS:
                segments.append([])
        sphinx_total = 0.0
        last = len(segments) - 1
        for number, segment in enumerate(segments):
            if segment or (number == last and eos):
                sphinx_total += self._sphinx.score(
                    " ".join(segment), bos=bos and number == 0, eos=eos and number == last
                )
        return total + SPHINX_WEIGHT * sphinx_total


class _WordCache(dict):
    """A word's look-up, remembered. Forgets everything past ``limit`` words, so that the long
    tail of names and numbers in a crawl cannot grow it without bound."""

    def __init__(self, look_up: Callable[[str], Any], limit: int = 1_000_000) -> None:
        super().__init__()
        self._look_up = look_up
        self._limit = limit

    def __missing__(self, word: str) -> Any:
        if len(self) >= self._limit:
            self.clear()
        value = self[word] = self._look_up(word)
        return value


def _null_state(model: kenlm.Model) -> kenlm.State:
    state = kenlm.State()
    model.NullContextWrite(state)
    return state
