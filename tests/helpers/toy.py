"""A tiny synthetic tagging task (no PHI) and the one toy model trained on it, shared by the
training, server, adversarial and Spark tests: seconds of training, so no test depends on
the shipped model. The root conftest builds the model once per session (``toy_model_dir``).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from clinical_ner.embeddings.store import WordVectorStore
from clinical_ner.training.data import TaggedSentence
from clinical_ner.training.trainer import TrainingConfig

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

# The note the service tests send: the toy model tags these spans reliably.
NOTE = "Patient reports chest pain.\nStarted aspirin for fever. We ordered ECG today."
EXPECTED = {("chest pain", "PROBLEM"), ("aspirin", "TREATMENT"), ("fever", "PROBLEM"),
            ("ECG", "TEST")}

#: The small network every toy training uses (a few seconds on one CPU thread).
SMALL_CONFIG = dict(lstm_hidden=16, char_filters=8, char_dim=8, batch_size=8, lr=0.01,
                    dropout=0.1, patience=100, threads=1)


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


def toy_store() -> WordVectorStore:
    """Random 16-dimensional vectors (seed 0) for every word of the toy task, lowercased."""
    words = sorted({t.lower() for s in make_sentences(80, 1) + make_sentences(20, 2)
                    for t in s.tokens})
    vectors = np.random.default_rng(0).normal(size=(len(words), 16)).astype(np.float32)
    return WordVectorStore.from_vectors(words, vectors, method="random")


def toy_config(**overrides) -> TrainingConfig:
    """:data:`SMALL_CONFIG` with ``overrides`` (``max_epochs`` 15 unless given)."""
    return TrainingConfig(**{**SMALL_CONFIG, "max_epochs": 15, **overrides})


def build_toy_model(folder: Path, epochs: int = 15) -> Path:
    """Trains on 80 toy sentences (dev: 20 others) for ``epochs`` and writes
    ``folder/ner_clinical`` and ``folder/embeddings_clinical``; returns the first."""
    from clinical_ner.annotators.ner_dl import NerDLModel
    from clinical_ner.annotators.word_embeddings import WordEmbeddingsModel
    from clinical_ner.training.trainer import Trainer

    store = toy_store()
    trainer = Trainer(toy_config(max_epochs=epochs), make_sentences(80, 1), store,
                      dev=make_sentences(20, 2), progress=False)
    list(trainer.run())
    ner = NerDLModel(trainer.network, trainer.chars, {"name": "ner_clinical", "version": "toy"})
    ner.save(folder / "ner_clinical")
    WordEmbeddingsModel(store).save(folder / "embeddings_clinical")
    return folder / "ner_clinical"
