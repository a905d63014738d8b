"""Shared fixtures for the corpora tests.

Real-corpus tests read ``../shared/data`` (next to the repository, or ``CLINICAL_NER_DATA``)
and skip with a reason when it is absent; nothing from it is ever copied into the repo.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from clinical_ner.corpora import CorpusDocument, read

REPO = Path(__file__).resolve().parents[2]
DATA_DIR = Path(os.environ.get("CLINICAL_NER_DATA", REPO.parent / "shared" / "data"))

#: corpus name -> folder under the data directory.
CORPUS_FOLDERS = {
    "maccrobat": "maccrobat",
    "chia": "chia",
    "bc5cdr": "bc5cdr",
    "ncbi-disease": "ncbi-disease",
    "mtsamples": "mtsamples",
}


def corpus_dir(name: str) -> Path:
    """The folder of a real corpus, or skip the test with a reason."""
    folder = DATA_DIR / CORPUS_FOLDERS[name]
    if not folder.is_dir():
        pytest.skip(f"{folder} is absent: the real {name} corpus is not available here")
    return folder


_CACHE: dict[str, list[CorpusDocument]] = {}


@pytest.fixture
def data_dir() -> Path:
    """The shared data folder (it may be absent)."""
    return DATA_DIR


@pytest.fixture
def corpus_folder():
    """``corpus_folder(name)``: a real corpus's folder, or skip the test with a reason."""
    return corpus_dir


@pytest.fixture
def real_corpus():
    """Read (once per session) and return a real corpus by name, or skip."""

    def load(name: str) -> list[CorpusDocument]:
        folder = corpus_dir(name)
        if name not in _CACHE:
            _CACHE[name] = read(name, folder)
        return _CACHE[name]

    return load
