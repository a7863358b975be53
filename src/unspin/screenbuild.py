"""The build side of the screen (:mod:`unspin.screen`): spin training text, count the tells,
write the table into the data directory.

Apart from the scan so that only code which decides the table's bytes is in the data's code hash
(:data:`unspin.data.BUILD_MODULES`): the tokenizer lives here because the table is keyed by its
tokens, and the scan imports it.
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
TOKEN = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*(?:-[^\W\d_]+)*|\d+(?:[.,:/]\d+)*|[^\w\s]")

# Smoothing towards the next coarser estimate (all words -> the word -> the word in context), in
# pseudo-occurrences: a word seen twice as a substitute in three uses is not yet a sure tell.
_WORD_PRIOR_WEIGHT = 2.0
_CONTEXT_PRIOR_WEIGHT = 2.0
# Training text for the table: spun at these rates, with these spinners, each document once per
# spinner (rates cycle over documents so that the odds are those of a typical mix).
RATES = (0.15, 0.3, 0.45)
SPINNERS = ("crude", "phrase", "tortured")


def _logit(p: float) -> float:
    return math.log(p / (1.0 - p))


def tokens(text: str) -> Iterator[tuple[str, int, int]]:
    """Lower-cased tokens with their offsets, as the table is keyed."""
    for match in TOKEN.finditer(text):
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
