"""The n-gram language model that decides which restoration reads most like real English.

A KenLM model trained on the open corpora (:func:`unspin.corpora.training_documents`) does the
work. Its weak spot for this task is the unknown word: KenLM gives every out-of-vocabulary word the
same ``<unk>`` probability, so a typo, a spinner's gibberish and a real but rare word all score
alike, and the decoder happily keeps gibberish. :class:`LanguageModel` therefore replaces the flat
``<unk>`` unigram with a wordfreq prior (how common the word is on the web), scaled to the share
of running text that unseen words take, and keeps KenLM's context backoff around it.

A corpus of a few million words also cannot know which words go together in today's English
(White House, deep inside, mobile phone). :meth:`LanguageModel.association` adds that from Google
Web 1T counts (a trillion words of 2006 web text; the top 286k word pairs, as shipped in
``wordsegment``): how much more often two words stand side by side than chance would have them.

Files in a model directory: ``lm.binary`` (quantized KenLM trie, memory-mapped), ``unigram.marisa``
(word -> log10 wordfreq frequency, memory-mapped, so queries never import wordfreq, whose load is
slow), ``webpairs.marisa`` (Web 1T log10 counts of words and word pairs) and ``lm.json`` (the
build manifest and the constants of the unknown-word and association models).
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import subprocess
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import IO, Any

import kenlm
import marisa_trie

from unspin import corpora, resources, text

BINARY_FILE = "lm.binary"
PRIOR_FILE = "unigram.marisa"
PAIRS_FILE = "webpairs.marisa"
MANIFEST_FILE = "lm.json"

_PRIOR_FORMAT = "<f"
_ASSOCIATION_LIMIT = 3.0
_SMASHED_DIGITS = re.compile(r"\d{2,}")  # wordfreq stores "1990" as "0000"


class ModelNotFound(FileNotFoundError):
    """The model directory lacks a file: the model was never built there, or only in part."""


class BuildError(RuntimeError):
    """lmplz or build_binary failed; the message carries the tail of the tool's log."""


def _training_lines(documents: Iterable[tuple[str, str]]) -> Iterable[tuple[str, str]]:
    """``(source, line)`` with one sentence per line, tokens normalised exactly as at query time."""
    for doc_id, body in documents:
        source = doc_id.partition(":")[0] if ":" in doc_id else "custom"
        for paragraph in text.paragraphs(body):
            for sentence in text.sentences(paragraph.tokens):
                yield source, " ".join(text.lm_form(token.text) for token in sentence)


def _write_training_text(
    documents: Iterable[tuple[str, str]], sink: IO[bytes]
) -> tuple[Counter[str], Counter[str], int, str]:
    """Stream the training text into ``sink``; return word counts, per-source tokens, lines, sha."""
    words: Counter[str] = Counter()
    per_source: Counter[str] = Counter()
    digest = hashlib.sha256()
    lines = 0
    for source, line in _training_lines(documents):
        tokens = line.split(" ")
        words.update(tokens)
        per_source[source] += len(tokens)
        data = (line + "\n").encode("utf-8")
        digest.update(data)
        sink.write(data)
        lines += 1
    return words, per_source, lines, digest.hexdigest()


def _run(command: list[str], log: Path, **kwargs: Any) -> subprocess.Popen[bytes]:
    with log.open("ab") as handle:
        return subprocess.Popen(command, stderr=handle, **kwargs)


def _check(process: subprocess.Popen[bytes], log: Path) -> None:
    if process.wait() != 0:
        tail = log.read_text(encoding="utf-8", errors="replace").strip().splitlines()[-5:]
        raise BuildError(
            f"{process.args[0]} failed (exit {process.returncode}): {' | '.join(tail)}"
        )


def _arpa_counts(arpa: Path) -> dict[str, int]:
    """N-gram counts per order from the ARPA header, keyed as they read back from JSON."""
    counts = {}
    with arpa.open(encoding="utf-8") as handle:
        for line in handle:
            if line.startswith("ngram "):
                order, count = line[6:].split("=")
                counts[order] = int(count)
            elif line.startswith("\\1-grams:"):
                return counts
    return counts


