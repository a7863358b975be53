"""The detection bench (``unspin bench --suite detect``): the targets of the detection issue.

Held-out text is cut into documents of at least 300 words (whole paragraphs), so that a clean
genre yields hundreds of documents and a false-positive rate can be bounded, not just observed.
Measured, for the shipped ``auto`` tier and for the ``fast`` screen alone:

- documents: recall of crude and phrase spinning (BBC test, Brown press) at each rate, and the
  false-positive rate on clean documents of every held-out genre, with its 95% upper bound;
- paragraphs of at least 60 words: F1 of spun against clean paragraphs, and their false-positive
  rate on every clean genre; and, in documents spun every other paragraph, whether paragraph
  verdicts find the spun ones (no target: the issue sets its targets on whole documents);
- tortured phrases in clean technical text (Brown learned, tortured spinner): token precision and
  recall of the flags;
- calibration: expected calibration error of the document probabilities over the whole mixture;
- speed: words per second of each tier on one core, single process.

No setting is fitted here: the curves and thresholds come from the dev split (see
:mod:`unspin.bench.calibrate`). BBC text is research-use only: results hold numbers, never text.
"""

from __future__ import annotations

import functools
import json
import os
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from operator import itemgetter
from pathlib import Path
from typing import Any

from unspin import __version__, corpora
from unspin.bench import metrics
from unspin.bench.spinners import spin
from unspin.bench.suite import (
    DEFAULT_SEED,
    THREAD_VARIABLES,
    _austen_documents,
    _Detection,
    _doc_seed,
    _fmt,
    _git_commit,
    _progress,
    _sample,
    _say,
    _table,
    _words,
)
from unspin.report import Verdict

DOCUMENT_WORDS = 300
PARAGRAPH_WORDS = 60
SPUN_DOCUMENTS = 300  # per held-out corpus and condition
DOCUMENT_CONDITIONS = (("crude", 0.15), ("phrase", 0.15), ("crude", 0.30), ("phrase", 0.30))
# Documents with every other paragraph spun: do paragraph verdicts find the spun paragraphs, or
# only follow their document's? Reported beside the targets, which are set on whole documents.
HALF_SPUN_CONDITIONS = (("crude", 0.30), ("phrase", 0.30))
TORTURED_RATES = (0.15, 0.30)
# Documents spun from one thesaurus only: Moby, whose associative substitutes (crops -> browses)
# the restorer trusts least, stands in for a spinner's own dictionary. The curves are fitted on
# WordNet and MyThes spinning (bench/calibrate.py); this shows what they make of the rest.
# Reported beside the targets, which the issue sets on the default spinners.
OTHER_DICTIONARY_CONDITIONS = (("crude", 0.30, "moby"), ("phrase", 0.30, "moby"))
TIERS = ("auto", "fast")
# Timed passes over the speed sample, whose median is reported. The full tier gets fewer, being
# slower. Its caches are warm by then either way: the bench has checked these clean documents
# already. One pass was too few: the same code timed at 15,900-23,000 words/s in three runs.
SPEED_PASSES = 7
FULL_SPEED_PASSES = 3

Checker = Callable[..., Verdict]


def chunks(documents: list[tuple[str, str]], words: int = DOCUMENT_WORDS) -> list[tuple[str, str]]:
    """Documents of at least ``words`` words, each a run of whole paragraphs of one source
    document; a short remainder joins the previous chunk, a short document is dropped."""
    found = []
    for doc_id, text in documents:
        lines = [line for line in text.split("\n") if line.strip()]
        pieces: list[list[str]] = []
        count = 0
        for line in lines:
            if not pieces or count >= words:
                pieces.append([])
                count = 0
            pieces[-1].append(line)
            count += _words(line)
        if count < words and len(pieces) > 1:
            last = pieces.pop()
            pieces[-1] += last
        found += [
            (f"{doc_id}#{n}", "\n".join(piece))
            for n, piece in enumerate(pieces)
            if _words("\n".join(piece)) >= words
        ]
    return found


