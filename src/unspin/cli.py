"""The ``unspin`` command. It parses arguments, reads input and prints results; all language
work happens in the library, so the CLI and the Python API always agree."""

from __future__ import annotations

import functools
import json
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from functools import wraps
from pathlib import Path
from typing import Annotated, NoReturn

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from unspin.report import Restoration, Verdict

app = typer.Typer(
    rich_markup_mode="markdown",  # reflows docstring paragraphs to the terminal width
    help="Find, explain and undo machine-spun text.\n\n"
    "Spinners swap words for thesaurus synonyms (in -> successful, House -> Home, death -> loss of"
    " life). `unspin restore` puts the original words back, `unspin check` says whether a text"
    " is spun. Run `unspin data build` once first.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
data_app = typer.Typer(
    rich_markup_mode="markdown",
    help="Build and inspect the data unspin needs (lexicon, language model).",
)
app.add_typer(data_app, name="data")

EXIT_CLEAN, EXIT_SPUN, EXIT_ERROR = 0, 1, 2
err = Console(stderr=True)

InputArg = Annotated[str, typer.Argument(help="Text file to read, or - for standard input.")]
SourcesArg = Annotated[
    list[str],
    typer.Argument(
        help="Text file, or - for standard input. Several files, folders of .txt files and"
        " .jsonl / .parquet collections (id and text) are read one document at a time.",
        show_default=False,
    ),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON on stdout.")]
MasterOpt = Annotated[
    str, typer.Option(help="Spark master URL with --spark, e.g. local[2] or spark://host:7077.")
]
# How a verdict is shown on a terminal.
VERDICT_COLOURS = {"spun": "red", "clean": "green", "insufficient": "yellow"}
DataDirOpt = Annotated[
    Path | None,
    typer.Option(
        "--data-dir",
        envvar="UNSPIN_DATA",
        help="Data directory (default: per-user cache; env UNSPIN_DATA).",
        show_default=False,
    ),
]


def fail(message: str) -> NoReturn:
    """One line on stderr and exit status 2: what a script or a person needs, no traceback."""
    err.print(f"[bold red]unspin: error:[/] {message}", highlight=False, soft_wrap=True)
    raise typer.Exit(EXIT_ERROR)


def friendly_errors(command: Callable) -> Callable:
    """Turn the library's expected failures into :func:`fail` lines."""
    from unspin.data import DataError
    from unspin.resources import MissingResource

    @wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except (DataError, MissingResource) as error:
            fail(str(error))
        except KeyboardInterrupt:
            fail("interrupted")

    return wrapper


class InputError(ValueError):
    """Input that cannot be read as text; the message names the source and the reason."""


def load_text(source: str) -> str:
    """The text of a file, or of standard input for ``-``; :class:`InputError` if unreadable."""
    if source == "-":
        if sys.stdin.isatty():
            err.print("[dim]reading text from standard input; end with Ctrl-D[/]")
        data = sys.stdin.buffer.read()
        name = "standard input"
    else:
        path = Path(source)
        if not path.exists():
            raise InputError(f"no such file: {source}")
        if path.is_dir():
            raise InputError(f"{source} is a directory; give a text file or - for standard input")
        try:
            data = path.read_bytes()
        except OSError as error:
            raise InputError(f"cannot read {source}: {error.strerror}") from error
        name = source
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise InputError(
            f"{name} is not UTF-8 text (invalid byte at offset {error.start})"
        ) from error


def read_input(source: str) -> str:
    """:func:`load_text`, or the one-line error and exit status 2."""
    try:
        return load_text(source)
    except InputError as error:
        fail(str(error))


def print_json(payload: dict) -> None:
    sys.stdout.write(json.dumps(payload, ensure_ascii=False, indent=2) + "\n")


def show_restoration(source: str, result: Restoration) -> None:
    """Restored text with each change highlighted, then a table of the changes with reasons."""
    out = Console(highlight=False)
    text = Text()
    cursor = 0
    for change in result.changes:
        text.append(source[cursor : change.start])
        text.append(change.suggestion, style="bold green")
        text.append(f"[{change.found}]", style="dim strike")
        cursor = change.end
    text.append(source[cursor:])
    out.print(text)
    if result.changes:
        table = Table(title=f"{len(result.changes)} changes", title_justify="left")
        for column in ("found", "restored", "conf.", "reason"):
            table.add_column(column, overflow="fold")
        for change in result.changes:
            table.add_row(
                change.found, change.suggestion, f"{change.confidence:.2f}", change.reason
            )
        err.print(table)
    else:
        err.print("[dim]no changes: nothing here looks spun[/]")


def _rescore_choice(value: str | None) -> str | None:
    if value not in (None, "neural"):
        raise typer.BadParameter(f"the one choice is 'neural', not {value!r}")
    return value


RescoreOpt = Annotated[
    str | None,
    typer.Option(
        help="neural: let SmolLM2-135M re-judge the restorer's changes (install with `make"
        " neural`; ~20 s to load, about 50 words/s).",
        callback=_rescore_choice,
        show_default=False,
    ),
]

AllowOpt = Annotated[
    Path | None,
    typer.Option(
        help="Domain terms never to flag or change, one per line (e.g. long-range).",
        show_default=False,
    ),
]


def _allowed_terms(path: Path | None) -> frozenset[str]:
    from unspin import phrase_lists

    try:
        return phrase_lists.load_allow(path) if path else frozenset()
    except phrase_lists.ListError as error:
        fail(str(error))


@app.command()
@friendly_errors
def restore(
    sources: SourcesArg,
    as_json: JsonOpt = False,
    min_confidence: Annotated[
        float | None,
        typer.Option(
            min=0.0, max=1.0, help="Only make changes at least this sure (default: tuned)."
        ),
    ] = None,
    plain: Annotated[
        bool, typer.Option("--plain", help="Print only the restored text, no highlighting.")
    ] = False,
    rescore: RescoreOpt = None,
    allow: AllowOpt = None,
    data_dir: DataDirOpt = None,
) -> None:
    """Restore the original wording of a spun text.

    Prints the restored text. On a terminal the changes are highlighted and explained; when the
    output is piped (or with --plain) only the restored text is printed, so `unspin restore a.txt >
    b.txt` does what you expect. Several documents (files, folders, .jsonl / .parquet
    collections) are restored with --json to JSON Lines, one {id, text, changes} a line; a
    document that cannot be read is named on stderr, the others are still restored, and the exit
    status is then 2.
    """
    import unspin

    batch = len(sources) > 1 or _is_collection(sources[0])
    if batch and not as_json:
        fail(
            "several documents are restored to JSON Lines ({id, text, changes} a line): add --json"
        )
    allowed = _allowed_terms(allow)
    text = None if batch else read_input(sources[0])
    restorer = functools.partial(
        unspin.load(data_dir).restore, min_confidence=min_confidence, rescore=rescore, allow=allowed
    )
    if batch:

        def restore_one(name: str, document: str) -> str:
            result = restorer(document)
            write_json_line({"id": name, **result.to_dict()})
            return "changed" if result.changes else "unchanged"

        tally = _each_document(sources, "restoring", restore_one, ("changed", "unchanged"))
        raise typer.Exit(EXIT_ERROR if tally["unreadable"] else EXIT_CLEAN)
    result = restorer(text)
    if as_json:
        print_json(result.to_dict())
    elif plain or not sys.stdout.isatty():
        sys.stdout.write(result.text)
    else:
        show_restoration(text, result)


def _tier(value: str) -> str:
    from unspin.detect import TIERS

    if value not in TIERS:
        raise typer.BadParameter(f"must be one of {', '.join(TIERS)}, not {value!r}")
    return value


@app.command()
@friendly_errors
def check(
    sources: SourcesArg,
    as_json: JsonOpt = False,
    threshold: Annotated[
        float | None,
        typer.Option(
            min=0.0,
            max=1.0,
            help="Call the text, and each paragraph, spun at or above this probability."
            " Default: the calibrated thresholds, which the output reports.",
        ),
    ] = None,
    fingerprints: Annotated[
        Path | None,
        typer.Option(
            help="Known tortured phrases with corrections (CSV: two columns, or JSON), e.g. an"
            " export of the Problematic Paper Screener list; hits are reported as flags.",
            show_default=False,
        ),
    ] = None,
    allow: AllowOpt = None,
    tier: Annotated[
        str,
        typer.Option(
            help="fast: look-ups only, for bulk screening. full: also restores the text (slower,"
            " better evidence). auto: fast first, full on what fast does not clear.",
            callback=_tier,
        ),
    ] = "auto",
    rescore: RescoreOpt = None,
    min_confidence: Annotated[
        float | None,
        typer.Option(
            min=0.0,
            max=1.0,
            help="Flag only words at least this sure (default 0.5); the verdict is unchanged."
            " At 0.85 clean text gets 5-11 times fewer flags, and a fifth to a third fewer"
            " spun words are found.",
        ),
    ] = None,
    spark: Annotated[
        bool,
        typer.Option(
            "--spark",
            help="Check one .jsonl or .parquet collection on Spark; the verdicts go to --out.",
        ),
    ] = False,
    master: MasterOpt = "local[1]",
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            help="With --spark: a new folder for the verdicts (JSON Lines, a file per partition).",
            show_default=False,
        ),
    ] = None,
    data_dir: DataDirOpt = None,
) -> None:
    """Say whether a text is machine-spun, how sure, and where.

    Exit status, like a linter: 0 clean (or too short to tell), 1 spun, 2 error. With several
    documents: a line each (verdict, probability, words, name), or with --json one JSON object a
    line; a document that cannot be read is reported on stderr and the others are still checked;
    the status is 2 if any could not be read, else 1 if any is spun. With --spark a crawl is
    checked on a Spark cluster (every node needs the data directory at the same path), with the
    same verdicts. With --rescore neural the flags are re-judged: on clean technical prose 9 false
    flags per 1,000 words instead of 20. The verdict and probabilities stay those of the
    calibrated curves.
    """
    import unspin
    from unspin import phrase_lists

    if rescore and tier == "fast":
        fail(
            "--rescore re-judges the restorer's changes, which the fast tier does not make:"
            " use --tier full or auto"
        )
    try:
        listed = phrase_lists.load_fingerprints(fingerprints) if fingerprints else None
    except phrase_lists.ListError as error:
        fail(str(error))
    allowed = _allowed_terms(allow)
    options = {
        "threshold": threshold,
        "fingerprints": listed,
        "allow": allowed,
        "tier": tier,
        "min_confidence": min_confidence,
    }
    if spark:
        _check_on_spark(sources, out, rescore, master, data_dir, options)
    batch = len(sources) > 1 or _is_collection(sources[0])
    text = None if batch else read_input(sources[0])
    checker = functools.partial(unspin.load(data_dir).check, rescore=rescore, **options)
    if batch:
        raise typer.Exit(_check_documents(checker, sources, as_json))
    verdict = checker(text)
    if as_json:
        print_json(verdict.to_dict())
    else:
        show_verdict(verdict)
    raise typer.Exit(EXIT_SPUN if verdict.verdict == "spun" else EXIT_CLEAN)


