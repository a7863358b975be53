"""unspin: find, explain and undo machine-spun text.

    import unspin
    r = unspin.restore(text)   # r.text; r.changes: start, end, found, suggestion, confidence…
    v = unspin.check(text)     # v.spun_probability, v.verdict, v.paragraphs, v.flags
    i = unspin.Index("sources.db")  # i.add(doc_id, text); i.query(spun) -> [Match(doc_id, score)]

Both load the data built by ``unspin data build`` once per process; :func:`load` gives an object
bound to a specific data directory.
"""

from __future__ import annotations

from pathlib import Path

from unspin.report import Change, Flag, ParagraphVerdict, Restoration, Verdict

__version__ = "0.1.0"
__all__ = [
    "Change",
    "Flag",
    "Index",
    "ParagraphVerdict",
    "Restoration",
    "Unspinner",
    "Verdict",
    "check",
    "load",
    "restore",
]


def load(data_dir: Path | str | None = None):
    """The :class:`~unspin.api.Unspinner` for a data directory (default: the built one), cached so
    that repeated calls share one memory-mapped lexicon and language model."""
    from unspin.api import load as _load

    return _load(Path(data_dir) if data_dir is not None else None)


def restore(
    text: str, *, min_confidence: float | None = None, rescore: str | None = None
) -> Restoration:
    """Restore the original wording of ``text``; see :class:`Restoration`. ``rescore="neural"``
    lets SmolLM2 rescore the changes (optional extra: ``make neural``)."""
    return load().restore(text, min_confidence=min_confidence, rescore=rescore)


def check(
    text: str,
    *,
    threshold: float | None = None,
    fingerprints: dict[str, str] | None = None,
    allow: frozenset[str] = frozenset(),
    tier: str = "auto",
) -> Verdict:
    """Say whether ``text`` is machine-spun; see :class:`Verdict`. ``fingerprints`` and ``allow``
    are phrase lists as loaded by :mod:`unspin.phrase_lists`; ``tier`` is "fast" (screen only),
    "full" (restorer too) or "auto" (the restorer only where the screen cannot clear the text)."""
    return load().check(
        text, threshold=threshold, fingerprints=fingerprints, allow=allow, tier=tier
    )


def __getattr__(name: str):
    if name == "Unspinner":
        from unspin.api import Unspinner

        return Unspinner
    if name == "Index":  # the trace package (SQLite, rapidfuzz) loads only when asked for
        from unspin.trace import Index

        return Index
    raise AttributeError(name)
