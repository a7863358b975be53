"""Trace spun copies to their source and cluster spun variants (issue #6).

    from unspin.trace import Index
    index = Index("sources.db")         # one SQLite file
    index.add_many(documents)           # (doc_id, text) pairs
    index.query(spun_text, k=5)         # [Match(doc_id, score, spans)], score >= 0.5: a copy

:func:`unspin.trace.cluster.cluster` groups spun variants of a collection and names their likely
source; :mod:`unspin.trace.spark` runs the same algorithm on a Spark cluster.
"""

from unspin.trace.align import SpanPair
from unspin.trace.index import Index, Match, TraceError

__all__ = ["Index", "Match", "SpanPair", "TraceError"]
