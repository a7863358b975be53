"""What a spinner cannot change, as fingerprints.

A spinner swaps a word only when its thesaurus lists substitutes for it. Words that no thesaurus
lists (names, rare and technical words) and numbers survive every spin unchanged and in order:
DSpin's "immutables". unspin's inverse lexicon holds every surface WordNet, Moby or MyThes can
produce or rewrite, a superset of what a spinner's own list can touch, so "not in the lexicon"
marks a token as immutable whatever thesaurus the spinner used. Very common words that no
thesaurus rewrites ("the", "this") are left out: they would make every shingle common.
Shingles of a few consecutive immutables (the mutable words between them skipped) are then
shared by a source and its spun copies however many of the other words were swapped.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from unspin import data
from unspin.lexicon import SURFACES_FILE, Lexicon
from unspin.lm import LanguageModel
from unspin.lmbuild import PRIOR_FILE
from unspin.text import Kind, lm_form, tokenize

SHINGLE = 3
"""Immutables per shingle: one is too common (a name shared by many documents), four breaks too
often when a phrase spinner mangles a name part."""

SUFFIXES = ("s", "es", "d", "ed", "ing", "r", "er", "ers", "st", "est", "ly")
"""Endings spinners glue onto a substitute ("supplyed", "uniteding", "comfortabler", "lottest"),
and regular inflections the lexicon may not list ("easier"): a mutable word plus one of these
(a final y turned i, or a doubled consonant, allowed) is not immutable."""

COMMON = -3.0
"""log10 frequency from which a word counts as common (about the thousand most frequent)."""

FORMAT = 2
"""Version of the fingerprint definition; an index built by another version is refused."""


@dataclass(frozen=True, slots=True)
class Tok:
    """A word or number of a document in key form, with its offsets, whether it is immutable,
    and the number of its sentence (span pairs are reported per sentence)."""

    key: str
    start: int
    end: int
    immutable: bool
    sentence: int


class Fingerprinter:
    """Tokens and shingle hashes of a text, judged against one data directory's lexicon."""

    def __init__(self, data_dir: Path | None = None) -> None:
        directory = data_dir or data.default_dir()
        self.lexicon_id = lexicon_id(directory)
        self.data_dir = directory
        self._lexicon = Lexicon(directory)
        self._lm = LanguageModel(directory)
        # Documents repeat their vocabulary: a cache makes the trie look-ups almost free.
        self._immutable_word = lru_cache(maxsize=1 << 18)(self._judge)

    def _judge(self, key: str) -> bool:
        """Whether no thesaurus can rewrite ``key`` (alone or as a phrase's first word) and the
        word is rare enough to tell documents apart."""
        lexicon = self._lexicon
        if key in lexicon or lexicon.continues(key):
            return False
        if any(stem in lexicon for stem in _stems(key)):
            return False
        prior = self._lm.prior(key)
        return prior is None or prior < COMMON

    def tokens(self, text: str) -> list[Tok]:
        """Words and numbers in key form (punctuation is dropped: spinners keep it anyway)."""
        found = []
        sentence = 0
        for token in tokenize(text):
            if token.kind is Kind.PUNCT:
                sentence += token.text in ".!?"
                continue
            key = lm_form(token.text)
            immutable = token.kind is Kind.NUMBER or (
                token.kind is Kind.WORD and self._immutable_word(key)
            )
            found.append(Tok(key, token.start, token.end, immutable, sentence))
        return found

    def prior(self, key: str) -> float:
        """log10 frequency of a word, -8 (rarer than anything listed) when unknown."""
        found = self._lm.prior(key)
        return -8.0 if found is None else found

    def shingles(self, tokens: list[Tok]) -> set[int]:
        """Hashes of every run of :data:`SHINGLE` consecutive immutables (fewer for a text that
        has fewer, so that a short text still has one fingerprint)."""
        keys = [t.key for t in tokens if t.immutable]
        size = min(SHINGLE, len(keys))
        if size == 0:
            return set()
        return {shingle_hash(keys[i : i + size]) for i in range(len(keys) - size + 1)}

    def fingerprint(self, text: str) -> tuple[list[Tok], set[int]]:
        tokens = self.tokens(text)
        return tokens, self.shingles(tokens)


def _stems(key: str) -> list[str]:
    """What ``key`` may be an inflection (or a spinner's mis-inflection) of."""
    stems = []
    for end in SUFFIXES:
        if key.endswith(end) and len(key) > len(end) + 1:
            stem = key[: -len(end)]
            stems.append(stem)
            if stem.endswith("i"):
                stems.append(stem[:-1] + "y")  # easier -> easy
            if len(stem) > 2 and stem[-1] == stem[-2]:
                stems.append(stem[:-1])  # lottest -> lot
    return stems


def lexicon_id(directory: Path) -> str:
    """Data version and checksums of the lexicon and the word frequencies: fingerprints depend on
    these bytes alone, so an index pins them (and keeps working while unrelated parts of unspin
    change)."""
    path = directory / data.MANIFEST
    try:
        manifest = json.loads(path.read_text())
        checksums = [manifest["files"][name]["sha256"][:12] for name in (SURFACES_FILE, PRIOR_FILE)]
    except (OSError, ValueError, KeyError) as error:
        raise data.DataError(f"no usable unspin data in {directory}; {data.BUILD_HINT}") from error
    return f"{manifest['data_version']}/{'-'.join(checksums)}"


def shingle_hash(keys: list[str]) -> int:
    """A stable signed 64-bit hash (SQLite's INTEGER), the same in every process and machine."""
    digest = hashlib.blake2b("\x1f".join(keys).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "little", signed=True)
