"""Detection on held-out text: clean stays clean, spun is called spun with flags on the edits,
short is insufficient; every tier; the phrase lists."""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys

import pytest

from unspin.bench.austen import austen_documents
from unspin.bench.detection import TIERS as BENCH_TIERS
from unspin.bench.detection import chunks, spin_every_other_paragraph
from unspin.bench.spinners import spin
from unspin.corpora import BROWN_PRESS, bbc_documents, brown_documents, sotu_documents
from unspin.detect import CALIBRATION, DOUBTED, GAIN_CAP, Evidence, Logistic
from unspin.report import Change

GENRES = {
    "bbc": lambda: bbc_documents("test"),
    "brown-press": lambda: brown_documents(BROWN_PRESS),
    "brown-fiction": lambda: brown_documents(["fiction"]),
    "brown-learned": lambda: brown_documents(["learned"]),
    "sotu-heldout": lambda: sotu_documents("heldout"),
    "austen": austen_documents,
}


def first_document(genre: str) -> str:
    """The first 300-word document of a held-out genre, as the detection bench cuts them."""
    return chunks(list(itertools.islice(GENRES[genre](), 20)))[0][1]


@pytest.mark.parametrize("tier", ["auto", "full"])
@pytest.mark.parametrize("genre", sorted(GENRES))
def test_clean_text_of_each_genre_is_clean(unspinner, genre, tier):
    verdict = unspinner.check(first_document(genre), tier=tier)
    assert verdict.verdict == "clean", verdict.spun_probability
    assert verdict.words >= 300


def _assert_flags_on_edits(verdict, result, share: float) -> None:
    assert verdict.flags
    edits = [(e.spun_start, e.spun_end) for e in result.edits]
    on_edits = 0
    for flag in verdict.flags:
        assert result.spun[flag.start : flag.end] == flag.found
        assert 0.5 <= flag.confidence <= 1.0 and flag.reason
        on_edits += any(start < flag.end and flag.start < end for start, end in edits)
    assert on_edits / len(verdict.flags) > share


@pytest.mark.parametrize("tier", ["auto", "full", "fast"])
@pytest.mark.parametrize("spinner", ["crude", "phrase"])
def test_spun_text_is_spun_with_flags_on_the_edits(unspinner, spinner, tier):
    result = spin(first_document("bbc"), spinner, 0.3, seed=11)
    verdict = unspinner.check(result.spun, tier=tier)
    assert verdict.verdict == "spun", verdict.spun_probability
    assert verdict.tier == ("fast" if tier == "fast" else "full")
    _assert_flags_on_edits(verdict, result, 0.6 if tier != "fast" else 0.4)


@pytest.mark.parametrize("tier", ["auto", "fast"])
def test_a_higher_flag_confidence_keeps_the_surest_flags_and_the_verdict(unspinner, tier):
    result = spin(first_document("bbc"), "phrase", 0.3, seed=11)
    default = unspinner.check(result.spun, tier=tier)
    strict = unspinner.check(result.spun, tier=tier, min_confidence=0.85)
    assert strict.spun_probability == default.spun_probability
    assert strict.paragraphs == default.paragraphs
    assert strict.flags == [flag for flag in default.flags if flag.confidence >= 0.85]
    assert 0 < len(strict.flags) < len(default.flags)


def test_tortured_technical_text_gets_flags_on_the_terms(unspinner):
    # Tortured spinning touches only technical terms (~4% of words at rate 0.3): too few to call
    # a 300-word document spun at the threshold held to 0.1% of clean documents, even in a paper
    # mill's heavy pass (this document scores 0.74-0.99 at rate 0.8, by the seed). What check owes
    # it is flags on the terms, and more suspicion than the clean text gets.
    clean = first_document("brown-learned")
    result = spin(clean, "tortured", 0.8, seed=11)
    verdict = unspinner.check(result.spun)
    assert verdict.spun_probability > unspinner.check(clean).spun_probability
    _assert_flags_on_edits(verdict, result, 0.5)


@pytest.mark.parametrize("genre", ["bbc", "austen"])
def test_auto_runs_the_restorer_only_where_the_screen_does_not_clear(unspinner, genre):
    for text in (first_document(genre), spin(first_document(genre), "phrase", 0.3, seed=2).spun):
        fast = unspinner.check(text, tier="fast")
        auto = unspinner.check(text, tier="auto")
        expected = "fast" if fast.spun_probability < CALIBRATION.clear else "full"
        assert auto.tier == expected
        assert auto == (fast if expected == "fast" else unspinner.check(text, tier="full"))