def _prior_entries() -> Iterable[tuple[str, float]]:
    """wordfreq's English 'best' list keyed by our tokens: words our tokenizer would split go."""
    import wordfreq  # only at build time: loading it takes a while

    for word, frequency in wordfreq.get_frequency_dict("en", wordlist="best").items():
        key = word if text.lm_tokens(word) == [word] else word + "."  # "u.s" -> "u.s."
        if text.lm_tokens(key) == [key]:
            yield key, math.log10(frequency)


def _web_counts() -> tuple[dict[str, float], dict[str, Any]]:
    """Web 1T log10 counts keyed ``word`` and ``word word`` (a key never holds two spaces), and
    the constants :meth:`LanguageModel.association` needs. The lists were lower-cased after
    counting, so "In the" and "in the" come as two lines: their counts add up."""
    directory = resources.web_counts_dir()
    counts: Counter[str] = Counter()
    for name in ("unigrams.txt", "bigrams.txt"):
        with (directory / name).open(encoding="utf-8") as handle:
            for line in handle:
                key, _, count = line.rstrip("\n").partition("\t")
                counts[key] += int(count)
    pairs = [count for key, count in counts.items() if " " in key]
    constants = {
        "pairs": len(pairs),
        "words": len(counts) - len(pairs),
        "total_log10": math.log10(sum(counts.values()) - sum(pairs)),
        "pair_threshold_log10": math.log10(min(pairs)),
    }
    return {key: math.log10(count) for key, count in counts.items()}, constants


def _file_entry(path: Path) -> dict[str, Any]:
    return {"bytes": path.stat().st_size, "sha256": hashlib.sha256(path.read_bytes()).hexdigest()}


