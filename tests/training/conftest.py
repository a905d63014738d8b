"""A tiny synthetic tagging task (no PHI): enough to train a tagger in seconds."""

import numpy as np
import pytest

from clinical_ner.embeddings.store import WordVectorStore
from clinical_ner.training.data import TaggedSentence

PROBLEMS = [["chest", "pain"], ["fever"], ["shortness", "of", "breath"], ["cough"], ["rash"]]
TESTS = [["ECG"], ["chest", "x-ray"], ["troponin"], ["CBC"]]
TREATMENTS = [["aspirin"], ["metformin"], ["IV", "fluids"], ["lisinopril"]]
FRAMES = [
    ("Patient reports {p} .", "p"),
    ("We ordered {t} today .", "t"),
    ("Started {r} for {p} .", "rp"),
    ("No {p} after {r} .", "pr"),
    ("{t} showed no {p} .", "tp"),
]


def _fill(frame, kinds, rng):
    tokens, tags = [], []
    pools = {"p": (PROBLEMS, "PROBLEM"), "t": (TESTS, "TEST"), "r": (TREATMENTS, "TREATMENT")}
    kinds = iter(kinds)
    for word in frame.split():
        if word.startswith("{"):
            pool, label = pools[next(kinds)]
            phrase = pool[rng.integers(len(pool))]
            tokens += phrase
            tags += [f"B-{label}"] + [f"I-{label}"] * (len(phrase) - 1)
        else:
            tokens.append(word)
            tags.append("O")
    return TaggedSentence(tokens, tags)


def make_sentences(n, seed):
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n):
        frame, kinds = FRAMES[i % len(FRAMES)]
        out.append(_fill(frame, kinds, rng))
    return out


@pytest.fixture(scope="session")
def toy_data():
    train = make_sentences(60, 1)
    dev = make_sentences(20, 2)
    words = sorted({t.lower() for s in train + dev for t in s.tokens})
    vectors = np.random.default_rng(0).normal(size=(len(words), 16)).astype(np.float32)
    store = WordVectorStore.from_vectors(words, vectors, method="random")
    return train, dev, store
