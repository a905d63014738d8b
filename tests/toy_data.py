"""A tiny synthetic tagging task (no PHI), shared by the training, server and Spark tests:
enough to train a tagger in seconds so no test depends on the shipped model."""

from __future__ import annotations

import numpy as np

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
_POOLS = {"p": (PROBLEMS, "PROBLEM"), "t": (TESTS, "TEST"), "r": (TREATMENTS, "TREATMENT")}


def make_sentences(n: int, seed: int) -> list[TaggedSentence]:
    """``n`` IOB2-tagged sentences from the frames above, phrases drawn with ``seed``."""
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n):
        frame, kinds = FRAMES[i % len(FRAMES)]
        kinds_left = iter(kinds)
        tokens: list[str] = []
        tags: list[str] = []
        for word in frame.split():
            if word.startswith("{"):
                pool, label = _POOLS[next(kinds_left)]
                phrase = pool[rng.integers(len(pool))]
                tokens += phrase
                tags += [f"B-{label}"] + [f"I-{label}"] * (len(phrase) - 1)
            else:
                tokens.append(word)
                tags.append("O")
        out.append(TaggedSentence(tokens, tags))
    return out
