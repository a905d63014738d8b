"""One local[2] SparkSession for every Spark test, and the toy model's folders.

The Spark tests skip, with the reason, when pyspark, pyarrow or Java is missing.
"""

import shutil
import subprocess

import pytest

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


# ----- the toy model (tests/helpers/toy.py, built once by the root conftest) -------------
@pytest.fixture(scope="session")
def toy_models(toy_model_dir, toy_embeddings_dir):
    """Folders of the toy NerDLModel and its WordEmbeddingsModel: ``(ner_dir, emb_dir)``."""
    return toy_model_dir, toy_embeddings_dir
