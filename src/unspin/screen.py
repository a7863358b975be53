"""The ``fast`` detection tier: a screening score from look-ups alone, for bulk scanning.

Spinners leave surface tells that need no restoration to see: words a thesaurus produces far
more often than writers do (*twelvemonth*, *arsenic*), and ordinary words in contexts only a
substitution explains (*successful the*, *connected Tuesday*). The screen learns these tells
from simulated spinning of training text (never evaluation text): for every word, how often it
was a spinner's substitute among all its occurrences, and how the word before and after shift
those odds. Scanning a text is then one regular-expression pass and three dictionary look-ups a
word, hundreds of thousands of words a second on one core.

The table is part of the data directory (``unspin data build`` writes it with :func:`build`);
the logistic curves that turn its counts into probabilities live in :mod:`unspin.detect` and are
fitted on the dev split by ``python -m unspin.bench.calibrate``.
"""

from __future__ import annotations

import gzip
import json
import math
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

TABLE_FILE = "screen.json.gz"
TABLE_FORMAT = 1

# A word, a number or one punctuation mark; punctuation is context (``arsenic .``), not a word.
_TOKEN = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*(?:-[^\W\d_]+)*|\d+(?:[.,:/]\d+)*|[^\w\s]")
_LINE = re.compile(r"[^\n]+")

# Smoothing towards the next coarser estimate (all words -> the word -> the word in context), in
# pseudo-occurrences: a word seen twice as a substitute in three uses is not yet a sure tell.
_WORD_PRIOR_WEIGHT = 2.0
_CONTEXT_PRIOR_WEIGHT = 2.0
# Token log-odds cut-offs counted per stretch of text, and the clip of the mean (one absurd word
# must not decide a paragraph).
CUTS = (0.0, 1.5, 3.0)
CLIP = (-4.0, 6.0)
# Training text for the table: spun at these rates, with these spinners, each document once per
# spinner (rates cycle over documents so that the odds are those of a typical mix).
RATES = (0.15, 0.3, 0.45)
SPINNERS = ("crude", "phrase", "tortured")
"""Brown genres the bench evaluates detection on: never part of the screen's training text."""


def _logit(p: float) -> float:
    return math.log(p / (1.0 - p))


def tokens(text: str) -> Iterator[tuple[str, int, int]]:
    """Lower-cased tokens with their offsets, as the table is keyed."""
    for match in _TOKEN.finditer(text):
        yield match.group().lower(), match.start(), match.end()


def training_documents() -> Iterator[tuple[str, str]]:
    """Brown genres outside press, fiction and learned (evaluated) and the dev genres (where
    detection is calibrated): varied registers."""
    from unspin.corpora import BROWN_NOT_TRAINED, brown_documents

    return brown_documents(exclude=BROWN_NOT_TRAINED)


@dataclass
class _Counts:
    words: Counter = field(default_factory=Counter)
    spun: Counter = field(default_factory=Counter)
    pairs: Counter = field(default_factory=Counter)
    spun_second: Counter = field(default_factory=Counter)  # pair whose second token is spun
    spun_first: Counter = field(default_factory=Counter)  # pair whose first token is spun
    originals: defaultdict = field(default_factory=lambda: defaultdict(Counter))

    def add(self, spun_text: str, spans: list[tuple[int, int]]) -> None:
        spans = sorted(spans)
        index = 0
        previous, previous_spun = "<s>", False
        for word, start, end in tokens(spun_text):
            while index < len(spans) and spans[index][1] <= start:
                index += 1
            is_spun = index < len(spans) and spans[index][0] < end
            self.words[word] += 1
            self.spun[word] += is_spun
            pair = f"{previous} {word}"
            self.pairs[pair] += 1
            self.spun_second[pair] += is_spun
            self.spun_first[pair] += previous_spun
            previous, previous_spun = word, is_spun


def build(
    directory: Path,
    documents: Iterable[tuple[str, str]] | None = None,
    progress: Callable[[str], None] | None = None,
    seed: int = 1000,
) -> dict:
    """Spin the training text with every simulated spinner, count the tells, write the table.

    Returns the manifest entry (counts and the share of spun tokens).
    """
    from unspin.bench.spinners import spin

    say = progress or (lambda message: None)
    counts = _Counts()
    documents = list(training_documents() if documents is None else documents)
    for number, (_, text) in enumerate(documents):
        for spinner in SPINNERS:
            result = spin(text, spinner, RATES[number % len(RATES)], seed + number)
            counts.add(result.spun, [(e.spun_start, e.spun_end) for e in result.edits])
            for edit in result.edits:
                counts.originals[edit.substitute.lower()][edit.original.lower()] += 1
        if number % 50 == 49:
            say(f"screen table: {number + 1}/{len(documents)} documents spun")
    table = _table(counts)
    table["documents"] = len(documents)
    # mtime=0: the same training text gives the same bytes, so checksums compare across builds.
    with gzip.GzipFile(directory / TABLE_FILE, "wb", mtime=0) as handle:
        handle.write(json.dumps(table, separators=(",", ":")).encode("utf-8"))
    return {
        "file": TABLE_FILE,
        "format": TABLE_FORMAT,
        "documents": len(documents),
        "tokens": sum(counts.words.values()),
        "spun_share": round(sum(counts.spun.values()) / max(sum(counts.words.values()), 1), 4),
        "words": len(table["word"]),
        "contexts": len(table["before"]) + len(table["after"]),
        "spinners": list(SPINNERS),
        "rates": list(RATES),
    }


