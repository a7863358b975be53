"""The dev-split settings comparison: its option parsing and one real measurement."""

from __future__ import annotations

import argparse

import pytest

from unspin.bench import devcheck
from unspin.bench.calibrate import dev_documents, fit_confidence
from unspin.engine import Restorer


def test_settings_are_parsed_in_their_own_type():
    assert devcheck.parse_setting("local_margin=2") == ("local_margin", 2.0)
    assert devcheck.parse_setting("beam=6") == ("beam", 6)


@pytest.mark.parametrize("bad", ["local_margn=2", "beam=", "beam=six", "kind_weights=1"])
def test_unknown_or_unusable_settings_are_refused(bad):
    with pytest.raises(argparse.ArgumentTypeError):
        devcheck.parse_setting(bad)


def test_conditions_read_spinner_and_rate():
    assert devcheck.parse_conditions("crude@0.35,clean@0") == [("crude", 0.35), ("clean", 0.0)]


def test_recall_and_false_changes_fall_as_the_threshold_rises(unspinner):
    documents = dev_documents()[60:62]
    row = devcheck.measure(unspinner.restorer, documents, "crude", 0.35)
    recalls = [at["edit_recall"] for at in row["at"].values()]
    false_changes = [at["false_change_rate"] for at in row["at"].values()]
    assert recalls[-1] > 0 and recalls == sorted(recalls, reverse=True) and recalls[0] <= 1
    assert false_changes == sorted(false_changes, reverse=True)
    clean = devcheck.measure(unspinner.restorer, documents, "clean", 0.0)
    assert all(at["edit_recall"] is None for at in clean["at"].values())


def test_training_shares_are_nested_and_near_their_size():
    ids = [f"sotu:{n}" for n in range(4000)]
    quarter = {i for i in ids if devcheck.in_share(i, 0.25)}
    half = {i for i in ids if devcheck.in_share(i, 0.5)}
    assert quarter < half
    assert 0.22 < len(quarter) / len(ids) < 0.28 and 0.47 < len(half) / len(ids) < 0.53
    assert all(devcheck.in_share(i, 1.0) for i in ids)


def test_a_language_model_on_a_share_of_the_text_is_built_and_decodes(data_dir, tmp_path):
    import unspin

    directory = devcheck.data_with_lm_share(0.02, tmp_path)
    small = unspin.load(directory)
    full = unspin.load(data_dir)
    tokens = small.restorer.lm.manifest["training_text"]["tokens"]
    assert 0 < tokens < full.restorer.lm.manifest["training_text"]["tokens"] / 20
    # Only the language model is new: the lexicon is the installed one.
    lexicon = "lexicon.surfaces.marisa"
    assert (directory / lexicon).read_bytes() == (data_dir / lexicon).read_bytes()
    row = devcheck.measure(small.restorer, dev_documents()[60:61], "crude", 0.35)
    assert row["at"][0.8]["edit_recall"] > 0


def test_a_refitted_confidence_model_ranks_right_changes_above_wrong_ones(unspinner):
    # devcheck --refit judges a decoder setting with a model fitted for it: the fit must come
    # from the restorer's own proposals and yield a usable threshold.
    blank = unspinner.restorer.with_settings(
        confidence_weights=Restorer.CONFIDENCE_TERMS * (0.0,), length_bonus=1.5
    )
    fit = fit_confidence(blank, dev_documents()[:2], seed=2009)
    assert len(fit.weights) == Restorer.CONFIDENCE_TERMS
    assert 0.5 <= fit.threshold < 1.0
    right, wrong = fit.confidences[fit.labels == 1], fit.confidences[fit.labels == 0]
    assert len(right) and len(wrong) and right.mean() > wrong.mean() + 0.2
    refitted = blank.with_settings(confidence_weights=tuple(fit.weights))
    row = devcheck.measure(refitted, dev_documents()[60:61], "crude", 0.35, thresholds=(0.6, 0.9))
    assert list(row["at"]) == [0.6, 0.9]
