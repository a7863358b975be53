"""The data build's parallel step: results and errors come back from the forked process."""

from __future__ import annotations

import json
import os

import pytest

from unspin.data import _in_parallel
from unspin.resources import MissingResource, kenlm_tool


def test_a_parallel_step_runs_in_another_process_and_returns_its_result():
    wait = _in_parallel(os.getpid)
    assert wait() != os.getpid()
    assert _in_parallel(dict, lexicon="built")() == {"lexicon": "built"}


def test_a_parallel_step_raises_the_childs_error_with_its_type_and_message():
    # What the CLI turns into a one-line error must arrive as the same type, same message.
    wait = _in_parallel(kenlm_tool, "no-such-kenlm-tool")
    with pytest.raises(MissingResource, match="'no-such-kenlm-tool' not found") as raised:
        wait()
    assert "forked build process" in "".join(raised.value.__notes__)
    with pytest.raises(json.JSONDecodeError, match="Expecting property name"):
        _in_parallel(json.loads, "{")()