def _table(counts: _Counts) -> dict:
    """Log-odds that a word is a substitute, and the shift its neighbours bring, smoothed."""
    total = sum(counts.words.values())
    prior = sum(counts.spun.values()) / total
    word_odds: dict[str, float] = {}
    word_p: dict[str, float] = {}
    for word, seen in counts.words.items():
        p = (counts.spun[word] + _WORD_PRIOR_WEIGHT * prior) / (seen + _WORD_PRIOR_WEIGHT)
        word_p[word] = p
        word_odds[word] = round(_logit(p), 3)
    before: dict[str, float] = {}
    after: dict[str, float] = {}
    for pair, seen in counts.pairs.items():
        first, second = pair.split(" ")
        for word, spun, shifts in (
            (second, counts.spun_second[pair], before),
            (first, counts.spun_first[pair], after),
        ):
            if word not in word_p or not counts.spun[word]:
                continue  # never a substitute: context cannot make it one
            p = (spun + _CONTEXT_PRIOR_WEIGHT * word_p[word]) / (seen + _CONTEXT_PRIOR_WEIGHT)
            shift = round(_logit(p) - _logit(word_p[word]), 2)
            if abs(shift) >= 0.05:
                shifts[pair] = shift
    originals = {
        surface: found.most_common(1)[0][0]
        for surface, found in counts.originals.items()
        if " " not in surface
    }
    return {
        "format": TABLE_FORMAT,
        "prior": round(_logit(prior), 3),
        "word": word_odds,
        "before": before,
        "after": after,
        "original": originals,
    }


@dataclass(frozen=True, slots=True)
class Stretch:
    """What the screen reads off one stretch of text (a paragraph, or a document)."""

    start: int
    end: int
    words: int
    over: tuple[int, ...]  # words whose log-odds exceed each of CUTS
    clipped_sum: float  # sum of clipped word log-odds
    suspects: tuple[tuple[int, int, str, float], ...] = ()  # (start, end, word, log-odds) > 0

    def features(self) -> tuple[float, ...]:
        """Logarithms of the shares over each cut, and the mean clipped log-odds."""
        words = max(self.words, 1)
        return (*(math.log((k + 0.5) / words) for k in self.over), self.clipped_sum / words)

    @staticmethod
    def pool(stretches: list[Stretch]) -> Stretch:
        """One stretch for several: a document from its paragraphs."""
        if not stretches:
            return Stretch(0, 0, 0, (0,) * len(CUTS), 0.0)
        return Stretch(
            stretches[0].start,
            stretches[-1].end,
            sum(s.words for s in stretches),
            tuple(sum(k) for k in zip(*(s.over for s in stretches), strict=True)),
            sum(s.clipped_sum for s in stretches),
            tuple(x for s in stretches for x in s.suspects),
        )


class Screen:
    """The table in memory, and the scan that reads a text against it."""

    def __init__(self, directory: Path) -> None:
        path = Path(directory) / TABLE_FILE
        if not path.is_file():
            raise FileNotFoundError(f"screen table missing: {path}")
        with gzip.open(path, "rt", encoding="utf-8") as handle:
            table = json.load(handle)
        self._prior: float = table["prior"]
        self._word: dict[str, float] = table["word"]
        self._before: dict[str, float] = table["before"]
        self._after: dict[str, float] = table["after"]
        self.originals: dict[str, str] = table["original"]

    def scan(self, text: str) -> list[Stretch]:
        """One :class:`Stretch` per paragraph (line), with its suspect words."""
        return [self._stretch(text, m.start(), m.end()) for m in _LINE.finditer(text)]

    def _stretch(self, text: str, start: int, end: int) -> Stretch:
        # The hot loop: local names, no calls per token beyond dict look-ups.
        word_odds, before, after, prior = self._word, self._before, self._after, self._prior
        low, high = CLIP
        cut_a, cut_b, cut_c = CUTS
        found = [(m.group().lower(), m.start(), m.end()) for m in _TOKEN.finditer(text, start, end)]
        words = over_a = over_b = over_c = 0
        clipped = 0.0
        suspects = []
        previous = "<s>"
        last = len(found) - 1
        for index, (word, left, right) in enumerate(found):
            if not word[0].isalpha():
                previous = word
                continue
            words += 1
            score = word_odds.get(word, prior)
            if score > cut_a - 3.0:  # only plausible substitutes are worth a context look-up
                score += before.get(f"{previous} {word}", 0.0)
                if index < last:
                    score += after.get(f"{word} {found[index + 1][0]}", 0.0)
            previous = word
            clipped += low if score < low else high if score > high else score
            if score > cut_a:
                over_a += 1
                suspects.append((left, right, word, score))
                if score > cut_b:
                    over_b += 1
                    over_c += score > cut_c
        if not found:
            return Stretch(start, end, 0, (0, 0, 0), 0.0)
        return Stretch(start, end, words, (over_a, over_b, over_c), clipped, tuple(suspects))


def probability(log_odds: float) -> float:
    """A word's log-odds as a probability (for flags)."""
    return 1.0 / (1.0 + math.exp(-max(min(log_odds, 50.0), -50.0)))
