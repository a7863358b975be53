"""Fit and measure the optional SmolLM2 rescoring (:mod:`unspin.neural`).

``fit`` labels the changes of simulated spinning of the dev split with the calibration's own
functions (:mod:`unspin.bench.calibrate`), fits the rescoring logistic and picks the threshold that
keeps false changes within the target share of untouched words; copy the printed weights and
threshold into ``neural.NeuralSettings``. ``measure`` spins BBC *test* documents (evaluation only,
nothing is tuned on them) and scores restoration with and without rescoring, the same decoded
changes feeding both, with the bench's own scoring (``suite._Condition``), plus the cost: words
per second, model load time and peak RSS. It writes ``<out>/<date>-neural.{md,json}``: numbers
only, never BBC text.

    python -m unspin.bench.neural_eval fit --documents 12
    python -m unspin.bench.neural_eval measure --documents 40
    python -m unspin.bench.neural_eval flags --documents 60

``flags`` measures ``unspin check --rescore neural``: the flags' token precision and recall on
Brown learned text spun by the tortured spinner (the detection bench's technical-prose rows, its
seeds), and false flags on the same documents unspun, with and without rescoring.

Run it on one core (``taskset -c 1``); torch is told to use one thread.
"""

from __future__ import annotations

import argparse
import json
import math
import resource
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np

import unspin
from unspin import corpora, detect, phrase_lists
from unspin.bench import metrics, suite
from unspin.bench.calibrate import dev_documents, fit_logistic, labelled_changes
from unspin.bench.detection import TORTURED_RATES, chunks
from unspin.bench.spinners import spin
from unspin.neural import FEATURES, NeuralRescorer, NeuralSettings, SentenceScorer
from unspin.report import Change

CONDITIONS = (("crude", 0.35), ("phrase", 0.25))
SWEEP = (0.5, 0.6, 0.68, 0.73, 0.8, 0.9)


class _Rescoring:
    """The rescorer seen through the restorer's ``decode`` interface, so that the calibration's
    labelling code runs on rescored changes unchanged."""

    def __init__(self, rescorer: NeuralRescorer) -> None:
        self.rescorer = rescorer

    def decode(self, text: str) -> list[tuple[Change, tuple[float, ...]]]:
        return self.rescorer.rescore(text, self.rescorer.restorer.decode(text))


def _load(settings: NeuralSettings | None = None) -> tuple[NeuralRescorer, float]:
    import torch

    torch.set_num_threads(1)
    started = time.perf_counter()
    scorer = SentenceScorer(batch_size=(settings or NeuralSettings()).batch_size)
    load_seconds = time.perf_counter() - started
    return NeuralRescorer(unspin.load().restorer, scorer, settings), load_seconds


def threshold_for(
    confidence: np.ndarray, right: np.ndarray, untouched: int, target: float
) -> float:
    """Smallest threshold (0.50-0.99) whose wrong changes stay within ``target`` of the
    untouched words: the rule the engine's own threshold is set by."""
    for candidate in np.arange(0.5, 1.0, 0.01):
        if ((confidence >= candidate) & (right == 0)).sum() <= target * untouched:
            return round(float(candidate), 2)
    return 0.99


def fit(documents: int, seed: int, target: float) -> dict[str, Any]:
    rescorer, _ = _load()
    x, y, untouched = labelled_changes(_Rescoring(rescorer), dev_documents()[:documents], seed)
    weights = fit_logistic(x, y)
    confidence = 1.0 / (1.0 + np.exp(-(x @ weights)))
    threshold = threshold_for(confidence, y, untouched, target)
    engine = 1.0 / (1.0 + np.exp(-x[:, 0]))
    engine_threshold = unspin.load().restorer.settings.min_confidence

    def at(scores: np.ndarray, cut: float) -> dict[str, float]:
        kept = scores >= cut
        return {
            "threshold": cut,
            "precision": float(y[kept].mean()) if kept.any() else math.nan,
            "right_kept": int((kept & (y == 1)).sum()),
            "wrong_kept": int((kept & (y == 0)).sum()),
        }

    return {
        "documents": documents,
        "changes": len(y),
        "right": int(y.sum()),
        "untouched_words": untouched,
        "weights": dict(zip(FEATURES, np.round(weights, 4).tolist(), strict=True)),
        "min_confidence": threshold,
        "dev_engine": at(engine, engine_threshold),
        "dev_rescored": at(confidence, threshold),
    }


