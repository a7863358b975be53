"""Detection on held-out text: clean stays clean, spun is called spun, short is insufficient."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from unspin.bench.austen import austen_documents
from unspin.bench.spinners import spin
from unspin.corpora import BROWN_PRESS, bbc_documents, brown_documents, sotu_documents
from unspin.detect import Calibration, Evidence

GENRES = {
    "bbc": lambda: bbc_documents("test"),
    "brown-press": lambda: brown_documents(BROWN_PRESS),
    "sotu-heldout": lambda: sotu_documents("heldout"),
    "austen": austen_documents,
}


def first_document(genre: str) -> str:
    return next(iter(GENRES[genre]()))[1]


@pytest.mark.parametrize("genre", sorted(GENRES))
def test_clean_text_of_each_genre_is_clean(unspinner, genre):
    verdict = unspinner.check(first_document(genre))
    assert verdict.verdict == "clean", verdict.spun_probability
    assert verdict.words >= 300


@pytest.mark.parametrize("spinner", ["crude", "phrase"])
def test_spun_text_is_spun_with_flags_on_the_edits(unspinner, spinner):
    result = spin(first_document("bbc"), spinner, 0.3, seed=11)
    verdict = unspinner.check(result.spun)
    assert verdict.verdict == "spun"
    assert verdict.flags
    edits = [(e.spun_start, e.spun_end) for e in result.edits]
    on_edits = 0
    for flag in verdict.flags:
        assert result.spun[flag.start : flag.end] == flag.found
        on_edits += any(start < flag.end and flag.start < end for start, end in edits)
    assert on_edits / len(verdict.flags) > 0.6


def test_twenty_words_are_insufficient(unspinner):
    text = " ".join(first_document("bbc").split()[:20])
    verdict = unspinner.check(text)
    assert verdict.verdict == "insufficient"
    assert all(p.verdict == "insufficient" for p in verdict.paragraphs)


def test_paragraph_verdicts_cover_the_paragraphs(unspinner):
    original = first_document("bbc")
    spun = spin(original, "crude", 0.3, seed=3).spun
    text = original + "\n" + spun
    verdict = unspinner.check(text)
    assert len(verdict.paragraphs) == sum(1 for line in text.split("\n") if line.strip())
    long_spun = [p for p in verdict.paragraphs if p.start > len(original) and p.words >= 60]
    assert long_spun and all(p.verdict == "spun" for p in long_spun)


def test_probability_grows_with_evidence():
    calibration = Calibration()
    low = calibration.probability(Evidence(500, 0.005, 0.0))
    high = calibration.probability(Evidence(500, 0.06, 0.02))
    assert 0.0 <= low < calibration.threshold < high <= 1.0


def test_check_exit_code_is_one_for_spun_text(data_dir, tmp_path):
    path = tmp_path / "spun.txt"
    path.write_text(spin(first_document("bbc"), "crude", 0.3, seed=5).spun)
    result = subprocess.run(
        [sys.executable, "-m", "unspin", "check", str(path), "--json"],
        capture_output=True,
        text=True,
        env={**os.environ, "UNSPIN_DATA": str(data_dir)},
        check=False,
    )
    assert result.returncode == 1, result.stderr
    assert json.loads(result.stdout)["verdict"] == "spun"
