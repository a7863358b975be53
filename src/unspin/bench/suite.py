"""The benchmark suites: spin held-out text, restore and check it, and write the report.

``quick`` (a smoke check, part of ``make test``) spins 15 BBC and 5 Brown press documents at one
rate; ``full`` (``make bench``) spins 200 BBC and 44 Brown press documents with each spinner at
rates 0.15, 0.30 and 0.45, runs the *cross* condition (a spinner dictionary the restorer lacks),
detection on spun and clean text across genres, and the cost measurements. Every condition is also
scored with a pass-through restorer, so the report shows what doing nothing scores (edit recall 0,
WER after = WER before) next to what unspin scores.

The held-out corpora are never in the language model's training text (:mod:`unspin.corpora`
decides that). BBC text is research-use only: the results hold numbers and document counts, never
text.
"""

from __future__ import annotations

import json
import os
import random
import re
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Literal

from unspin import __version__, corpora
from unspin.bench import metrics, trace_bench
from unspin.bench.spinners import SPINNERS, SpinResult, spin
from unspin.report import Restoration, Verdict
from unspin.resources import MissingResource
from unspin.sources import Source
from unspin.text import Kind, tokenize

Restorer = Callable[[str], Restoration]
Checker = Callable[[str], Verdict]
SuiteName = Literal["quick", "full"]

RATES = (0.15, 0.30, 0.45)
DEFAULT_SEED = 13
SIGNATURE_FORMAT = 1

CROSS_SPINNER = "phrase"
CROSS_SOURCES = (Source.MOBY,)
CROSS_RATE = 0.30
CROSS_RESTORER_SOURCES = (Source.WORDNET, Source.MYTHES)
COLD_START_WORDS = 1000
THREAD_VARIABLES = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")


@dataclass(frozen=True, slots=True)
class SuiteConfig:
    """Sizes of a suite. Brown press documents are ~2,000 words, BBC ones ~400."""

    name: SuiteName
    bbc_docs: int
    brown_press_docs: int
    rates: tuple[float, ...]
    clean_docs: int  # per clean-genre corpus (Brown fiction, Brown learned, SOTU, Austen)
    cross: bool
    cold_start: bool


SUITES: dict[str, SuiteConfig] = {
    "quick": SuiteConfig("quick", 15, 5, (0.30,), 3, cross=False, cold_start=False),
    "full": SuiteConfig("full", 200, 44, RATES, 30, cross=True, cold_start=True),
}


def passthrough(text: str) -> Restoration:
    """The do-nothing restorer: the baseline every number in the report is compared with."""
    return Restoration(text, [])


@dataclass
class Tools:
    """What is being measured: a restorer, optionally a checker, and how to describe them."""

    restorer: Restorer
    checker: Checker | None
    name: str
    data_version: str = "none"
    data_dir: Path | None = None
    cross_restorer: Restorer | None = None
    cross_note: str = ""
    notes: list[str] = field(default_factory=list)


# --- helpers -------------------------------------------------------------------------------------


def _words(text: str) -> int:
    return sum(1 for token in tokenize(text) if token.kind is not Kind.PUNCT)


def _doc_seed(seed: int, doc_id: str) -> int:
    """Each document gets its own spinner seed, stable across runs and Python processes."""
    return random.Random(f"{seed}|{doc_id}").getrandbits(32)


def _sample(documents: list[tuple[str, str]], count: int, seed: int) -> list[tuple[str, str]]:
    """A seeded random sample, in corpus order so the report is easy to reproduce by hand."""
    if count >= len(documents):
        return documents
    chosen = sorted(random.Random(seed).sample(range(len(documents)), count))
    return [documents[i] for i in chosen]


def _git_commit() -> str:
    """Short commit of the source tree, ``+dirty`` with uncommitted changes, for the signature.

    Reports under bench/results do not count: a bench run writing its own report (or another
    suite's, earlier in the same checkout) changes no code."""
    root = Path(__file__).resolve().parents[3]

    def git(*args: str) -> str:
        return subprocess.run(
            ["git", "-C", str(root), *args], capture_output=True, text=True, check=True
        ).stdout.strip()

    try:
        sha = git("rev-parse", "--short=10", "HEAD")
        dirty = git("status", "--porcelain", "--untracked-files=no", "--", ".", ":!bench/results")
    except (OSError, subprocess.CalledProcessError):
        return "none"
    return sha + ("+dirty" if dirty else "")


