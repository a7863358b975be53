"""Tracing spun copies: the index, its errors, the collection readers and the CLI, on real
public-domain text (State of the Union addresses) and the real lexicon."""

from __future__ import annotations

import json
import sqlite3

import pytest
from typer.testing import CliRunner

from unspin import corpora, data
from unspin.bench.spinners import spin
from unspin.trace import Index, TraceError
from unspin.trace.cluster import cluster
from unspin.trace.corpus import CorpusError, chunks, read_documents, write_jsonl


@pytest.fixture(scope="module")
def speeches() -> list[tuple[str, str]]:
    """The last eight addresses before 2009 cut to 600 words: sources, and texts never indexed
    (of the same era and topics as the sources)."""
    found = []
    for doc_id, body in list(corpora.sotu_documents("train"))[-8:]:
        found.append((doc_id, " ".join(body.split(" ")[:600])))
    return found


@pytest.fixture(scope="module")
def passages() -> list[tuple[str, str]]:
    """Distractors: 300 passages of earlier addresses."""
    found: list[tuple[str, str]] = []
    for doc_id, body in corpora.sotu_documents("train"):
        found += [(f"{doc_id}#{n}", c) for n, c in enumerate(chunks(body))]
        if len(found) >= 300:
            break
    return found[:300]


@pytest.fixture(scope="module")
def index(tmp_path_factory, speeches, passages) -> Index:
    built = Index(tmp_path_factory.mktemp("trace") / "index.db", data_dir=data.default_dir())
    built.add_many(speeches[:6] + passages)
    return built


@pytest.mark.parametrize(("spinner", "rate"), [("crude", 0.35), ("phrase", 0.3)])
def test_spun_copy_is_traced_to_its_source(index, speeches, spinner, rate):
    doc_id, text = speeches[2]
    spun = spin(text, spinner, rate, seed=5)
    matches = index.query(spun.spun, k=3)
    assert matches[0].doc_id == doc_id
    assert matches[0].score >= 0.5
    assert all(m.score < 0.5 for m in matches[1:])
    # Span pairs point into both texts, sentence by sentence, and cover most of the copy.
    spans = matches[0].spans
    assert len(spans) > 5
    covered = sum(s.query_end - s.query_start for s in spans)
    assert covered > 0.7 * len(spun.spun)
    source = index.text(doc_id)
    first = spans[0]
    assert spun.spun[first.query_start : first.query_end].split()[-1] in source


def test_unrelated_document_is_not_matched(index, speeches):
    assert len(speeches[6:]) == 2
    for _, text in speeches[6:]:  # addresses of the same era, never indexed
        assert all(m.score < 0.5 for m in index.query(text))


def test_empty_index_finds_nothing(tmp_path, speeches):
    with Index(tmp_path / "empty.db") as empty:
        assert len(empty) == 0
        assert empty.query(speeches[0][1]) == []
        assert empty.query("") == []


def test_adding_an_id_again_replaces_the_document(tmp_path, speeches):
    with Index(tmp_path / "replace.db") as target:
        target.add("a", speeches[0][1])
        target.add("a", speeches[1][1])
        assert len(target) == 1
        assert target.query(speeches[1][1])[0].doc_id == "a"
        assert target.query(speeches[0][1]) == []


def test_corrupt_index_is_a_clear_error(tmp_path):
    path = tmp_path / "corrupt.db"
    path.write_bytes(b"this is not a database, just some bytes " * 100)
    with pytest.raises(TraceError, match="is not an unspin index"):
        Index(path)


def test_index_of_other_data_is_refused(tmp_path, speeches):
    path = tmp_path / "other.db"
    Index(path).close()
    with sqlite3.connect(path) as db:
        db.execute("UPDATE meta SET value = 'someone-else' WHERE key = 'lexicon'")
    with pytest.raises(TraceError, match="rebuild it"):
        Index(path)


def test_missing_index_is_not_created_for_a_query(tmp_path):
    with pytest.raises(TraceError, match="no index at"):
        Index(tmp_path / "absent.db", create=False)
    assert not (tmp_path / "absent.db").exists()


def test_collections_read_from_folder_jsonl_and_parquet(tmp_path, speeches):
    import pyarrow as pa
    import pyarrow.parquet as pq

    folder = tmp_path / "folder"
    folder.mkdir()
    for doc_id, text in speeches[:2]:
        (folder / f"{doc_id}.txt").write_text(text)
    write_jsonl(speeches[:2], tmp_path / "docs.jsonl")
    pq.write_table(
        pa.table({"id": [d for d, _ in speeches[:2]], "text": [t for _, t in speeches[:2]]}),
        tmp_path / "docs.parquet",
    )
    expected = sorted(speeches[:2])
    assert sorted((d.removesuffix(".txt"), t) for d, t in read_documents(folder)) == expected
    assert sorted(read_documents(tmp_path / "docs.jsonl")) == expected
    assert sorted(read_documents(tmp_path / "docs.parquet")) == expected
    (tmp_path / "bad.jsonl").write_text('{"id": 1}\n')
    with pytest.raises(CorpusError, match="needs 'id' and 'text'"):
        list(read_documents(tmp_path / "bad.jsonl"))


def test_cluster_groups_spun_variants_with_their_source(speeches, passages):
    documents = list(passages[:150])
    for number, (doc_id, text) in enumerate(speeches[:4]):
        documents.append((doc_id, text))
        documents.append((f"{doc_id}~crude", spin(text, "crude", 0.35, seed=number).spun))
        documents.append((f"{doc_id}~phrase", spin(text, "phrase", 0.3, seed=number).spun))
    clusters, stats = cluster(documents, data.default_dir())
    assert sorted(c.members for c in clusters) == sorted(
        (d, f"{d}~crude", f"{d}~phrase") for d, _ in speeches[:4]
    )
    assert stats["documents"] == len(documents)


def test_cli_index_trace_and_exit_codes(tmp_path, speeches):
    from unspin.cli import app, main  # noqa: F401  (main registers the subcommands)
    from unspin.trace.cli import register

    register(app)
    runner = CliRunner()
    corpus = tmp_path / "corpus.jsonl"
    write_jsonl(speeches[:4], corpus)
    db = tmp_path / "cli.db"
    added = runner.invoke(app, ["index", "add", str(corpus), "--index", str(db), "--json"])
    assert added.exit_code == 0, added.output
    assert json.loads(added.stdout)["documents"] == 4

    copy = tmp_path / "copy.txt"
    copy.write_text(spin(speeches[1][1], "phrase", 0.3, seed=2).spun)
    found = runner.invoke(app, ["trace", str(copy), "--index", str(db), "--json"])
    assert found.exit_code == 0
    assert json.loads(found.stdout)["matches"][0]["doc_id"] == speeches[1][0]

    clean = tmp_path / "clean.txt"
    clean.write_text(speeches[7][1])
    assert runner.invoke(app, ["trace", str(clean), "--index", str(db)]).exit_code == 1

    broken = tmp_path / "broken.db"
    broken.write_bytes(b"\x00garbage" * 200)
    failed = runner.invoke(app, ["trace", str(clean), "--index", str(broken)])
    assert failed.exit_code == 2
    assert "not an unspin index" in failed.output
    assert "Traceback" not in failed.output
    missing = runner.invoke(app, ["trace", str(clean), "--index", str(tmp_path / "none.db")])
    assert missing.exit_code == 2 and "no index at" in missing.output