def measure(documents: int, seed: int) -> dict[str, Any]:
    rescorer, load_seconds = _load()
    restorer = rescorer.restorer
    bbc = suite._sample(list(corpora.bbc_documents("test")), documents, seed)
    rows = []
    for spinner, rate in CONDITIONS:
        runs = []  # (spin, decoded changes, rescored changes) of each document
        words = 0
        engine_seconds = neural_seconds = 0.0
        tokens = rescorer.scorer.tokens
        for number, (doc_id, text) in enumerate(bbc, start=1):
            print(f"[neural] {spinner} {rate}: document {number}/{len(bbc)}", file=sys.stderr)
            spun = spin(text, spinner, rate, suite._doc_seed(seed, doc_id))
            started = time.perf_counter()
            decoded = restorer.decode(spun.spun)
            engine_seconds += time.perf_counter() - started
            started = time.perf_counter()
            # What restore() does, for every threshold the report uses.
            neural = rescorer.rescore(spun.spun, decoded, rescorer.lowest_reaching(min(SWEEP)))
            neural_seconds += time.perf_counter() - started
            words += suite._words(spun.spun)
            runs.append((spun, decoded, neural))

        rows.append(
            {
                "spinner": spinner,
                "rate": rate,
                "engine": _scored(runs, 1, restorer.settings.min_confidence, spinner, rate),
                "rescored": _scored(runs, 2, rescorer.settings.min_confidence, spinner, rate),
                # Both restorers over a range of thresholds: compare them at equal false changes.
                "sweep": {
                    name: {
                        str(cut): _scored(runs, which, cut, spinner, rate)["restorer"]
                        for cut in SWEEP
                    }
                    for name, which in (("engine", 1), ("rescored", 2))
                },
                "words": words,
                "engine_words_per_second": round(words / engine_seconds, 1),
                "rescored_words_per_second": round(words / (engine_seconds + neural_seconds), 1),
                "neural_tokens": rescorer.scorer.tokens - tokens,
                "neural_tokens_per_second": round(
                    (rescorer.scorer.tokens - tokens) / neural_seconds, 1
                ),
            }
        )
    return {
        "date": date.today().isoformat(),
        "commit": suite._git_commit(),
        "data_version": unspin.load().version,
        "corpus": "bbc test split",
        "documents_per_condition": len(bbc),
        "seed": seed,
        "engine_threshold": restorer.settings.min_confidence,
        "rescored_threshold": rescorer.settings.min_confidence,
        "weights": dict(zip(FEATURES, rescorer.settings.weights, strict=True)),
        "model_load_seconds": round(load_seconds, 1),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "how": "one process pinned to one core (taskset), torch with one thread",
        "conditions": rows,
    }


def flags(documents: int, seed: int) -> dict[str, Any]:
    rescorer, load_seconds = _load()
    model = unspin.load()
    learned = chunks(list(corpora.brown_documents(["learned"])))
    sample = suite._sample(learned, documents, seed)
    rows = []
    for rate in (0.0, *TORTURED_RATES):
        tokens = {"engine": metrics.BinaryScores(), "rescored": metrics.BinaryScores()}
        false_flags = {"engine": 0, "rescored": 0}
        words = 0
        seconds = {"engine": 0.0, "rescored": 0.0}
        for number, (doc_id, text) in enumerate(sample, start=1):
            print(
                f"[neural] flags, tortured {rate}: document {number}/{len(sample)}", file=sys.stderr
            )
            edits = []
            if rate:
                spun = spin(text, "tortured", rate, suite._doc_seed(seed, doc_id))
                text, edits = spun.spun, [(e.spun_start, e.spun_end) for e in spun.edits]
            words += suite._words(text)
            for name, judge in (("engine", None), ("rescored", rescorer)):
                started = time.perf_counter()
                verdict = detect.check(model, text, tier="full", rescorer=judge)
                seconds[name] += time.perf_counter() - started
                spans = [(flag.start, flag.end) for flag in verdict.flags]
                tokens[name] += metrics.token_detection(text, edits, spans)
                false_flags[name] += sum(
                    not phrase_lists.overlaps(start, end, edits) for start, end in spans
                )
        rows.append(
            {
                "rate": rate,
                "words": words,
                **{
                    name: {
                        "token_precision": tokens[name].precision if rate else None,
                        "token_recall": tokens[name].recall if rate else None,
                        "false_flags": false_flags[name],
                        "false_flags_per_1000_words": round(1000 * false_flags[name] / words, 2),
                        "words_per_second": round(words / seconds[name], 1),
                    }
                    for name in tokens
                },
            }
        )
    return {
        "date": date.today().isoformat(),
        "commit": suite._git_commit(),
        "data_version": model.version,
        "corpus": "brown learned (held out), detection-bench chunks",
        "documents": len(sample),
        "seed": seed,
        "flag_confidence": detect.FLAGGED,
        "weights": dict(zip(FEATURES, rescorer.settings.weights, strict=True)),
        "model_load_seconds": round(load_seconds, 1),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "how": "check(tier='full') with and without the rescorer; one process pinned to one core",
        "rows": rows,
    }


