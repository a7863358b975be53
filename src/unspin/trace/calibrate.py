"""Fit the verifier's logistic model on simulated copies of text the bench never evaluates on.

Positives: spun copies (crude and phrase spinners at several rates, and a Moby-only phrase
spinner as in the bench's cross condition) of BBC *dev* articles and State of the Union passages
from the training years, aligned with their source. Negatives: everything else the index
nominates for those copies, and the candidates nominated for never-indexed BBC dev articles and
passages, i.e. near-topic texts that are not copies. Classes are weighted equally, so a score of
0.5 is the line between them.

    python -m unspin.trace.calibrate      # rewrites src/unspin/trace/calibration.json
"""

from __future__ import annotations

import random
import tempfile
from pathlib import Path

import numpy as np

from unspin import corpora
from unspin.trace.align import FEATURES, Model, align
from unspin.trace.corpus import chunks
from unspin.trace.index import Index

SEED = 7
NOMINATED = 10
CONDITIONS = (
    ("crude", 0.2, None),
    ("crude", 0.35, None),
    ("crude", 0.5, None),
    ("phrase", 0.2, None),
    ("phrase", 0.3, None),
    ("phrase", 0.45, None),
    ("phrase", 0.3, ("moby",)),
)


def fit_logistic(x: np.ndarray, y: np.ndarray, l2: float = 1e-2, steps: int = 50) -> np.ndarray:
    """Class-balanced logistic regression by Newton's method; returns bias then weights."""
    design = np.hstack([np.ones((len(x), 1)), x])
    weight = np.where(y == 1, 0.5 / y.mean(), 0.5 / (1 - y.mean()))
    beta = np.zeros(design.shape[1])
    for _ in range(steps):
        p = 1 / (1 + np.exp(-design @ beta))
        gradient = design.T @ (weight * (p - y)) + l2 * beta
        hessian = (design * (weight * p * (1 - p))[:, None]).T @ design + l2 * np.eye(len(beta))
        beta -= np.linalg.solve(hessian, gradient)
    return beta


def examples(index: Index, queries: list[tuple[str | None, str]]) -> tuple[list, list]:
    """Feature vectors and labels: each query against every candidate the index nominates."""
    features, labels = [], []
    fingerprinter = index.fingerprinter
    for source_id, text in queries:
        tokens, hashes = fingerprinter.fingerprint(text)
        for doc_id, candidate, _ in index.candidates(hashes, NOMINATED):
            features.append(align(tokens, fingerprinter.tokens(candidate)).vector())
            labels.append(int(doc_id == source_id))
    return features, labels


def main(sources: int = 200, held_out: int = 200) -> Model:
    from unspin.bench.spinners import spin

    rng = random.Random(SEED)
    bbc = list(corpora.bbc_documents("dev"))
    passages = [
        (f"{doc_id}#{n}", chunk)
        for doc_id, body in corpora.sotu_documents("train")
        for n, chunk in enumerate(chunks(body))
    ]
    brown = [
        (f"{doc_id}#{n}", chunk)
        for doc_id, body in corpora.brown_documents(exclude=corpora.BROWN_PRESS)
        for n, chunk in enumerate(chunks(body))
    ]
    rng.shuffle(bbc)
    rng.shuffle(passages)
    outside = bbc[: held_out // 2] + passages[: held_out // 2]
    indexed = bbc[held_out // 2 :] + passages[held_out // 2 :] + brown
    with tempfile.TemporaryDirectory() as tmp:
        index = Index(Path(tmp) / "calibration.db")
        index.add_many(indexed)
        originals = rng.sample(bbc[held_out // 2 :], sources // 2) + rng.sample(
            passages[held_out // 2 :], sources // 2
        )
        queries: list[tuple[str | None, str]] = []
        for doc_id, text in originals:
            spinner, rate, thesauri = rng.choice(CONDITIONS)
            spun = spin(text, spinner, rate, rng.randrange(1 << 30), thesauri)
            queries.append((doc_id, spun.spun))
        queries += [(None, text) for _, text in outside]
        features, labels = examples(index, queries)
        index.close()
    x, y = np.array(features), np.array(labels)
    beta = fit_logistic(x, y)
    fitted = Model(
        tuple(round(float(b), 4) for b in beta[1:]),
        round(float(beta[0]), 4),
        {
            "features": list(FEATURES),
            "positives": int(y.sum()),
            "negatives": int(len(y) - y.sum()),
            "text": "BBC dev split, SOTU before 2009, Brown minus press (never evaluation text)",
            "conditions": [f"{s} {r}{' ' + '+'.join(t) if t else ''}" for s, r, t in CONDITIONS],
            "seed": SEED,
            "command": "python -m unspin.trace.calibrate",
        },
    )
    fitted.save()
    p = 1 / (1 + np.exp(-(beta[0] + x @ beta[1:])))
    print(
        f"positives {int(y.sum())}, negatives {len(y) - int(y.sum())}; on the fitting set:"
        f" positives below 0.5: {int(((p < 0.5) & (y == 1)).sum())}, negatives at or above 0.5:"
        f" {int(((p >= 0.5) & (y == 0)).sum())}; highest negative {p[y == 0].max():.3f},"
        f" lowest positive {p[y == 1].min():.3f}"
    )
    return fitted


if __name__ == "__main__":
    main()