def upper_bound(failures: int, trials: int, confidence: float = 0.95) -> float | None:
    """One-sided Clopper-Pearson upper bound of a rate seen ``failures`` times in ``trials``."""
    if not trials:
        return None
    if failures >= trials:
        return 1.0
    from scipy.stats import beta

    return float(beta.ppf(confidence, failures + 1, trials - failures))


@dataclass
class _Tally(_Detection):
    """Verdicts of one tier on one set of documents, with the words and CPU seconds it took and
    how often it ran the restorer; paragraphs count from :data:`PARAGRAPH_WORDS` words."""

    min_paragraph_words: int = PARAGRAPH_WORDS
    words: int = 0
    seconds: float = 0.0
    full_runs: int = 0

    def add(  # the tier's cost comes with each verdict
        self, verdict: Verdict, text: str, edits: list[tuple[int, int]], seconds: float
    ) -> None:
        super().add(verdict, text, edits)
        self.words += verdict.words
        self.seconds += seconds
        self.full_runs += verdict.tier == "full"

    def __add__(self, other: _Tally) -> _Tally:
        merged = super().__add__(other)
        merged.words = self.words + other.words
        merged.seconds = self.seconds + other.seconds
        merged.full_runs = self.full_runs + other.full_runs
        return merged

    def summary(self) -> dict[str, Any]:
        documents = metrics.binary_scores(self.doc_labels, self.doc_predicted)
        paragraphs = metrics.binary_scores(self.paragraph_labels, self.paragraph_predicted)
        false_docs = sum(
            p and not label for label, p in zip(self.doc_labels, self.doc_predicted, strict=True)
        )
        clean_docs = self.doc_labels.count(False)
        false_pars = sum(
            p and not label
            for label, p in zip(self.paragraph_labels, self.paragraph_predicted, strict=True)
        )
        clean_pars = self.paragraph_labels.count(False)
        return {
            "documents": len(self.doc_labels),
            "spun_documents": sum(self.doc_labels),
            "doc_recall": documents.recall,
            "doc_f1": documents.f1,
            "clean_documents": clean_docs,
            "false_documents": false_docs,
            "doc_fpr": documents.fpr,
            "doc_fpr_upper95": upper_bound(false_docs, clean_docs),
            "paragraphs": len(self.paragraph_labels),
            "spun_paragraphs": sum(self.paragraph_labels),
            "par_recall": paragraphs.recall,
            "par_precision": paragraphs.precision,
            "par_f1": paragraphs.f1,
            "clean_paragraphs": clean_pars,
            "false_paragraphs": false_pars,
            "par_fpr": paragraphs.fpr,
            "par_fpr_upper95": upper_bound(false_pars, clean_pars),
            "doc_ece": metrics.expected_calibration_error(self.doc_labels, self.doc_scores),
            "doc_reliability": metrics.reliability(self.doc_labels, self.doc_scores),
            "token_precision": self.tokens.precision,
            "token_recall": self.tokens.recall,
            "token_f1": self.tokens.f1,
            # Words flagged outside the spinner's edits: in clean text, every flag.
            "false_flags_per_1000_words": (
                round(1000 * self.tokens.fp / self.words, 2) if self.words else None
            ),
            "words": self.words,
            "words_per_second": round(self.words / self.seconds) if self.seconds else None,
            "full_runs": self.full_runs,
        }


def spin_every_other_paragraph(
    text: str, spinner: str, rate: float, seed: int
) -> tuple[str, list[tuple[int, int]]]:
    """``text`` with its second, fourth, ... paragraph spun, and the spun spans in the result.

    A document only partly spun is what tells whether paragraph verdicts look at the paragraph
    or only at its document. Paragraphs are the lines with words: BBC articles part theirs with
    blank lines, and counting those made every spun "paragraph" an empty one."""
    pieces, spans, offset, number = [], [], 0, 0
    for paragraph in text.split("\n"):
        if paragraph.strip():
            if number % 2:
                result = spin(paragraph, spinner, rate, seed + number)
                spans += [(offset + e.spun_start, offset + e.spun_end) for e in result.edits]
                paragraph = result.spun
            number += 1
        pieces.append(paragraph)
        offset += len(paragraph) + 1
    return "\n".join(pieces), spans


