"""One local[2] SparkSession for every Spark test, and a toy model trained in seconds.

The Spark tests skip, with the reason, when pyspark, pyarrow or Java is missing.
"""

import shutil
import subprocess

import numpy as np
import pytest

from toy_data import make_sentences

CHUNK_FIELDS = ("begin", "end", "result")


def _skip_reason() -> str | None:
    try:
        import pyarrow  # noqa: F401
        import pyspark  # noqa: F401
    except ImportError as exc:
        return f"pyspark/pyarrow not installed ({exc}); pip install 'clinical-ner[spark]'"
    java = shutil.which("java")
    if java is None:
        return "Java is not installed (Spark needs Java 17+)"
    try:
        subprocess.run([java, "-version"], capture_output=True, check=True, timeout=30)
    except (OSError, subprocess.SubprocessError) as exc:
        return f"java does not run: {exc}"
    return None


@pytest.fixture(scope="session")
def spark_installed():
    """Skips, with the reason, where pyspark, pyarrow or Java is missing."""
    reason = _skip_reason()
    if reason:
        pytest.skip(reason)


@pytest.fixture(scope="session")
def spark(spark_installed):
    from clinical_ner.spark import start

    session = start(
        "local[2]",
        app_name="clinical-ner-tests",
        memory="2G",
        params={"spark.sql.shuffle.partitions": "2", "spark.clinical_ner.rowsPerBatch": "4"},
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


# ----- the toy tagging task (tests/toy_data.py) ---------------------------------------
@pytest.fixture(scope="session")
def toy_store():
    from clinical_ner.embeddings.store import WordVectorStore

    words = sorted({t.lower() for s in make_sentences(80, 1) for t in s.tokens})
    vectors = np.random.default_rng(0).normal(size=(len(words), 16)).astype(np.float32)
    return WordVectorStore.from_vectors(words, vectors, method="random")


@pytest.fixture(scope="session")
def toy_models(tmp_path_factory, toy_store):
    """Folders of a toy NerDLModel and its WordEmbeddingsModel: ``(ner_dir, emb_dir)``."""
    from clinical_ner.annotators.ner_dl import NerDLModel
    from clinical_ner.annotators.word_embeddings import WordEmbeddingsModel
    from clinical_ner.training.trainer import Trainer, TrainingConfig

    config = TrainingConfig(lstm_hidden=16, char_filters=8, char_dim=8, batch_size=8, lr=0.01,
                            dropout=0.1, max_epochs=12, patience=100, threads=1)
    trainer = Trainer(config, make_sentences(60, 1), toy_store, dev=make_sentences(20, 2),
                      progress=False)
    list(trainer.run())
    root = tmp_path_factory.mktemp("toy_models")
    NerDLModel(trainer.network, trainer.chars, {"name": "toy"}).save(root / "ner")
    WordEmbeddingsModel(toy_store).save(root / "embeddings")
    return root / "ner", root / "embeddings"