@contextmanager
def _progress(enabled: bool) -> Iterator[Callable[[str, int], Callable[[], None]]]:
    """Progress bars on stderr; yields ``start(label, total) -> advance``."""
    if not enabled:
        yield lambda label, total: lambda: None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    with Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=True,
    ) as bars:

        def start(label: str, total: int) -> Callable[[], None]:
            task = bars.add_task(label, total=total)
            return lambda: bars.advance(task)

        yield start


def _say(message: str, enabled: bool) -> None:
    if enabled:
        print(f"[bench] {message}", file=sys.stderr, flush=True)


def load_tools(data_dir: Path | None = None, cross: bool = True) -> Tools:
    """unspin's own restorer and checker for ``data_dir``, plus the cross-condition restorer (the
    same data rebuilt without Moby, cached next to it; the language model is shared, not retrained).

    Raises :class:`unspin.data.DataError` or :class:`MissingResource` when the data is not built.
    """
    import unspin
    from unspin import data

    model = unspin.load(data_dir)
    directory = Path(model.directory)
    tools = Tools(
        restorer=model.restore,
        checker=model.check,
        name="unspin",
        data_version=model.version,
        data_dir=directory,
    )
    if cross:
        cross_dir = directory.with_name(directory.name + "-without-moby")
        data.build(cross_dir, sources=CROSS_RESTORER_SOURCES, language_model=directory)
        tools.cross_restorer = unspin.load(cross_dir).restore
        tools.cross_note = f"restorer data rebuilt without Moby in {cross_dir}"
    return tools


# --- corpora -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Corpus:
    name: str
    documents: list[tuple[str, str]]
    note: str = ""

    @property
    def words(self) -> int:
        return sum(_words(text) for _, text in self.documents)


def _held_out(config: SuiteConfig, seed: int) -> list[Corpus]:
    bbc = list(corpora.bbc_documents("test"))
    press = list(corpora.brown_documents(corpora.BROWN_PRESS))
    return [
        Corpus("bbc", _sample(bbc, config.bbc_docs, seed)),
        Corpus("brown-press", _sample(press, config.brown_press_docs, seed)),
    ]


def _austen_documents() -> list[tuple[str, str]]:
    """Jane Austen's novels, unpacked from Debian's r-cran-janeaustenr by setup."""
    from unspin.bench.austen import austen_documents

    return list(austen_documents())


def _clean_corpora(config: SuiteConfig, seed: int) -> tuple[list[Corpus], list[str]]:
    """Never-spun text across genres for false positives; what is missing is reported, not fatal."""
    found: list[Corpus] = []
    missing: list[str] = []
    readers: list[tuple[str, Callable[[], list[tuple[str, str]]], str]] = [
        ("brown-fiction", lambda: list(corpora.brown_documents(["fiction"])), "held out"),
        ("brown-learned", lambda: list(corpora.brown_documents(["learned"])), "held out"),
        ("sotu-heldout", lambda: list(corpora.sotu_documents("heldout")), "held out, 2017 on"),
        ("austen", _austen_documents, "archaic register; held out"),
    ]
    for name, read, note in readers:
        try:
            documents = read()
        except MissingResource as error:
            missing.append(f"{name}: {error}")
            continue
        found.append(Corpus(name, _sample(documents, config.clean_docs, seed), note))
    return found, missing


# --- restoration ---------------------------------------------------------------------------------


@dataclass
class _Timer:
    """Time spent inside the restorer: wall and CPU (CPU > wall means it used several threads)."""

    wall: float = 0.0
    cpu: float = 0.0
    words: int = 0

    def call(self, restorer: Restorer, text: str) -> Restoration:
        wall, cpu = time.perf_counter(), time.process_time()
        result = restorer(text)
        self.wall += time.perf_counter() - wall
        self.cpu += time.process_time() - cpu
        self.words += _words(text)
        return result


