"""The Spark path of clustering gives the same clusters as one machine (local mode, small)."""

from __future__ import annotations

import shutil

import pytest

from unspin import corpora, data
from unspin.bench.spinners import spin
from unspin.trace.cluster import cluster
from unspin.trace.corpus import chunks

pytestmark = pytest.mark.skipif(
    shutil.which("java") is None, reason="Spark needs Java (make setup installs OpenJDK 17)"
)


def test_spark_local_mode_clusters_like_one_machine(tmp_path):
    from unspin.trace import spark

    documents: list[tuple[str, str]] = []
    for doc_id, body in corpora.sotu_documents("train"):
        documents += [(f"{doc_id}#{n}", c) for n, c in enumerate(chunks(body))]
        if len(documents) >= 200:
            break
    for number, (doc_id, body) in enumerate(list(corpora.sotu_documents("dev"))[:5]):
        text = " ".join(body.split(" ")[:400])
        documents.append((doc_id, text))
        documents.append((f"{doc_id}~spun", spin(text, "crude", 0.35, seed=number).spun))
    local, _ = cluster(documents, data.default_dir())
    remote, stats = spark.cluster(documents, data.default_dir(), master="local[1]")
    assert remote == local
    assert len(remote) >= 5
    assert stats["documents"] == len(documents)
    # The file reader (JSON Lines read by Spark itself) gives the same result.
    from unspin.trace.corpus import write_jsonl

    path = tmp_path / "docs.jsonl"
    write_jsonl(documents, path)
    from_file, _ = spark.cluster_file(path, data.default_dir(), master="local[1]")
    assert from_file == local
