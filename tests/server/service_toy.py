"""A toy model folder (seconds of training on synthetic sentences, no PHI) for the service
tests and the browser test, so they never depend on the shipped model."""

from __future__ import annotations

import time

import numpy as np

from clinical_ner.annotators.ner_dl import NerDLModel
from clinical_ner.annotators.word_embeddings import WordEmbeddingsModel
from clinical_ner.embeddings.store import WordVectorStore
from clinical_ner.training.trainer import Trainer, TrainingConfig
from toy_data import make_sentences

# The note the tests send: the toy model tags these spans reliably.
NOTE = "Patient reports chest pain.\nStarted aspirin for fever. We ordered ECG today."
EXPECTED = {("chest pain", "PROBLEM"), ("aspirin", "TREATMENT"), ("fever", "PROBLEM"),
            ("ECG", "TEST")}


def build_toy_model(folder, epochs: int = 15):
    """Writes ``folder/ner_clinical`` and ``folder/embeddings_clinical``; returns the first."""
    train, dev = make_sentences(80, 1), make_sentences(20, 2)
    words = sorted({t.lower() for s in train + dev for t in s.tokens})
    vectors = np.random.default_rng(0).normal(size=(len(words), 16)).astype(np.float32)
    store = WordVectorStore.from_vectors(words, vectors, method="random")
    config = TrainingConfig(lstm_hidden=16, char_filters=8, char_dim=8, batch_size=8, lr=0.01,
                            dropout=0.1, max_epochs=epochs, patience=100, threads=1)
    trainer = Trainer(config, train, store, dev=dev, progress=False)
    list(trainer.run())
    ner = NerDLModel(trainer.network, trainer.chars, {"name": "ner_clinical", "version": "toy"})
    ner.save(folder / "ner_clinical")
    WordEmbeddingsModel(store).save(folder / "embeddings_clinical")
    return folder / "ner_clinical"


def wait_ready(client, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if client.get("/readyz").status_code == 200:
            return
        time.sleep(0.05)
    raise AssertionError(f"model not ready: {client.get('/readyz').json()}")
