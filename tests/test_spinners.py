"""The simulated spinners on real thesauri: deterministic, exact edit maps, each family's habits."""

from __future__ import annotations

import json
import re
from collections import Counter

import lemminflect
import pytest
import typer
from typer.testing import CliRunner

from unspin.bench import spinners
from unspin.bench.spinners import FUNCTION_WORDS, Edit, apply_edits, spin, thesaurus

TEXT = (
    "The government said on Tuesday that the new search engine would change how people find"
    " information. In a statement, officials added that mobile phone users in rural areas have"
    " been waiting for faster service for several years.\n\n"
    "He told reporters at the White House that the deep learning system was tested by the"
    " National Security Council, and that it changed the way analysts worked as early as 2019."
)


def check_map(result: spinners.SpinResult) -> None:
    assert apply_edits(result.original, result.edits) == result.spun
    previous_end = 0
    for edit in result.edits:
        assert edit.orig_start >= previous_end
        assert result.original[edit.orig_start : edit.orig_end] == edit.original
        assert result.spun[edit.spun_start : edit.spun_end] == edit.substitute
        assert edit.original != edit.substitute
        previous_end = edit.orig_end


@pytest.mark.parametrize("name", spinners.SPINNERS)
def test_deterministic_given_seed(name: str) -> None:
    first = spin(TEXT, name, 0.5, seed=7)
    assert spin(TEXT, name, 0.5, seed=7) == first
    assert first.edits, f"{name} changed nothing"


def test_seed_changes_the_output() -> None:
    assert spin(TEXT, "crude", 0.5, seed=1).spun != spin(TEXT, "crude", 0.5, seed=2).spun


@pytest.mark.parametrize("name", spinners.SPINNERS)
@pytest.mark.parametrize("rate", [0.15, 0.45, 1.0])
def test_edit_map_reproduces_the_spun_text(name: str, rate: float) -> None:
    check_map(spin(TEXT, name, rate, seed=3))


@pytest.mark.parametrize("name", spinners.SPINNERS)
def test_rate_zero_changes_nothing_and_rate_orders_the_amount(name: str) -> None:
    assert spin(TEXT, name, 0.0, seed=3).spun == TEXT
    counts = [len(spin(TEXT, name, rate, seed=3).edits) for rate in (0.15, 0.45, 1.0)]
    assert counts == sorted(counts)
    assert counts[-1] > counts[0]


def test_rate_is_the_fraction_of_eligible_words() -> None:
    text = " ".join([TEXT] * 3)  # every word type three times or more
    for seed in range(5):
        result = spin(text, "crude", 0.3, seed=seed)
        largest_type = max(Counter(e.original.lower() for e in result.edits).values())
        assert abs(len(result.edits) - 0.3 * result.eligible_words) <= largest_type


def test_a_swapped_word_is_swapped_wherever_it_occurs() -> None:
    for name in ("crude", "phrase"):
        result = spin(" ".join([TEXT] * 3), name, 0.3, seed=6)
        swapped = Counter(e.original for e in result.edits if " " not in e.original)
        assert swapped
        for word, count in swapped.items():
            occurrences = len(re.findall(rf"(?<![\w-]){re.escape(word)}(?![\w-])", result.original))
            assert count == occurrences, word


def test_a_word_is_mapped_the_same_way_throughout() -> None:
    result = spin("in a box, in a bag, in a car, in a van", "crude", 1.0, seed=4)
    substitutes = {e.substitute for e in result.edits if e.original == "in"}
    assert len(substitutes) == 1


def test_crude_swaps_function_words_with_any_sense() -> None:
    result = spin(TEXT, "crude", 1.0, seed=3)
    check_map(result)
    swapped = {e.original.lower() for e in result.edits}
    assert swapped & FUNCTION_WORDS, "crude must swap function words (in -> successful)"
    wordnet = thesaurus(["wordnet"])
    for edit in result.edits:
        if edit.original == "in":
            assert edit.listed in wordnet.substitutes("in")  # inch, indium, successful, ...
        if edit.original == "In":
            assert edit.substitute[0].isupper()  # case pattern copied


