"""Calibration: fit weights (each class and each dev genre counts the same) and thresholds."""

from __future__ import annotations

import itertools
import math
import pickle

import numpy as np
import pytest

from unspin.bench.calibrate import (
    DETECTION_CONDITIONS,
    _fit_weights,
    _left_out_probabilities,
    _paragraph_threshold,
    decoded_variants,
    detection_rows,
    dev_genre,
    document_threshold,
    fit_logistic,
    tail_threshold,
)
from unspin.corpora import bbc_documents


def test_each_class_and_each_dev_genre_within_it_weighs_the_same() -> None:
    labels = np.array([0, 0, 0, 1, 1, 1, 1, 1, 1], dtype=float)
    genres = np.array(["bbc", "bbc", "sotu", "bbc", "bbc", "bbc", "bbc", "sotu", "sotu"])
    weights = _fit_weights(labels, genres)
    assert weights.mean() == pytest.approx(1.0)
    for value in (0.0, 1.0):
        in_class = labels == value
        assert weights[in_class].sum() == pytest.approx(len(labels) / 2)
        bbc, sotu = in_class & (genres == "bbc"), in_class & (genres == "sotu")
        assert weights[bbc].sum() == pytest.approx(weights[sotu].sum())


def test_dev_genres_are_read_off_real_ids() -> None:
    assert dev_genre("business/001") == "bbc"
    assert dev_genre("2010-Obama-1#3") == "sotu"
    assert dev_genre("ce17#2") == "brown-hobbies"
    assert dev_genre("ch01#0") == "brown-government"


def test_a_weighted_fit_equals_the_fit_on_repeated_rows() -> None:
    rng = np.random.default_rng(7)
    x = np.hstack([rng.normal(size=(40, 2)), np.ones((40, 1))])
    y = (x[:, 0] + rng.normal(scale=0.5, size=40) > 0).astype(float)
    twice = np.r_[np.ones(20) * 2, np.ones(20)]
    repeated = np.vstack([x, x[:20]]), np.r_[y, y[:20]]
    assert fit_logistic(x, y, sample_weights=twice) == pytest.approx(fit_logistic(*repeated))


def test_paragraph_threshold_is_where_the_clean_tail_puts_the_rate() -> None:
    # Only clean paragraphs of 60 words or more count, pooled over genres; the threshold is
    # their fitted tail at the rate, rounded up to hundredths.
    rng = np.random.default_rng(11)
    clean_scores = 1 / (1 + np.exp(-rng.normal(-3.0, 1.0, size=400)))
    data = {
        "par_condition": ["None/0.0/all"] * 400 + ["crude/0.15/all"] * 50 + ["None/0.0/all"] * 50,
        "par_words": [80] * 450 + [30] * 50,
        "par_genre": ["bbc", "sotu"] * 250,
    }
    probabilities = np.r_[clean_scores, np.full(50, 0.999), np.full(50, 0.999)]
    expected = math.ceil(tail_threshold(clean_scores, 0.0025) * 100) / 100
    assert _paragraph_threshold(probabilities, data, rate=0.0025) == expected
    assert 0.5 <= expected < 0.99
    # A stricter rate asks for a higher threshold.
    assert _paragraph_threshold(probabilities, data, rate=0.0005) >= expected


def test_left_out_probabilities_come_from_curves_that_never_saw_the_genre() -> None:
    # The document threshold must clear clean dev text as scored by a curve fitted without its
    # genre; relabelling a genre's own rows must not move its left-out probabilities.
    rng = np.random.default_rng(3)
    features = rng.normal(size=(60, 2))
    labels = (features[:, 0] > 0).astype(float)
    genres = np.array(["bbc", "sotu", "brown-hobbies"] * 20)
    data = {"full_doc": features.tolist()}
    before = _left_out_probabilities(data, labels, genres)
    relabelled = np.where(genres == "sotu", 1.0 - labels, labels)
    after = _left_out_probabilities(data, relabelled, genres)
    sotu = genres == "sotu"
    assert after[sotu] == pytest.approx(before[sotu])
    assert not np.allclose(after[~sotu], before[~sotu])


