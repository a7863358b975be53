"""Shared fixtures. Tests run against the real built data (``make test`` builds it first)."""

from __future__ import annotations

from pathlib import Path

import pytest

from unspin import data


@pytest.fixture(scope="session")
def data_dir() -> Path:
    directory = data.default_dir()
    try:
        data.read_manifest(directory)
    except data.DataError as error:
        pytest.fail(f"{error} (make test builds it)")
    return directory


@pytest.fixture(scope="session")
def unspinner(data_dir):
    import unspin

    return unspin.load(data_dir)


@pytest.fixture(scope="session")
def lexicon(data_dir):
    from unspin.lexicon import Lexicon

    return Lexicon(data_dir)