def build(
    out_dir: Path,
    order: int = 5,
    documents: Iterable[tuple[str, str]] | None = None,
    progress: Callable[[str], None] | None = None,
    memory: str = "40%",
) -> dict[str, Any]:
    """Train the model into ``out_dir`` and return its manifest (also written to ``lm.json``).

    ``documents`` defaults to :func:`unspin.corpora.training_documents`; tests pass a small real
    subset. ``memory`` is lmplz's sort memory (GNU sort syntax); a percentage costs a few seconds
    of allocation, which only matters for tiny test models. Singleton n-grams above order 2 are
    pruned and the trie is quantized to 8 bits: on the full corpora this keeps the 5-gram model at
    13 MB instead of 55 MB for a held-out perplexity of 343 instead of 340.
    """
    if order < 2:
        raise ValueError(f"order must be at least 2, not {order}")
    say = progress or (lambda _message: None)
    started = time.monotonic()
    out_dir.mkdir(parents=True, exist_ok=True)
    lmplz, build_binary = resources.kenlm_tool("lmplz"), resources.kenlm_tool("build_binary")
    # Everything is made in a scratch directory and moved into place at the end: a build that
    # fails leaves an existing model as it was.
    with tempfile.TemporaryDirectory(dir=out_dir, prefix=".build-") as temp:
        scratch = Path(temp)
        log, arpa = scratch / "kenlm.log", scratch / "lm.arpa"
        say(f"training a {order}-gram model (lmplz reads while the corpora are tokenised)")
        prune = ["0", "0", *["1"] * (order - 2)]
        command = [str(lmplz), "-o", str(order), "-S", memory, "-T", f"{scratch}/", "--prune"]
        command += [*prune, "--discount_fallback", "--arpa", str(arpa)]
        lmplz_process = _run(command, log, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL)
        assert lmplz_process.stdin is not None
        try:
            words, per_source, lines, text_sha = _write_training_text(
                documents if documents is not None else corpora.training_documents(),
                lmplz_process.stdin,
            )
            lmplz_process.stdin.close()
        except BrokenPipeError:
            _check(lmplz_process, log)  # lmplz died first: report its reason
            raise
        except BaseException:
            lmplz_process.kill()  # never let lmplz finish a model on a partial corpus
            lmplz_process.wait()
            raise
        _check(lmplz_process, log)
        ngrams = _arpa_counts(arpa)
        say("quantizing into a KenLM trie")
        command = [str(build_binary), "-q", "8", "-b", "8", "-a", "22", "-S", "1G"]
        command += ["-T", f"{scratch}/", "trie", str(arpa), str(scratch / BINARY_FILE)]
        _check(_run(command, log, stdout=subprocess.DEVNULL), log)
        arpa.unlink()

        say("writing unigram priors")
        priors = dict(_prior_entries())
        trie = marisa_trie.RecordTrie(_PRIOR_FORMAT, ((w, (p,)) for w, p in priors.items()))
        trie.save(str(scratch / PRIOR_FILE))
        say("writing Web 1T word-pair counts")
        web_counts, web_pairs = _web_counts()
        trie = marisa_trie.RecordTrie(_PRIOR_FORMAT, ((k, (v,)) for k, v in web_counts.items()))
        trie.save(str(scratch / PAIRS_FILE))
        tokens = sum(words.values())
        manifest = {
            "order": order,
            "ngrams": ngrams,
            "pruning": f"lmplz --prune {' '.join(prune)}; trie -q 8 -b 8",
            "files": {
                name: _file_entry(scratch / name) for name in (BINARY_FILE, PRIOR_FILE, PAIRS_FILE)
            },
            "training_text": {
                "tokens": tokens,
                "sentences": lines,
                "types": len(words),
                "sha256": text_sha,
            },
            "unknown_words": {
                # Good-Turing: unseen words take about the share of running text singletons do.
                "unseen_mass": sum(1 for count in words.values() if count == 1) / max(tokens, 1),
                # That share is spread over the wordfreq words the model lacks, by frequency.
                "prior_mass": sum(10**p for w, p in priors.items() if w not in words),
                # A word wordfreq does not know either: ten times rarer than its rarest word.
                "unknown_log10": min(priors.values()) - 1.0,
            },
            "web_pairs": web_pairs,
            "sources": corpora.training_sources(per_source)
            if documents is None
            else [{"name": name, "tokens": count} for name, count in sorted(per_source.items())],
        }
        # No timings in the file: the same training text must give the same bytes.
        (scratch / MANIFEST_FILE).write_text(json.dumps(manifest, indent=2) + "\n", "utf-8")
        for name in (BINARY_FILE, PRIOR_FILE, PAIRS_FILE, MANIFEST_FILE):
            (scratch / name).replace(out_dir / name)
    say(f"model ready in {time.monotonic() - started:.1f} s")
    return manifest


