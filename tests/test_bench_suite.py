"""The quick bench suite as a smoke check: it runs, and its report is sane and honest.

Not a speed or accuracy test. With the pass-through restorer every metric must show the baseline
(nothing restored, WER unchanged), which proves the metrics are not trivially satisfied.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from unspin.bench import suite
from unspin.bench.spinners import SPINNERS


@pytest.fixture(scope="module")
def baseline(tmp_path_factory: pytest.TempPathFactory) -> dict:
    out = tmp_path_factory.mktemp("bench")
    return suite.run("quick", out, restorer=suite.passthrough, progress=False)


def test_quick_suite_writes_report_files(baseline: dict) -> None:
    files = {kind: Path(path) for kind, path in baseline["files"].items()}
    assert set(files) == {"md", "json", "png"}
    for path in files.values():
        assert path.stat().st_size > 0
        assert path.name.startswith(baseline["date"] + "-quick")
    assert files["png"].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    report = files["md"].read_text(encoding="utf-8")
    assert baseline["signature"] in report
    assert (
        json.loads(files["json"].read_text(encoding="utf-8"))["signature"] == baseline["signature"]
    )


def test_signature_names_what_was_measured(baseline: dict) -> None:
    fields = dict(part.split(":", 1) for part in baseline["signature"].split("|"))
    assert fields["restorer"] == "passthrough"
    assert fields["suite"] == "quick"
    assert fields["seed"] == str(suite.DEFAULT_SEED)
    assert fields["bbc"].startswith("15docs/")
    assert fields["brown-press"].startswith("5docs/")
    assert {"data", "commit", "version", "rates"} <= set(fields)


def test_passthrough_shows_the_baseline(baseline: dict) -> None:
    conditions = baseline["restoration"]
    assert {(c["corpus"], c["spinner"]) for c in conditions} == {
        (corpus, spinner) for corpus in ("bbc", "brown-press") for spinner in SPINNERS
    }
    for condition in conditions:
        scores = condition["restorer"]
        assert condition["docs"] > 0 and scores["edits"] > 0
        assert scores["edit_recall"] == 0.0
        assert scores["changes"] == 0 and scores["change_precision"] is None
        assert scores["false_change_rate"] == 0.0
        assert scores["wer_before"] == scores["wer_after"] > 0.0
        assert condition["errors"] == 0
        assert scores == condition["baseline"]


def test_skipped_sections_say_why(baseline: dict) -> None:
    assert baseline["cross"]["status"] == "skipped" and baseline["cross"]["reason"]
    assert baseline["detection"]["status"] == "skipped"
    assert baseline["cost"]["cold_start"]["status"] == "skipped"


def test_quick_suite_on_unspin(tmp_path: Path, data_dir: Path) -> None:
    """unspin's own restorer and checker on the built data: sane numbers, no crashes."""
    results = suite.run("quick", tmp_path, data_dir=data_dir, progress=False)
    assert results["restorer"] == "unspin"
    for condition in results["restoration"]:
        assert condition["errors"] == 0, condition["first_error"]
        scores = condition["restorer"]
        assert 0.0 <= scores["edit_recall"] <= 1.0
        assert 0.0 <= scores["false_change_rate"] <= 1.0
    assert results["detection"]["status"] == "ran"
    for condition in results["detection"]["conditions"]:
        assert condition["document"]["items"] > 0