def _measure(
    checker: Checker,
    documents: list[tuple[str, str]],
    spinner: str | None,
    rate: float,
    seed: int,
    label: str,
    start: Callable[[str, int], Callable[[], None]],
    every_other_paragraph: bool = False,
    sources: tuple[str, ...] | None = None,
) -> dict[str, _Tally]:
    """Each tier's verdicts on ``documents``, spun as asked (``sources``: the thesauri the
    spinner draws on, default its own; not with ``every_other_paragraph``)."""
    tallies = {tier: _Tally() for tier in TIERS}
    advance = start(label, len(documents))
    for doc_id, text in documents:
        edits: list[tuple[int, int]] = []
        if spinner is not None and every_other_paragraph:
            text, edits = spin_every_other_paragraph(text, spinner, rate, _doc_seed(seed, doc_id))
        elif spinner is not None:
            result = spin(text, spinner, rate, _doc_seed(seed, doc_id), sources)
            text, edits = result.spun, [(e.spun_start, e.spun_end) for e in result.edits]
        for tier in TIERS:
            started = time.process_time()
            verdict = checker(text, tier=tier)
            tallies[tier].add(verdict, text, edits, time.process_time() - started)
        advance()
    return tallies


def _clean_genres(seed: int) -> dict[str, list[tuple[str, str]]]:
    """Every held-out clean genre, cut into documents of at least 300 words."""
    readers: dict[str, Callable[[], list[tuple[str, str]]]] = {
        "bbc": lambda: list(corpora.bbc_documents("test")),
        "brown-press": lambda: list(corpora.brown_documents(corpora.BROWN_PRESS)),
        "brown-fiction": lambda: list(corpora.brown_documents(["fiction"])),
        "brown-learned": lambda: list(corpora.brown_documents(["learned"])),
        "austen": _austen_documents,
        "sotu-heldout": lambda: list(corpora.sotu_documents("heldout")),
    }
    return {name: chunks(read()) for name, read in readers.items()}


def _screen_speed(unspinner, texts: list[str]) -> dict[str, Any]:
    """The screen's scan alone over all texts, as one bulk job (the table already loaded)."""
    words = sum(_words(text) for text in texts)
    started = time.process_time()
    for text in texts:
        unspinner.screen.scan(text)
    seconds = time.process_time() - started
    return {
        "words": words,
        "seconds": round(seconds, 2),
        "words_per_second": round(words / seconds),
    }


def _tier_speed(checker: Checker, texts: list[str], tier: str, passes: int) -> dict[str, Any]:
    """Words per second of one tier through the public ``check``, one document at a time.

    The median of several passes over the same texts: one pass of the ``fast`` tier takes well
    under a second, so a single one mostly measures what else the machine was doing then.
    """
    words = sum(_words(text) for text in texts)
    seconds = []
    for _ in range(passes):
        started = time.process_time()
        for text in texts:
            checker(text, tier=tier)
        seconds.append(time.process_time() - started)
    return {
        "words": words,
        "passes": passes,
        "seconds": [round(s, 6) for s in seconds],
        "words_per_second": round(words / statistics.median(seconds)),
    }