def _check_on_spark(
    sources: list[str],
    out: Path | None,
    rescore: str | None,
    master: str,
    data_dir: Path | None,
    options: dict,
) -> NoReturn:
    from unspin import data, spark
    from unspin.trace.corpus import COLLECTION_SUFFIXES, CorpusError

    collection = Path(sources[0])
    if len(sources) > 1 or collection.suffix not in COLLECTION_SUFFIXES:
        fail("--spark checks one .jsonl or .parquet collection (id and text)")
    if not collection.is_file():
        fail(f"no such file: {collection}")
    if out is None:
        fail("--spark writes its verdicts to a folder: add --out DIR")
    if out.exists():
        fail(f"{out} already exists; --out takes a new folder")
    if rescore:
        fail("--rescore runs on one machine only, not with --spark")
    data.read_manifest(data_dir or data.default_dir())  # a missing build fails here, not on Spark
    started = time.perf_counter()
    try:
        with err.status(f"checking {collection} on Spark ({master})"):
            counts = spark.check_file(collection, out, data_dir, master, **options)
    except CorpusError as error:
        fail(str(error))
    documents = sum(counts.values())
    outcomes = ("spun", "clean", "insufficient", spark.UNREADABLE)
    summary = ", ".join(f"{counts[k]} {k}" for k in outcomes if counts[k])
    err.print(
        f"{documents:,} document{'' if documents == 1 else 's'} on Spark in"
        f" {time.perf_counter() - started:.1f} s: {summary or 'none found'}; verdicts in {out}",
        highlight=False,
    )
    if counts[spark.UNREADABLE]:
        raise typer.Exit(EXIT_ERROR)
    raise typer.Exit(EXIT_SPUN if counts["spun"] else EXIT_CLEAN)