def _flags_markdown(results: dict[str, Any]) -> str:
    def value(number: float | None) -> str:
        return "n/a" if number is None else f"{number:.3f}"

    lines = [
        f"# Flags re-judged by SmolLM2 (`unspin check --rescore neural`) — {results['date']}",
        "",
        f"Commit {results['commit']}, data {results['data_version']}, {results['corpus']},"
        f" {results['documents']} documents, seed {results['seed']}; a flag is a change at"
        f" confidence {results['flag_confidence']} or more. Rate 0 is the same documents unspun.",
        "",
        "| tortured rate | flags | token P | token R | false flags / 1,000 words | words/s |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for row in results["rows"]:
        for name in ("engine", "rescored"):
            cell = row[name]
            lines.append(
                f"| {row['rate']:.2f} | {name} | {value(cell['token_precision'])} |"
                f" {value(cell['token_recall'])} | {cell['false_flags_per_1000_words']} |"
                f" {cell['words_per_second']} |"
            )
    lines += [
        "",
        f"Model load {results['model_load_seconds']} s, peak RSS {results['peak_rss_mb']} MB"
        f" ({results['how']}). Weights: {results['weights']}.",
        "",
    ]
    return "\n".join(lines)


def _scored(runs: list, which: int, threshold: float, spinner: str, rate: float) -> dict[str, Any]:
    """The bench's scores of one condition's documents with changes ``runs[i][which]`` kept
    from ``threshold`` up."""
    condition = suite._Condition("bbc", spinner, rate)
    for run in runs:
        condition.add(run[0], metrics.restoration_at(run[0].spun, run[which], threshold))
    return condition.to_dict()


def _markdown(results: dict[str, Any]) -> str:
    def pct(value: float | None) -> str:
        return "n/a" if value is None else f"{100 * value:.1f}%"

    lines = [
        f"# Neural rescoring (SmolLM2-135M) — {results['date']}",
        "",
        f"Commit {results['commit']}, data {results['data_version']}, {results['corpus']},"
        f" {results['documents_per_condition']} documents per condition, seed {results['seed']}."
        f" Same decoded changes for both rows; engine threshold {results['engine_threshold']},"
        f" rescored threshold {results['rescored_threshold']} (set on the dev split).",
        "",
        "| condition | restorer | edit recall | change precision | false-change rate |"
        " WER after | words/s |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for row in results["conditions"]:
        for name, speed in (("engine", "engine"), ("rescored", "rescored")):
            score = row[name]["restorer"]
            lines.append(
                f"| {row['spinner']} {row['rate']} | {name} | {pct(score['edit_recall'])} |"
                f" {pct(score['change_precision'])} | {pct(score['false_change_rate'])} |"
                f" {pct(score['wer_after'])} | {row[f'{speed}_words_per_second']} |"
            )
    lines += [
        "",
        "Edit recall / false-change rate at each threshold (same decoded changes):",
        "",
        "| condition | restorer | " + " | ".join(str(cut) for cut in SWEEP) + " |",
        "| --- | --- | " + " | ".join("---" for _ in SWEEP) + " |",
    ]
    for row in results["conditions"]:
        for name, sweep in row["sweep"].items():
            cells = [
                f"{pct(s['edit_recall'])} / {pct(s['false_change_rate'])}" for s in sweep.values()
            ]
            lines.append(f"| {row['spinner']} {row['rate']} | {name} | " + " | ".join(cells) + " |")
    lines += [
        "",
        f"Model load {results['model_load_seconds']} s, peak RSS {results['peak_rss_mb']} MB"
        f" ({results['how']}). SmolLM2 tokens/s: "
        + ", ".join(
            f"{r['spinner']} {r['neural_tokens_per_second']}" for r in results["conditions"]
        )
        + ".",
        "",
        f"Weights: {results['weights']}.",
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("command", choices=("fit", "measure", "flags"))
    parser.add_argument("--documents", type=int, default=None)
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--target-false-change-rate", type=float, default=0.005)
    parser.add_argument("--out", type=Path, default=Path("bench/results"))
    args = parser.parse_args()
    if args.command == "fit":
        report = fit(args.documents or 12, args.seed or 2009, args.target_false_change_rate)
        print(json.dumps(report, indent=2))
        return
    seed = args.seed or suite.DEFAULT_SEED
    if args.command == "flags":
        results, suffix, render = flags(args.documents or 60, seed), "neural-flags", _flags_markdown
    else:
        results, suffix, render = measure(args.documents or 40, seed), "neural", _markdown
    args.out.mkdir(parents=True, exist_ok=True)
    stem = args.out / f"{results['date']}-{suffix}"
    stem.with_suffix(".json").write_text(json.dumps(results, indent=2) + "\n")
    stem.with_suffix(".md").write_text(render(results))
    print(render(results))


if __name__ == "__main__":
    main()