def run(
    out_dir: Path = Path("bench/results"),
    data_dir: Path | None = None,
    seed: int = DEFAULT_SEED,
    progress: bool = True,
    spun_documents: int = SPUN_DOCUMENTS,
    threshold: float | None = None,
    min_confidence: float | None = None,
) -> dict[str, Any]:
    """Run the detection bench and write ``<date>-detect.md`` and ``.json`` into ``out_dir``.

    ``threshold`` replaces the shipped thresholds, for documents and paragraphs alike (as
    ``check(threshold=...)`` does): another operating point of the same curves, e.g. to compare
    two calibrations at equal strictness. ``min_confidence`` flags words from that confidence
    instead of :data:`unspin.detect.FLAGGED` (as ``check(min_confidence=...)`` does)."""
    import unspin
    from unspin.detect import CALIBRATION, FLAGGED

    started = time.perf_counter()
    commit = _git_commit()
    model = unspin.load(data_dir)
    checker = functools.partial(model.check, threshold=threshold, min_confidence=min_confidence)
    thresholds = CALIBRATION.thresholds(threshold)
    _say(f"detect suite, seed {seed}: reading and cutting corpora", progress)
    clean = _clean_genres(seed)
    conditions: list[dict[str, Any]] = []
    clean_results: dict[str, dict[str, _Tally]] = {}
    half_spun: list[dict[str, Any]] = []
    other_dictionary: list[dict[str, Any]] = []
    everything = {tier: _Tally() for tier in TIERS}
    with _progress(progress) as start:
        for genre, documents in clean.items():
            tallies = _measure(checker, documents, None, 0.0, seed, f"clean {genre}", start)
            clean_results[genre] = tallies
            for tier in TIERS:
                everything[tier] = everything[tier] + tallies[tier]
        for corpus in ("bbc", "brown-press"):
            documents = _sample(clean[corpus], spun_documents, seed)
            for spinner, rate in DOCUMENT_CONDITIONS:
                label = f"{corpus} {spinner} {rate:.2f}"
                tallies = _measure(checker, documents, spinner, rate, seed, label, start)
                row = {"corpus": corpus, "spinner": spinner, "rate": rate}
                for tier in TIERS:
                    # Paragraph F1 and document F1 against the clean originals of the same corpus.
                    row[tier] = (tallies[tier] + clean_results[corpus][tier]).summary()
                    everything[tier] = everything[tier] + tallies[tier]
                conditions.append(row)
            for spinner, rate in HALF_SPUN_CONDITIONS:
                label = f"{corpus} {spinner} {rate:.2f} every other paragraph"
                tallies = _measure(
                    checker,
                    documents,
                    spinner,
                    rate,
                    seed,
                    label,
                    start,
                    every_other_paragraph=True,
                )
                half_spun.append(
                    {"corpus": corpus, "spinner": spinner, "rate": rate}
                    | {tier: tallies[tier].summary() for tier in TIERS}
                )
            for spinner, rate, source in OTHER_DICTIONARY_CONDITIONS:
                label = f"{corpus} {spinner} {rate:.2f} from {source} only"
                tallies = _measure(
                    checker, documents, spinner, rate, seed, label, start, sources=(source,)
                )
                other_dictionary.append(
                    {"corpus": corpus, "spinner": spinner, "rate": rate, "source": source}
                    | {tier: tallies[tier].summary() for tier in TIERS}
                )
        tortured = []
        documents = clean["brown-learned"]
        for rate in TORTURED_RATES:
            label = f"brown-learned tortured {rate:.2f}"
            tallies = _measure(checker, documents, "tortured", rate, seed, label, start)
            tortured.append(
                {"corpus": "brown-learned", "spinner": "tortured", "rate": rate}
                | {tier: tallies[tier].summary() for tier in TIERS}
            )
    texts = [text for documents in clean.values() for _, text in documents]
    # The restorer's speed on a mixed sample: clean documents and their phrase-spun versions.
    sample = _sample(clean["bbc"], 50, seed) + _sample(clean["brown-press"], 50, seed)
    mixed = [t for _, t in sample] + [
        spin(t, "phrase", 0.3, _doc_seed(seed, doc_id)).spun for doc_id, t in sample
    ]
    results: dict[str, Any] = {
        "suite": "detect",
        "date": date.today().isoformat(),
        "seed": seed,
        "commit": commit,
        "data_version": model.version,
        "unspin_version": __version__,
        "threshold": thresholds[0],
        "paragraph_threshold": thresholds[1],
        "threshold_source": "shipped" if threshold is None else "--threshold",
        "flag_confidence": FLAGGED if min_confidence is None else min_confidence,
        "clear": CALIBRATION.clear,
        "corpora": {
            name: {"documents": len(d), "words": sum(_words(t) for _, t in d)}
            for name, d in clean.items()
        },
        "conditions": conditions,
        "clean": {
            name: {tier: t[tier].summary() for tier in TIERS} for name, t in clean_results.items()
        },
        "half_spun": half_spun,
        "other_dictionary": other_dictionary,
        "tortured": tortured,
        "mixture": {tier: everything[tier].summary() for tier in TIERS},
        "screen_speed": _screen_speed(model, texts),
        "tier_speed": {
            tier: _tier_speed(checker, mixed, tier, passes)
            for tier, passes in (("fast", SPEED_PASSES), ("full", FULL_SPEED_PASSES))
        },
        "how": "single process, one document at a time, CPU time; "
        + ", ".join(f"{v}={os.environ.get(v, 'unset')}" for v in THREAD_VARIABLES),
    }
    results["signature"] = "|".join(
        [
            "unspin-bench-detect:1",
            f"data:{model.version}",
            f"commit:{commit}",
            f"seed:{seed}",
            f"threshold:{thresholds[0]:g}",
            f"paragraph_threshold:{thresholds[1]:g}",
            *([] if min_confidence is None else [f"flags_from:{min_confidence:.2f}"]),
            *(f"{n}:{c['documents']}docs" for n, c in results["corpora"].items()),
            f"version:{__version__}",
        ]
    )
    results["seconds"] = round(time.perf_counter() - started, 1)
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = out_dir / f"{results['date']}-detect"
    results["files"] = {"md": f"{stem}.md", "json": f"{stem}.json"}
    Path(f"{stem}.md").write_text(markdown(results), encoding="utf-8")
    Path(f"{stem}.json").write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    return results


