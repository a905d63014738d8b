"""The toy tagging task (tests/toy_data.py) with random word vectors."""

import numpy as np
import pytest

from clinical_ner.embeddings.store import WordVectorStore
from toy_data import make_sentences


@pytest.fixture(scope="session")
def toy_data():
    train = make_sentences(60, 1)
    dev = make_sentences(20, 2)
    words = sorted({t.lower() for s in train + dev for t in s.tokens})
    vectors = np.random.default_rng(0).normal(size=(len(words), 16)).astype(np.float32)
    store = WordVectorStore.from_vectors(words, vectors, method="random")
    return train, dev, store
