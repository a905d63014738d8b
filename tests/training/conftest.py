"""The toy tagging task (tests/helpers/toy.py) with random word vectors."""

import pytest

from ..helpers.toy import make_sentences, toy_store


@pytest.fixture(scope="session")
def toy_data():
    """``(train, dev, store)``: 60 and 20 toy sentences and the toy word vectors."""
    return make_sentences(60, 1), make_sentences(20, 2), toy_store()