def test_crude_reinflects_naively() -> None:
    result = spin("The officials walked home.", "crude", 1.0, seed=2)
    walked = next(e for e in result.edits if e.original == "walked")
    assert walked.headword == "walk"
    assert walked.substitute.endswith(("ed", "d"))


def test_phrase_leaves_function_words_and_numbers_alone() -> None:
    result = spin(TEXT, "phrase", 1.0, seed=3)
    check_map(result)
    for edit in result.edits:
        words = edit.original.lower().split()
        assert not (len(words) == 1 and words[0] in FUNCTION_WORDS), edit
        assert not any(ch.isdigit() for ch in edit.original)


def test_phrase_reinflects_with_the_original_tag() -> None:
    result = spin(TEXT, "phrase", 1.0, seed=3)
    said = next(e for e in result.edits if e.original == "said")
    assert said.headword == "say"
    assert said.substitute == lemminflect.getInflection(said.listed.split()[0], "VBD")[0] + (
        " " + " ".join(said.listed.split()[1:]) if " " in said.listed else ""
    )


def test_phrase_swaps_phrases_and_mangles_names() -> None:
    results = [spin(TEXT, "phrase", 1.0, seed=seed) for seed in range(3)]
    edits = [e for r in results for e in r.edits]
    assert any(" " in e.original for e in edits), "no multiword original swapped as a unit"
    capitalised = [e for e in edits if e.original in ("House", "Security", "Council", "National")]
    assert capitalised, "names must not be protected"
    assert all(e.substitute[0].isupper() for e in capitalised)


def test_tortured_replaces_terms_word_by_word() -> None:
    result = spin(TEXT, "tortured", 1.0, seed=3)
    check_map(result)
    originals = {e.original.lower() for e in result.edits}
    assert originals & {"search engine", "mobile phone", "deep learning", "search", "engine"}
    for edit in result.edits:
        assert len(edit.substitute.split()) == len(edit.original.split())


def test_source_restriction_is_respected() -> None:
    moby = thesaurus(["moby"])
    result = spin(TEXT, "phrase", 1.0, seed=3, sources=["moby"])
    check_map(result)
    assert result.sources == ("moby",)
    assert result.edits
    for edit in result.edits:
        assert edit.listed in moby.substitutes(edit.headword), edit
    wordnet_only = spin(TEXT, "crude", 1.0, seed=3, sources=["wordnet"])
    wordnet = thesaurus(["wordnet"])
    for edit in wordnet_only.edits:
        assert edit.listed in wordnet.substitutes(edit.headword), edit


def test_bad_arguments() -> None:
    with pytest.raises(ValueError, match="unknown spinner"):
        spin(TEXT, "sloppy", 0.3, seed=1)
    with pytest.raises(ValueError, match="rate"):
        spin(TEXT, "crude", 1.5, seed=1)
    with pytest.raises(ValueError, match="unknown thesaurus source"):
        spin(TEXT, "crude", 0.3, seed=1, sources=["roget"])


def test_apply_edits_rejects_a_wrong_map() -> None:
    with pytest.raises(ValueError):
        apply_edits("a cat", [Edit(2, 5, 2, 5, "dog", "cow")])
    with pytest.raises(ValueError):
        apply_edits("a cat", [Edit(2, 5, 3, 6, "cat", "cow")])


def test_spin_command_prints_text_and_edit_map() -> None:
    from unspin.bench.cli import register

    app = typer.Typer()
    register(app)
    runner = CliRunner()
    plain = runner.invoke(app, ["spin", "-", "--spinner", "crude", "--seed", "2"], input=TEXT)
    assert plain.exit_code == 0, plain.output
    as_json = runner.invoke(
        app, ["spin", "-", "--spinner", "crude", "--seed", "2", "--json"], input=TEXT
    )
    assert as_json.exit_code == 0, as_json.output
    payload = json.loads(as_json.stdout)
    assert payload["spun"] == plain.stdout
    edits = [Edit(**edit) for edit in payload["edits"]]
    assert apply_edits(payload["original"], edits) == payload["spun"]
