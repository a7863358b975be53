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

Neither fixes the model's main weakness, how little text it has seen: it prefers *stated* to
*said* after "the minister" (the State of the Union addresses) and barely knows *deep learning*.
So every score is a weighted sum of two models: the corpus 5-gram, which sees punctuation, and the
CMU Sphinx US English trigram (:mod:`unspin.sphinx`), estimated from far more modern text, which
scores the words alone. A decoding state is the pair of the two models' states.

Files in a model directory: ``lm.binary`` (quantized KenLM trie, memory-mapped), ``sphinx.binary``
(the Sphinx trigram as a quantized KenLM trie), ``unigram.marisa`` (word -> log10 wordfreq
frequency, memory-mapped, so queries never import wordfreq, whose load is slow),
``webpairs.marisa`` (Web 1T log10 counts of words and word pairs) and ``lm.json`` (the build
manifest and the constants of the unknown-word and association models).
"""

from __future__ import annotations

import hashlib
import importlib.metadata
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

from unspin import corpora, resources, sphinx, text

BINARY_FILE = "lm.binary"
SPHINX_FILE = "sphinx.binary"
PRIOR_FILE = "unigram.marisa"
PAIRS_FILE = "webpairs.marisa"
MANIFEST_FILE = "lm.json"

# Weights of the corpus 5-gram and the Sphinx trigram in every score: the plain average, chosen on
# the dev split (100 documents of bench.calibrate, decoded once per weighting, the confidence model
# refitted on 60 and scored on 40). Their sum sets how far the language model can outvote the
# channel prior (a sum of 3 lost 3 points of recall), their ratio how much each model is trusted
# (1:2 and 2:1 did no better than 1:1).
CORPUS_WEIGHT = 0.5
SPHINX_WEIGHT = 0.5

_DATA_FILES = (BINARY_FILE, SPHINX_FILE, PRIOR_FILE, PAIRS_FILE)
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


def _binarize(build_binary: Path, arpa: Path, binary: Path, log: Path) -> None:
    """Quantize ``arpa`` into a KenLM trie at ``binary`` (8-bit probabilities and backoffs) and
    delete the ARPA text, which is several times larger."""
    command = [str(build_binary), "-q", "8", "-b", "8", "-a", "22", "-S", "1G"]
    command += ["-T", f"{binary.parent}/", "trie", str(arpa), str(binary)]
    _check(_run(command, log, stdout=subprocess.DEVNULL), log)
    arpa.unlink()


def _sphinx_source(path: Path, ngrams: dict[str, int]) -> dict[str, Any]:
    """Provenance of the Sphinx trigram for the manifest."""
    try:
        version = importlib.metadata.version("pocketsphinx")
    except importlib.metadata.PackageNotFoundError:
        version = "unknown (UNSPIN_SPHINX_LM)"
    return {
        "name": "pocketsphinx en-us.lm.bin (CMU Sphinx US English trigram)",
        "version": version,
        "licence": "BSD-2-Clause (Carnegie Mellon University; Alpha Cephei)",
        "ngrams": ngrams,
        "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
    }


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
        _binarize(build_binary, arpa, scratch / BINARY_FILE, log)
        say("converting the CMU Sphinx trigram into a KenLM trie")
        sphinx_source = resources.sphinx_lm_file()
        sphinx_arpa = scratch / "sphinx.arpa"
        try:
            trigram = sphinx.read(sphinx_source)
        except sphinx.FormatError as error:  # a damaged install: say how to repair it
            raise resources.MissingResource(f"{error}; {resources.SETUP_HINT}") from error
        with sphinx_arpa.open("w", encoding="utf-8") as sink:
            sphinx_ngrams = sphinx.write_arpa(trigram, sink)
        _binarize(build_binary, sphinx_arpa, scratch / SPHINX_FILE, log)

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
            "files": {name: _file_entry(scratch / name) for name in _DATA_FILES},
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
            "sources": [
                *(
                    corpora.training_sources(per_source)
                    if documents is None
                    else [{"name": n, "tokens": c} for n, c in sorted(per_source.items())]
                ),
                _sphinx_source(sphinx_source, sphinx_ngrams),
            ],
        }
        # No timings in the file: the same training text must give the same bytes.
        (scratch / MANIFEST_FILE).write_text(json.dumps(manifest, indent=2) + "\n", "utf-8")
        for name in (*_DATA_FILES, MANIFEST_FILE):
            (scratch / name).replace(out_dir / name)
    say(f"model ready in {time.monotonic() - started:.1f} s")
    return manifest


State = tuple[kenlm.State, kenlm.State]
"""A decoding state: the corpus model's and the Sphinx model's. Tuples hash and compare in C, so
the decoder can merge hypotheses on them as cheaply as on one model's state."""