def test_twenty_words_are_insufficient(unspinner):
    text = " ".join(first_document("bbc").split()[:20])
    for tier in ("auto", "fast", "full"):
        verdict = unspinner.check(text, tier=tier)
        assert verdict.verdict == "insufficient"
        assert all(p.verdict == "insufficient" for p in verdict.paragraphs)


def test_a_text_too_short_to_judge_gets_close_to_even_odds(unspinner):
    # Two clean words once scored 1.000: their rates rest on the smoothing of each count.
    for tier in ("auto", "fast", "full"):
        verdict = unspinner.check("Hello there.", tier=tier)
        assert verdict.verdict == "insufficient"
        assert 0.3 < verdict.spun_probability < 0.7
        assert all(0.3 < p.spun_probability < 0.7 for p in verdict.paragraphs)


def test_short_texts_are_pulled_towards_even_odds_and_long_ones_are_not():
    from unspin.detect import CALIBRATION, MIN_WORDS

    for tier in ("fast", "full"):
        assert CALIBRATION.for_length(0.99, MIN_WORDS, tier) == 0.99
        assert CALIBRATION.for_length(0.01, 300, tier) == 0.01
        pulled = [CALIBRATION.for_length(0.99, words, tier) for words in (0, 10, 20, 30, 39)]
        assert pulled[0] == 0.5
        assert pulled == sorted(pulled) and pulled[-1] < 0.99
        low, high = (CALIBRATION.for_length(p, 20, tier) for p in (0.01, 0.99))
        assert low == pytest.approx(1 - high)


def test_paragraph_verdicts_cover_the_paragraphs(unspinner):
    original = first_document("bbc")
    spun = spin(original, "crude", 0.3, seed=3).spun
    text = original + "\n" + spun
    verdict = unspinner.check(text)
    assert len(verdict.paragraphs) == sum(1 for line in text.split("\n") if line.strip())
    long_spun = [p for p in verdict.paragraphs if p.start > len(original) and p.words >= 60]
    assert long_spun and all(p.verdict == "spun" for p in long_spun)


def test_fingerprints_flag_listed_phrases_and_allow_removes_flags(unspinner):
    result = spin(first_document("bbc"), "crude", 0.3, seed=11)
    plain = unspinner.check(result.spun, tier="full")
    flag = plain.flags[0]
    listed = {flag.found.lower(): "listed correction"}
    with_list = unspinner.check(result.spun, tier="full", fingerprints=listed)
    hits = [f for f in with_list.flags if f.suggestion == "listed correction"]
    assert hits and all(f.confidence == 1.0 for f in hits)
    assert (hits[0].start, hits[0].end) == (flag.start, flag.end)
    for tier in ("fast", "full"):
        allowed = unspinner.check(result.spun, tier=tier, allow={flag.found.lower()})
        assert not [f for f in allowed.flags if f.found.lower() == flag.found.lower()]


def test_a_fingerprint_hit_is_never_cleared_by_the_screen(unspinner):
    text = first_document("bbc")
    word = text.split()[5].strip(".,").lower()
    verdict = unspinner.check(text, fingerprints={word: "x"})
    assert verdict.tier == "full"


def test_unknown_tier_is_refused(unspinner):
    with pytest.raises(ValueError, match="tier"):
        unspinner.check("some text", tier="quick")


def test_the_module_level_check_takes_the_tier(data_dir):
    import unspin

    assert unspin.check(first_document("bbc"), tier="fast").tier == "fast"


def test_probability_grows_with_every_feature():
    curve = Logistic((1.0, 2.0, -3.0))
    assert curve.probability((0.0, 0.0)) < curve.probability((1.0, 0.0))
    assert curve.probability((1.0, 0.0)) < curve.probability((1.0, 1.0))
    assert 0.0 < curve.probability((-100.0, -100.0)) < 0.01
    assert 0.0 < CALIBRATION.clear < CALIBRATION.threshold < 1.0


def test_a_repeated_change_is_one_type_of_evidence():
    # Six helium -> he changes in a report on helium are one piece of evidence, not six.
    helium = [Change(10 * i, 10 * i + 6, "helium", "he", 0.99, "") for i in range(6)]
    spread = [Change(10 * i, 10 * i + 6, f"word{i}", "in", 0.99, "") for i in range(6)]
    gains = [2.0] * 6
    repeated, varied = Evidence.of(300, helium, gains), Evidence.of(300, spread, gains)
    assert repeated.sure_rate == varied.sure_rate == 6 / 300
    assert repeated.sure_type_rate == 1 / 300 and varied.sure_type_rate == 6 / 300
    assert repeated.type_rate < varied.type_rate


