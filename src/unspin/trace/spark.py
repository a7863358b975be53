"""The clustering of :mod:`unspin.trace.cluster` on Spark, for collections beyond one machine.

Every step is the same function as on one machine, applied per partition: fingerprints are
computed where the documents are (each executor opens the data directory, which must exist at
the same path on every node), shingle buckets are a ``groupByKey``, candidate pairs a
``reduceByKey`` count, verification runs beside the two texts after two joins, and only the
verified edges (a few per spun document) and their documents' plainness reach the driver, where
union-find makes the clusters. Same input, same clusters as :func:`unspin.trace.cluster.cluster`.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Iterator
from operator import add
from pathlib import Path

from unspin import data
from unspin.trace.cluster import (
    MIN_SHARED,
    Cluster,
    bucket_pairs,
    clusters_from,
    features,
    verify,
)
from unspin.trace.fingerprint import Fingerprinter


def session(master: str = "local[1]", app_name: str = "unspin-cluster"):
    """A Spark session whose Python workers run this interpreter (so they can import unspin)."""
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    from pyspark.sql import SparkSession

    return (
        SparkSession.builder.master(master)
        .appName(app_name)
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", "8")
        .getOrCreate()
    )


def cluster_rdd(documents, data_dir: Path | None = None) -> tuple[list[Cluster], dict]:
    """Cluster an RDD of ``(doc_id, text)`` pairs."""
    directory = str(data_dir or data.default_dir())

    def featurise(rows: Iterable[tuple[str, str]]) -> Iterator[tuple[str, tuple]]:
        fingerprinter = Fingerprinter(Path(directory))
        for doc_id, text in rows:
            found = features(fingerprinter, text)
            yield doc_id, (sorted(found.shingles), found.plainness)

    def verified(rows: Iterable[tuple]) -> Iterator[tuple[str, str]]:
        fingerprinter = Fingerprinter(Path(directory))
        for b, ((a, text_a), text_b) in rows:
            if verify(fingerprinter, text_a, text_b) >= 0.5:
                yield a, b

    texts = documents.map(lambda row: (str(row[0]), row[1])).cache()
    featured = texts.mapPartitions(featurise).cache()
    candidates = (
        featured.flatMap(lambda row: ((value, row[0]) for value in row[1][0]))
        .groupByKey()
        .flatMap(lambda bucket: bucket_pairs(bucket[1]))
        .map(lambda pair: (pair, 1))
        .reduceByKey(add)
        .filter(lambda counted: counted[1] >= MIN_SHARED)
        .keys()
        .cache()
    )
    edges = (
        candidates.join(texts)  # (a, (b, text_a))
        .map(lambda row: (row[1][0], (row[0], row[1][1])))
        .join(texts)  # (b, ((a, text_a), text_b))
        .mapPartitions(verified)
        .collect()
    )
    nodes = {node for edge in edges for node in edge}
    plain = dict(
        featured.filter(lambda row: row[0] in nodes).map(lambda row: (row[0], row[1][1])).collect()
    )
    stats = {
        "documents": texts.count(),
        "candidate_pairs": candidates.count(),
        "edges": len(edges),
    }
    texts.unpersist()
    featured.unpersist()
    candidates.unpersist()
    return clusters_from(sorted(edges), plain), stats


def cluster(
    documents: list[tuple[str, str]],
    data_dir: Path | None = None,
    master: str = "local[1]",
    partitions: int | None = None,
) -> tuple[list[Cluster], dict]:
    """Cluster in-memory ``(doc_id, text)`` pairs on Spark (local mode by default)."""
    spark = session(master)
    rdd = spark.sparkContext.parallelize(documents, partitions or max(2, len(documents) // 5000))
    return cluster_rdd(rdd, data_dir)


def cluster_file(path: Path, data_dir: Path | None = None, master: str = "local[1]"):
    """Cluster a JSONL or Parquet file with ``id``/``text`` columns read by Spark itself, so
    the collection never passes through the driver."""
    spark = session(master)
    reader = spark.read.parquet if path.suffix == ".parquet" else spark.read.json
    frame = reader(str(path)).select("id", "text")
    return cluster_rdd(frame.rdd.map(lambda row: (str(row[0]), row[1])), data_dir)
