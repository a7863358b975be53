"""Compare decoder settings on simulated spinning of dev documents, before any bench run.

The bench judges test text once a change is made; choosing the change (a margin, a beam width)
has to happen on the dev split. This prints, for each spinner, edit recall and false changes on
untouched words at several confidence thresholds, so that settings are compared at equal false
changes rather than at one threshold. Documents 60-100 of ``calibrate.dev_documents`` are held
out from the confidence fit (it reads the first 60), so they are the default.

    python -m unspin.bench.devcheck                                  # the shipped settings
    python -m unspin.bench.devcheck --set local_margin=2.0 --set beam=6
    python -m unspin.bench.devcheck --documents 0:60 --conditions crude@0.35,crude@0.45
    python -m unspin.bench.devcheck --lm-share 0.5   # the corpus 5-gram on half its text

Settings changed with ``--set`` keep the shipped confidence model, which was fitted for the
shipped settings. A fair comparison of settings that change what the decoder proposes refits it
for them: ``--refit`` does so in memory on documents 0-60, as ``python -m unspin.bench.calibrate``
does, and adds the threshold that fit chooses to those measured:

    python -m unspin.bench.devcheck --set length_bonus=1.5 --refit
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import unspin
from unspin import corpora, data, lmbuild
from unspin.bench import metrics
from unspin.bench.calibrate import CONFIDENCE_DOCUMENTS, DEV_SEED, dev_documents, fit_confidence
from unspin.bench.spinners import spin
from unspin.engine import Restorer, Settings

THRESHOLDS = (0.8, 0.85, 0.9, 0.95)
CONDITIONS = "crude@0.35,phrase@0.25,tortured@0.3,clean@0"
SEED = 500


def parse_setting(text: str) -> tuple[str, Any]:
    """``name=value`` for a field of :class:`unspin.engine.Settings`, the value in that field's
    type; refuses unknown names, so a typo cannot pass for a measured change."""
    name, _, value = text.partition("=")
    shipped = Settings()
    defaults = {
        field.name: getattr(shipped, field.name)
        for field in dataclasses.fields(shipped)
        if type(getattr(shipped, field.name)) in (int, float)
    }
    if name not in defaults or not value:
        raise argparse.ArgumentTypeError(
            f"expected NAME=VALUE with NAME one of: {', '.join(sorted(defaults))}"
        )
    default = defaults[name]
    try:
        return name, float(value) if isinstance(default, float) else int(value)
    except ValueError:
        kind = "a number" if isinstance(default, float) else "a whole number"
        raise argparse.ArgumentTypeError(f"{name} takes {kind}, not {value!r}") from None


def parse_conditions(text: str) -> list[tuple[str, float]]:
    """``spinner@rate,...``; ``clean@0`` scores the unspun documents (false changes only)."""
    conditions = []
    for item in text.split(","):
        spinner, _, rate = item.partition("@")
        conditions.append((spinner, float(rate or 0)))
    return conditions


def measure(
    restorer,
    documents: list[tuple[str, str]],
    spinner: str,
    rate: float,
    seed: int = SEED,
    thresholds: tuple[float, ...] = THRESHOLDS,
) -> dict[str, Any]:
    """Edit recall and false-change rate at each of ``thresholds``, from one decoding per
    document, and the decoding speed."""
    totals = {threshold: metrics.RestorationScore() for threshold in thresholds}
    words, seconds = 0, 0.0
    for number, (_, text) in enumerate(documents):
        spun = spin(text, "crude" if spinner == "clean" else spinner, rate, seed + number)
        started = time.process_time()
        decoded = restorer.decode(spun.spun)
        seconds += time.process_time() - started
        words += len(spun.spun.split())
        for threshold in thresholds:
            restoration = metrics.restoration_at(spun.spun, decoded, threshold)
            totals[threshold] += metrics.score_restoration(spun, restoration)
    return {
        "spinner": spinner,
        "rate": rate,
        "words_per_second": round(words / seconds) if seconds else None,
        "at": {
            threshold: {
                "edit_recall": total.edit_recall,
                "false_change_rate": total.false_change_rate or 0.0,
            }
            for threshold, total in totals.items()
        },
    }


def in_share(doc_id: str, share: float) -> bool:
    """Whether a training document belongs to the first ``share`` of the training text, by a
    hash of its id: the same documents at every run, and a smaller share is inside a larger."""
    return int(hashlib.sha256(doc_id.encode()).hexdigest()[:8], 16) < share * 16**8


def data_with_lm_share(share: float, directory: Path) -> Path:
    """``directory`` made a data directory like the installed one, but whose corpus 5-gram is
    trained on ``share`` of its training text (whole documents, see :func:`in_share`): what would
    more text buy? Everything else is linked from the installed data."""
    installed = data.default_dir()
    data.read_manifest(installed)
    rebuilt = {*lmbuild.DATA_FILES, lmbuild.MANIFEST_FILE}
    for file in installed.iterdir():
        if file.is_file() and file.name not in rebuilt:
            try:
                os.link(file, directory / file.name)
            except OSError:  # another file system
                shutil.copy2(file, directory / file.name)
    documents = (d for d in corpora.training_documents() if in_share(d[0], share))
    lmbuild.build(directory, documents=documents)
    return directory


def refitted(restorer: Restorer) -> tuple[Restorer, float]:
    """``restorer`` with a confidence model fitted for its settings on the first dev documents,
    and the threshold that fit chooses for the false-change target; a summary goes to stderr."""
    blank = restorer.with_settings(confidence_weights=Restorer.CONFIDENCE_TERMS * (0.0,))
    fit = fit_confidence(blank, dev_documents()[:CONFIDENCE_DOCUMENTS], DEV_SEED)
    kept = fit.confidences >= restorer.settings.min_confidence
    print(
        f"confidence refitted on dev documents 0-{CONFIDENCE_DOCUMENTS}: threshold"
        f" {fit.threshold:g}; at {restorer.settings.min_confidence:g},"
        f" {int((kept & (fit.labels == 1)).sum()):,} right and"
        f" {int((kept & (fit.labels == 0)).sum()):,} wrong changes"
        f" of {int(fit.labels.sum()):,} right ones proposed",
        file=sys.stderr,
    )
    return restorer.with_settings(confidence_weights=tuple(fit.weights)), fit.threshold


def _line(row: dict[str, Any]) -> str:
    cells = []
    for threshold, at in row["at"].items():
        recall = "–" if at["edit_recall"] is None else f"{at['edit_recall']:.4f}"
        cells.append(f"{threshold}: R {recall} FC {at['false_change_rate']:.4%}")
    return f"{row['spinner']} {row['rate']} ({row['words_per_second']} w/s) " + " | ".join(cells)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--documents", default="60:100", help="slice of the dev documents (default 60:100)"
    )
    parser.add_argument(
        "--conditions",
        type=parse_conditions,
        default=CONDITIONS,
        help=f"spinner@rate,... (default {CONDITIONS}); clean scores the unspun documents",
    )
    parser.add_argument(
        "--set",
        type=parse_setting,
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a decoder setting (unspin.engine.Settings) to change; repeatable",
    )
    parser.add_argument(
        "--seed", type=int, default=SEED, help="the n-th document is spun with seed + n"
    )
    parser.add_argument(
        "--lm-share",
        type=float,
        metavar="FRACTION",
        help="retrain the corpus 5-gram on this share of its training text first (in a scratch"
        " directory; the shipped confidence model is kept)",
    )
    parser.add_argument(
        "--refit",
        action="store_true",
        help=f"refit the confidence model for these settings on dev documents"
        f" 0-{CONFIDENCE_DOCUMENTS} first (in memory; the shipped model is untouched) and measure"
        " at the threshold it chooses too",
    )
    parser.add_argument("--json", action="store_true", help="one JSON object per condition")
    args = parser.parse_args()
    if args.lm_share is not None and not 0 < args.lm_share <= 1:
        parser.error("--lm-share must be above 0 and at most 1")
    first, _, last = args.documents.partition(":")
    documents = dev_documents()[int(first or 0) : int(last) if last else None]
    with tempfile.TemporaryDirectory(prefix="unspin-lm-share-") as scratch:
        directory = (
            None if args.lm_share is None else data_with_lm_share(args.lm_share, Path(scratch))
        )
        model = unspin.load(directory)
        if directory is not None:
            tokens = model.restorer.lm.manifest["training_text"]["tokens"]
            print(
                f"corpus 5-gram on {args.lm_share:g} of its training text: {tokens:,} tokens",
                file=sys.stderr,
            )
        restorer = model.restorer.with_settings(**dict(args.set))
        thresholds = THRESHOLDS
        if args.refit:
            restorer, threshold = refitted(restorer)
            thresholds = tuple(sorted({*THRESHOLDS, threshold}))
        for spinner, rate in args.conditions:
            row = measure(restorer, documents, spinner, rate, args.seed, thresholds)
            print(json.dumps(row) if args.json else _line(row), flush=True)


if __name__ == "__main__":
    main()