def test_likely_changes_are_a_rung_between_all_and_sure():
    # A phrase spinner's plausible swaps earn confidences around 0.8-0.95, rarely 0.97.
    changes = [
        Change(10 * i, 10 * i + 5, f"word{i}", "said", c, "")
        for i, c in enumerate((0.5, 0.79, 0.8, 0.9, 0.99))
    ]
    evidence = Evidence.of(100, changes, [1.0] * 5)
    assert evidence.likely_type_rate == 3 / 100 and evidence.sure_type_rate == 1 / 100
    assert evidence.doubted_rate == 0.0  # none is as unsure as DOUBTED
    doubted = Evidence.of(100, [*changes, Change(90, 95, "w", "said", DOUBTED / 2, "")], [1.0] * 6)
    assert doubted.doubted_rate == 1 / 100
    assert len(evidence.features()) == 6


def test_likelihood_gain_counts_by_confidence_and_up_to_its_cap():
    # Each change weighs in with confidence x gain; a garbled sentence's huge gain is capped,
    # and a change that made its sentence less likely (negative evidence) adds nothing.
    changes = [
        Change(10 * i, 10 * i + 5, f"word{i}", "said", c, "") for i, c in enumerate((0.5, 1.0, 0.9))
    ]
    evidence = Evidence.of(100, changes, [2.0, 40.0, -3.0])
    assert evidence.gain_rate == pytest.approx((0.5 * 2.0 + 1.0 * GAIN_CAP) / 100)
    with pytest.raises(ValueError):
        Evidence.of(100, changes, [1.0])  # one gain for each change


def test_the_restorers_spin_rate_estimate_separates_spun_from_clean(unspinner):
    text = first_document("bbc")
    clean_rate = unspinner.restorer.decode_document(text).spin_rate
    spun_rate = unspinner.restorer.decode_document(spin(text, "crude", 0.3, seed=5).spun).spin_rate
    assert 0.0 < clean_rate < spun_rate <= 0.5


def test_paragraphs_have_their_own_threshold_unless_one_is_given(unspinner):
    text = spin(first_document("bbc"), "crude", 0.15, seed=3).spun
    calibrated = unspinner.check(text, tier="full")
    assert calibrated.threshold == CALIBRATION.threshold
    assert calibrated.paragraph_threshold == CALIBRATION.paragraph_threshold
    for paragraph in calibrated.paragraphs:
        if paragraph.verdict != "insufficient":
            spun = paragraph.spun_probability >= CALIBRATION.paragraph_threshold
            assert paragraph.verdict == ("spun" if spun else "clean")
    given = unspinner.check(text, tier="full", threshold=0.5)
    assert given.threshold == given.paragraph_threshold == 0.5


def test_curves_refuse_the_wrong_number_of_features():
    with pytest.raises(ValueError):
        Logistic((1.0, 2.0, -3.0)).probability((1.0,))


def test_check_exit_code_is_one_for_spun_text(data_dir, tmp_path):
    path = tmp_path / "spun.txt"
    path.write_text(spin(first_document("bbc"), "crude", 0.3, seed=5).spun)
    for tier in ("fast", "auto"):
        result = subprocess.run(
            [sys.executable, "-m", "unspin", "check", str(path), "--json", "--tier", tier],
            capture_output=True,
            text=True,
            env={**os.environ, "UNSPIN_DATA": str(data_dir)},
            check=False,
        )
        assert result.returncode == 1, result.stderr
        assert json.loads(result.stdout)["verdict"] == "spun"


def test_check_refuses_an_unknown_tier_in_one_line(data_dir, tmp_path):
    path = tmp_path / "text.txt"
    path.write_text("Some words.")
    result = subprocess.run(
        [sys.executable, "-m", "unspin", "check", str(path), "--tier", "slow"],
        capture_output=True,
        text=True,
        env={**os.environ, "UNSPIN_DATA": str(data_dir)},
        check=False,
    )
    assert result.returncode == 2
    assert "tier" in result.stderr and "Traceback" not in result.stderr