def _is_collection(source: str) -> bool:
    """A folder, JSON Lines or Parquet file: many documents, checked a line each."""
    from unspin.trace.corpus import COLLECTION_SUFFIXES

    path = Path(source)
    return source != "-" and (path.is_dir() or path.suffix in COLLECTION_SUFFIXES)


def _documents(sources: list[str]) -> Iterator[tuple[str, str | None, str | None]]:
    """``(name, text, None)`` for each document of ``sources`` in order, or ``(name, None,
    error)`` for one that cannot be read: the rest of a batch is still worth checking. A
    collection that breaks off (a bad JSON line) yields its error and ends there."""
    from unspin.trace.corpus import CorpusError, read_documents

    for source in _expanded(sources):
        if not _is_collection(source):
            try:
                yield source, load_text(source), None
            except InputError as error:
                yield source, None, str(error)
            continue
        try:
            for doc_id, text in read_documents(Path(source)):
                yield f"{source}:{doc_id}", text, None
        except CorpusError as error:
            yield source, None, str(error)


def _expanded(sources: list[str]) -> list[str]:
    """Folders replaced by their text files (sorted, recursively): each file is a document of its
    own, so one unreadable file costs only itself."""
    from unspin.trace.corpus import text_files

    expanded = []
    for source in sources:
        path = Path(source)
        if source != "-" and path.is_dir():
            expanded += [str(file) for file in text_files(path)]
        else:
            expanded.append(source)
    return expanded


