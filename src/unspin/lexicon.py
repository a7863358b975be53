"""The inverse lexicon: for a word or phrase found in a text, which originals could a spinner have
turned into it?

Built once from the thesauri (:mod:`unspin.sources`), inverted, expanded over inflections so that
``modified`` leads back to ``changed`` without any morphology at query time, and stored as
memory-mapped MARISA tries: surface -> packed candidate records, the originals' strings, and each
surface's first :data:`HEAD_CANDIDATES` records in ranked order, packed in one value. Loading is
a few ``mmap`` calls and a look-up costs a few microseconds, so the CLI starts fast and the
decoder can query every span of up to :data:`MAX_TOKENS` tokens.
"""

from __future__ import annotations

import functools
import struct
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import NamedTuple

import marisa_trie

from unspin.sources import POS_LETTERS, Kind, Relation, Source, relations
from unspin.text import Kind as TokenKind
from unspin.text import lm_form, tokenize

MAX_TOKENS = 4
SURFACES_FILE = "lexicon.surfaces.marisa"
ORIGINALS_FILE = "lexicon.originals.marisa"
HEAD_FILE = "lexicon.head.marisa"

# original id, primary source, source bit mask, kind, pos index, rank, fanout, inflection tag
# index, channel, prior
_RECORD_FORMAT = "<IBBBBHHBff"
_RECORD = struct.Struct(_RECORD_FORMAT)
# The decoder takes the first few candidates of a span that pass its filters: on dev spinning it
# never read past the eighth. Reading a surface's whole record list (up to MAX_CANDIDATES) from
# the record trie took ~50 us, half the cost of a span never seen before; its ranked head, stored
# as one value, takes ~5 us. The rest of the list is still read, from the record trie, when a
# caller goes further.
HEAD_CANDIDATES = 8
# The inflections a spinner's output is re-inflected to; "" is the form as listed in the source.
TAGS = ("", "NNS", "VBD", "VBN", "VBG", "VBZ")
_TAGS_BY_POS = {"n": ("NNS",), "v": ("VBD", "VBN", "VBG", "VBZ")}
_UPOS = {"n": "NOUN", "v": "VERB"}


class Candidate(NamedTuple):
    """One original that could have been spun into the looked-up surface form.

    ``channel`` approximates P(surface | original): the chance that a spinner drawing from the
    thesauri picks this surface, summed over the sources that list the pair. ``prior`` multiplies
    in how common the original is, which is what ranks the candidates of a surface.

    A named tuple, not a frozen dataclass: the decoder makes one per record it reads from spans
    it has not seen before, and a frozen dataclass takes four times as long to make.
    """

    original: str
    source: Source
    sources: tuple[Source, ...]
    kind: Kind
    pos: str
    tag: str
    rank: int
    fanout: int
    channel: float
    prior: float

    def explain(self, surface: str) -> str:
        """A sentence a person can check in the thesaurus, e.g. "WordNet 3.0: 'successful' shares
        a synset with 'in'"."""
        others = [s.label for s in self.sources if s is not self.source]
        also = f" (also {', '.join(others)})" if others else ""
        return f"{self.source.label}: '{surface}' {self.kind.phrase} '{self.original}'{also}"


@functools.cache
def normalise(phrase: str) -> str:
    """Key form of a phrase: the tokenizer's tokens in :func:`lm_form`, joined by single spaces.

    Returns "" for phrases the decoder could never match as a unit (too long, or containing
    numbers, URLs and the like, which unspin never rewrites).
    """
    tokens = tokenize(phrase)
    if not tokens or len(tokens) > MAX_TOKENS:
        return ""
    if any(t.kind not in (TokenKind.WORD, TokenKind.PUNCT) for t in tokens):
        return ""
    if not any(t.kind is TokenKind.WORD for t in tokens):
        return ""
    return " ".join(lm_form(t.text) for t in tokens)


def _head_index(words: list[str], pos: str) -> int:
    """Which word of a phrase carries the inflection: verbs inflect first ("carried out"), nouns
    before "of" ("losses of life") or last ("wall streets")."""
    if pos == "v":
        return 0
    if "of" in words[1:]:
        return words.index("of", 1) - 1
    return len(words) - 1


@functools.cache
def _known_inflections(word: str, pos: str) -> dict[str, str]:
    """Penn tag -> inflected form, for dictionary words only (no guessing on unknown words)."""
    # Imported here, at build time only: lemminflect imports spaCy (and spaCy torch, when
    # installed) just to register a hook, which would cost every `unspin` command a second.
    import lemminflect

    forms = lemminflect.getAllInflections(word, upos=_UPOS[pos])
    return {tag: forms[tag][0] for tag in _TAGS_BY_POS[pos] if tag in forms}


