"""The data build: its parallel step (results and errors come back from the forked process) and
which code marks built data stale."""

from __future__ import annotations

import json
import os
import signal
import time
from pathlib import Path

import pytest

import unspin
from unspin.data import BUILD_MODULES, _InParallel
from unspin.resources import MissingResource, kenlm_tool


def test_a_parallel_step_runs_in_another_process_and_returns_its_result():
    assert _InParallel(os.getpid).result() != os.getpid()
    assert _InParallel(dict, lexicon="built").result() == {"lexicon": "built"}


def test_a_parallel_step_raises_the_childs_error_with_its_type_and_message():
    # What the CLI turns into a one-line error must arrive as the same type, same message.
    job = _InParallel(kenlm_tool, "no-such-kenlm-tool")
    with pytest.raises(MissingResource, match="'no-such-kenlm-tool' not found") as raised:
        job.result()
    assert "forked build process" in "".join(raised.value.__notes__)
    with pytest.raises(json.JSONDecodeError, match="Expecting property name"):
        _InParallel(json.loads, "{").result()


def test_a_cancelled_parallel_step_is_stopped():
    job = _InParallel(time.sleep, 60)
    process = job._process
    job.cancel()
    assert process.exitcode == -signal.SIGTERM  # stopped, not finished


def test_only_build_code_marks_the_data_stale():
    # The hash names every module whose code decides the built bytes, and only those: the query
    # side of the language model (lm.py) changes often and must not force a rebuild.
    package = Path(unspin.__file__).parent
    assert all((package / f"{name}.py").is_file() for name in BUILD_MODULES)
    assert "lmbuild" in BUILD_MODULES and "lm" not in BUILD_MODULES
    assert "screenbuild" in BUILD_MODULES and "screen" not in BUILD_MODULES
