"""The ``fast`` detection tier: a screening score from look-ups alone, for bulk scanning.

Spinners leave surface tells that need no restoration to see: words a thesaurus produces far
more often than writers do (*twelvemonth*, *arsenic*), and ordinary words in contexts only a
substitution explains (*successful the*, *connected Tuesday*). The screen learns these tells
from simulated spinning of training text (never evaluation text): for every word, how often it
was a spinner's substitute among all its occurrences, and how the word before and after shift
those odds. Scanning a text is then one regular-expression pass and three dictionary look-ups a
word, hundreds of thousands of words a second on one core.

The table is part of the data directory (``unspin data build`` writes it with
:func:`unspin.screenbuild.build`); the logistic curves that turn its counts into probabilities
live in :mod:`unspin.detect` and are fitted on the dev split by
``python -m unspin.bench.calibrate``.
"""

from __future__ import annotations

import gzip
import json
import math
import re
from dataclasses import dataclass
from pathlib import Path

from unspin.screenbuild import TABLE_FILE, TOKEN

_LINE = re.compile(r"[^\n]+")

# Token log-odds cut-offs counted per stretch of text, and the clip of the mean (one absurd word
# must not decide a paragraph).
CUTS = (0.0, 1.5, 3.0)
CLIP = (-4.0, 6.0)


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
        found = [(m.group().lower(), m.start(), m.end()) for m in TOKEN.finditer(text, start, end)]
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
