"""Reading collections to index or cluster, and cutting long texts into document-sized chunks.

Collections come as a folder of text files (the id is the relative path), JSON Lines or Parquet
with ``id`` and ``text`` columns: what crawls and datasets are usually shipped as.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

from unspin.text import Kind, paragraphs, sentences

TEXT_SUFFIXES = (".txt", ".text", ".md")
COLLECTION_SUFFIXES = (".jsonl", ".json", ".ndjson", ".parquet")
""":func:`read_documents` reads a file with one of these suffixes as a collection of documents."""


class CorpusError(ValueError):
    """A collection that cannot be read; the message says which file and why."""


def text_files(folder: Path) -> list[Path]:
    """The text files of a folder and its subfolders, in a stable order: its documents."""
    return sorted(p for p in folder.rglob("*") if p.suffix in TEXT_SUFFIXES and p.is_file())


def count_documents(path: Path) -> int | None:
    """How many documents :func:`read_documents` will yield, cheaply (None if unknown)."""
    if path.is_dir():
        return len(text_files(path))
    if path.suffix == ".parquet":
        import pyarrow.parquet as pq

        return pq.ParquetFile(path).metadata.num_rows
    if path.suffix in (".jsonl", ".json", ".ndjson"):
        with path.open("rb") as handle:
            return sum(1 for line in handle if line.strip())
    return None


def read_documents(path: Path) -> Iterator[tuple[str, str]]:
    """``(id, text)`` pairs from a folder of text files, a JSONL file or a Parquet file."""
    if not path.exists():
        raise CorpusError(f"no such file or folder: {path}")
    if path.is_dir():
        for file in text_files(path):
            try:
                yield str(file.relative_to(path)), file.read_text(encoding="utf-8-sig")
            except UnicodeDecodeError as error:
                raise CorpusError(f"{file} is not UTF-8 text ({error.reason})") from error
    elif path.suffix == ".parquet":
        yield from _parquet(path)
    elif path.suffix in (".jsonl", ".json", ".ndjson"):
        yield from _jsonl(path)
    else:
        raise CorpusError(f"{path}: expected a folder of .txt files, .jsonl or .parquet")


def _record(record: object, where: str) -> tuple[str, str]:
    if not isinstance(record, dict) or "id" not in record or "text" not in record:
        raise CorpusError(f"{where}: each record needs 'id' and 'text'")
    if not isinstance(record["text"], str):
        raise CorpusError(f"{where}: 'text' must be a string")
    return str(record["id"]), record["text"]


def _jsonl(path: Path) -> Iterator[tuple[str, str]]:
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as error:
                raise CorpusError(f"{path}:{number}: not JSON ({error.msg})") from error
            yield _record(record, f"{path}:{number}")


def _parquet(path: Path) -> Iterator[tuple[str, str]]:
    import pyarrow.parquet as pq

    try:
        table = pq.ParquetFile(path)
    except Exception as error:  # pyarrow raises several types for a damaged file
        raise CorpusError(f"{path}: not a Parquet file ({error})") from error
    if not {"id", "text"} <= set(table.schema_arrow.names):
        raise CorpusError(f"{path}: needs 'id' and 'text' columns")
    for batch in table.iter_batches(columns=["id", "text"]):
        for doc_id, text in zip(
            batch.column(0).to_pylist(), batch.column(1).to_pylist(), strict=True
        ):
            yield _record({"id": doc_id, "text": text}, str(path))


def write_jsonl(documents: Iterator[tuple[str, str]] | list[tuple[str, str]], path: Path) -> None:
    with path.open("w", encoding="utf-8") as handle:
        for doc_id, text in documents:
            handle.write(json.dumps({"id": doc_id, "text": text}, ensure_ascii=False) + "\n")


def chunks(text: str, min_words: int = 40) -> Iterator[str]:
    """Consecutive whole sentences grouped into chunks of at least ``min_words`` words (the
    last one may be shorter): long speeches and book chapters become passages the size of a
    news item's paragraph or two."""
    start: int | None = None
    end = words = 0
    for paragraph in paragraphs(text):
        for sentence in sentences(paragraph.tokens):
            if start is None:
                start = sentence[0].start
            end = sentence[-1].end
            words += sum(t.kind is not Kind.PUNCT for t in sentence)
            if words >= min_words:
                yield text[start:end]
                start, words = None, 0
    if start is not None and words:
        yield text[start:end]
