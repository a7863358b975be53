"""``unspin bench`` and ``unspin spin``: the benchmark and the simulated spinners on the command
line. Registered on the main app by :func:`register`, so the bench's heavier imports (spaCy,
matplotlib) load only when these commands run."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated

import typer

from unspin.cli import (
    DataDirOpt,
    InputArg,
    JsonOpt,
    err,
    fail,
    friendly_errors,
    print_json,
    read_input,
)

SPINNER_NAMES = ("crude", "phrase", "tortured")
SUITE_NAMES = ("quick", "full", "detect", "trace")


def _choice(value: str, allowed: tuple[str, ...], what: str) -> str:
    if value not in allowed:
        raise typer.BadParameter(f"{what} must be one of {', '.join(allowed)}, not {value!r}")
    return value


def bench(
    suite: Annotated[
        str,
        typer.Option(
            help="quick: 20 documents, one rate, under two minutes (a smoke check). full: 200 BBC"
            " + 44 Brown press documents, rates 0.15/0.30/0.45, cross condition, detection, cost."
            " detect: detection only, on 300-word documents of every held-out genre (<date>-detect"
            ".md/.json)."
            " trace: tracing and clustering only (<date>-trace.md/.json; also part of full).",
            callback=lambda v: _choice(v, SUITE_NAMES, "--suite"),
        ),
    ] = "quick",
    out: Annotated[
        Path, typer.Option("--out", help="Directory for `<date>-<suite>.md`, `.json` and `.png`.")
    ] = Path("bench/results"),
    seed: Annotated[int, typer.Option(help="Seed for document sampling and the spinners.")] = 13,
    baseline: Annotated[
        bool,
        typer.Option(
            "--baseline",
            help="Measure the pass-through restorer (restores nothing) instead of unspin: the"
            " floor every metric must beat. Needs no built data.",
        ),
    ] = False,
    threshold: Annotated[
        float | None,
        typer.Option(
            min=0.0,
            max=1.0,
            help="detect suite only: judge documents and paragraphs at this probability instead"
            " of the shipped thresholds (another operating point of the same curves).",
        ),
    ] = None,
    min_confidence: Annotated[
        float | None,
        typer.Option(
            min=0.0,
            max=1.0,
            help="detect suite only: flag words from this confidence instead of 0.5 (the token"
            " and flagged-word figures change; no verdict does).",
        ),
    ] = None,
    data_dir: DataDirOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Measure restoration, detection and cost on spun held-out text and write a report.

    Spins held-out BBC News and Brown press articles with three simulated spinners (crude WordNet,
    phrase thesaurus, tortured technical terms), restores them, and scores the result against the
    spinners' exact edit maps: edit recall, change precision, false changes, WER before/after;
    then detection (ROC-AUC, F1 and false-positive rate at the shipped threshold, calibration) on
    spun and never-spun text, and speed and memory. Writes `bench/results/<date>-<suite>.md`,
    `.json` and a plot, headed by a signature line (data version, commit, seed, corpus sizes) that
    says exactly what was measured. Progress goes to stderr; --json prints the results on stdout.
    """
    # Throughput is reported for one core: keep numeric libraries from spawning thread pools.
    for variable in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        os.environ.setdefault(variable, "1")
    from unspin.bench import suite as bench_suite

    for name, value in (("--threshold", threshold), ("--min-confidence", min_confidence)):
        if value is not None and suite != "detect":
            raise typer.BadParameter(f"{name} applies to --suite detect only")
    if suite == "trace":
        from unspin.bench import trace_bench

        results = trace_bench.run(seed, data_dir, say=lambda m: err.log(m, highlight=False))
        results["files"] = trace_bench.write(results, out)
    elif suite == "detect":
        from unspin.bench import detection

        results = detection.run(
            out,
            data_dir=data_dir,
            seed=seed,
            progress=True,
            threshold=threshold,
            min_confidence=min_confidence,
        )
    elif baseline:
        passthrough = bench_suite.passthrough
        results = bench_suite.run(
            suite,
            out,
            restorer=passthrough,
            cross_restorer=passthrough,
            seed=seed,
            data_dir=data_dir,
            progress=True,
        )
    else:
        results = bench_suite.run(suite, out, data_dir=data_dir, seed=seed, progress=True)
    if as_json:
        print_json(results)
    err.print(f"[bold]{results['signature']}[/]", highlight=False, soft_wrap=True)
    for kind, path in results["files"].items():
        err.print(f"  {kind}: {path}", highlight=False)


def spin_command(
    source: InputArg,
    spinner: Annotated[
        str,
        typer.Option(
            help="crude: any WordNet lemma, function words too (in -> successful). phrase: POS-"
            "aware, re-inflected, swaps phrases, mangles names (House -> Home). tortured: technical"
            " terms word by word (search engine -> hunt motor).",
            callback=lambda v: _choice(v, SPINNER_NAMES, "--spinner"),
        ),
    ] = "phrase",
    rate: Annotated[
        float,
        typer.Option(min=0.0, max=1.0, help="Fraction of the substitutable tokens to substitute."),
    ] = 0.3,
    seed: Annotated[int, typer.Option(help="Same seed, same text: same output.")] = 1,
    sources: Annotated[
        str | None,
        typer.Option(
            help="Comma-separated thesauri to draw on: wordnet, moby, mythes (default depends"
            " on the spinner).",
            show_default=False,
        ),
    ] = None,
    edits: Annotated[
        bool, typer.Option("--edits", help="Also list every substitution on stderr.")
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Spin a text the way article spinners do, for demos and tests.

    Prints the spun text. With --json prints the original, the spun text and the exact edit map
    (original span <-> spun span, thesaurus headword and listed substitute). Deterministic given
    --seed. Use it on text you may redistribute, e.g. public-domain speeches.
    """
    from unspin.bench.spinners import spin

    text = read_input(source)
    chosen = [s.strip() for s in sources.split(",") if s.strip()] if sources else None
    try:
        result = spin(text, spinner, rate, seed, chosen)
    except ValueError as error:
        fail(str(error))
    if as_json:
        print_json(result.to_dict())
    else:
        sys.stdout.write(result.spun)
    if edits:
        from rich.table import Table

        sys.stdout.flush()  # the text before the table when both go to one terminal

        table = Table(title=f"{len(result.edits)} substitutions", title_justify="left")
        for column in ("at", "original", "spun", "thesaurus entry"):
            table.add_column(column, overflow="fold")
        for edit in result.edits:
            table.add_row(
                str(edit.orig_start),
                edit.original,
                edit.substitute,
                f"{edit.headword} -> {edit.listed}",
            )
        err.print(table)


def register(app: typer.Typer) -> None:
    """Add ``bench`` and ``spin`` to the main ``unspin`` command."""
    app.command("bench")(friendly_errors(bench))
    app.command("spin")(friendly_errors(spin_command))
