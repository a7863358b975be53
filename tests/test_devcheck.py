"""The dev-split settings comparison: its option parsing and one real measurement."""

from __future__ import annotations

import argparse

import pytest

from unspin.bench import devcheck
from unspin.bench.calibrate import dev_documents


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
