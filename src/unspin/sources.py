"""Readers for the thesauri that spinners draw on: WordNet 3.0, Moby Thesaurus II and MyThes.

Each reader yields *forward* relations (original -> substitute), the direction a spinner uses.
The lexicon inverts them; the benchmark's simulated spinners use them as they are. Files are
parsed directly (no NLTK): it is fast, and it keeps the exact relation and sense rank we need to
explain a change ("shares a synset with", "similar to", "co-listed in Moby").
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from enum import IntEnum
from pathlib import Path

from unspin import resources


class Source(IntEnum):
    """Thesaurus a relation comes from; stored as a small int in the compiled lexicon."""

    WORDNET = 0
    MOBY = 1
    MYTHES = 2

    @property
    def label(self) -> str:
        return {0: "WordNet 3.0", 1: "Moby II", 2: "MyThes"}[self.value]


class Kind(IntEnum):
    """How the substitute relates to the original, for the channel prior and for explanations."""

    SYNSET = 0  # same WordNet synset (a true synonym in one sense)
    SIMILAR = 1  # WordNet "similar to" adjective cluster
    MOBY_ENTRY = 2  # listed in the original's Moby entry
    MYTHES_SYNONYM = 3
    MYTHES_GENERIC = 4  # MyThes "(generic term)": a hypernym
    MYTHES_SIMILAR = 5  # MyThes "(similar term)"
    MYTHES_RELATED = 6  # MyThes "(related term)"
    REVERSE = 7  # the original is listed under the substitute: spinner lists run both ways
    CO_LISTED = 8  # both listed in the same Moby entries (a two-step synonym)

    @property
    def phrase(self) -> str:
        return _KIND_PHRASES[self]


_KIND_PHRASES = {
    Kind.SYNSET: "shares a synset with",
    Kind.SIMILAR: "is listed as similar to",
    Kind.MOBY_ENTRY: "is listed in the entry for",
    Kind.MYTHES_SYNONYM: "is a synonym of",
    Kind.MYTHES_GENERIC: "is a broader term for",
    Kind.MYTHES_SIMILAR: "is a similar term to",
    Kind.MYTHES_RELATED: "is a related term of",
    Kind.REVERSE: "has in its entry",
    Kind.CO_LISTED: "shares thesaurus entries with",
}

# Part of speech as one letter; "" when the source does not say (Moby).
POS_LETTERS = ("n", "v", "a", "r", "")


@dataclass(frozen=True, slots=True)
class Relation:
    """A spinner may turn ``original`` into ``substitute``.

    ``rank`` is the sense rank in WordNet (1 = most frequent sense of the original) or the position
    in the source's list; ``fanout`` is how many distinct substitutes the source offers for the
    original, so ``1 / fanout`` is the chance that a uniform spinner picks this one.
    """

    original: str
    substitute: str
    pos: str
    source: Source
    kind: Kind
    rank: int
    fanout: int


def _clean(phrase: str) -> str:
    return " ".join(phrase.replace("_", " ").split()).lower()


def _with_fanout(
    pairs: Iterable[tuple[str, str, str, Kind, int]], source: Source
) -> Iterator[Relation]:
    """Attach to each (original, substitute) the number of substitutes of its original."""
    by_original: dict[str, dict[str, tuple[str, Kind, int]]] = defaultdict(dict)
    for original, substitute, pos, kind, rank in pairs:
        if original == substitute or not original or not substitute:
            continue
        seen = by_original[original]
        # Keep the best-ranked (most common sense, closest relation) occurrence of each pair.
        if substitute not in seen or (rank, kind) < (seen[substitute][2], seen[substitute][1]):
            seen[substitute] = (pos, kind, rank)
    for original, substitutes in by_original.items():
        fanout = len(substitutes)
        for substitute, (pos, kind, rank) in substitutes.items():
            yield Relation(original, substitute, pos, source, kind, rank, fanout)


# --- WordNet -----------------------------------------------------------------------------------

_WN_POS = {"noun": "n", "verb": "v", "adj": "a", "adv": "r"}


def _wordnet_synsets(directory: Path, file_pos: str) -> dict[int, tuple[list[str], list[int]]]:
    """Synset offset -> (lemmas, offsets of "similar to" synsets) for one data.* file."""
    synsets: dict[int, tuple[list[str], list[int]]] = {}
    with open(directory / f"data.{file_pos}", encoding="latin-1") as lines:
        for line in lines:
            if line.startswith("  "):
                continue  # licence header
            fields = line.split(" | ", 1)[0].split()
            word_count = int(fields[3], 16)
            lemmas = [fields[4 + 2 * i].split("(")[0] for i in range(word_count)]
            at = 4 + 2 * word_count
            pointer_count = int(fields[at])
            similar = [
                int(fields[at + 1 + 4 * i + 1])
                for i in range(pointer_count)
                if fields[at + 1 + 4 * i] == "&"
            ]
            synsets[int(fields[0])] = ([_clean(lemma) for lemma in lemmas], similar)
    return synsets


def wordnet_relations(directory: Path | None = None) -> Iterator[Relation]:
    """Every lemma of every synset of a word, in every part of speech, as a crude spinner sees it.

    The sense rank comes from the order of synsets in index.* (most frequent sense first).
    """
    directory = directory or resources.wordnet_dir()
    pairs: list[tuple[str, str, str, Kind, int]] = []
    for file_pos, letter in _WN_POS.items():
        synsets = _wordnet_synsets(directory, file_pos)
        with open(directory / f"index.{file_pos}", encoding="latin-1") as lines:
            for line in lines:
                if line.startswith("  "):
                    continue
                fields = line.split()
                lemma = _clean(fields[0])
                pointer_count = int(fields[3])
                sense_count = int(fields[2])
                offsets = [
                    int(o) for o in fields[6 + pointer_count : 6 + pointer_count + sense_count]
                ]
                for rank, offset in enumerate(offsets, start=1):
                    lemmas, similar = synsets[offset]
                    pairs.extend((lemma, other, letter, Kind.SYNSET, rank) for other in lemmas)
                    for similar_offset in similar:
                        pairs.extend(
                            (lemma, other, letter, Kind.SIMILAR, rank)
                            for other in synsets[similar_offset][0]
                        )
    return _with_fanout(pairs, Source.WORDNET)


# --- Moby ----------------------------------------------------------------------------------------


def moby_relations(path: Path | None = None) -> Iterator[Relation]:
    """Moby roots and their co-listed words; Moby gives no part of speech."""
    path = path or resources.moby_file()

    def pairs() -> Iterator[tuple[str, str, str, Kind, int]]:
        with open(path, encoding="latin-1", newline="") as lines:
            for line in lines:
                words = line.rstrip("\r\n").split(",")
                root = _clean(words[0])
                for rank, word in enumerate(words[1:], start=1):
                    yield root, _clean(word), "", Kind.MOBY_ENTRY, rank

    return _with_fanout(pairs(), Source.MOBY)


# --- MyThes --------------------------------------------------------------------------------

_MYTHES_KINDS = {
    "generic term": Kind.MYTHES_GENERIC,
    "similar term": Kind.MYTHES_SIMILAR,
    "related term": Kind.MYTHES_RELATED,
}


def mythes_relations(path: Path | None = None) -> Iterator[Relation]:
    """MyThes meanings: ``word|n`` followed by n lines ``(pos)|syn|syn (generic term)|...``."""
    path = path or resources.mythes_file()

    def pairs() -> Iterator[tuple[str, str, str, Kind, int]]:
        with open(path, encoding="utf-8", errors="replace") as lines:
            next(lines)  # encoding line
            headword = ""
            meaning = 0
            for line in lines:
                fields = line.rstrip("\n").split("|")
                if not line.startswith("("):
                    headword, meaning = _clean(fields[0]), 0
                    continue
                meaning += 1
                pos = _WN_POS.get(fields[0].strip("()"), "")
                for entry in fields[1:]:
                    word, _, note = entry.partition(" (")
                    note = note.rstrip(")")
                    if note == "antonym":
                        continue
                    kind = _MYTHES_KINDS.get(note, Kind.MYTHES_SYNONYM)
                    yield headword, _clean(word), pos, kind, meaning

    return _with_fanout(pairs(), Source.MYTHES)


READERS = {
    Source.WORDNET: wordnet_relations,
    Source.MOBY: moby_relations,
    Source.MYTHES: mythes_relations,
}


def relations(sources: Iterable[Source] = tuple(Source)) -> Iterator[Relation]:
    """All forward relations of the chosen thesauri, each read from its installed files."""
    for source in sources:
        yield from READERS[source]()
