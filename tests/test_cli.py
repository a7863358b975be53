"""The command line: outputs, exit codes and one-line errors, run as a user runs it."""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

SPUN = (
    "The rocket deed southeastern Poland connected Tuesday conscionable arsenic Russia had"
    " ramped up its rocket attacks connected Ukraine."
)


def run(*args: str, stdin: str | None = None, env: dict | None = None):
    return subprocess.run(
        [sys.executable, "-m", "unspin", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        check=False,
    )


def test_help_lists_the_commands():
    result = run("--help")
    assert result.returncode == 0
    for command in ("restore", "check", "data"):
        assert command in result.stdout


@pytest.mark.parametrize("command", ["restore", "bench"])
def test_help_reflows_paragraphs_to_the_terminal(command):
    # Docstrings are wrapped at 100 columns in the source; help must not keep those breaks, nor
    # swallow placeholders such as <date> as markup.
    wide = run(command, "--help", env={"COLUMNS": "200", "NO_COLOR": "1"})
    assert wide.returncode == 0
    lines = [line.strip() for line in wide.stdout.splitlines()]
    paragraph = next(line for line in lines if line.startswith(("Prints", "Spins")))
    assert len(paragraph) > 120
    if command == "bench":
        assert "bench/results/<date>-<suite>.md" in wide.stdout


@pytest.mark.parametrize("option", ["--threshold", "--min-confidence"])
def test_bench_detect_options_are_refused_outside_the_detect_suite(tmp_path, option):
    result = run("bench", "--suite", "quick", option, "0.9", "--out", str(tmp_path))
    assert result.returncode == 2
    assert f"{option} applies to --suite detect only" in result.stderr
    assert not any(tmp_path.iterdir())


def test_restore_json_from_stdin(data_dir):
    result = run("restore", "-", "--json", stdin=SPUN, env={"UNSPIN_DATA": str(data_dir)})
    assert result.returncode == 0, result.stderr
    payload = json.loads(result.stdout)
    assert payload["text"] != SPUN
    for change in payload["changes"]:
        assert SPUN[change["start"] : change["end"]] == change["found"]
        assert set(change) == {"start", "end", "found", "suggestion", "confidence", "reason"}


def test_restore_piped_output_is_plain_text(data_dir, tmp_path):
    source = tmp_path / "spun.txt"
    source.write_text(SPUN)
    result = run("restore", str(source), env={"UNSPIN_DATA": str(data_dir)})
    assert result.returncode == 0
    assert "successful" not in result.stdout and "\x1b[" not in result.stdout
    assert "on Tuesday" in result.stdout


def test_check_exit_codes(data_dir, tmp_path):
    short = run("check", "-", "--json", stdin="A short line.", env={"UNSPIN_DATA": str(data_dir)})
    assert short.returncode == 0
    assert json.loads(short.stdout)["verdict"] == "insufficient"


@pytest.mark.parametrize(
    ("args", "stdin", "message"),
    [
        (("restore", "/no/such/file.txt"), None, "no such file"),
        (("restore", "/"), None, "add --json"),
        (("check", "-"), b"caf\xe9 latin-1 text", "not UTF-8"),
        (("check", "-", "--tier", "fast", "--rescore", "neural"), b"Some text.", "fast tier"),
    ],
)
def test_bad_input_gives_one_line_error(data_dir, args, stdin, message):
    if stdin is not None:
        result = subprocess.run(
            [sys.executable, "-m", "unspin", *args],
            input=stdin,
            capture_output=True,
            env={**os.environ, "UNSPIN_DATA": str(data_dir)},
            check=False,
        )
        stderr = result.stderr.decode()
    else:
        result = run(*args, env={"UNSPIN_DATA": str(data_dir)})
        stderr = result.stderr
    assert result.returncode == 2
    assert message in stderr
    assert "Traceback" not in stderr
    assert len(stderr.strip().splitlines()) == 1


def test_missing_data_names_the_fix(tmp_path: Path):
    result = run("restore", "-", stdin="text", env={"UNSPIN_DATA": str(tmp_path / "none")})
    assert result.returncode == 2
    assert "unspin data build" in result.stderr
    assert "Traceback" not in result.stderr


def test_stale_data_names_the_fix(tmp_path: Path, data_dir):
    manifest = json.loads((data_dir / "manifest.json").read_text())
    manifest["data_version"] = "0.0.0"
    (tmp_path / "manifest.json").write_text(json.dumps(manifest))
    result = run("data", "info", env={"UNSPIN_DATA": str(tmp_path)})
    assert result.returncode == 2
    assert "'0.0.0'" in result.stderr and "unspin data build" in result.stderr


def test_data_info_reports_sizes(data_dir):
    result = run("data", "info", "--json", env={"UNSPIN_DATA": str(data_dir)})
    assert result.returncode == 0
    manifest = json.loads(result.stdout)
    assert manifest["lexicon"]["records"] > 1_000_000
    assert manifest["lm"]["order"] >= 4
    assert all(len(entry["sha256"]) == 64 for entry in manifest["files"].values())


def test_restore_allow_list_from_a_file(data_dir, tmp_path):
    allow = tmp_path / "allow.txt"
    allow.write_text("# our own jargon\narsenic\n", encoding="utf-8")
    result = run(
        "restore",
        "-",
        "--json",
        "--allow",
        str(allow),
        stdin=SPUN,
        env={"UNSPIN_DATA": str(data_dir)},
    )
    assert result.returncode == 0
    found = {change["found"] for change in json.loads(result.stdout)["changes"]}
    assert "arsenic" not in found
    assert "connected" in found


def test_check_min_confidence_thins_the_flags(data_dir):
    env = {"UNSPIN_DATA": str(data_dir)}
    default = json.loads(run("check", "-", "--json", stdin=SPUN * 4, env=env).stdout)
    strict = json.loads(
        run("check", "-", "--json", "--min-confidence", "0.99", stdin=SPUN * 4, env=env).stdout
    )
    assert strict["verdict"] == default["verdict"]
    assert all(flag["confidence"] >= 0.99 for flag in strict["flags"])
    assert len(strict["flags"]) < len(default["flags"])


def test_check_shows_no_empty_suggestion(data_dir):
    # The screen flags some words as parts of a longer substitute, with no single original.
    from unspin.corpora import sotu_documents

    text = next(iter(sotu_documents("heldout")))[1][:4000]
    # Wide enough that rich does not wrap a flag's line.
    result = run("check", "-", stdin=text, env={"UNSPIN_DATA": str(data_dir), "COLUMNS": "300"})
    assert result.returncode in (0, 1), result.stderr
    flags = [line for line in result.stdout.splitlines() if "often part of" in line]
    assert flags, "this text has a part-of-substitute flag"
    assert not any("-> ''" in line for line in flags)
    # Flags under a clean verdict are introduced as such, not left to read as a contradiction.
    assert result.returncode == 0
    assert "possible swaps, too few or too weak to call the text spun:" in result.stdout


def _brown_press_pair() -> tuple[str, str]:
    """A clean 300-word held-out document and its crude-spun version (spun at rate 0.3)."""
    from unspin.bench.detection import chunks
    from unspin.bench.spinners import spin
    from unspin.corpora import BROWN_PRESS, brown_documents

    clean = chunks(list(itertools.islice(brown_documents(BROWN_PRESS), 20)))[0][1]
    return clean, spin(clean, "crude", 0.3, seed=5).spun


def test_check_a_folder_a_line_per_document(data_dir, tmp_path):
    clean, spun = _brown_press_pair()
    (tmp_path / "docs" / "more").mkdir(parents=True)
    (tmp_path / "docs" / "clean.txt").write_text(clean)
    (tmp_path / "docs" / "more" / "spun.txt").write_text(spun)
    (tmp_path / "docs" / "notes.bin").write_bytes(b"\xff not a text file, not read")
    result = run("check", str(tmp_path / "docs"), env={"UNSPIN_DATA": str(data_dir)})
    assert result.returncode == 1, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("clean") and lines[0].endswith("clean.txt")
    assert lines[1].startswith("spun") and lines[1].endswith("spun.txt")
    assert "2 documents" in result.stderr and "1 spun, 1 clean" in result.stderr


def test_check_a_collection_as_json_lines(data_dir, tmp_path):
    clean, spun = _brown_press_pair()
    collection = tmp_path / "crawl.jsonl"
    collection.write_text(
        json.dumps({"id": "page-1", "text": clean}) + "\n" + json.dumps({"id": 2, "text": spun})
    )
    result = run("check", str(collection), "--json", env={"UNSPIN_DATA": str(data_dir)})
    assert result.returncode == 1, result.stderr
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["id"] for r in records] == [f"{collection}:page-1", f"{collection}:2"]
    assert [r["verdict"] for r in records] == ["clean", "spun"]
    assert records[1]["flags"] and records[1]["threshold"] == records[0]["threshold"]


