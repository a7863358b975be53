"""Jane Austen's six novels from Debian's ``r-cran-janeaustenr``, read without R.

The bench wants never-spun text in an archaic register for false positives: Austen's "sensible",
"condescension" and "connexion" are exactly what a detector tuned on modern news may mistake for
spinner output. The package stores each novel as an R character vector (one element per line) in
a lazy-load database, ``data/Rdata.rdb``: a sequence of records, each a 4-byte big-endian length
and a zlib stream holding an R serialization (XDR format). A character vector is simple enough to
decode here, which spares a dependency on R or on ``rdata`` and its pandas/xarray stack.
"""

from __future__ import annotations

import os
import re
import struct
import sys
import zlib
from collections.abc import Iterator
from pathlib import Path

from unspin.resources import MissingResource

_STRSXP = 16
_CHARSXP = 9
_LATIN1 = 1 << 2  # CHARSXP "gp" bit for Latin-1 strings (shifted by 12 in the flags word)
_CHAPTER = re.compile(r"^\s*chapter\s+([ivxlc]+|\d+)\b", re.IGNORECASE)
# Book furniture between chapters, not Austen's prose.
_FURNITURE = re.compile(
    r"(the end|finis|(volume|vol\.) [ivx]+\.?|end of (the )?volume [ivx]+\.?)", re.I
)


def austen_dir() -> Path:
    """The installed R package (``$UNSPIN_AUSTEN_DIR`` overrides the Debian location)."""
    override = os.environ.get("UNSPIN_AUSTEN_DIR")
    candidates = (
        [Path(override)]
        if override
        else [
            # scripts/setup.sh unpacks the .deb into the virtualenv rather than installing R.
            Path(sys.prefix) / "lib" / "R" / "site-library" / "janeaustenr",
            Path("/usr/lib/R/site-library/janeaustenr"),
        ]
    )
    path = next((p for p in candidates if (p / "data" / "Rdata.rdb").is_file()), candidates[0])
    if not (path / "data" / "Rdata.rdb").is_file():
        raise MissingResource(
            f"Jane Austen corpus not found at {path} (Debian r-cran-janeaustenr; or unpack its"
            " .deb and set UNSPIN_AUSTEN_DIR)"
        )
    return path


def _strings(serialized: bytes) -> list[str]:
    """The elements of a serialized R character vector (NA becomes "")."""
    if serialized[:2] != b"X\n":
        raise ValueError("not an XDR R serialization")
    version = struct.unpack_from(">i", serialized, 2)[0]
    at = 14
    if version == 3:  # native encoding name follows the three version ints
        at += 4 + struct.unpack_from(">i", serialized, at)[0]
    flags, length = struct.unpack_from(">ii", serialized, at)
    if flags & 0xFF != _STRSXP:
        raise ValueError(f"expected a character vector, found R type {flags & 0xFF}")
    at += 8
    lines = []
    for _ in range(length):
        flags, size = struct.unpack_from(">ii", serialized, at)
        at += 8
        if flags & 0xFF != _CHARSXP:
            raise ValueError(f"expected a string, found R type {flags & 0xFF}")
        if size < 0:
            lines.append("")
            continue
        raw = serialized[at : at + size]
        at += size
        lines.append(raw.decode("latin-1" if (flags >> 12) & _LATIN1 else "utf-8"))
    return lines


def _novels(database: Path) -> Iterator[list[str]]:
    rest = database.read_bytes()
    while len(rest) > 4:
        stream = zlib.decompressobj()
        yield _strings(stream.decompress(rest[4:]))
        rest = stream.unused_data


def _paragraphs(lines: list[str]) -> str:
    """Hard-wrapped lines to one paragraph per line, blank lines between paragraphs."""
    blocks = "\n".join(line.strip() for line in lines).split("\n\n")
    kept = (" ".join(block.split()) for block in blocks)
    return "\n\n".join(block for block in kept if block and not _FURNITURE.fullmatch(block))


def austen_documents() -> Iterator[tuple[str, str]]:
    """Each chapter of each novel as a document, ``austen/emma/12``; front matter is dropped."""
    for lines in _novels(austen_dir() / "data" / "Rdata.rdb"):
        title = next(line for line in lines if line.strip())
        slug = re.sub(r"[^a-z]+", "-", title.lower()).strip("-")
        chapter = 0
        current: list[str] = []
        for line in [*lines, "Chapter 0"]:  # a sentinel flushes the last chapter
            if _CHAPTER.match(line):
                if chapter and current:
                    yield f"austen/{slug}/{chapter}", _paragraphs(current)
                chapter += 1
                current = []
            elif chapter:
                current.append(line)