def _bound(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:.2f}%"


def markdown(results: dict[str, Any]) -> str:
    """The detection tables, each target next to what was measured."""
    threshold = results["threshold"]
    lines = [
        f"# unspin bench — detection, {results['date']}",
        "",
        f"`{results['signature']}`",
        "",
        f"{results['seconds']} s. Threshold {threshold:g} (a text is *spun* at or above it;"
        f" a paragraph at {results['paragraph_threshold']:g});"
        f" the `auto` tier runs the restorer only where the screen's probability is at least"
        f" {results['clear']:.3f}. "
        + (
            "Both fitted on the dev split (`python -m unspin.bench.calibrate`), never on the text"
            " below."
            if results.get("threshold_source", "shipped") == "shipped"
            else "The thresholds were set with `--threshold`, not the shipped ones; the curves"
            " and the screen's cut are the shipped ones."
        )
        + f" Words are flagged from confidence {results.get('flag_confidence', 0.5):.2f}."
        + " Documents are runs of whole"
        f" paragraphs of at least {DOCUMENT_WORDS} words; paragraphs count from"
        f" {PARAGRAPH_WORDS} words. Upper bounds are one-sided 95% (Clopper-Pearson).",
        "",
        "## Spun documents and paragraphs",
        "",
        "Spun documents against the clean originals of the same corpus.",
        "",
    ]
    rows = []
    for c in results["conditions"]:
        for tier in TIERS:
            s = c[tier]
            rows.append(
                [
                    c["corpus"],
                    c["spinner"],
                    f"{c['rate']:.2f}",
                    tier,
                    s["spun_documents"],
                    s["doc_recall"],
                    s["doc_f1"],
                    s["spun_paragraphs"],
                    s["par_recall"],
                    s["par_precision"],
                    s["par_f1"],
                    s["token_precision"],
                    s["token_recall"],
                ]
            )
    header = [
        "corpus",
        "spinner",
        "rate",
        "tier",
        "spun docs",
        "doc recall",
        "doc F1",
        "spun paras",
        "para recall",
        "para precision",
        "para F1",
        "token P",
        "token R",
    ]
    lines += [*_table(header, rows), ""]
    lines += _half_spun_section(results.get("half_spun", []))
    lines += _other_dictionary_section(results.get("other_dictionary", []))
    lines += ["## Clean text (false positives)", ""]
    rows = []
    for name, by_tier in results["clean"].items():
        for tier in TIERS:
            s = by_tier[tier]
            rows.append(
                [
                    name,
                    tier,
                    s["clean_documents"],
                    f"{s['false_documents']}/{s['clean_documents']}",
                    _bound(s["doc_fpr_upper95"]),
                    s["clean_paragraphs"],
                    f"{s['false_paragraphs']}/{s['clean_paragraphs']}",
                    _bound(s["par_fpr_upper95"]),
                    _fmt(s["false_flags_per_1000_words"], 1),
                    s["full_runs"],
                ]
            )
    header = [
        "genre",
        "tier",
        "docs",
        "false docs",
        "doc FPR ≤ (95%)",
        "paras",
        "false paras",
        "para FPR ≤ (95%)",
        "flagged words / 1,000",
        "restorer runs",
    ]
    lines += [*_table(header, rows), "", "## Tortured phrases in clean technical text", ""]
    rows = [
        [
            t["corpus"],
            f"{t['rate']:.2f}",
            tier,
            t[tier]["token_precision"],
            t[tier]["token_recall"],
            t[tier]["token_f1"],
            t[tier]["doc_recall"],
        ]
        for t in results["tortured"]
        for tier in TIERS
    ]
    header = ["corpus", "rate", "tier", "token P", "token R", "token F1", "doc recall"]
    lines += [*_table(header, rows), "", "## Calibration and speed", ""]
    for tier in TIERS:
        s = results["mixture"][tier]
        lines.append(
            f"- `{tier}`: ECE {_fmt(s['doc_ece'])} over {s['documents']:,} documents (all"
            f" conditions and clean genres above); {_fmt(s['words_per_second'])} words/s"
            f" ({s['words']:,} words; restorer run on {s['full_runs']:,} documents)."
        )
    rows = [
        [f"{cell['low']:.1f}", cell["items"], cell["mean_p"], cell["observed"]]
        for cell in results["mixture"]["auto"]["doc_reliability"]
    ]
    lines += [
        "",
        "Where the `auto` tier's calibration error comes from (documents of the mixture by"
        " probability; ECE is the items-weighted mean gap between the last two columns):",
        "",
        *_table(["p from", "documents", "mean p", "share spun"], rows),
        "",
    ]
    speed = results["screen_speed"]
    for tier, measured in results["tier_speed"].items():
        lines.append(
            f"- `{tier}` tier alone through `check`: {measured['words_per_second']:,} words/s on"
            f" {measured['words']:,} words (100 clean BBC/Brown press documents and their"
            f" phrase-spun versions; median of {measured['passes']} passes)."
        )
    lines += [
        f"- Screen scan alone (the `fast` tier's look-ups, no verdict objects):"
        f" {speed['words_per_second']:,} words/s over {speed['words']:,} clean words.",
        f"- {results['how']}.",
        "",
        "## Targets (shipped `auto` tier unless named)",
        "",
        *(f"- {'**met**' if met else 'not met'}: {text}" for met, text in targets(results)),
        "",
    ]
    return "\n".join(lines)