def _inflect(phrase: str, pos: str) -> dict[str, str]:
    words = phrase.split()
    head = _head_index(words, pos)
    return {
        tag: " ".join([*words[:head], form, *words[head + 1 :]])
        for tag, form in _known_inflections(words[head], pos).items()
    }


# How much a reverse edge (the original is listed under the substitute) and a two-step Moby
# co-listing count against a direct listing. Spinner dictionaries are mostly symmetric, so a reverse
# edge is nearly as telling; sharing entries is weaker evidence and is capped per surface.
REVERSE_WEIGHT = 0.5
CO_LISTED_WEIGHT = 0.05
CO_LISTED_PER_SURFACE = 24
MAX_CANDIDATES = 40


@dataclass(slots=True)
class _Edge:
    """Evidence gathered for one (surface, original) pair while building."""

    channel: float
    strongest: float
    source: int
    mask: int
    kind: int
    pos: str
    rank: int
    fanout: int

    def add(self, channel: float, source: int, kind: int, pos: str, rank: int, fanout: int) -> None:
        self.channel += channel
        self.mask |= 1 << source
        if channel > self.strongest:
            self.strongest, self.source, self.kind = channel, source, kind
            self.pos, self.rank, self.fanout = pos or self.pos, rank, fanout


class _EdgeTable:
    """(surface id, original id) -> evidence, over a shared vocabulary of normalised phrases."""

    def __init__(self) -> None:
        self.phrases: dict[str, int] = {}
        self.edges: dict[tuple[int, int], _Edge] = {}

    def phrase_id(self, phrase: str) -> int:
        key = normalise(phrase)
        if not key:
            return -1
        return self.phrases.setdefault(key, len(self.phrases))

    def add(
        self,
        surface: int,
        original: int,
        channel: float,
        source: int,
        kind: int,
        pos: str,
        rank: int,
        fanout: int,
    ) -> None:
        if surface < 0 or original < 0 or surface == original:
            return
        edge = self.edges.get((surface, original))
        if edge is None:
            self.edges[surface, original] = _Edge(
                channel, channel, source, 1 << source, kind, pos, rank, fanout
            )
        else:
            edge.add(channel, source, kind, pos, rank, fanout)


def _add_co_listings(table: _EdgeTable, entries: list[list[int]], frequency: list[float]) -> int:
    """Pairs that share Moby entries: "loss of life" and "death" are both listed under "decease".

    A sparse product entries^T x entries counts shared entries for every pair; done in row chunks
    so memory stays bounded, keeping the best few partners of each surface: many partners tie on
    the count, so the count is weighed by how common the partner is.
    """
    import numpy as np
    from scipy import sparse

    rows = np.repeat(np.arange(len(entries)), [len(e) for e in entries])
    columns = np.fromiter((p for e in entries for p in e), dtype=np.int64, count=len(rows))
    membership = sparse.csr_matrix(
        (np.ones(len(rows), dtype=np.float32), (rows, columns)),
        shape=(len(entries), len(table.phrases)),
    )
    membership.data[:] = 1.0  # a phrase listed twice in one entry still counts once
    by_phrase = membership.T.tocsr()
    entry_counts = np.asarray(by_phrase.sum(axis=1)).ravel()
    weights = np.asarray(frequency, dtype=np.float64)
    added = 0
    for first in range(0, by_phrase.shape[0], 4096):
        shared = (by_phrase[first : first + 4096] @ membership).tocsr()
        for offset in range(shared.shape[0]):
            surface = first + offset
            row = shared.getrow(offset)
            if row.nnz == 0:
                continue
            shared_enough = row.data >= 2
            partners, counts = row.indices[shared_enough], row.data[shared_enough]
            kept = 0
            for index in np.argsort(-(counts * weights[partners])):
                original, count = int(partners[index]), float(counts[index])
                if kept >= CO_LISTED_PER_SURFACE:
                    break
                if original == surface or (surface, original) in table.edges:
                    continue
                table.add(
                    surface,
                    original,
                    CO_LISTED_WEIGHT * count / entry_counts[surface],
                    int(Source.MOBY),
                    int(Kind.CO_LISTED),
                    "",
                    int(count),
                    0,
                )
                kept += 1
                added += 1
    return added


