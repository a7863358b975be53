"""The object behind the public functions: one data directory, loaded once."""

from __future__ import annotations

import functools
from collections.abc import Collection, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from unspin import data, phrase_lists
from unspin.engine import Restorer, Settings
from unspin.lexicon import Lexicon
from unspin.lm import LanguageModel
from unspin.report import Restoration, Verdict, apply_changes
from unspin.screen import Screen

if TYPE_CHECKING:
    from unspin.neural import NeuralRescorer


class Unspinner:
    """Restore and check text against one built data directory."""

    def __init__(self, directory: Path | None = None, settings: Settings | None = None) -> None:
        """``settings``: decoder knobs other than the shipped ones (see bench/calibrate.py)."""
        self.directory = directory or data.default_dir()
        self.manifest = data.read_manifest(self.directory)
        self.version = self.manifest["data_version"]
        self.restorer = Restorer(Lexicon(self.directory), LanguageModel(self.directory), settings)

    def restore(
        self,
        text: str,
        min_confidence: float | None = None,
        rescore: str | None = None,
        allow: Collection[str] = (),
    ) -> Restoration:
        """``rescore="neural"``: SmolLM2 rescores the changes (``make neural`` installs it; ~20 s
        to load once, far slower per word: see unspin.neural). ``allow``: terms (in
        :func:`phrase_lists.key` form) never to change; the rest of the text is restored as
        without them."""
        _require_text(text, "restore")
        restorer = self.restorer if rescore is None else self._rescorer(rescore)
        result = restorer.restore(text, min_confidence=min_confidence)
        changes = result.changes
        allowed = phrase_lists.allowed_spans(text, allow)
        if allowed:
            changes = [c for c in changes if not phrase_lists.overlaps(c.start, c.end, allowed)]
        return Restoration(apply_changes(text, changes), changes, self.version)

    def check(
        self,
        text: str,
        threshold: float | None = None,
        fingerprints: Mapping[str, str] | None = None,
        allow: Collection[str] = (),
        tier: str = "auto",
        rescore: str | None = None,
        min_confidence: float | None = None,
    ) -> Verdict:
        """``tier``: "fast" (screen only), "full" (restorer too) or "auto" (see unspin.detect).
        ``rescore="neural"``: SmolLM2 re-judges the flags (not the probabilities).
        ``min_confidence``: flag only words at least this sure (default 0.5)."""
        from unspin.detect import check

        _require_text(text, "check")
        return check(
            self,
            text,
            threshold=threshold,
            fingerprints=fingerprints,
            allow=allow,
            tier=tier,
            rescorer=None if rescore is None else self._rescorer(rescore),
            min_confidence=min_confidence,
        )

    def _rescorer(self, rescore: str) -> NeuralRescorer:
        if rescore != "neural":
            raise ValueError(f"unknown rescore {rescore!r}; the one choice is 'neural'")
        from unspin.neural import NeuralRescorer

        return NeuralRescorer(self.restorer)  # the model itself is loaded once per process

    @functools.cached_property
    def screen(self) -> Screen:
        """The fast tier's table, loaded on first use (the restorer alone does not need it)."""
        try:
            return Screen(self.directory)
        except FileNotFoundError as error:  # data built before the screen existed
            raise data.DataError(f"{error}; {data.BUILD_HINT}") from None


def _require_text(text: object, function: str) -> None:
    """Fail at the door, not deep in the tokenizer, when given bytes or None."""
    if not isinstance(text, str):
        hint = " (decode it first, e.g. data.decode('utf-8'))" if isinstance(text, bytes) else ""
        raise TypeError(f"unspin.{function} expects str, not {type(text).__name__}{hint}")


@functools.cache
def load(directory: Path | None = None) -> Unspinner:
    return Unspinner(directory)