def _count_documents(sources: list[str]) -> int | None:
    from unspin.trace.corpus import count_documents

    counts = [count_documents(Path(s)) if _is_collection(s) else 1 for s in _expanded(sources)]
    return None if None in counts else sum(counts)


def _check_documents(checker: Callable[[str], Verdict], sources: list[str], as_json: bool) -> int:
    """Check each document of ``sources``, a line each on stdout; returns the exit status."""
    out = Console(highlight=False, soft_wrap=True)

    def check_one(name: str, text: str) -> str:
        verdict = checker(text)
        if as_json:
            write_json_line({"id": name, **verdict.to_dict()})
        else:
            out.print(
                f"[{VERDICT_COLOURS[verdict.verdict]}]{verdict.verdict:12}[/]"
                f" {verdict.spun_probability:.3f} {verdict.words:>7,} words  {name}",
                markup=True,
            )
        return verdict.verdict

    tally = _each_document(sources, "checking", check_one, ("spun", "clean", "insufficient"))
    if tally["unreadable"]:
        return EXIT_ERROR
    return EXIT_SPUN if tally["spun"] else EXIT_CLEAN


def _each_document(
    sources: list[str],
    doing: str,
    handle: Callable[[str, str], str],
    outcomes: tuple[str, ...],
) -> Counter[str]:
    """``handle(name, text)`` for each document of ``sources``, under a progress bar on stderr
    when it is a terminal; it returns the outcome to count. Unreadable documents are named on
    stderr, one line each, and counted as "unreadable". Ends with a summary line on stderr and
    returns the counts."""
    from rich.progress import Progress

    tally: Counter[str] = Counter()
    started = time.perf_counter()
    with Progress(console=err, transient=True, disable=not err.is_terminal) as progress:
        task = progress.add_task(doing, total=_count_documents(sources))
        for name, text, error in _documents(sources):
            progress.advance(task)
            if text is None:
                tally["unreadable"] += 1
                err.print(f"[bold red]unspin: error:[/] {error}", highlight=False, soft_wrap=True)
            else:
                tally[handle(name, text)] += 1
    seconds = time.perf_counter() - started
    counts = ", ".join(f"{tally[key]} {key}" for key in (*outcomes, "unreadable") if tally[key])
    documents = sum(tally.values())
    err.print(
        f"{documents:,} document{'' if documents == 1 else 's'} in {seconds:.1f} s:"
        f" {counts or 'none found'}",
        highlight=False,
    )
    return tally


def write_json_line(payload: dict) -> None:
    sys.stdout.write(json.dumps(payload, ensure_ascii=False) + "\n")