class LanguageModel:
    """Query side of the model; every word must already be in :func:`unspin.text.lm_form`.

    ``advance`` is the decoder's inner loop: a KenLM lookup plus one membership test, with the
    prior path taken only for words the model has never seen.
    """

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)
        for name in (BINARY_FILE, PRIOR_FILE, PAIRS_FILE, MANIFEST_FILE):
            if not (self.directory / name).is_file():
                raise ModelNotFound(
                    f"no language model at {self.directory} ({name} missing); "
                    "build it with `unspin data build`"
                )
        config = kenlm.Config()
        config.load_method = kenlm.LoadMethod.LAZY  # mmap: load in milliseconds, page in on use
        self._model = kenlm.Model(str(self.directory / BINARY_FILE), config)
        self._priors = marisa_trie.RecordTrie(_PRIOR_FORMAT).mmap(str(self.directory / PRIOR_FILE))
        self.manifest: dict[str, Any] = json.loads(
            (self.directory / MANIFEST_FILE).read_text(encoding="utf-8")
        )
        unknown = self.manifest["unknown_words"]
        self._unknown_log10: float = unknown["unknown_log10"]
        # KenLM scores an unseen word as backoff(context) + log10 P(<unk>); swapping P(<unk>) for
        # unseen_mass * prior(word) / prior_mass keeps the backoff and the model normalised.
        self._oov_offset = (
            math.log10(unknown["unseen_mass"])
            - math.log10(unknown["prior_mass"])
            - self._model.BaseScore(self.null_state(), "<unk>", kenlm.State())
        )
        self._base_score = self._model.BaseScore
        self._web = marisa_trie.RecordTrie(_PRIOR_FORMAT).mmap(str(self.directory / PAIRS_FILE))
        web_pairs = self.manifest["web_pairs"]
        self._web_total: float = web_pairs["total_log10"]
        self._web_threshold: float = web_pairs["pair_threshold_log10"]

    @property
    def order(self) -> int:
        return self._model.order

    def __contains__(self, word: str) -> bool:
        """Whether KenLM knows ``word`` (unknown words are scored through the prior)."""
        return word in self._model

    def prior(self, word: str) -> float | None:
        """log10 of the word's wordfreq frequency, or None when wordfreq does not list it."""
        found = self._priors.get(word)
        if found is None and word[:1].isdigit():
            found = self._priors.get(_SMASHED_DIGITS.sub(lambda m: "0" * len(m[0]), word))
        return found[0][0] if found else None

    def association(self, first: str, second: str) -> float:
        """log10 of how much more often ``first second`` occurs on the web than chance predicts
        (pointwise mutual information), clipped to [-3, 3]; 0 when either word is unknown.

        Only pairs seen at least ~100,000 times are listed. For an unlisted pair that caps the
        association: when even the cap is below chance (two very common words, "successful
        the"), the pair is penalised; otherwise its absence says nothing and it scores 0.
        """
        web = self._web
        found_first, found_second = web.get(first), web.get(second)
        if found_first is None or found_second is None:
            return 0.0
        chance = found_first[0][0] + found_second[0][0] - self._web_total
        found_pair = web.get(f"{first} {second}")
        if found_pair is None:
            return max(min(self._web_threshold - chance, 0.0), -_ASSOCIATION_LIMIT)
        return max(min(found_pair[0][0] - chance, _ASSOCIATION_LIMIT), -_ASSOCIATION_LIMIT)

    def _unknown(self, word: str) -> float:
        """What to add to KenLM's ``<unk>`` score of ``word`` to get its prior-based score."""
        prior = self.prior(word)
        return self._oov_offset + (self._unknown_log10 if prior is None else prior)

    def begin(self) -> kenlm.State:
        """State at the start of a sentence (after ``<s>``)."""
        state = kenlm.State()
        self._model.BeginSentenceWrite(state)
        return state

    def null_state(self) -> kenlm.State:
        """State with no context, for text that does not start a sentence."""
        state = kenlm.State()
        self._model.NullContextWrite(state)
        return state

    def advance(self, state: kenlm.State, word: str) -> tuple[float, kenlm.State]:
        """log10 P(word | state) and the state after it; ``state`` is left untouched."""
        out = kenlm.State()
        if word in self._model:
            return self._base_score(state, word, out), out
        return self._base_score(state, word, out) + self._unknown(word), out

    def stepper(self) -> tuple[Callable[[kenlm.State, str, kenlm.State], float], type]:
        """KenLM's raw step ``(state, word, out) -> log10`` and the state type, for hot loops
        that chain :meth:`scored_words` themselves instead of calling :meth:`advance`."""
        return self._base_score, kenlm.State

    def scored_words(self, words: tuple[str, ...]) -> tuple[tuple[str, float], ...]:
        """Each word with what to add to KenLM's raw step score for it (non-zero only for words
        KenLM does not know), so that chained raw steps equal :meth:`advance`."""
        return tuple((w, 0.0 if w in self._model else self._unknown(w)) for w in words)

    def end(self, state: kenlm.State) -> float:
        """log10 P(</s> | state)."""
        return self._base_score(state, "</s>", kenlm.State())

    def score(self, words: Sequence[str], bos: bool = True, eos: bool = True) -> float:
        """Total log10 probability of ``words``; equals chained :meth:`advance` plus :meth:`end`
        (to float precision: KenLM sums in single precision, in C, which is what makes it fast)."""
        model = self._model
        total = model.score(" ".join(words), bos=bos, eos=eos)
        for word in words:
            if word not in model:
                total += self._unknown(word)
        return total

    def perplexity(self, words: Sequence[str]) -> float:
        """Per-token perplexity of one sentence, counting ``</s>`` as KenLM does."""
        return 10.0 ** (-self.score(words) / (len(words) + 1))
