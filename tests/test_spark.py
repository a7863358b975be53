"""Detection on Spark (local mode): the same verdicts as on one machine, written as JSON Lines."""

from __future__ import annotations

import json
import shutil

import pytest
from test_cli import _brown_press_pair, run

pytestmark = pytest.mark.skipif(
    shutil.which("java") is None, reason="Spark needs Java (make setup installs OpenJDK 17)"
)


def _verdicts(folder) -> dict[str, dict]:
    lines = [
        line for part in sorted(folder.glob("part-*")) for line in part.read_text().splitlines()
    ]
    return {record["id"]: record for record in map(json.loads, lines)}


def test_check_on_spark_gives_the_verdicts_of_one_machine(data_dir, unspinner, tmp_path):
    clean, spun = _brown_press_pair()
    texts = {"clean": clean, "spun": spun, "short": "Too short to tell."}
    collection = tmp_path / "crawl.jsonl"
    collection.write_text(
        "".join(json.dumps({"id": i, "text": t}) + "\n" for i, t in texts.items())
    )
    out = tmp_path / "verdicts"
    result = run(
        "check", str(collection), "--spark", "--out", str(out), env={"UNSPIN_DATA": str(data_dir)}
    )
    assert result.returncode == 1, result.stderr
    assert (
        "3 documents on Spark" in result.stderr
        and "1 spun, 1 clean, 1 insufficient" in result.stderr
    )
    found = _verdicts(out)
    assert set(found) == set(texts)
    for doc_id, text in texts.items():
        assert {k: v for k, v in found[doc_id].items() if k != "id"} == unspinner.check(
            text
        ).to_dict()


def test_a_record_without_text_is_reported_unreadable(data_dir, tmp_path):
    from unspin import spark

    collection = tmp_path / "crawl.jsonl"
    collection.write_text(json.dumps({"id": "empty"}) + "\n" + json.dumps({"id": 7, "text": "Hi."}))
    counts = spark.check_file(collection, tmp_path / "out", data_dir)
    assert counts == {"unreadable": 1, "insufficient": 1}
    found = _verdicts(tmp_path / "out")
    assert found["empty"] == {"id": "empty", "verdict": "unreadable", "error": "no text"}
    assert found["7"]["verdict"] == "insufficient"


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ((), "add --out DIR"),
        (("--out", "{tmp}"), "already exists"),
        (("--out", "{tmp}/new", "--rescore", "neural"), "not with --spark"),
    ],
)
def test_spark_options_are_checked_before_spark_starts(data_dir, tmp_path, extra, message):
    collection = tmp_path / "crawl.jsonl"
    collection.write_text(json.dumps({"id": 1, "text": "Hi."}) + "\n")
    args = [a.replace("{tmp}", str(tmp_path)) for a in extra]
    result = run("check", str(collection), "--spark", *args, env={"UNSPIN_DATA": str(data_dir)})
    assert result.returncode == 2
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_spark_takes_one_collection(data_dir, tmp_path):
    (tmp_path / "a.txt").write_text("Some text.")
    result = run(
        "check",
        str(tmp_path / "a.txt"),
        "--spark",
        "--out",
        str(tmp_path / "o"),
        env={"UNSPIN_DATA": str(data_dir)},
    )
    assert result.returncode == 2 and "one .jsonl or .parquet collection" in result.stderr


def test_a_collection_without_text_is_refused_in_one_line(data_dir, tmp_path):
    collection = tmp_path / "ids.jsonl"
    collection.write_text(json.dumps({"id": 1}) + "\n")
    result = run(
        "check",
        str(collection),
        "--spark",
        "--out",
        str(tmp_path / "o"),
        env={"UNSPIN_DATA": str(data_dir)},
    )
    assert result.returncode == 2
    assert "needs 'id' and 'text'" in result.stderr and "Traceback" not in result.stderr