# Determiners that thesauri pair with "a/an + noun" phrases (several ~ "a number"). Before a noun
# such a phrase needs "of" ("a number of people"), so a spinner writing it in place of the
# determiner writes the partitive form.
QUANTIFIERS = frozenset(
    [
        "several",
        "many",
        "much",
        "few",
        "numerous",
        "various",
        "some",
        "multiple",
        "countless",
        "plenty",
        "enough",
    ]
)


def _with_partitives(found: Iterable[Relation]) -> Iterator[Relation]:
    """The relations, plus "a number of" for every quantifier listed with "a number"."""
    for relation in found:
        yield relation
        words = relation.substitute.split()
        if relation.original in QUANTIFIERS and len(words) in (2, 3) and words[0] in ("a", "an"):
            yield replace(relation, substitute=relation.substitute + " of")


def build(
    out_dir: Path,
    sources: Iterable[Source] = tuple(Source),
    progress: Callable[[str], None] | None = None,
) -> dict:
    """Compile the inverse lexicon into ``out_dir``; returns the manifest section."""
    import wordfreq

    table = _EdgeTable()
    relation_counts: dict[str, int] = {}
    moby_entries: dict[int, list[int]] = {}
    for relation in _with_partitives(relations(sources)):
        relation_counts[relation.source.label] = relation_counts.get(relation.source.label, 0) + 1
        surface, original = table.phrase_id(relation.substitute), table.phrase_id(relation.original)
        channel, source = 1.0 / relation.fanout, int(relation.source)
        rank, fanout = min(relation.rank, 65535), min(relation.fanout, 65535)
        table.add(
            surface, original, channel, source, int(relation.kind), relation.pos, rank, fanout
        )
        table.add(
            original,
            surface,
            REVERSE_WEIGHT * channel,
            source,
            int(Kind.REVERSE),
            relation.pos,
            rank,
            fanout,
        )
        if relation.source is Source.MOBY and surface >= 0 and original >= 0:
            moby_entries.setdefault(original, [original]).append(surface)
    if progress:
        progress(
            f"lexicon: {sum(relation_counts.values()):,} relations, {len(table.edges):,} pairs"
        )
    phrases = list(table.phrases)
    frequency = [_phrase_frequency(p, wordfreq.word_frequency) for p in phrases]
    co_listed = (
        _add_co_listings(table, list(moby_entries.values()), frequency) if moby_entries else 0
    )
    if progress:
        progress(f"lexicon: {co_listed:,} co-listed pairs added")
    records: dict[str, dict[str, tuple]] = {}
    for (surface_id, original_id), edge in table.edges.items():
        surface, original = phrases[surface_id], phrases[original_id]
        prior = edge.channel * frequency[original_id]
        pos = edge.pos
        base = (edge.source, edge.mask, edge.kind, POS_LETTERS.index(pos), edge.rank, edge.fanout)
        for spun, restored, tag in _inflected_forms(surface, original, pos):
            options = records.setdefault(spun, {})
            if restored not in options or options[restored][-1] < prior:
                options[restored] = (*base, TAGS.index(tag), edge.channel, prior)
    if progress:
        progress(f"lexicon: {len(records):,} surface forms after inflection")

    kept = {
        surface: sorted(options.items(), key=lambda item: -item[1][-1])[:MAX_CANDIDATES]
        for surface, options in records.items()
    }
    originals = marisa_trie.Trie({original for options in kept.values() for original, _ in options})
    surfaces = marisa_trie.RecordTrie(
        _RECORD_FORMAT,
        (
            (surface, (originals[original], *record))
            for surface, options in kept.items()
            for original, record in options
        ),
    )
    out_dir.mkdir(parents=True, exist_ok=True)
    surfaces.save(str(out_dir / SURFACES_FILE))
    originals.save(str(out_dir / ORIGINALS_FILE))
    _ranked_heads(surfaces).save(str(out_dir / HEAD_FILE))
    return {
        "surfaces": len(kept),
        "records": sum(len(options) for options in kept.values()),
        "originals": len(originals),
        "relations_by_source": relation_counts,
        "co_listed_pairs": co_listed,
        "max_tokens": MAX_TOKENS,
        "max_candidates": MAX_CANDIDATES,
        "head_candidates": HEAD_CANDIDATES,
        "files": [SURFACES_FILE, ORIGINALS_FILE, HEAD_FILE],
    }


