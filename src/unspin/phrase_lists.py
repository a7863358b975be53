"""User-supplied phrase lists: known tortured phrases, and terms never to flag or change.

A fingerprint list (for example an export of the Problematic Paper Screener's list) pairs a
tortured phrase with its correction; an allow list names domain terms that must never be flagged
or restored ("mean square error" is not spun in a statistics paper, nor "long-range" in a defence
report). Detection and restoration work without either; a list only adds certain hits or removes
false alarms.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from unspin.text import Kind, Token, lm_form, tokenize

MAX_PHRASE_TOKENS = 8


class ListError(ValueError):
    """A phrase list file cannot be read; the message names the file and the problem."""


def key(phrase: str) -> str:
    """Match form of a phrase: its words and punctuation in lm_form, single-spaced."""
    return " ".join(lm_form(token.text) for token in tokenize(phrase))


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ListError(f"no such file: {path}") from None
    except (OSError, UnicodeDecodeError) as error:
        raise ListError(f"cannot read {path}: {error}") from None


def load_fingerprints(path: Path) -> dict[str, str]:
    """tortured phrase -> correction, from JSON (an object, or a list of pairs or of objects
    with "tortured" and "correct" keys) or CSV (two columns; a header row is skipped)."""
    text = _read(path)
    pairs: list[tuple[str, str]] = []
    if path.suffix.lower() == ".json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as error:
            raise ListError(f"{path} is not valid JSON ({error})") from None
        items = data.items() if isinstance(data, dict) else data
        for item in items:
            if isinstance(item, dict):
                item = (item.get("tortured"), item.get("correct"))
            if not (isinstance(item, list | tuple) and len(item) == 2):
                raise ListError(f"{path}: expected pairs of tortured phrase and correction")
            pairs.append((str(item[0]), str(item[1])))
    else:
        rows = [row for row in csv.reader(text.splitlines()) if row and any(row)]
        if rows and [cell.strip().lower() for cell in rows[0][:2]] in (
            ["tortured", "correct"],
            ["tortured phrase", "correct phrase"],
            ["tortured", "correction"],
        ):
            rows = rows[1:]
        for number, row in enumerate(rows, start=1):
            if len(row) < 2:
                raise ListError(f"{path}, row {number}: expected two columns")
            pairs.append((row[0], row[1]))
    fingerprints = {key(tortured): correct.strip() for tortured, correct in pairs if key(tortured)}
    if not fingerprints:
        raise ListError(f"{path} holds no phrase pairs")
    return fingerprints


def load_allow(path: Path) -> frozenset[str]:
    """Terms never to flag: one per line (or the first CSV column); # starts a comment."""
    terms = set()
    for line in _read(path).splitlines():
        term = line.split("#", 1)[0].split(",", 1)[0].strip()
        if term:
            terms.add(key(term))
    return frozenset(terms)


@dataclass(frozen=True, slots=True)
class Hit:
    start: int
    end: int
    found: str
    correction: str


def find(text: str, fingerprints: Mapping[str, str]) -> Iterator[Hit]:
    """Non-overlapping occurrences of listed phrases, longest first at each position."""
    tokens = tokenize(text)
    forms = [lm_form(token.text) for token in tokens]
    position = 0
    while position < len(tokens):
        for length in range(min(MAX_PHRASE_TOKENS, len(tokens) - position), 0, -1):
            span = tokens[position : position + length]
            if not _word_edges(span):
                continue
            correction = fingerprints.get(" ".join(forms[position : position + length]))
            if correction is not None:
                start, end = span[0].start, span[-1].end
                yield Hit(start, end, text[start:end], correction)
                position += length
                break
        else:
            position += 1


def allowed_spans(text: str, terms: Collection[str]) -> list[tuple[int, int]]:
    """Where the allowed terms (in :func:`key` form) occur in ``text``: spans to leave alone."""
    if not terms:
        return []
    return [(hit.start, hit.end) for hit in find(text, dict.fromkeys(terms, ""))]


def overlaps(start: int, end: int, spans: Sequence[tuple[int, int]]) -> bool:
    return any(a < end and start < b for a, b in spans)


def _word_edges(span: list[Token]) -> bool:
    return span[0].kind is Kind.WORD and span[-1].kind is Kind.WORD