def show_verdict(verdict: Verdict) -> None:
    out = Console(highlight=False, soft_wrap=True)  # one line per item, also when piped
    colour = VERDICT_COLOURS[verdict.verdict]
    out.print(
        f"[bold {colour}]{verdict.verdict}[/]  spun probability {verdict.spun_probability:.3f}"
        f" ({verdict.words} words, threshold {verdict.threshold:g}, paragraphs"
        f" {verdict.paragraph_threshold:g}, {verdict.tier} tier)"
    )
    for number, paragraph in enumerate(verdict.paragraphs, start=1):
        out.print(
            f"  paragraph {number}: {paragraph.verdict:12} {paragraph.spun_probability:.3f}"
            f"  ({paragraph.words} word{'' if paragraph.words == 1 else 's'})"
        )
    if verdict.flags:
        # Flags are words more likely swapped than not; under a clean verdict they are too few
        # or too weak to make the text spun, and a bare list would read as a contradiction.
        count = len(verdict.flags)
        swaps = "swap" if count == 1 else "swaps"
        out.print(
            f"  {count} likely {swaps} (start-end, found -> original, confidence, why):"
            if verdict.verdict == "spun"
            else f"  {count} possible {swaps}, too few or too weak to call the text spun:"
        )
    for flag in verdict.flags:
        out.print(
            f"  {flag.start}-{flag.end}  {flag.found!r}"
            + (f" -> {flag.suggestion!r}" if flag.suggestion else "")  # part of a longer swap
            + f"  {flag.confidence:.2f}  {flag.reason}"
        )


@data_app.command("build")
@friendly_errors
def data_build(
    data_dir: DataDirOpt = None,
    force: Annotated[bool, typer.Option(help="Rebuild even if the data is current.")] = False,
) -> None:
    """Compile the inverse lexicon and train the language model (a few minutes, once).

    Reads WordNet, Moby and MyThes and the training corpora installed by `make setup`; downloads
    nothing. Returns at once when the data directory is already current.
    """
    from unspin import data

    directory = data_dir or data.default_dir()
    with err.status("building unspin data") as status:
        manifest = data.build(
            directory,
            force=force,
            progress=lambda message: (status.update(message), err.log(message)),
        )
    err.print(f"data {manifest['data_version']} ready in {directory}")


@data_app.command("info")
@friendly_errors
def data_info(data_dir: DataDirOpt = None, as_json: JsonOpt = False) -> None:
    """Show what the data directory holds: sources, lexicon size, language model."""
    from unspin import data

    directory = data_dir or data.default_dir()
    manifest = data.read_manifest(directory)
    if as_json:
        print_json(manifest)
        return
    out = Console(highlight=False)
    lexicon, lm = manifest["lexicon"], manifest["lm"]
    total = sum(entry["bytes"] for entry in manifest["files"].values())
    out.print(f"[bold]unspin data {manifest['data_version']}[/] in {directory}")
    out.print(
        f"built {manifest['built_at']} in {manifest['build_seconds']} s, {total / 1e6:.0f} MB"
    )
    out.print(
        f"lexicon: {lexicon['surfaces']:,} surface forms, {lexicon['records']:,} candidate"
        f" records, {lexicon['originals']:,} originals (≤ {lexicon['max_tokens']} tokens)"
    )
    for source, count in lexicon["relations_by_source"].items():
        out.print(f"  {source}: {count:,} relations")
    counts = ", ".join(f"{n}-grams {c:,}" for n, c in lm["ngrams"].items())
    lm_bytes = sum(entry["bytes"] for entry in lm["files"].values())
    out.print(
        f"language model: KenLM order {lm['order']}, {lm_bytes / 1e6:.0f} MB, trained on"
        f" {lm['training_text']['tokens']:,} tokens; {counts}"
    )
    table = Table(title="sources", title_justify="left")
    for column in ("name", "package", "version", "licence"):
        table.add_column(column, overflow="fold")
    for source in manifest["sources"]:
        table.add_row(
            *(str(source.get(key, "")) for key in ("name", "package", "version", "licence"))
        )
    out.print(table)


def main() -> None:
    from unspin.bench.cli import register
    from unspin.trace.cli import register as register_trace

    register(app)
    register_trace(app)
    app()