@dataclass
class _Condition:
    """Scores of one spinner x rate on one corpus."""

    corpus: str
    spinner: str
    rate: float
    sources: tuple[str, ...] = ()
    docs: int = 0
    words: int = 0
    eligible_words: int = 0
    restorer: metrics.RestorationScore = field(default_factory=metrics.RestorationScore)
    baseline: metrics.RestorationScore = field(default_factory=metrics.RestorationScore)
    errors: list[str] = field(default_factory=list)

    def add(self, spun: SpinResult, restoration: Restoration | Exception) -> None:
        self.sources = spun.sources
        self.docs += 1
        self.words += _words(spun.original)
        self.eligible_words += spun.eligible_words
        self.baseline += metrics.score_restoration(spun, passthrough(spun.spun))
        if isinstance(restoration, Exception):
            self.errors.append(f"{type(restoration).__name__}: {restoration}")
            restoration = passthrough(spun.spun)  # a failure restores nothing
        try:
            self.restorer += metrics.score_restoration(spun, restoration)
        except ValueError as error:  # the restoration contradicts its own change list
            self.errors.append(f"inconsistent restoration: {error}")
            self.restorer += metrics.score_restoration(spun, passthrough(spun.spun))

    def to_dict(self) -> dict[str, Any]:
        return {
            "corpus": self.corpus,
            "spinner": self.spinner,
            "rate": self.rate,
            "sources": list(self.sources),
            "docs": self.docs,
            "words": self.words,
            "eligible_words": self.eligible_words,
            "spun_word_fraction": _ratio(
                self.baseline.tokens.fn,
                self.baseline.tokens.fn + self.baseline.tokens.tn,
            ),
            "restorer": self.restorer.summary(),
            "baseline": self.baseline.summary(),
            "errors": len(self.errors),
            "first_error": self.errors[0] if self.errors else None,
        }


def _ratio(a: float, b: float) -> float | None:
    return a / b if b else None


def _restore(restorer: Restorer, text: str, timer: _Timer) -> Restoration | Exception:
    """A restorer that raises scores as a pass-through for that document, and the report says so:
    one bad document should not lose a long run."""
    try:
        return timer.call(restorer, text)
    except Exception as error:  # reported in the results, never hidden
        return error


# --- detection -----------------------------------------------------------------------------------


@dataclass
class _Detection:
    """Checker outputs for one set of documents: doc- and paragraph-level, and flagged tokens."""

    doc_labels: list[bool] = field(default_factory=list)
    doc_scores: list[float] = field(default_factory=list)
    doc_predicted: list[bool] = field(default_factory=list)
    paragraph_labels: list[bool] = field(default_factory=list)
    paragraph_scores: list[float] = field(default_factory=list)
    paragraph_predicted: list[bool] = field(default_factory=list)
    insufficient: int = 0
    tokens: metrics.BinaryScores = field(default_factory=metrics.BinaryScores)
    threshold: float | None = None
    min_paragraph_words: int = 0  # shorter paragraphs are not scored

    def add(self, verdict: Verdict, text: str, edits: Sequence[tuple[int, int]]) -> None:
        self.threshold = verdict.threshold
        self.doc_labels.append(bool(edits))
        self.doc_scores.append(verdict.spun_probability)
        self.doc_predicted.append(verdict.verdict == "spun")
        self.insufficient += verdict.verdict == "insufficient"
        scored = [p for p in verdict.paragraphs if p.words >= self.min_paragraph_words]
        self.paragraph_labels += metrics.spans_with_edits([(p.start, p.end) for p in scored], edits)
        self.paragraph_scores += [p.spun_probability for p in scored]
        self.paragraph_predicted += [p.verdict == "spun" for p in scored]
        self.tokens += metrics.token_detection(
            text, edits, [(f.start, f.end) for f in verdict.flags]
        )

    def __add__(self, other: _Detection) -> _Detection:
        merged = type(self)(min_paragraph_words=self.min_paragraph_words)
        for name in (
            "doc_labels",
            "doc_scores",
            "doc_predicted",
            "paragraph_labels",
            "paragraph_scores",
            "paragraph_predicted",
        ):
            setattr(merged, name, getattr(self, name) + getattr(other, name))
        merged.insufficient = self.insufficient + other.insufficient
        merged.tokens = self.tokens + other.tokens
        merged.threshold = self.threshold if self.threshold is not None else other.threshold
        return merged

    def summary(self) -> dict[str, Any]:
        def level(labels: list[bool], scores: list[float], predicted: list[bool]) -> dict:
            at_threshold = metrics.binary_scores(labels, predicted)
            return {
                "items": len(labels),
                "positives": sum(labels),
                "roc_auc": metrics.roc_auc(labels, scores),
                "f1": at_threshold.f1,
                "precision": at_threshold.precision,
                "recall": at_threshold.recall,
                "fpr": at_threshold.fpr,
                "ece": metrics.expected_calibration_error(labels, scores),
                "mean_probability": _ratio(sum(scores), len(scores)),
            }

        return {
            "threshold": self.threshold,
            "document": level(self.doc_labels, self.doc_scores, self.doc_predicted),
            "paragraph": level(
                self.paragraph_labels, self.paragraph_scores, self.paragraph_predicted
            ),
            "insufficient_documents": self.insufficient,
            "tokens": self.tokens.summary(),
        }


