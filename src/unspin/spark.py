"""Detection over a crawl on Spark: ``unspin check COLLECTION --spark --out DIR``.

Each partition opens the data directory once (it must exist at the same path on every node) and
checks its documents one at a time with :meth:`unspin.api.Unspinner.check`, the same call as on
one machine, so a document gets the same verdict either way. The collection is read by Spark
itself and the verdicts are written by the executors, as JSON Lines (one ``part-*`` file per
partition): neither passes through the driver, which only counts the verdicts.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from unspin import data
from unspin.trace.corpus import CorpusError
from unspin.trace.spark import session

UNREADABLE = "unreadable"
"""The verdict of a record that has no text: reported, not guessed."""


def check_rdd(documents, data_dir: Path | None = None, **options: Any):
    """An RDD of ``(doc_id, text)`` pairs checked: an RDD of verdicts, each the dictionary of
    :meth:`unspin.report.Verdict.to_dict` with the document's ``id`` first (or, for a record
    without text, ``verdict`` :data:`UNREADABLE` and an ``error``). ``options`` are those of
    :meth:`unspin.api.Unspinner.check` (``tier``, ``threshold``, ``allow``, ...)."""
    directory = Path(data_dir or data.default_dir())

    def check_partition(rows: Iterable[tuple[str, str]]) -> Iterator[dict[str, Any]]:
        import unspin

        model = unspin.load(directory)
        for doc_id, text in rows:
            if isinstance(text, str):
                yield {"id": doc_id, **model.check(text, **options).to_dict()}
            else:  # a record without text, or a line Spark could not parse
                yield {"id": doc_id, "verdict": UNREADABLE, "error": "no text"}

    return documents.mapPartitions(check_partition)


def check_file(
    path: Path,
    out: Path,
    data_dir: Path | None = None,
    master: str = "local[1]",
    **options: Any,
) -> Counter[str]:
    """Check a JSON Lines or Parquet collection (``id`` and ``text``) and write its verdicts to
    the folder ``out`` (which must not exist yet) as JSON Lines; returns how many documents got
    each verdict. :class:`~unspin.trace.corpus.CorpusError` if the collection has no ``id`` and
    ``text`` columns."""
    from pyspark import StorageLevel
    from pyspark.errors import AnalysisException

    spark = session(master, "unspin-check")
    reader = spark.read.parquet if path.suffix == ".parquet" else spark.read.json
    try:
        rows = reader(str(path)).select("id", "text").rdd
    except AnalysisException as error:  # no such columns, or not JSON / Parquet at all
        raise CorpusError(f"{path}: needs 'id' and 'text' in every record") from error
    # Spark reads a small file (under 4 MB, or one Parquet row group) as one partition: spread
    # it, or one core does all the work.
    cores = spark.sparkContext.defaultParallelism
    if rows.getNumPartitions() < cores:
        rows = rows.repartition(cores)
    verdicts = check_rdd(rows.map(lambda row: (str(row[0]), row[1])), data_dir, **options)
    # Written and counted from one pass: without the cache every document would be checked twice.
    verdicts.persist(StorageLevel.MEMORY_AND_DISK)
    verdicts.map(lambda v: json.dumps(v, ensure_ascii=False)).saveAsTextFile(str(out))
    counts = Counter(verdicts.map(lambda v: v["verdict"]).countByValue())
    verdicts.unpersist()
    return counts