# What the Sphinx model does with a word: score it; skip it (punctuation: its context runs on
# across a comma); or restart from no context after it (a word outside its vocabulary).
SPHINX_SCORES, SPHINX_SKIPS, SPHINX_RESTARTS = 0, 1, 2

# What a hot loop steps over: a word, the corpus model's weight and correction for it, and what
# the Sphinx model does with it (see LanguageModel.scored_word).
ScoredWord = tuple[str, float, float, int]


class LanguageModel:
    """Query side of the model; every word must already be in :func:`unspin.text.lm_form`.

    Scores are ``CORPUS_WEIGHT`` × the corpus 5-gram plus ``SPHINX_WEIGHT`` × the Sphinx trigram,
    both in log10. A word the corpus model does not know is scored by its wordfreq prior instead
    of the flat ``<unk>`` probability, keeping the model's backoff; one the Sphinx model does not
    know, by the corpus model alone (:meth:`scored_word`).
    """

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)
        for name in (*_DATA_FILES, MANIFEST_FILE):
            if not (self.directory / name).is_file():
                raise ModelNotFound(
                    f"no language model at {self.directory} ({name} missing); "
                    "build it with `unspin data build`"
                )
        config = kenlm.Config()
        config.load_method = kenlm.LoadMethod.LAZY  # mmap: load in milliseconds, page in on use
        self._model = kenlm.Model(str(self.directory / BINARY_FILE), config)
        self._sphinx = kenlm.Model(str(self.directory / SPHINX_FILE), config)
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
            - self._model.BaseScore(_null_state(self._model), "<unk>", kenlm.State())
        )
        self._scored: dict[str, ScoredWord] = {}
        self._sphinx_restart = _null_state(self._sphinx)
        self._base_score = self._model.BaseScore
        self._sphinx_score = self._sphinx.BaseScore
        self._web = marisa_trie.RecordTrie(_PRIOR_FORMAT).mmap(str(self.directory / PAIRS_FILE))
        web_pairs = self.manifest["web_pairs"]
        self._web_total: float = web_pairs["total_log10"]
        self._web_threshold: float = web_pairs["pair_threshold_log10"]

    @property
    def order(self) -> int:
        """The longest n-gram either model conditions on."""
        return max(self._model.order, self._sphinx.order)

    def __contains__(self, word: str) -> bool:
        """Whether the corpus model knows ``word`` (unknown words are scored through the prior)."""
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

    def scored_word(self, word: str) -> ScoredWord:
        """``word`` with what each model adds to the score for it.

        The corpus model's correction is non-zero for a word it does not know (the prior replaces
        ``<unk>``). The Sphinx model scores only words it knows. It never saw punctuation, which
        it skips, nor digits and words outside its 72k: given one of those as ``<unk>``, it would
        judge the word by a flat -100 and the next words by a unigram, while a known rival is
        judged in context (*U.S.*, unknown, would lose to the pronoun *us*). The corpus model
        scores such words alone, at the full weight, and the Sphinx model restarts after them.
        Cached: the decoder asks for the same few thousand words over and over.
        """
        found = self._scored.get(word)
        if found is None:
            found = self._scored[word] = self._score_word(word)
        return found

    def _score_word(self, word: str) -> ScoredWord:
        corpus_offset = 0.0
        if word not in self._model:
            prior = self.prior(word)
            corpus_offset = self._oov_offset + (self._unknown_log10 if prior is None else prior)
        if word in self._sphinx:
            return word, CORPUS_WEIGHT, CORPUS_WEIGHT * corpus_offset, SPHINX_SCORES
        alone = CORPUS_WEIGHT + SPHINX_WEIGHT
        role = SPHINX_RESTARTS if any(c.isalnum() for c in word) else SPHINX_SKIPS
        return word, alone, alone * corpus_offset, role

    def scored_words(self, words: tuple[str, ...]) -> tuple[ScoredWord, ...]:
        """:meth:`scored_word` of each word, for hot loops that call :meth:`step` themselves."""
        return tuple(map(self.scored_word, words))

    def step(self, state: State, scored: ScoredWord) -> tuple[float, State]:
        """log10 P(word | state) and the state after it; the decoder's inner loop."""
        word, corpus_weight, corpus_offset, sphinx_role = scored
        corpus_state, sphinx_state = state
        corpus_out = kenlm.State()
        score = corpus_weight * self._base_score(corpus_state, word, corpus_out) + corpus_offset
        if sphinx_role == SPHINX_SCORES:
            sphinx_out = kenlm.State()
            score += SPHINX_WEIGHT * self._sphinx_score(sphinx_state, word, sphinx_out)
            return score, (corpus_out, sphinx_out)
        if sphinx_role == SPHINX_SKIPS:
            return score, (corpus_out, sphinx_state)
        return score, (corpus_out, self._sphinx_restart)

    def advance(self, state: State, word: str) -> tuple[float, State]:
        """log10 P(word | state) and the state after it; ``state`` is left untouched."""
        return self.step(state, self.scored_word(word))

    def begin(self) -> State:
        """State at the start of a sentence (after ``<s>``)."""
        corpus, sphinx_state = kenlm.State(), kenlm.State()
        self._model.BeginSentenceWrite(corpus)
        self._sphinx.BeginSentenceWrite(sphinx_state)
        return corpus, sphinx_state

    def null_state(self) -> State:
        """State with no context, for text that does not start a sentence."""
        return _null_state(self._model), _null_state(self._sphinx)

    def end(self, state: State) -> float:
        """log10 P(</s> | state)."""
        return CORPUS_WEIGHT * self._base_score(
            state[0], "</s>", kenlm.State()
        ) + SPHINX_WEIGHT * self._sphinx_score(state[1], "</s>", kenlm.State())

    def score(self, words: Sequence[str], bos: bool = True, eos: bool = True) -> float:
        """Total log10 probability of ``words``; equals chained :meth:`advance` plus :meth:`end`
        (to float precision: KenLM sums in single precision, in C)."""
        scored = self.scored_words(tuple(words))
        corpus_steps = self._model.full_scores(" ".join(words), bos=bos, eos=eos)
        # zip stops on ``scored`` first, so the </s> step is still there for next() below.
        total = sum(
            weight * step[0] + offset
            for (_, weight, offset, _), step in zip(scored, corpus_steps, strict=False)
        )
        if eos:
            total += CORPUS_WEIGHT * next(corpus_steps)[0]
        # The Sphinx model reads the words it knows, in runs split where it restarts.
        segments: list[list[str]] = [[]]
        for word, _, _, role in scored:
            if role == SPHINX_SCORES:
                segments[-1].append(word)
            elif role == SPHINX_RESTARTS:
                segments.append([])
        sphinx_total = 0.0
        last = len(segments) - 1
        for number, segment in enumerate(segments):
            if segment or (number == last and eos):
                sphinx_total += self._sphinx.score(
                    " ".join(segment), bos=bos and number == 0, eos=eos and number == last
                )
        return total + SPHINX_WEIGHT * sphinx_total


def _null_state(model: kenlm.Model) -> kenlm.State:
    state = kenlm.State()
    model.NullContextWrite(state)
    return state
