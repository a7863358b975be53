"""The bench metrics on hand-made cases, so that a wrong number in the report cannot hide."""

from __future__ import annotations

import pytest

from unspin.bench import metrics
from unspin.bench.spinners import Edit, SpinResult, apply_edits
from unspin.report import Change, Restoration

ORIGINAL = "He said the big deal was done today."


def spun_from(original: str, swaps: list[tuple[str, str]]) -> SpinResult:
    """A SpinResult replacing the first occurrence of each ``old`` (in order) by ``new``."""
    edits = []
    cursor = shift = 0
    for old, new in swaps:
        start = original.index(old, cursor)
        end = start + len(old)
        edits.append(Edit(start, end, start + shift, start + shift + len(new), old, new))
        shift += len(new) - len(old)
        cursor = end
    return SpinResult(original, apply_edits(original, edits), edits, "hand", 1.0, 0, (), 0)


SPIN = spun_from(ORIGINAL, [("said", "stated"), ("big", "large")])
# "He stated the large deal was done today."


def change(spun: str, found: str, suggestion: str, occurrence: int = 0) -> Change:
    start = -1
    for _ in range(occurrence + 1):
        start = spun.index(found, start + 1)
    return Change(start, start + len(found), found, suggestion, 0.9, "test")


def restoration(spun: str, changes: list[Change]) -> Restoration:
    from unspin.report import apply_changes

    return Restoration(apply_changes(spun, changes), changes)


def test_spun_fixture_is_what_it_claims() -> None:
    assert SPIN.spun == "He stated the large deal was done today."


def test_passthrough_scores_nothing_and_leaves_wer_unchanged() -> None:
    score = metrics.score_restoration(SPIN, Restoration(SPIN.spun, []))
    assert score.edits == 2
    assert score.edit_recall == 0.0
    assert score.change_precision is None  # no changes: undefined, not 0 or 1
    assert score.false_change_rate == 0.0
    assert score.wer_before == score.wer_after == pytest.approx(2 / 8)
    assert score.tokens.recall == 0.0
    assert score.tokens.f1 == 0.0


def test_perfect_restorer_scores_one() -> None:
    changes = [change(SPIN.spun, "stated", "said"), change(SPIN.spun, "large", "big")]
    score = metrics.score_restoration(SPIN, restoration(SPIN.spun, changes))
    assert score.edit_recall == 1.0
    assert score.change_precision == 1.0
    assert score.false_change_rate == 0.0
    assert score.wer_after == 0.0
    assert score.tokens.f1 == 1.0


def test_partial_restoration_with_a_false_change() -> None:
    changes = [
        change(SPIN.spun, "stated", "said"),  # right
        change(SPIN.spun, "large", "huge"),  # wrong original
        change(SPIN.spun, "done", "finished"),  # the spinner never touched "done"
    ]
    score = metrics.score_restoration(SPIN, restoration(SPIN.spun, changes))
    assert score.edit_recall == 0.5
    assert score.change_precision == pytest.approx(1 / 3)
    untouched = ["He", "the", "deal", "was", "done", "today"]
    assert score.untouched_tokens == len(untouched)
    assert score.false_change_tokens == 1
    assert score.false_change_rate == pytest.approx(1 / 6)
    assert score.wer_after == pytest.approx(2 / 8)  # "huge" and "finished"
    # Token level: spun tokens stated, large; flagged stated, large, done.
    assert (score.tokens.tp, score.tokens.fp, score.tokens.fn) == (2, 1, 0)


def test_change_wider_than_the_edit_counts_when_the_region_comes_out_right() -> None:
    # The restorer rewrites "the large" as a unit; "the" is untouched but comes out as it was.
    changes = [change(SPIN.spun, "the large", "the big")]
    score = metrics.score_restoration(SPIN, restoration(SPIN.spun, changes))
    assert score.restored_edits == 1
    assert score.correct_changes == 1
    assert score.false_change_tokens == 0


def test_change_wider_than_the_edit_that_breaks_a_neighbour_is_a_false_change() -> None:
    changes = [change(SPIN.spun, "the large", "a big")]
    score = metrics.score_restoration(SPIN, restoration(SPIN.spun, changes))
    assert score.restored_edits == 0
    assert score.correct_changes == 0
    assert score.false_change_tokens == 1  # "the" became "a"


def test_restoration_is_exact_including_case() -> None:
    spun = spun_from("Said the man.", [("Said", "Stated")])
    fixed = metrics.score_restoration(
        spun, restoration(spun.spun, [change(spun.spun, "Stated", "said")])
    )
    assert fixed.edit_recall == 0.0