def test_tier_speed_times_every_pass_and_reports_the_median(unspinner):
    from unspin.bench.detection import _tier_speed

    texts = [first_document("bbc"), first_document("austen")]
    measured = _tier_speed(unspinner.check, texts, "fast", passes=3)
    assert measured["passes"] == len(measured["seconds"]) == 3
    median = sorted(measured["seconds"])[1]
    assert measured["words_per_second"] == pytest.approx(measured["words"] / median, rel=0.01)


def test_the_bench_counts_every_flagged_word_of_clean_text_as_false(unspinner):
    from unspin.bench.detection import _Tally

    text = first_document("brown-learned")
    verdict = unspinner.check(text, tier="full")
    tally = _Tally()
    tally.add(verdict, text, [], seconds=0.0)
    flagged_words = sum(len(text[f.start : f.end].split()) for f in verdict.flags)
    assert flagged_words > 0
    summary = tally.summary()
    assert summary["false_flags_per_1000_words"] == round(1000 * flagged_words / verdict.words, 2)


def test_every_other_paragraph_with_words_is_spun() -> None:
    # BBC articles part their paragraphs with blank lines: counted as paragraphs, those made
    # every spun "paragraph" an empty one, and a half-spun document a clean one.
    _, text = next(iter(bbc_documents("dev")))
    assert "\n\n" in text
    spun, spans = spin_every_other_paragraph(text, "crude", 0.3, 7)
    paragraphs = [p for p in spun.split("\n") if p.strip()]
    starts = [spun.index(p) for p in paragraphs]
    touched = {max(i for i, s in enumerate(starts) if s <= start) for start, _ in spans}
    assert spans and touched <= set(range(1, len(paragraphs), 2))
    assert len(touched) > 1
    for start, end in spans:
        assert spun[start:end].strip()


def _crude_row(unspinner, documents, **options) -> dict:
    """The detection bench's row for ``documents`` spun crudely at 0.3 (``options`` as
    ``_measure`` takes them): the condition, then each tier's summary."""
    from unspin.bench.detection import _measure

    tallies = _measure(
        unspinner.check, documents, "crude", 0.3, 13, "test", lambda *_: lambda: None, **options
    )
    row = {"corpus": "brown-press", "spinner": "crude", "rate": 0.3}
    return row | {tier: tallies[tier].summary() for tier in BENCH_TIERS}


def test_half_spun_documents_are_measured_paragraph_by_paragraph(unspinner):
    from unspin.bench.detection import PARAGRAPH_WORDS, _half_spun_section

    documents = [
        (doc_id, text)
        for doc_id, text in chunks(list(brown_documents(BROWN_PRESS)))
        if sum(len(p.split()) >= PARAGRAPH_WORDS for p in text.split("\n")) >= 4
    ][:2]
    row = _crude_row(unspinner, documents, every_other_paragraph=True)
    for tier in BENCH_TIERS:
        assert row[tier]["spun_paragraphs"] >= 2 and row[tier]["clean_paragraphs"] >= 2
    lines = _half_spun_section([row])
    assert lines[0] == "## Half-spun documents"
    clean = row["auto"]["clean_paragraphs"]
    assert any(f"| {row['auto']['false_paragraphs']}/{clean} |" in line for line in lines)
    assert _half_spun_section([]) == []


def test_spinning_from_another_dictionary_is_measured_and_reported(unspinner):
    from unspin.bench.detection import PARAGRAPH_WORDS, _other_dictionary_section

    documents = [
        (doc_id, text)
        for doc_id, text in chunks(list(brown_documents(BROWN_PRESS)))
        if any(len(p.split()) >= PARAGRAPH_WORDS for p in text.split("\n"))
    ][:1]
    text = documents[0][1]
    # A Moby-only spinner swaps other words for other substitutes than the default one.
    moby = {(e.original, e.substitute) for e in spin(text, "crude", 0.3, 1, ("moby",)).edits}
    assert moby and moby != {(e.original, e.substitute) for e in spin(text, "crude", 0.3, 1).edits}
    row = {"source": "moby", **_crude_row(unspinner, documents, sources=("moby",))}
    assert row["auto"]["spun_documents"] == 1 and row["auto"]["spun_paragraphs"] >= 1
    lines = _other_dictionary_section([row])
    assert lines[0] == "## Spinning from another dictionary"
    assert any("| brown-press | crude | 0.30 | moby | auto | 1 |" in line for line in lines)
    assert _other_dictionary_section([]) == []