def _ranked(records: Iterable[tuple]) -> list[tuple]:
    """Records by falling prior: the order candidates are offered in."""
    return sorted(records, key=lambda record: -record[-1])


def _ranked_heads(surfaces: marisa_trie.RecordTrie) -> marisa_trie.BytesTrie:
    """Each surface's first :data:`HEAD_CANDIDATES` ranked records, packed into one value. Made
    from the record trie itself, so that a head and the rest of its list (read from the record
    trie) rank ties alike."""

    def packed_head(surface: str) -> bytes:
        head = _ranked(surfaces[surface])[:HEAD_CANDIDATES]
        return b"".join(_RECORD.pack(*record) for record in head)

    return marisa_trie.BytesTrie(
        (surface, packed_head(surface)) for surface in set(surfaces.iterkeys())
    )


def _phrase_frequency(phrase: str, word_frequency: Callable[[str, str], float]) -> float:
    """How common an original is. wordfreq scores a phrase by its rarest word, which ranks "end of
    life" above "death"; a phrase is rarer than its words, so each extra word costs a factor 100."""
    extra_words = phrase.count(" ")
    return max(word_frequency(phrase, "en"), 1e-9) * 0.01**extra_words


def _inflected_forms(surface: str, original: str, pos: str) -> Iterator[tuple[str, str, str]]:
    """(spun form, original form, Penn tag): the listed pair, then every inflection both sides
    share. Moby gives no part of speech, so its pairs are tried as nouns and as verbs.

    Tags come in sorted order: which of two equally likely originals a surface keeps depends on
    the order they arrive in, so set order (different in every process) made the bytes of the
    built lexicon differ between builds."""
    yield surface, original, ""
    for letter in (pos,) if pos else ("n", "v"):
        if letter not in _TAGS_BY_POS:
            continue
        spun_forms, original_forms = _inflect(surface, letter), _inflect(original, letter)
        for tag in sorted(spun_forms.keys() & original_forms.keys()):
            yield spun_forms[tag], original_forms[tag], tag


class Lexicon:
    """Read-only, memory-mapped view of a compiled inverse lexicon."""

    def __init__(self, directory: Path) -> None:
        self._surfaces = marisa_trie.RecordTrie(_RECORD_FORMAT)
        self._originals = marisa_trie.Trie()
        self._heads = marisa_trie.BytesTrie()
        for trie, name in (
            (self._surfaces, SURFACES_FILE),
            (self._originals, ORIGINALS_FILE),
            (self._heads, HEAD_FILE),
        ):
            path = directory / name
            if not path.is_file():
                raise FileNotFoundError(f"lexicon file missing: {path}")
            trie.mmap(str(path))

    def __contains__(self, surface: str) -> bool:
        return surface in self._heads

    def continues(self, prefix: str) -> bool:
        """Whether some longer surface starts with ``prefix`` + a space: lets the decoder stop
        growing a span as soon as no multiword entry can match."""
        return next(self._heads.iterkeys(prefix + " "), None) is not None

    def candidates(self, surface: str) -> list[Candidate]:
        """Originals for a surface in key form (see :func:`normalise`), most likely first."""
        return list(self.iter_candidates(surface))

    def iter_candidates(self, surface: str) -> Iterator[Candidate]:
        """:meth:`candidates` one at a time: a surface has up to 40, the decoder wants the first
        few that pass its filters, and building a candidate costs more than reading its record."""
        head = self._heads.get(surface)
        if not head:
            return
        packed = head[0]
        for record in _RECORD.iter_unpack(packed):
            yield self._candidate(record)
        if len(packed) == HEAD_CANDIDATES * _RECORD.size:  # a full head: the list may go on
            for record in _ranked(self._surfaces.get(surface, ()))[HEAD_CANDIDATES:]:
                yield self._candidate(record)

    def _candidate(self, record: tuple) -> Candidate:
        original_id, source, mask, kind, pos, rank, fanout, tag, channel, prior = record
        return Candidate(
            self._originals.restore_key(original_id),
            _SOURCES[source],
            _source_set(mask),
            _KINDS[kind],
            POS_LETTERS[pos],
            TAGS[tag],
            rank,
            fanout,
            channel,
            prior,
        )


# Enum look-ups by value cost a microsecond each; the decoder reads tens of thousands of records.
_SOURCES = {source.value: source for source in Source}
_KINDS = {kind.value: kind for kind in Kind}


@functools.cache
def _source_set(mask: int) -> tuple[Source, ...]:
    return tuple(source for source in Source if mask >> source & 1)