def _per_tier_section(
    title: str,
    intro: str,
    conditions: list[dict[str, Any]],
    labels: Sequence[tuple[str, Callable[[dict[str, Any]], Any]]],
    measures: Sequence[tuple[str, Callable[[dict[str, Any]], Any]]],
) -> list[str]:
    """A table with a row for each condition and tier: the condition's ``labels``, the tier,
    then the ``measures`` read off that tier's summary. Nothing when there are no conditions."""
    if not conditions:
        return []
    header = [name for name, _ in labels] + ["tier"] + [name for name, _ in measures]
    rows = [
        [read(c) for _, read in labels] + [tier] + [read(c[tier]) for _, read in measures]
        for c in conditions
        for tier in TIERS
    ]
    return [f"## {title}", "", intro, "", *_table(header, rows), ""]


_CONDITION_LABELS: tuple[tuple[str, Callable[[dict[str, Any]], Any]], ...] = (
    ("corpus", itemgetter("corpus")),
    ("spinner", itemgetter("spinner")),
    ("rate", lambda c: f"{c['rate']:.2f}"),
)


def _half_spun_section(half_spun: list[dict[str, Any]]) -> list[str]:
    """The paragraph verdicts inside documents spun every other paragraph."""
    return _per_tier_section(
        "Half-spun documents",
        "The same documents with only their second, fourth, ... paragraphs spun: do paragraph"
        " verdicts point at the spun paragraphs, or only follow their document? The clean"
        " paragraphs counted here are the unspun ones of these documents.",
        half_spun,
        _CONDITION_LABELS,
        (
            ("docs", itemgetter("documents")),
            ("doc recall", itemgetter("doc_recall")),
            ("spun paras", itemgetter("spun_paragraphs")),
            ("para recall", itemgetter("par_recall")),
            (
                "clean paras called spun",
                lambda t: f"{t['false_paragraphs']}/{t['clean_paragraphs']}",
            ),
            ("para precision", itemgetter("par_precision")),
            ("para F1", itemgetter("par_f1")),
        ),
    )


