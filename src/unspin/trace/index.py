"""``unspin.trace.Index``: an embedded, single-file index of documents to trace spun copies to.

One SQLite file holds everything: the documents (zlib-compressed text, which verification aligns
against and span pairs point into), an inverted index from immutable-shingle hashes to documents
(a WITHOUT ROWID table clustered on the hash, so a look-up is one B-tree descent), and the data
version the fingerprints were computed with. A query fingerprints the text, counts shared
shingles per document, and verifies the best few candidates by alignment.
"""

from __future__ import annotations

import sqlite3
import zlib
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from unspin.trace.align import SpanPair, align, model
from unspin.trace.fingerprint import FORMAT, Fingerprinter

BATCH = 5000
MAX_POSTINGS = 2000
"""A shingle in more documents than this (boilerplate, a date line) nominates nothing useful and
costs a long read; it is skipped at query time."""
VERIFY = 8
"""Candidates verified per query at least: the right source is nearly always among the few with
the most shared shingles."""

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS docs (id INTEGER PRIMARY KEY, doc_id TEXT NOT NULL UNIQUE,
                                 text BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS postings (hash INTEGER NOT NULL, doc INTEGER NOT NULL,
                                     PRIMARY KEY (hash, doc)) WITHOUT ROWID;
"""


class TraceError(Exception):
    """An index that cannot be used: missing, not an index, or built with other data."""


@dataclass(frozen=True, slots=True)
class Match:
    """A traced source: its id, a calibrated score (0..1, a match from 0.5) and the aligned
    spans (which stretch of the query came from which stretch of the source)."""

    doc_id: str
    score: float
    spans: tuple[SpanPair, ...] = field(default=())
    shared_shingles: int = 0

    @property
    def is_match(self) -> bool:
        return self.score >= 0.5

    def to_dict(self) -> dict:
        return {
            "doc_id": self.doc_id,
            "score": round(self.score, 4),
            "match": self.is_match,
            "shared_shingles": self.shared_shingles,
            "spans": [
                {
                    "query": [s.query_start, s.query_end],
                    "source": [s.source_start, s.source_end],
                }
                for s in self.spans
            ],
        }


class Index:
    """Documents to trace spun copies back to, in one SQLite file.

    >>> index = Index("sources.db")
    >>> index.add("bbc-1", text)
    >>> index.query(spun_text)[0].doc_id
    'bbc-1'

    ``create=False`` refuses to make a new file (for querying an index that must exist).
    """

    def __init__(
        self, path: Path | str, *, data_dir: Path | None = None, create: bool = True
    ) -> None:
        self.path = Path(path)
        if not create and not self.path.is_file():
            raise TraceError(f"no index at {self.path}; build one with 'unspin index add'")
        self.fingerprinter = Fingerprinter(data_dir)
        try:
            self._db = sqlite3.connect(self.path)
            self._db.execute("PRAGMA cache_size = -262144")  # 256 MB: the build stays in memory
            self._db.execute("PRAGMA journal_mode = WAL")
            self._db.execute("PRAGMA synchronous = NORMAL")  # durable at checkpoints, fast commits
            self._db.executescript(_SCHEMA)
            self._check_meta()
        except sqlite3.DatabaseError as error:
            raise TraceError(f"{self.path} is not an unspin index ({error})") from error

    def _check_meta(self) -> None:
        expected = {"format": str(FORMAT), "lexicon": self.fingerprinter.lexicon_id}
        found = dict(self._db.execute("SELECT key, value FROM meta"))
        if not found:
            with self._db:
                self._db.executemany("INSERT INTO meta VALUES (?, ?)", expected.items())
            return
        for key, value in expected.items():
            if found.get(key) != value:
                raise TraceError(
                    f"{self.path} was built with {key} {found.get(key)!r}, this unspin uses"
                    f" {value!r}; rebuild it with 'unspin index add'"
                )

    def __len__(self) -> int:
        return self._db.execute("SELECT count(*) FROM docs").fetchone()[0]

    def __enter__(self) -> Index:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._db.close()

    def add(self, doc_id: str, text: str) -> None:
        """Index one document; a document with the same id is replaced."""
        self.add_many([(doc_id, text)])

    def add_many(
        self,
        documents: Iterable[tuple[str, str]],
        progress: Callable[[int], None] | None = None,
    ) -> int:
        """Index ``(doc_id, text)`` pairs in batches (one transaction each); returns how many.
        ``progress`` is called with the number of documents of each batch done."""
        added = 0
        batch: list[tuple[str, str]] = []
        for document in documents:
            batch.append(document)
            if len(batch) >= BATCH:
                added += self._add_batch(batch)
                if progress:
                    progress(len(batch))
                batch = []
        if batch:
            added += self._add_batch(batch)
            if progress:
                progress(len(batch))
        return added

    def _add_batch(self, batch: list[tuple[str, str]]) -> int:
        fingerprint = self.fingerprinter.fingerprint
        with self._db:
            self._remove([doc_id for doc_id, _ in batch])
            next_id = self._db.execute("SELECT coalesce(max(id), 0) + 1 FROM docs").fetchone()[0]
            rows, postings = [], []
            for number, (doc_id, text) in enumerate(dict(batch).items(), start=next_id):
                if not isinstance(text, str):
                    raise TypeError(f"document {doc_id!r}: text must be str")
                rows.append((number, str(doc_id), zlib.compress(text.encode(), 6)))
                postings.extend((h, number) for h in fingerprint(text)[1])
            postings.sort()  # B-tree appends in key order instead of random inserts
            self._db.executemany("INSERT INTO docs VALUES (?, ?, ?)", rows)
            self._db.executemany("INSERT OR IGNORE INTO postings VALUES (?, ?)", postings)
        return len(rows)

    def _remove(self, doc_ids: list[str]) -> None:
        """Drop documents about to be replaced, with their postings."""
        for doc_id in doc_ids:
            row = self._db.execute(
                "SELECT id, text FROM docs WHERE doc_id = ?", (doc_id,)
            ).fetchone()
            if row is None:
                continue
            hashes = self.fingerprinter.fingerprint(zlib.decompress(row[1]).decode())[1]
            self._db.executemany(
                "DELETE FROM postings WHERE hash = ? AND doc = ?", [(h, row[0]) for h in hashes]
            )
            self._db.execute("DELETE FROM docs WHERE id = ?", (row[0],))

    def text(self, doc_id: str) -> str:
        """The indexed text of a document (``KeyError`` if absent)."""
        row = self._db.execute("SELECT text FROM docs WHERE doc_id = ?", (doc_id,)).fetchone()
        if row is None:
            raise KeyError(doc_id)
        return zlib.decompress(row[0]).decode()

    def candidates(self, hashes: Iterable[int], count: int) -> list[tuple[str, str, int]]:
        """The ``count`` documents sharing most shingles with ``hashes``, most first, as
        ``(doc_id, text, shared shingles)``."""
        counts: Counter[int] = Counter()
        lookup = self._db.execute
        for value in hashes:
            docs = lookup(
                "SELECT doc FROM postings WHERE hash = ? LIMIT ?", (value, MAX_POSTINGS + 1)
            ).fetchall()
            if len(docs) <= MAX_POSTINGS:
                counts.update(doc for (doc,) in docs)
        found = []
        for number, shared in counts.most_common(count):
            doc_id, blob = lookup(
                "SELECT doc_id, text FROM docs WHERE id = ?", (number,)
            ).fetchone()
            found.append((doc_id, zlib.decompress(blob).decode(), shared))
        return found

    def query(self, text: str, k: int = 5) -> list[Match]:
        """The ``k`` best-scoring indexed documents for ``text``, best first; a score of 0.5 or
        more says ``text`` (or part of it) is a copy, spun or not, of that document."""
        if not isinstance(text, str):
            raise TypeError(f"query expects str, not {type(text).__name__}")
        tokens, hashes = self.fingerprinter.fingerprint(text)
        scorer = model()
        matches = []
        for doc_id, source, shared in self.candidates(hashes, max(k, VERIFY)):
            alignment = align(tokens, self.fingerprinter.tokens(source))
            matches.append(Match(doc_id, scorer.score(alignment), alignment.spans, shared))
        matches.sort(key=lambda m: -m.score)
        return matches[:k]

    def size_bytes(self) -> int:
        """Bytes on disk (the database file; checkpoint first so the write-ahead log is in)."""
        self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return self.path.stat().st_size