def test_phrase_edits_and_phrase_changes_align() -> None:
    spun = spun_from("The death toll rose.", [("death", "loss of life")])
    assert spun.spun == "The loss of life toll rose."
    # Restored in two pieces that together give back the original span.
    changes = [change(spun.spun, "loss", "death"), change(spun.spun, " of life", "")]
    score = metrics.score_restoration(spun, restoration(spun.spun, changes))
    assert score.edit_recall == 1.0
    assert score.change_precision == 1.0
    regions = metrics.align(spun, restoration(spun.spun, changes))
    assert [(r.original, r.restored, r.edits, r.changes) for r in regions] == [
        ("death", "death", 1, 2)
    ]


def test_no_op_changes_are_ignored() -> None:
    changes = [change(SPIN.spun, "deal", "deal")]
    score = metrics.score_restoration(SPIN, restoration(SPIN.spun, changes))
    assert score.changes == 0


def test_inconsistent_restoration_is_rejected() -> None:
    changes = [change(SPIN.spun, "stated", "said")]
    with pytest.raises(ValueError, match="does not follow"):
        metrics.score_restoration(SPIN, Restoration("something else", changes))


def test_scores_pool_by_addition() -> None:
    passthrough = metrics.score_restoration(SPIN, Restoration(SPIN.spun, []))
    perfect = metrics.score_restoration(
        SPIN,
        restoration(
            SPIN.spun, [change(SPIN.spun, "stated", "said"), change(SPIN.spun, "large", "big")]
        ),
    )
    pooled = passthrough + perfect
    assert pooled.edits == 4
    assert pooled.edit_recall == 0.5
    assert pooled.reference_words == 16
    assert pooled.tokens.tp == 2


def test_wer() -> None:
    assert metrics.wer("a b c", "a x c d") == pytest.approx(2 / 3)
    assert metrics.wer("a b c", "a b c") == 0.0
    assert metrics.wer("", "a") is None
    assert metrics.word_errors("one, two.", "one two") == (0, 2)  # punctuation is not counted


def test_binary_scores() -> None:
    scores = metrics.binary_scores(
        [True, True, False, False, False], [True, False, True, False, False]
    )
    assert (scores.tp, scores.fn, scores.fp, scores.tn) == (1, 1, 1, 2)
    assert scores.precision == 0.5
    assert scores.recall == 0.5
    assert scores.f1 == 0.5
    assert scores.fpr == pytest.approx(1 / 3)
    assert metrics.binary_scores([], []).f1 is None


def test_token_detection() -> None:
    text = "alpha beta gamma delta"
    scores = metrics.token_detection(text, gold=[(6, 10)], predicted=[(6, 16)])
    assert (scores.tp, scores.fp, scores.fn, scores.tn) == (1, 1, 0, 2)


def test_roc_auc() -> None:
    assert metrics.roc_auc([False, False, True, True], [0.1, 0.4, 0.35, 0.8]) == 0.75
    assert metrics.roc_auc([False, True], [0.2, 0.9]) == 1.0
    assert metrics.roc_auc([False, True], [0.9, 0.2]) == 0.0
    assert metrics.roc_auc([False, True, False, True], [0.5, 0.5, 0.5, 0.5]) == 0.5
    assert metrics.roc_auc([True, True], [0.1, 0.2]) is None


def test_expected_calibration_error() -> None:
    assert metrics.expected_calibration_error([True, False], [1.0, 0.0]) == 0.0
    # Ten items all predicted 0.8, half positive: off by 0.3.
    assert metrics.expected_calibration_error(
        [True] * 5 + [False] * 5, [0.8] * 10
    ) == pytest.approx(0.3)
    # Two bins: (0.1, 0.1 -> labels 0, 0) off by 0.1; (0.9 -> label 0) off by 0.9.
    assert metrics.expected_calibration_error(
        [False, False, False], [0.1, 0.1, 0.9]
    ) == pytest.approx((0.2 + 0.9) / 3)
    assert metrics.expected_calibration_error([], []) is None
    with pytest.raises(ValueError):
        metrics.expected_calibration_error([True], [1.5])


def test_spans_with_edits() -> None:
    paragraphs = [(0, 10), (11, 20), (21, 30)]
    assert metrics.spans_with_edits(paragraphs, [(12, 15), (25, 30)]) == [False, True, True]


def test_reliability_bins_what_the_calibration_error_averages() -> None:
    cells = metrics.reliability([False, False, True, True], [0.05, 0.15, 0.15, 0.95])
    assert [cell["items"] for cell in cells] == [1, 2, 1]  # the empty bins are left out
    assert cells[1] == {"low": 0.1, "items": 2, "mean_p": pytest.approx(0.15), "observed": 0.5}
    assert metrics.reliability([], []) == []