def test_decoded_documents_are_reused_only_while_nothing_they_depend_on_changed(
    unspinner, tmp_path, capsys
) -> None:
    documents = [next(iter(bbc_documents("dev")))]
    keep = tmp_path / "decoded.pkl"
    decoded = decoded_variants(unspinner, documents, 5, keep)
    assert len(decoded) == len(DETECTION_CONDITIONS)
    rows = detection_rows(decoded)
    for (spinner, _, alternate), label in zip(DETECTION_CONDITIONS, rows["doc"], strict=True):
        if not alternate:  # spinning every other paragraph may leave a short document clean
            assert label == (spinner is not None)
    # Read back, not decoded again: what the file holds is what comes back.
    kept = pickle.loads(keep.read_bytes())
    keep.write_bytes(pickle.dumps({**kept, "variants": decoded[:1]}))
    assert decoded_variants(unspinner, documents, 5, keep) == decoded[:1]
    # Another seed is decoded afresh, and so is a file that is no such thing.
    assert decoded_variants(unspinner, documents, 6, keep) != decoded[:1]
    keep.write_text("not a pickle")
    assert decoded_variants(unspinner, documents, 5, keep) == decoded
    assert "is not a file of decoded documents: decoding again" in capsys.readouterr().err


def test_the_short_text_fit_shrinks_towards_even_odds_only_as_far_as_it_helps(unspinner) -> None:
    # Snippets of real BBC articles, spun and clean, scored by the shipped curves unshrunk.
    from unspin.bench.calibrate import fit_short_texts
    from unspin.detect import CALIBRATION

    curves = {
        "fast_doc": CALIBRATION.fast_document.weights,
        "fast_par": CALIBRATION.fast_paragraph.weights,
        "full_doc": CALIBRATION.full_document.weights,
        "full_par": CALIBRATION.full_paragraph.weights,
    }
    documents = list(itertools.islice(bbc_documents("dev"), 6))
    report = fit_short_texts(unspinner, documents, 5, curves)
    assert report["snippets"] == 2 * 5 * 4  # every third document, five conditions, four lengths
    assert 0 < report["spun_share"] < 1
    for tier in ("fast", "full"):
        assert 0.0 <= report[tier]["power"] <= 6.0
        fitted, unshrunk = report[tier]["log_loss"]["fitted"], report[tier]["log_loss"]["unshrunk"]
        assert fitted <= unshrunk
    # Unshrunk means unshrunk, whatever powers are shipped: the raw curves are overconfident on
    # snippets, worse than even odds (0.69).
    assert report["full"]["log_loss"]["unshrunk"] > 0.69


def test_the_tail_threshold_extrapolates_an_exponential_tail() -> None:
    # Logits with an exponential upper tail of scale 1 exceed ln(1000) once in 1,000 documents.
    logits = np.random.default_rng(3).exponential(1.0, 50_000) - 2.0
    probabilities = 1 / (1 + np.exp(-logits))
    expected = 1 / (1 + math.exp(-(math.log(1000) - 2.0)))
    assert tail_threshold(probabilities, 0.001) == pytest.approx(expected, abs=0.002)
    # Stricter targets reach further out.
    assert tail_threshold(probabilities, 0.0001) > tail_threshold(probabilities, 0.001)


def test_the_document_threshold_rests_on_the_tail_not_on_one_document() -> None:
    logits = np.random.default_rng(5).exponential(1.0, 800) - 2.0
    scores = 1 / (1 + np.exp(-logits))
    threshold = document_threshold(scores)
    assert threshold == math.ceil(tail_threshold(scores, 0.001) * 1000) / 1000
    # One clean document far out (the highest-document rule would have followed it to 0.9999)
    # moves the threshold by little.
    outlier = np.append(scores, 0.9999)
    assert abs(document_threshold(outlier) - threshold) < 0.01
    # Never below even odds, never at certainty.
    assert document_threshold(np.full(800, 0.01) + np.linspace(0, 0.01, 800)) == 0.5
    assert document_threshold(np.full(800, 0.9999) + np.linspace(0, 1e-5, 800)) == 0.999