def test_check_several_files_clean_exits_zero(data_dir, tmp_path):
    clean, _ = _brown_press_pair()
    for name in ("a.txt", "b.txt"):
        (tmp_path / name).write_text(clean)
    result = run(
        "check",
        str(tmp_path / "a.txt"),
        str(tmp_path / "b.txt"),
        env={"UNSPIN_DATA": str(data_dir)},
    )
    assert result.returncode == 0, result.stderr
    assert [line.split()[0] for line in result.stdout.splitlines()] == ["clean", "clean"]


def test_check_batch_reports_unreadable_documents_and_checks_the_rest(data_dir, tmp_path):
    _, spun = _brown_press_pair()
    (tmp_path / "latin1.txt").write_bytes("caf\xe9 au lait".encode("latin-1"))
    (tmp_path / "spun.txt").write_text(spun)
    broken = tmp_path / "broken.jsonl"
    broken.write_text(json.dumps({"id": "ok", "text": "A short line."}) + "\n{not json\n")
    result = run(
        "check",
        str(tmp_path / "latin1.txt"),
        str(tmp_path / "missing.txt"),
        str(tmp_path / "spun.txt"),
        str(broken),
        env={"UNSPIN_DATA": str(data_dir)},
    )
    assert result.returncode == 2
    assert [line.split()[0] for line in result.stdout.splitlines()] == ["spun", "insufficient"]
    errors = [line for line in result.stderr.splitlines() if "error:" in line]
    assert len(errors) == 3
    assert "not UTF-8" in errors[0] and "no such file" in errors[1]
    assert f"{broken}:2: not JSON" in errors[2]
    assert "Traceback" not in result.stderr
    assert "5 documents" in result.stderr and "3 unreadable" in result.stderr


def test_restore_a_collection_to_json_lines(data_dir, tmp_path):
    _, spun = _brown_press_pair()
    collection = tmp_path / "crawl.jsonl"
    collection.write_text(
        json.dumps({"id": "a", "text": spun}) + "\n" + json.dumps({"id": "b", "text": "Hello."})
    )
    (tmp_path / "latin1.txt").write_bytes("caf\xe9".encode("latin-1"))
    env = {"UNSPIN_DATA": str(data_dir)}
    result = run("restore", str(collection), "--json", env=env)
    assert result.returncode == 0, result.stderr
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["id"] for r in records] == [f"{collection}:a", f"{collection}:b"]
    first = records[0]
    assert first["changes"] and first["text"] != spun
    for change in first["changes"]:
        assert spun[change["start"] : change["end"]] == change["found"]
    assert records[1]["text"] == "Hello." and records[1]["changes"] == []
    assert "2 documents" in result.stderr and "1 changed, 1 unchanged" in result.stderr
    mixed = run("restore", str(collection), str(tmp_path / "latin1.txt"), "--json", env=env)
    assert mixed.returncode == 2
    assert len(mixed.stdout.splitlines()) == 2 and "not UTF-8" in mixed.stderr
