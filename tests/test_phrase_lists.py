"""Fingerprint and allow lists: the accepted formats, matching, and their effect on check and
restore."""

from __future__ import annotations

import json

import pytest

from unspin.phrase_lists import ListError, find, key, load_allow, load_fingerprints

TEXT = (
    "We trained a Profound Learning model, a kind of counterfeit consciousness, to screen for"
    " bosom peril. It was scored by its mean square error against a search engine baseline on"
    " ten thousand scans collected over a year in hospitals across the country, with care."
)


@pytest.fixture
def fingerprint_csv(tmp_path):
    path = tmp_path / "fp.csv"
    path.write_text(
        "tortured,correct\nprofound learning,deep learning\n"
        "counterfeit consciousness,artificial intelligence\nbosom peril,breast cancer\n"
    )
    return path


def test_csv_with_header(fingerprint_csv):
    assert load_fingerprints(fingerprint_csv) == {
        "profound learning": "deep learning",
        "counterfeit consciousness": "artificial intelligence",
        "bosom peril": "breast cancer",
    }


@pytest.mark.parametrize(
    "payload",
    [
        {"bosom peril": "breast cancer"},
        [["bosom peril", "breast cancer"]],
        [{"tortured": "bosom peril", "correct": "breast cancer"}],
    ],
)
def test_json_shapes(tmp_path, payload):
    path = tmp_path / "fp.json"
    path.write_text(json.dumps(payload))
    assert load_fingerprints(path) == {"bosom peril": "breast cancer"}


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("bad.json", '{"a": 1', "not valid JSON"),
        ("bad.json", "[[1, 2, 3]]", "expected pairs"),
        ("bad.csv", "only-one-column\n", "two columns"),
        ("empty.csv", "tortured,correct\n", "no phrase pairs"),
    ],
)
def test_bad_lists_raise_one_clear_error(tmp_path, name, content, message):
    path = tmp_path / name
    path.write_text(content)
    with pytest.raises(ListError, match=message):
        load_fingerprints(path)


def test_missing_file(tmp_path):
    with pytest.raises(ListError, match="no such file"):
        load_allow(tmp_path / "none.txt")


def test_find_is_case_insensitive_and_keeps_offsets(fingerprint_csv):
    hits = list(find(TEXT, load_fingerprints(fingerprint_csv)))
    assert [h.found for h in hits] == [
        "Profound Learning",
        "counterfeit consciousness",
        "bosom peril",
    ]
    assert all(TEXT[h.start : h.end] == h.found for h in hits)


def test_allow_list_comments_and_keys(tmp_path):
    path = tmp_path / "allow.txt"
    path.write_text("# statistics\nMean Square Error\n\nsearch engine  # web\n")
    assert load_allow(path) == {key("mean square error"), "search engine"}


def test_check_reports_listed_phrases_as_flags(unspinner, fingerprint_csv):
    verdict = unspinner.check(TEXT, fingerprints=load_fingerprints(fingerprint_csv))
    listed = {f.found: f.suggestion for f in verdict.flags if f.reason.startswith("fingerprint")}
    assert listed == {
        "Profound Learning": "deep learning",
        "counterfeit consciousness": "artificial intelligence",
        "bosom peril": "breast cancer",
    }
    assert all(f.confidence == 1.0 for f in verdict.flags if f.found in listed)


def test_allow_list_removes_flags_inside_allowed_terms(unspinner):
    text = (
        "The missile hit the border town connected Tuesday just arsenic the talks began, and"
        " officials said arsenic levels in the river were being measured connected Wednesday by"
        " teams from the capital who arrived after the strike on the power station."
    )
    before = {f.found for f in unspinner.check(text).flags}
    assert "arsenic" in before
    after = {f.found for f in unspinner.check(text, allow=frozenset({key("arsenic")})).flags}
    assert "arsenic" not in after
    assert after <= before


def test_allow_list_keeps_allowed_terms_in_a_restoration(unspinner):
    text = (
        "Officials said helium would stay successful Kyiv, and the helium supply was cut."
        " The talks were held connected Monday."
    )
    before = unspinner.restore(text)
    assert {"helium", "connected"} <= {c.found for c in before.changes}
    after = unspinner.restore(text, allow=frozenset({key("helium")}))
    assert "helium" not in {c.found for c in after.changes}
    assert {c.found for c in after.changes} == {c.found for c in before.changes} - {"helium"}
    assert after.text.count("helium") == 2
    assert "held on Monday" in after.text


def test_check_works_without_lists(unspinner):
    assert unspinner.check(TEXT).verdict in {"spun", "clean"}
