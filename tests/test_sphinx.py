"""Reading the CMU Sphinx trigram that the pocketsphinx wheel ships (the real 27 MB file)."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest

from unspin import resources, sphinx


@pytest.fixture(scope="module")
def model() -> sphinx.Trigram:
    return sphinx.read(resources.sphinx_lm_file())


def test_counts_follow_the_trie_not_the_header(model: sphinx.Trigram) -> None:
    # The header claims 2,051,547 bigrams; the trie's pointers hold six fewer.
    assert len(model.words) == 72_547
    assert len(model.bigram_prob) == 2_051_541
    assert len(model.trigram_prob) == 1_669_625


def test_scores_are_log10_probabilities(model: sphinx.Trigram) -> None:
    for scores in (model.unigram_prob, model.bigram_prob, model.trigram_prob):
        assert np.isfinite(scores).all()
        assert scores.max() <= 0.0
    index = {word: i for i, word in enumerate(model.words)}
    # "the" is among the commonest words: about 5% of running text.
    assert -1.6 < model.unigram_prob[index["the"]] < -1.1
    assert model.unigram_prob[index["the"]] > model.unigram_prob[index["aachen"]]


def _bigram(model: sphinx.Trigram, first: str, second: str) -> float:
    index = {word: i for i, word in enumerate(model.words)}
    found = np.flatnonzero(
        (model.bigram_first == index[first]) & (model.bigram_last == index[second])
    )
    assert len(found) == 1, f"{first} {second}"
    return float(model.bigram_prob[found[0]])


def test_bigrams_read_in_the_right_order(model: sphinx.Trigram) -> None:
    # P(house | white) is high; the reversed pair is not a phrase.
    assert _bigram(model, "white", "house") > -1.0
    assert _bigram(model, "white", "house") > _bigram(model, "the", "house")


def test_arpa_text_lists_every_ngram(model: sphinx.Trigram) -> None:
    # A slice of the real model: its first three trigrams and the bigrams they extend.
    bigrams = int(model.trigram_bigram[2]) + 1
    small = sphinx.Trigram(
        words=model.words,
        unigram_prob=model.unigram_prob,
        unigram_backoff=model.unigram_backoff,
        **{
            name: getattr(model, name)[:bigrams]
            for name in ("bigram_last", "bigram_first", "bigram_prob", "bigram_backoff")
        },
        **{
            name: getattr(model, name)[:3]
            for name in ("trigram_bigram", "trigram_first", "trigram_prob")
        },
    )
    sink = io.StringIO()
    counts = sphinx.write_arpa(small, sink)
    arpa = sink.getvalue()
    assert counts == {"1": 72_547, "2": bigrams, "3": 3}
    assert arpa.startswith(f"\\data\\\nngram 1=72547\nngram 2={bigrams}\nngram 3=3\n")
    assert arpa.endswith("\\end\\\n")
    sections = arpa.split("\n\n")
    assert [len(section.splitlines()) - 1 for section in sections[1:4]] == [72_547, bigrams, 3]
    assert "-99.0000\t<s>\t" in arpa
    # Each trigram ends with the bigram it extends.
    for line in sections[3].splitlines()[1:]:
        _, ngram = line.split("\t")
        assert " ".join(ngram.split()[1:]) in sections[2]


def test_other_files_are_refused(tmp_path: Path) -> None:
    bogus = tmp_path / "lm.bin"
    bogus.write_bytes(b"Darpa Trigram LM" + bytes(64))
    with pytest.raises(sphinx.FormatError, match="not a Sphinx binary trie"):
        sphinx.read(bogus)


def test_truncated_files_are_refused(tmp_path: Path) -> None:
    truncated = tmp_path / "en-us.lm.bin"
    truncated.write_bytes(resources.sphinx_lm_file().read_bytes()[:1_000_000])
    with pytest.raises(sphinx.FormatError, match="sizes do not add up"):
        sphinx.read(truncated)