def _check_clean(
    checker: Checker, corpus: Corpus, start: Callable[[str, int], Callable[[], None]]
) -> _Detection:
    detection = _Detection()
    advance = start(f"check clean {corpus.name}", len(corpus.documents))
    for _, text in corpus.documents:
        detection.add(checker(text), text, [])
        advance()
    return detection


# --- cost ----------------------------------------------------------------------------------------


def _cold_start_text(seed: int) -> str:
    """About 1,000 words of held-out public-domain text (a recent State of the Union address), spun
    with the phrase spinner so the restorer has work to do."""
    _, speech = next(iter(corpora.sotu_documents("heldout")))
    kept: list[str] = []
    count = 0
    for paragraph in speech.split("\n"):
        if count >= COLD_START_WORDS:
            break
        kept.append(paragraph)
        count += _words(paragraph)
    return spin("\n".join(kept), "phrase", CROSS_RATE, seed).spun


def _high_water_kb(pid: int) -> int:
    """A running process's peak resident memory so far, in kB (0 once it has exited)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0
    found = re.search(r"^VmHWM:\s+(\d+) kB", status, re.MULTILINE)
    return int(found[1]) if found else 0


def _cold_start(data_dir: Path | None, seed: int) -> dict[str, Any]:
    """``unspin restore`` as a fresh single-threaded process on a 1,000-word file, twice: the first
    run may read the data from disk, the second finds it in the page cache. Peak RSS is the
    child's own high-water mark (VmHWM), read while it runs: its rusage would not do, since Linux
    carries the forking bench process's peak over into the child's ``ru_maxrss``."""
    text = _cold_start_text(seed)
    environment = dict(os.environ, **dict.fromkeys(THREAD_VARIABLES, "1"))
    command = [sys.executable, "-m", "unspin", "restore", "--plain"]
    if data_dir is not None:
        command += ["--data-dir", str(data_dir)]
    runs = []
    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / "input.txt"
        path.write_text(text, encoding="utf-8")
        for _ in range(2):
            started = time.perf_counter()
            errors = Path(scratch) / "stderr.txt"
            with errors.open("wb") as stderr:  # a file, not a pipe: nothing can fill up and block
                child = subprocess.Popen(
                    [*command, str(path)], stdout=subprocess.DEVNULL, stderr=stderr, env=environment
                )
            peak_kb = 0
            while child.poll() is None:
                peak_kb = max(peak_kb, _high_water_kb(child.pid))
                time.sleep(0.005)
            seconds = time.perf_counter() - started
            if child.returncode != 0:
                lines = errors.read_text(errors="replace").strip().splitlines()
                reason = lines[-1:] or ["no output"]
                return {"status": "failed", "reason": reason[0], "command": "unspin restore"}
            runs.append({"seconds": round(seconds, 3), "rss_kb": peak_kb})
    return {
        "status": "ran",
        "words": _words(text),
        "threads": "1 (" + ", ".join(f"{v}=1" for v in THREAD_VARIABLES) + ")",
        "first_seconds": runs[0]["seconds"],
        "second_seconds": runs[1]["seconds"],
        "peak_rss_mb": round(max(run["rss_kb"] for run in runs) / 1024),
    }


# --- the run -------------------------------------------------------------------------------------


def run(
    suite: SuiteName = "quick",
    out_dir: Path = Path("bench/results"),
    restorer: Restorer | None = None,
    checker: Checker | None = None,
    data_dir: Path | None = None,
    seed: int = DEFAULT_SEED,
    cross_restorer: Restorer | None = None,
    progress: bool = True,
    restorer_name: str | None = None,
) -> dict[str, Any]:
    """Run a suite, write ``<date>-<suite>.md``, ``.json`` and ``.png`` into ``out_dir``, and
    return the results (what the JSON holds).

    Without ``restorer``, unspin's own (``unspin.load(data_dir)``) is measured, with its checker
    and, in the full suite, a copy of its data built without Moby for the cross condition. Passing
    a ``restorer`` (e.g. :func:`passthrough`) measures that instead; the cross condition then uses
    ``cross_restorer`` and is skipped without one, and detection runs only with a ``checker``.
    """
    if suite not in SUITES:
        raise ValueError(f"unknown suite {suite!r}; choose one of {', '.join(SUITES)}")
    config = SUITES[suite]
    started = time.perf_counter()
    commit = _git_commit()  # the code that runs, even if the tree is edited during a long run
    if restorer is None:
        tools = load_tools(data_dir, cross=config.cross)
    else:
        tools = Tools(
            restorer=restorer,
            checker=checker,
            name=restorer_name or getattr(restorer, "__name__", "custom"),
            cross_restorer=cross_restorer,
            cross_note="cross restorer given by the caller" if cross_restorer else "",
        )

    # First, while the data just loaded is surely current for this code: a long run in a tree
    # that is being edited could otherwise find its data stale by the end.
    if config.cold_start and tools.name == "unspin":
        _say("measuring cold start of `unspin restore`", progress)
        cold_start = _cold_start(tools.data_dir, seed)
    else:
        cold_start = {"status": "skipped", "reason": "only in the full suite, for unspin"}
    _say(f"{config.name} suite, restorer {tools.name}, seed {seed}: reading corpora", progress)
    held_out = _held_out(config, seed)
    clean, missing = _clean_corpora(config, seed)
    timer = _Timer()
    conditions: list[_Condition] = []
    detections: dict[tuple[str, str, float], _Detection] = {}
    clean_detection: dict[str, _Detection] = {}

    with _progress(progress) as start:
        for corpus in held_out:
            for spinner in SPINNERS:
                for rate in config.rates:
                    condition = _Condition(corpus.name, spinner, rate)
                    detection = _Detection()
                    advance = start(f"{corpus.name} {spinner} {rate:.2f}", len(corpus.documents))
                    for doc_id, text in corpus.documents:
                        spun = spin(text, spinner, rate, _doc_seed(seed, doc_id))
                        condition.add(spun, _restore(tools.restorer, spun.spun, timer))
                        if tools.checker is not None:
                            edits = [(e.spun_start, e.spun_end) for e in spun.edits]
                            detection.add(tools.checker(spun.spun), spun.spun, edits)
                        advance()
                    conditions.append(condition)
                    detections[(corpus.name, spinner, rate)] = detection

        cross = _run_cross(config, tools, held_out[0], seed, start)

        if tools.checker is not None:
            originals = [Corpus(f"{c.name} (originals)", c.documents) for c in held_out]
            for corpus in [*originals, *clean]:
                clean_detection[corpus.name] = _check_clean(tools.checker, corpus, start)

    cost: dict[str, Any] = {
        "restorer_words": timer.words,
        "restorer_wall_seconds": round(timer.wall, 2),
        "restorer_cpu_seconds": round(timer.cpu, 2),
        "words_per_second": round(timer.words / timer.wall) if timer.wall else None,
        "cpu_per_wall": round(timer.cpu / timer.wall, 2) if timer.wall else None,
        "how": "single process, documents restored one at a time; "
        + ", ".join(f"{v}={os.environ.get(v, 'unset')}" for v in THREAD_VARIABLES),
        "bench_peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }
    cost["cold_start"] = cold_start

    results = _results(
        config,
        tools,
        commit,
        seed,
        held_out,
        clean,
        missing,
        conditions,
        detections,
        clean_detection,
        cross,
        cost,
    )
    if config.name == "full" and tools.name == "unspin":  # tracing needs no restorer
        results["trace"] = trace_bench.run(seed, data_dir, say=lambda m: _say(m, progress))
    results["seconds"] = round(time.perf_counter() - started, 1)
    _write(results, Path(out_dir))
    return results


def _run_cross(
    config: SuiteConfig,
    tools: Tools,
    corpus: Corpus,
    seed: int,
    start: Callable[[str, int], Callable[[], None]],
) -> dict[str, Any]:
    """Phrase spinner drawing on Moby only, restored (a) by the full restorer and (b) by one whose
    dictionary lacks Moby: how much of the restorer's recall rests on sharing the spinner's list."""
    described = {
        "spinner": CROSS_SPINNER,
        "rate": CROSS_RATE,
        "spinner_sources": [s.name.lower() for s in CROSS_SOURCES],
        "restorer_sources": [s.name.lower() for s in CROSS_RESTORER_SOURCES],
        "corpus": corpus.name,
    }
    if not config.cross:
        return {**described, "status": "skipped", "reason": "not part of the quick suite"}
    if tools.cross_restorer is None:
        return {**described, "status": "skipped", "reason": "no restorer without Moby given"}
    matched = _Condition(corpus.name, CROSS_SPINNER, CROSS_RATE)
    crossed = _Condition(corpus.name, CROSS_SPINNER, CROSS_RATE)
    unused = _Timer()  # the cross condition does not count towards throughput
    advance = start(f"cross {corpus.name} {CROSS_SPINNER}/moby", len(corpus.documents))
    for doc_id, text in corpus.documents:
        spun = spin(text, CROSS_SPINNER, CROSS_RATE, _doc_seed(seed, doc_id), CROSS_SOURCES)
        matched.add(spun, _restore(tools.restorer, spun.spun, unused))
        crossed.add(spun, _restore(tools.cross_restorer, spun.spun, unused))
        advance()
    return {
        **described,
        "status": "ran",
        "note": tools.cross_note,
        "matched": matched.to_dict(),
        "cross": crossed.to_dict(),
    }


# --- results and report --------------------------------------------------------------------------


def _results(
    config: SuiteConfig,
    tools: Tools,
    commit: str,
    seed: int,
    held_out: list[Corpus],
    clean: list[Corpus],
    missing: list[str],
    conditions: list[_Condition],
    detections: dict[tuple[str, str, float], _Detection],
    clean_detection: dict[str, _Detection],
    cross: dict[str, Any],
    cost: dict[str, Any],
) -> dict[str, Any]:
    sizes = {c.name: {"docs": len(c.documents), "words": c.words} for c in held_out}
    signature = "|".join(
        [
            f"unspin-bench:{SIGNATURE_FORMAT}",
            f"restorer:{tools.name}",
            f"data:{tools.data_version}",
            f"commit:{commit}",
            f"suite:{config.name}",
            f"seed:{seed}",
            *(f"{name}:{size['docs']}docs/{size['words']}w" for name, size in sizes.items()),
            "rates:" + ",".join(f"{r:.2f}" for r in config.rates),
            f"version:{__version__}",
        ]
    )
    results: dict[str, Any] = {
        "signature": signature,
        "suite": config.name,
        "date": date.today().isoformat(),
        "seed": seed,
        "restorer": tools.name,
        "checker": tools.name if tools.checker is not None else None,
        "data_version": tools.data_version,
        "commit": commit,
        "unspin_version": __version__,
        "corpora": {
            "held_out": sizes,
            "clean": {
                c.name: {"docs": len(c.documents), "words": c.words, "note": c.note} for c in clean
            },
            "missing": missing,
        },
        "restoration": [c.to_dict() for c in conditions],
        "cross": cross,
        "cost": cost,
        "notes": list(tools.notes),
    }
    if tools.checker is None:
        results["detection"] = {"status": "skipped", "reason": "no checker"}
    else:
        clean_all = _Detection()
        for name, detection in clean_detection.items():
            if name.endswith("(originals)"):
                clean_all = clean_all + detection
        per_condition = []
        for (corpus, spinner, rate), detection in detections.items():
            negatives = clean_detection[f"{corpus} (originals)"]
            per_condition.append(
                {
                    "corpus": corpus,
                    "spinner": spinner,
                    "rate": rate,
                    **(detection + negatives).summary(),
                }
            )
        results["detection"] = {
            "status": "ran",
            "conditions": per_condition,
            "clean": {name: d.summary() for name, d in clean_detection.items()},
        }
    return results


def _fmt(value: Any, digits: int = 3) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return f"{value:,}" if isinstance(value, int) else str(value)


def _table(header: list[str], rows: list[list[Any]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(_fmt(cell) for cell in row) + " |" for row in rows]
    return lines


_RESTORATION_HEADER = [
    "spinner",
    "rate",
    "edits",
    "spun words",
    "edit recall",
    "change precision",
    "false-change rate",
    "WER before",
    "WER after",
    "token F1",
    "errors",
]


def _restoration_row(label: list[Any], condition: dict[str, Any], key: str) -> list[Any]:
    scores = condition[key]
    return [
        *label,
        scores["edits"],
        condition["spun_word_fraction"],
        scores["edit_recall"],
        scores["change_precision"],
        scores["false_change_rate"],
        scores["wer_before"],
        scores["wer_after"],
        scores["token_f1"],
        condition["errors"] if key == "restorer" else 0,
    ]


def markdown(results: dict[str, Any], plot_name: str | None = None) -> str:
    """The human-readable report: one table per corpus (spinner x rate), then the cross
    condition, detection, cost and the notes needed to read the numbers."""
    lines = [
        f"# unspin bench — {results['suite']} suite, {results['date']}",
        "",
        f"`{results['signature']}`",
        "",
        f"Restorer: **{results['restorer']}**; checker: **{results['checker'] or 'none'}**;"
        f" {results['seconds']} s. Every condition is also scored for a pass-through restorer"
        " (*baseline*): it restores nothing, so its edit recall is 0 and its WER after equals WER"
        " before. Rates are the fraction of tokens the spinner *could* substitute that it did.",
        "",
    ]
    by_corpus: dict[str, list[dict[str, Any]]] = {}
    for condition in results["restoration"]:
        by_corpus.setdefault(condition["corpus"], []).append(condition)
    for corpus, conditions in by_corpus.items():
        size = results["corpora"]["held_out"][corpus]
        lines += [f"## Restoration — {corpus} ({size['docs']} docs, {size['words']:,} words)", ""]
        rows = [
            _restoration_row([c["spinner"], f"{c['rate']:.2f}"], c, "restorer") for c in conditions
        ]
        if results["restorer"] != "passthrough":
            rows += [
                _restoration_row([f"{c['spinner']} (baseline)", f"{c['rate']:.2f}"], c, "baseline")
                for c in conditions
            ]
        lines += [*_table(_RESTORATION_HEADER, rows), ""]

    cross = results["cross"]
    lines += [
        "## Cross condition",
        "",
        f"{cross['spinner']} spinner drawing on {', '.join(cross['spinner_sources'])} only, rate"
        f" {cross['rate']:.2f}, on {cross['corpus']}. *Matched*: the restorer measured above, whose"
        f" dictionary includes the spinner's; *cross*: the same restorer with a dictionary of"
        f" {', '.join(cross['restorer_sources'])} only.",
        "",
    ]
    if cross["status"] == "ran":
        rate = f"{cross['rate']:.2f}"
        lines += _table(
            _RESTORATION_HEADER,
            [
                _restoration_row(["matched (with Moby)", rate], cross["matched"], "restorer"),
                _restoration_row(["cross (without Moby)", rate], cross["cross"], "restorer"),
                _restoration_row(["baseline", rate], cross["cross"], "baseline"),
            ],
        )
        lines += ["", f"_{cross['note']}_", ""]
    else:
        lines += [f"Skipped: {cross['reason']}.", ""]

    detection = results["detection"]
    lines += ["## Detection", ""]
    if detection["status"] == "ran":
        threshold = next((c["threshold"] for c in detection["conditions"]), None)
        lines += [
            f"Spun documents against the clean originals of the same corpus; F1, FPR at the"
            f" shipped threshold ({_fmt(threshold, 3)}); ECE over 10 bins.",
            "",
        ]
        header = [
            "corpus",
            "spinner",
            "rate",
            "doc AUC",
            "doc F1",
            "doc FPR",
            "doc ECE",
            "para AUC",
            "para F1",
            "para FPR",
            "token P",
            "token R",
            "token F1",
        ]
        rows = [
            [
                c["corpus"],
                c["spinner"],
                f"{c['rate']:.2f}",
                c["document"]["roc_auc"],
                c["document"]["f1"],
                c["document"]["fpr"],
                c["document"]["ece"],
                c["paragraph"]["roc_auc"],
                c["paragraph"]["f1"],
                c["paragraph"]["fpr"],
                c["tokens"]["precision"],
                c["tokens"]["recall"],
                c["tokens"]["f1"],
            ]
            for c in detection["conditions"]
        ]
        lines += [*_table(header, rows), "", "### Clean text (false positives)", ""]
        clean_notes = results["corpora"]["clean"]
        rows = [
            [
                name,
                d["document"]["items"],
                d["document"]["fpr"],
                d["paragraph"]["items"],
                d["paragraph"]["fpr"],
                d["document"]["mean_probability"],
                clean_notes.get(name, {}).get("note", ""),
            ]
            for name, d in detection["clean"].items()
        ]
        lines += _table(
            ["corpus", "docs", "doc FPR", "paragraphs", "para FPR", "mean p(spun)", "note"], rows
        )
        lines.append("")
    else:
        lines += [f"Skipped: {detection['reason']}.", ""]

    cost = results["cost"]
    lines += [
        "## Cost",
        "",
        f"- Throughput: {_fmt(cost['words_per_second'])} words/s over"
        f" {cost['restorer_words']:,} words ({cost['restorer_wall_seconds']} s wall,"
        f" {cost['restorer_cpu_seconds']} s CPU, CPU/wall {_fmt(cost['cpu_per_wall'], 2)});"
        f" {cost['how']}.",
    ]
    cold = cost["cold_start"]
    if cold["status"] == "ran":
        lines.append(
            f"- Cold start, `unspin restore` on {cold['words']:,} words as a new process, threads"
            f" {cold['threads']}: {cold['first_seconds']} s first run,"
            f" {cold['second_seconds']} s second; peak RSS {cold['peak_rss_mb']} MB."
        )
    else:
        lines.append(f"- Cold start: {cold['status']} ({cold['reason']}).")
    lines += [f"- Peak RSS of the bench process: {cost['bench_peak_rss_mb']} MB.", ""]

    if "trace" in results:
        lines += trace_bench.markdown(results["trace"])
    notes = [
        *results["notes"],
        *(f"Missing clean corpus — {m}" for m in results["corpora"]["missing"]),
        "Held-out corpora (BBC News 2004-05, Brown press A-C, SOTU 2017 on) are not in the"
        " language model's training text; BBC text is research-use only and is not stored here.",
        "Edit recall counts a spun span as restored only if the restored text equals the original"
        " there exactly (case included); change precision counts a change as right only if it is"
        " part of such a restoration.",
    ]
    lines += ["## Notes", "", *(f"- {n}" for n in notes), ""]
    if plot_name:
        lines += [f"![edit recall vs rate]({plot_name})", ""]
    return "\n".join(lines)


def plot(results: dict[str, Any], path: Path) -> None:
    """Edit recall against substitution rate, one line per spinner and corpus (PNG)."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot

    figure, axes = pyplot.subplots(figsize=(7, 4.5), dpi=120)
    styles = {"bbc": "-", "brown-press": "--"}
    colours = dict(zip(SPINNERS, ("tab:red", "tab:blue", "tab:green"), strict=True))
    for corpus, style in styles.items():
        for spinner in SPINNERS:
            points = [
                (c["rate"], c["restorer"]["edit_recall"])
                for c in results["restoration"]
                if c["corpus"] == corpus
                and c["spinner"] == spinner
                and c["restorer"]["edit_recall"] is not None
            ]
            if points:
                rates, recalls = zip(*points, strict=True)
                axes.plot(
                    rates,
                    recalls,
                    style,
                    marker="o",
                    color=colours[spinner],
                    label=f"{spinner} ({corpus})",
                )
    cross = results["cross"]
    if cross["status"] == "ran":
        for key, marker in (("matched", "^"), ("cross", "v")):
            recall = cross[key]["restorer"]["edit_recall"]
            if recall is not None:
                axes.plot(
                    [cross["rate"]],
                    [recall],
                    marker,
                    color="black",
                    linestyle="none",
                    label=f"{cross['spinner']}/moby, {key} restorer",
                )
    axes.axhline(0.0, color="grey", linestyle=":", label="pass-through baseline")
    axes.set_xlabel("substitution rate (fraction of eligible tokens)")
    axes.set_ylabel("edit recall")
    axes.set_ylim(-0.05, 1.05)
    axes.set_xlim(0.0, 0.6)
    axes.set_title(f"unspin bench, {results['suite']} suite, restorer {results['restorer']}")
    axes.grid(alpha=0.3)
    axes.legend(fontsize=7, loc="upper right")
    figure.text(0.01, 0.01, results["signature"], fontsize=5, color="grey")
    figure.tight_layout(rect=(0, 0.03, 1, 1))
    figure.savefig(path)
    pyplot.close(figure)


def _write(results: dict[str, Any], out_dir: Path) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = f"{results['date']}-{results['suite']}"
    files = {kind: out_dir / f"{stem}.{kind}" for kind in ("md", "json", "png")}
    results["files"] = {kind: str(path) for kind, path in files.items()}
    plot(results, files["png"])
    files["md"].write_text(markdown(results, files["png"].name), encoding="utf-8")
    files["json"].write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
