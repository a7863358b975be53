"""``unspin index add``, ``unspin trace`` and ``unspin cluster``: the trace package on the command
line. Registered on the main app by :func:`register`; all the work is in the library."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from unspin.cli import (
    DataDirOpt,
    InputArg,
    JsonOpt,
    MasterOpt,
    err,
    fail,
    friendly_errors,
    print_json,
)
from unspin.cli import read_input as read_text

EXIT_MATCH, EXIT_NO_MATCH = 0, 1
IndexOpt = Annotated[Path, typer.Option("--index", help="The index file (SQLite).")]


def _progress() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=err,
        transient=True,
    )


def index_add(
    corpus: Annotated[
        Path, typer.Argument(help="Folder of .txt files, or .jsonl / .parquet with id and text.")
    ],
    index: IndexOpt,
    as_json: JsonOpt = False,
    data_dir: DataDirOpt = None,
) -> None:
    """Add a collection to an index (created if missing); a document with an id already in the
    index replaces it."""
    from unspin.trace.corpus import CorpusError, count_documents, read_documents
    from unspin.trace.index import Index, TraceError

    try:
        total = count_documents(corpus) if corpus.exists() else None
        with Index(index, data_dir=data_dir) as target, _progress() as progress:
            task = progress.add_task(f"indexing {corpus.name}", total=total)
            added = target.add_many(
                read_documents(corpus), progress=lambda n: progress.advance(task, n)
            )
            size, count = target.size_bytes(), len(target)
    except (TraceError, CorpusError) as error:
        fail(str(error))
    if as_json:
        print_json({"added": added, "documents": count, "bytes": size, "index": str(index)})
    else:
        err.print(f"added {added:,} documents; {index} holds {count:,} ({size / 1e6:.1f} MB)")


def trace_command(
    source: InputArg,
    index: IndexOpt,
    k: Annotated[int, typer.Option("--k", min=1, help="How many candidates to show.")] = 5,
    as_json: JsonOpt = False,
    data_dir: DataDirOpt = None,
) -> None:
    """Find the indexed documents a (spun) text was copied from.

    Scores are calibrated: 0.5 or more is a match. Exit status, like a linter: 0 a match found,
    1 none, 2 error.
    """
    from unspin.trace.index import Index, TraceError

    text = read_text(source)
    try:
        with Index(index, data_dir=data_dir, create=False) as found_in:
            matches = found_in.query(text, k=k)
    except TraceError as error:
        fail(str(error))
    if as_json:
        print_json({"matches": [m.to_dict() for m in matches]})
    else:
        out = Console(highlight=False)
        if not matches:
            out.print("[dim]no candidate shares a fingerprint with this text[/]")
        for match in matches:
            verdict = "[bold red]match[/]" if match.is_match else "[dim]no match[/]"
            out.print(
                f"{match.score:.3f}  {verdict}  {match.doc_id}  ({len(match.spans)} aligned spans,"
                f" {match.shared_shingles} shared fingerprints)"
            )
    raise typer.Exit(EXIT_MATCH if any(m.is_match for m in matches) else EXIT_NO_MATCH)


def cluster_command(
    collection: Annotated[Path, typer.Argument(help=".jsonl or .parquet with id and text.")],
    out: Annotated[
        Path | None, typer.Option("--out", help="Write the clusters here (JSON Lines).")
    ] = None,
    spark: Annotated[
        bool, typer.Option("--spark", help="Run on Spark (PySpark) instead of in this process.")
    ] = False,
    master: MasterOpt = "local[1]",
    as_json: JsonOpt = False,
    data_dir: DataDirOpt = None,
) -> None:
    """Group spun variants of the same text in a collection and name the likely source of each
    group. With --spark the same algorithm runs on a Spark cluster (see the README)."""
    from unspin.trace.corpus import CorpusError, read_documents

    if not collection.exists():
        fail(f"no such file: {collection}")
    try:
        if spark:
            from unspin.trace import spark as on_spark

            clusters, stats = on_spark.cluster_file(collection, data_dir, master)
        else:
            from unspin.trace.cluster import cluster

            with err.status("clustering") as status:
                clusters, stats = cluster(
                    read_documents(collection),
                    data_dir,
                    progress=lambda step, done, total: status.update(
                        f"{step} {done:,}" + (f" of {total:,}" if total else "")
                    ),
                )
    except CorpusError as error:
        fail(str(error))
    rows = [c.to_dict() for c in clusters]
    if out is not None:
        out.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    if as_json:
        print_json({"clusters": rows, "stats": stats})
    elif out is None:
        for row in rows:
            sys.stdout.write(f"{row['source']}\t{' '.join(row['members'])}\n")
    err.print(
        f"{len(clusters):,} clusters of spun variants among {stats['documents']:,} documents"
        f" ({stats['candidate_pairs']:,} candidate pairs verified)"
    )


def register(app: typer.Typer) -> None:
    """Add ``index add``, ``trace`` and ``cluster`` to the main ``unspin`` command."""
    index_app = typer.Typer(
        rich_markup_mode="markdown", help="Build an index of documents to trace spun copies to."
    )
    index_app.command("add")(friendly_errors(index_add))
    app.add_typer(index_app, name="index")
    app.command("trace")(friendly_errors(trace_command))
    app.command("cluster")(friendly_errors(cluster_command))
