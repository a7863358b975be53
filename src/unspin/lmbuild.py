"""Build side of the language model: train the corpus 5-gram, convert the Sphinx trigram, and
write the priors and word-pair counts that :class:`unspin.lm.LanguageModel` reads.

Kept apart from the query side so that the data's code hash (:data:`unspin.data.BUILD_MODULES`)
covers only what decides the files: tuning how the models are combined at query time must not
force a rebuild. The layout of a model directory is decided here, and the query side imports it.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import math
import subprocess
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import IO, Any

import marisa_trie

from unspin import corpora, resources, sphinx, text

BINARY_FILE = "lm.binary"
SPHINX_FILE = "sphinx.binary"
PRIOR_FILE = "unigram.marisa"
PAIRS_FILE = "webpairs.marisa"
MANIFEST_FILE = "lm.json"
DATA_FILES = (BINARY_FILE, SPHINX_FILE, PRIOR_FILE, PAIRS_FILE)
PRIOR_FORMAT = "<f"  # one float32 per key in the marisa record tries


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
    """Compile ``arpa`` into KenLM's probing hash tables at ``binary`` and delete the ARPA text.

    Probing, not the smaller quantized trie: the decoder makes millions of LM queries, and
    through the Python module a 4-word query takes 0.50 us from the hash tables against 0.86 us
    from the trie. The two models then take 130 MB of disk and page cache instead of 30 MB."""
    command = [str(build_binary), "-S", "1G", "-T", f"{binary.parent}/", "probing"]
    command += [str(arpa), str(binary)]
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
    pruned: on the full corpora this keeps the 5-gram model's hash tables at 49 MB.
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
        say("compiling into KenLM hash tables")
        _binarize(build_binary, arpa, scratch / BINARY_FILE, log)
        say("converting the CMU Sphinx trigram into KenLM hash tables")
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
        trie = marisa_trie.RecordTrie(PRIOR_FORMAT, ((w, (p,)) for w, p in priors.items()))
        trie.save(str(scratch / PRIOR_FILE))
        say("writing Web 1T word-pair counts")
        web_counts, web_pairs = _web_counts()
        trie = marisa_trie.RecordTrie(PRIOR_FORMAT, ((k, (v,)) for k, v in web_counts.items()))
        trie.save(str(scratch / PAIRS_FILE))
        tokens = sum(words.values())
        manifest = {
            "order": order,
            "ngrams": ngrams,
            "pruning": f"lmplz --prune {' '.join(prune)}; probing",
            "files": {name: _file_entry(scratch / name) for name in DATA_FILES},
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
        for name in (*DATA_FILES, MANIFEST_FILE):
            (scratch / name).replace(out_dir / name)
    say(f"model ready in {time.monotonic() - started:.1f} s")
    return manifest
