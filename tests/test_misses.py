"""The error analysis sorts every missed edit into exactly one named cause."""

from __future__ import annotations

from unspin.bench.misses import _replaced_words, analyse
from unspin.bench.spinners import spin

CAUSES = {
    "right original on the path, below the threshold",
    "original pruned by the decoder: same-word filter",
    "original pruned by the decoder: prior margin",
    "original pruned by the decoder: ranked below the top 6",
    "original pruned by the decoder: ranked below the top 6 (within the top 12)",
    "original pruned by the decoder: local margin: its sentence window rules it out",
    "model prefers the surface",
    "model prefers another original",
    "search error (beam chose the surface)",
    "search error (beam chose another original)",
    "lexicon lacks the original for this surface",
    "lexicon lacks the surface",
    "overlaps another multiword choice",
}


def test_the_first_misses_are_sorted_into_known_causes(data_dir):
    result = analyse("crude", 0.35, misses=15)
    assert sum(result["causes"].values()) == 15
    assert set(result["causes"]) <= CAUSES
    assert result["edits"] == 15 + result["restored"]
    assert result["restored"] > 0  # crude spinning of function words is restored
    # One-word edits are their own terms: a term is restored exactly when its edit is.
    assert result["terms_restored"] == result["restored"]
    assert result["terms_restored"] <= result["terms_on_path"] <= result["terms"]
    assert result["terms"] == result["edits"] - 1  # the term of the last miss is left out


def test_tortured_terms_are_analysed_word_by_word():
    text = (
        "The search engine ranks web pages. Her mobile phone runs a neural network, and the"
        " data centre stores the training data."
    )
    spun = spin(text, "tortured", 1.0, seed=3)
    words = [edit for term in spun.edits for edit in _replaced_words(term)]
    assert len(words) > len(spun.edits)  # some term had more than one word replaced
    for edit in words:
        assert text[edit.orig_start : edit.orig_end] == edit.original
        assert spun.spun[edit.spun_start : edit.spun_end] == edit.substitute
        assert edit.original != edit.substitute
        assert " " not in edit.original


def test_a_tortured_term_counts_once_for_all_its_words(data_dir):
    result = analyse("tortured", 0.3, misses=10)
    assert result["terms"] < result["edits"]  # terms of two or three replaced words
    assert result["terms_restored"] <= result["terms_on_path"] <= result["terms"]


def test_misses_can_spin_from_another_thesaurus(data_dir):
    # The bench's cross condition: a phrase spinner drawing on Moby alone.
    result = analyse("phrase", 0.3, misses=10, sources=("moby",))
    assert sum(result["causes"].values()) == 10
    assert set(result["causes"]) <= CAUSES