def _other_dictionary_section(other: list[dict[str, Any]]) -> list[str]:
    """Verdicts on documents spun from a thesaurus the curves were not fitted on."""
    return _per_tier_section(
        "Spinning from another dictionary",
        "The same documents spun from one thesaurus only, not the mix the detector's curves were"
        " fitted on: a stand-in for a real spinner's own dictionary.",
        other,
        (*_CONDITION_LABELS, ("thesaurus", itemgetter("source"))),
        (
            ("docs", itemgetter("documents")),
            ("doc recall", itemgetter("doc_recall")),
            ("spun paras", itemgetter("spun_paragraphs")),
            ("para recall", itemgetter("par_recall")),
            ("token P", itemgetter("token_precision")),
            ("token R", itemgetter("token_recall")),
        ),
    )


def targets(results: dict[str, Any]) -> list[tuple[bool, str]]:
    """The detection issue's targets, each with what was measured and whether it is met."""
    low = [c for c in results["conditions"] if c["rate"] == 0.15]
    recalls = ", ".join(
        f"{c['corpus']} {c['spinner']} {_fmt(c['auto']['doc_recall'])}" for c in low
    )
    f1s = ", ".join(f"{c['corpus']} {c['spinner']} {_fmt(c['auto']['par_f1'])}" for c in low)
    clean = results["clean"]
    doc_fp = ", ".join(
        f"{g} {t['auto']['false_documents']}/{t['auto']['clean_documents']}"
        for g, t in clean.items()
    )
    par_fp = ", ".join(
        f"{g} {t['auto']['false_paragraphs']}/{t['auto']['clean_paragraphs']}"
        for g, t in clean.items()
    )
    tortured = ", ".join(
        f"rate {t['rate']:.2f}: P {_fmt(t['auto']['token_precision'])}"
        f" R {_fmt(t['auto']['token_recall'])}"
        for t in results["tortured"]
    )
    ece = results["mixture"]["auto"]["doc_ece"]
    fast = results["tier_speed"]["fast"]["words_per_second"]
    full = results["tier_speed"]["full"]["words_per_second"]
    return [
        (
            all(c["auto"]["doc_recall"] >= 0.99 for c in low),
            f"documents >= {DOCUMENT_WORDS} words, recall >= 0.99 at rate 0.15: {recalls}.",
        ),
        (
            all(t["auto"]["doc_fpr"] <= 0.001 for t in clean.values()),
            f"documents, false-positive rate <= 0.1% in every clean genre: {doc_fp} (95% upper"
            " bounds in the table; a genre needs about 3,000 clean documents for a bound of 0.1%).",
        ),
        (
            all(c["auto"]["par_f1"] >= 0.97 for c in low),
            f"paragraphs >= {PARAGRAPH_WORDS} words, F1 >= 0.97 at rate 0.15: {f1s}.",
        ),
        (
            all(t["auto"]["par_fpr"] <= 0.005 for t in clean.values()),
            f"paragraphs, false-positive rate <= 0.5% in every clean genre: {par_fp}.",
        ),
        (
            all(
                t["auto"]["token_precision"] >= 0.9 and t["auto"]["token_recall"] >= 0.9
                for t in results["tortured"]
            ),
            f"tortured phrases in Brown learned, token precision and recall >= 0.9: {tortured}.",
        ),
        (ece <= 0.03, f"expected calibration error <= 0.03 on the mixture: {_fmt(ece)}."),
        (fast >= 200_000, f"`fast` >= 200,000 words/s on one core: {fast:,}."),
        (full >= 20_000, f"`full` >= 20,000 words/s on one core: {full:,}."),
    ]
