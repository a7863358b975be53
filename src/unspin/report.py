"""What unspin tells its users: the public result types and their JSON form.

These dataclasses are the public contract (``unspin.restore`` returns a :class:`Restoration`,
``unspin.check`` a :class:`Verdict`); the CLI, the server and the bench only serialise them.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Literal


@dataclass(frozen=True, slots=True)
class Change:
    """One restored span: ``input[start:end] == found`` is replaced by ``suggestion``."""

    start: int
    end: int
    found: str
    suggestion: str
    confidence: float
    reason: str


@dataclass(frozen=True, slots=True)
class Restoration:
    """The restored text and every change made to get it, in input order."""

    text: str
    changes: list[Change]
    data_version: str = ""

    def to_dict(self) -> dict:
        return asdict(self)


VerdictLabel = Literal["spun", "clean", "insufficient"]


@dataclass(frozen=True, slots=True)
class Flag:
    """A word or phrase that looks spun, with the original it probably replaced."""

    start: int
    end: int
    found: str
    suggestion: str
    confidence: float
    reason: str


@dataclass(frozen=True, slots=True)
class ParagraphVerdict:
    start: int
    end: int
    words: int
    spun_probability: float
    verdict: VerdictLabel


@dataclass(frozen=True, slots=True)
class Verdict:
    """Whether a text is machine-spun, how sure unspin is, and where the evidence lies."""

    spun_probability: float
    verdict: VerdictLabel
    words: int
    paragraphs: list[ParagraphVerdict] = field(default_factory=list)
    flags: list[Flag] = field(default_factory=list)
    threshold: float = 0.5
    data_version: str = ""
    tier: str = "full"  # which detection tier decided: "fast" (screen only) or "full"
    paragraph_threshold: float = 0.5  # paragraphs answer to a looser false-positive target

    def to_dict(self) -> dict:
        return asdict(self)


def apply_changes(source: str, changes: list[Change]) -> str:
    """Rebuild the text from the input and non-overlapping changes; everything else is untouched."""
    pieces = []
    cursor = 0
    for change in sorted(changes, key=lambda c: c.start):
        if change.start < cursor or source[change.start : change.end] != change.found:
            raise ValueError(f"change does not index the input: {change}")
        pieces.append(source[cursor : change.start])
        pieces.append(change.suggestion)
        cursor = change.end
    pieces.append(source[cursor:])
    return "".join(pieces)
