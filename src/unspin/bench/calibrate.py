"""Fit the restorer's confidence model on simulated spinning of the dev split.

The dev split (a fifth of BBC News by document, and the State of the Union addresses 2009-2016)
is neither in the language model nor in any evaluation set (the bench reports on the BBC test
split), so settings fitted here are honest on the bench. Each change the decoder
proposes is labelled right when it puts back exactly the word the spinner replaced, and a
logistic regression maps its features (``Restorer.FEATURES``) to that label. Clean documents are
decoded too: all their changes are wrong, which is what teaches the model restraint.

Run ``python -m unspin.bench.calibrate`` and copy the printed weights into
``engine.Settings.confidence_weights``; the output also gives the threshold that keeps false
changes on untouched words at or below the target.
"""

from __future__ import annotations

import argparse
import json
import math
from collections.abc import Iterator

import numpy as np

import unspin
from unspin.bench.spinners import spin
from unspin.corpora import bbc_documents, sotu_documents
from unspin.engine import Restorer


def dev_documents() -> list[tuple[str, str]]:
    """BBC dev articles and dev addresses, two articles to one address chunk, so that any prefix
    of the list mixes news with speech."""
    news = list(bbc_documents("dev"))
    speech = list(_speech_chunks())
    mixed = []
    for index, article in enumerate(news):
        mixed.append(article)
        if index % 2 == 1 and speech:
            mixed.append(speech.pop(0))
    return mixed + speech


def _speech_chunks(words_per_document: int = 400) -> Iterator[tuple[str, str]]:
    """Dev addresses cut into news-article-sized documents of whole paragraphs."""
    for file_id, text in sotu_documents("dev"):
        chunk: list[str] = []
        count = part = 0
        for paragraph in text.split("\n"):
            if not paragraph.strip():
                continue
            chunk.append(paragraph)
            count += len(paragraph.split())
            if count >= words_per_document:
                yield f"{file_id}#{part}", "\n".join(chunk)
                chunk, count, part = [], 0, part + 1


def labelled_changes(
    restorer: Restorer, documents: list[tuple[str, str]], seed: int
) -> tuple[np.ndarray, np.ndarray, int]:
    """Features and right/wrong labels of every proposed change, and the untouched word count."""
    rows, labels = [], []
    untouched = 0
    conditions = [(None, 0.0)] + [
        (spinner, rate) for spinner in ("crude", "phrase") for rate in (0.15, 0.3, 0.45)
    ]
    for number, (_, text) in enumerate(documents):
        for spinner, rate in conditions:
            if spinner is None:
                spun, edits = text, {}
            else:
                result = spin(text, spinner, rate, seed + number)
                spun = result.spun
                edits = {(e.spun_start, e.spun_end): e.original for e in result.edits}
            untouched += len(spun.split()) - len(edits)
            for change, features in restorer.decode(spun):
                original = edits.get((change.start, change.end))
                rows.append(features)
                right = original is not None and original.lower() == change.suggestion.lower()
                labels.append(right)
    return np.array(rows, dtype=float), np.array(labels, dtype=float), untouched


def fit_logistic(x: np.ndarray, y: np.ndarray, l2: float = 1e-2, steps: int = 50) -> np.ndarray:
    """Newton's method on the L2-regularised log loss (features already include a bias)."""
    weights = np.zeros(x.shape[1])
    for _ in range(steps):
        p = 1.0 / (1.0 + np.exp(-np.clip(x @ weights, -50, 50)))
        gradient = x.T @ (p - y) + l2 * weights
        hessian = (x * (p * (1 - p))[:, None]).T @ x + l2 * np.eye(x.shape[1])
        step = np.linalg.solve(hessian, gradient)
        weights -= step
        if np.abs(step).max() < 1e-8:
            break
    return weights


def fit_detection(
    restorer: Restorer, documents: list[tuple[str, str]], seed: int
) -> dict[str, list[float]]:
    """Weights of detect.Calibration: a logistic on the evidence of clean and spun (crude and
    phrase at rate 0.15, phrase at 0.3) versions of each document and of its first paragraph of
    at least 60 words, so one curve serves documents and paragraphs."""
    from unspin.detect import Calibration, evidence

    rows, labels = [], []
    for number, (_, text) in enumerate(documents):
        paragraph = next((p for p in text.split("\n") if len(p.split()) >= 60), "")
        for spinner, rate in ((None, 0.0), ("crude", 0.15), ("phrase", 0.15), ("phrase", 0.3)):
            for piece in (text, paragraph) if paragraph else (text,):
                spun = piece if spinner is None else spin(piece, spinner, rate, seed + number).spun
                rows.append(Calibration.features(evidence(restorer, spun)))
                labels.append(spinner is not None)
    weights = fit_logistic(np.array(rows), np.array(labels, dtype=float), l2=1e-3)
    return {"weights": np.round(weights, 4).tolist()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--documents", type=int, default=60)
    parser.add_argument("--seed", type=int, default=2009)
    parser.add_argument("--target-false-change-rate", type=float, default=0.005)
    args = parser.parse_args()

    restorer = unspin.load().restorer
    documents = dev_documents()[: args.documents]
    x, y, untouched = labelled_changes(restorer, documents, args.seed)
    weights = fit_logistic(x, y)
    confidence = 1.0 / (1.0 + np.exp(-(x @ weights)))
    # Smallest threshold whose wrong changes stay within the target share of untouched words.
    threshold = 0.5
    for candidate in np.arange(0.5, 1.0, 0.01):
        wrong = int(((confidence >= candidate) & (y == 0)).sum())
        if wrong <= args.target_false_change_rate * untouched:
            threshold = round(float(candidate), 2)
            break
    kept = confidence >= threshold
    report = {
        "documents": len(documents),
        "changes": len(y),
        "right": int(y.sum()),
        "untouched_words": untouched,
        "weights": dict(zip(Restorer.FEATURES, np.round(weights, 4).tolist(), strict=True)),
        "min_confidence": threshold,
        "at_threshold": {
            "precision": float(y[kept].mean()) if kept.any() else math.nan,
            "restored_share_of_right": float(y[kept].sum() / max(y.sum(), 1)),
            "wrong": int((kept & (y == 0)).sum()),
        },
    }
    # Detection is fitted on other dev documents than the confidence model.
    detection_documents = dev_documents()[args.documents : 3 * args.documents]
    report["detection"] = fit_detection(restorer, detection_documents, args.seed)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
