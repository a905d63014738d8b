"""``start()`` with Spark NLP's keyword arguments, and ``PretrainedPipeline`` on Spark (issue
15): ``start(gpu=False)``, ``memory``, ``cache_folder`` (driver and executors),
``log_folder``, ``cluster_tmp_dir``, ``params``, ``real_time_output``; and
``PretrainedPipeline("ner_clinical_pipeline", "en", "clinical/models")`` on a DataFrame."""

import json
import logging
import os
import subprocess
import sys
import textwrap

import pytest

pytestmark = pytest.mark.spark

NOTES = [
    "HISTORY OF PRESENT ILLNESS: The patient has hypertension and chest pain. He denies "
    "fever.\nAn ECG showed ST elevation. He was given aspirin 325 mg.",
    "No rash after metformin. CBC ordered today.",
]


# ----- start() ---------------------------------------------------------------------------
def test_settings_map_spark_nlp_arguments_to_spark(spark_installed, tmp_path):
    from clinical_ner.spark.session import DEFAULTS, session_settings

    settings = session_settings(
        memory="3G",
        cache_folder=str(tmp_path / "models"),
        log_folder=str(tmp_path / "events"),
        cluster_tmp_dir=str(tmp_path / "scratch"),
        params={"spark.sql.shuffle.partitions": 3, "spark.executor.memory": "2g"},
    )
    assert settings["spark.driver.memory"] == "3G"
    assert settings["spark.executorEnv.CLINICAL_NER_HOME"] == str(tmp_path / "models")
    assert settings["spark.eventLog.enabled"] == "true"
    assert settings["spark.eventLog.dir"] == str(tmp_path / "events")
    assert (tmp_path / "events").is_dir()  # Spark refuses a missing event log folder
    assert settings["spark.local.dir"] == str(tmp_path / "scratch")
    assert settings["spark.sql.shuffle.partitions"] == "3"  # params win over DEFAULTS
    assert settings["spark.executor.memory"] == "2g"
    assert settings["spark.serializer"] == DEFAULTS["spark.serializer"]


def test_settings_leave_uris_as_they_are(spark_installed):
    from clinical_ner.spark.session import session_settings

    settings = session_settings(log_folder="hdfs://namenode/spark-events")
    assert settings["spark.eventLog.dir"] == "hdfs://namenode/spark-events"


@pytest.mark.parametrize(
    ("args", "kwargs", "match"),
    [
        (("local[1]",), {"master": "local[2]"}, "master twice"),
        (("local[1]", "my app"), {}, "apple_silicon must be True or False"),
        ((), {"gpu": 1.5}, "gpu must be True or False"),
        ((), {"params": ["spark.executor.memory=8G"]}, "params must be a dict"),
    ],
)
def test_start_refuses_arguments_it_would_misread(spark_installed, args, kwargs, match):
    from clinical_ner.errors import ConfigurationError
    from clinical_ner.spark import start

    with pytest.raises(ConfigurationError, match=match):
        start(*args, **kwargs)


def test_start_gpu_false_returns_the_running_session(spark, caplog):
    from clinical_ner.spark import start

    with caplog.at_level(logging.WARNING, logger="clinical_ner.spark.session"):
        # The shared session's own settings, so the other tests see no change.
        session = start(gpu=False, memory="2G", params={"spark.sql.shuffle.partitions": "2"})
    assert session is spark
    assert "already running" in caplog.text
    assert session.range(3).count() == 3


START_SCRIPT = textwrap.dedent(
    """
    import json, logging, os, sys, time
    logging.basicConfig(level=logging.INFO, stream=sys.stderr)
    from clinical_ner.spark import start

    cache, events, scratch = sys.argv[1:4]
    spark = start(gpu=True, apple_silicon=False, aarch64=False, memory="1G",
                  cache_folder=cache, log_folder=events, cluster_tmp_dir=scratch,
                  params={"spark.sql.shuffle.partitions": "3", "spark.ui.enabled": "false"},
                  real_time_output=True, output_level=1,
                  master="local[1]", app_name="start-options-test")
    conf = spark.sparkContext.getConf()
    home = spark.sparkContext.parallelize([0], 1).map(
        lambda _: __import__("os").environ.get("CLINICAL_NER_HOME")).collect()
    report = {
        "master": spark.sparkContext.master,
        "app": spark.sparkContext.appName,
        "memory": conf.get("spark.driver.memory"),
        "partitions": spark.conf.get("spark.sql.shuffle.partitions"),
        "event_log": conf.get("spark.eventLog.enabled"),
        "driver_home": os.environ.get("CLINICAL_NER_HOME"),
        "worker_home": home[0],
    }
    spark.sparkContext._jvm.System.out.println("JVM-STDOUT-MARKER")
    time.sleep(1)  # the echo thread prints it
    print("REPORT " + json.dumps(report), flush=True)
    spark.stop()
    """
)


def test_start_with_spark_nlp_arguments_in_a_fresh_jvm(spark_installed, tmp_path):
    """Settings fixed when the JVM starts need a JVM of their own: a subprocess."""
    cache, events, scratch = tmp_path / "models", tmp_path / "events", tmp_path / "scratch"
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYSPARK_GATEWAY")}
    env.pop("CLINICAL_NER_HOME", None)
    done = subprocess.run(
        [sys.executable, "-c", START_SCRIPT, str(cache), str(events), str(scratch)],
        capture_output=True, text=True, timeout=300, env=env,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    (line,) = [x for x in done.stdout.splitlines() if x.startswith("REPORT ")]
    report = json.loads(line[len("REPORT "):])
    assert report["master"] == "local[1]" and report["app"] == "start-options-test"
    assert report["memory"] == "1G"
    assert report["partitions"] == "3"
    assert report["driver_home"] == report["worker_home"] == str(cache)
    assert report["event_log"] == "true"
    assert any(events.iterdir()), "no Spark event log written to log_folder"
    assert any(scratch.iterdir()), "Spark wrote nothing to cluster_tmp_dir (spark.local.dir)"
    # real_time_output: the JVM's stdout comes through this Python process.
    assert "JVM-STDOUT-MARKER" in done.stdout
    import torch

    if not torch.cuda.is_available():
        assert "torch sees no CUDA device" in done.stderr  # a note, not an error


# ----- PretrainedPipeline on Spark -------------------------------------------------------
@pytest.fixture(scope="module")
def spark_pretrained(spark_installed):
    from clinical_ner.spark import PretrainedPipeline

    return PretrainedPipeline("ner_clinical_pipeline", "en", "clinical/models")


@pytest.fixture(scope="module")
def local_pretrained():
    from clinical_ner import PretrainedPipeline

    return PretrainedPipeline("ner_clinical_pipeline", "en", "clinical/models")


def _chunks(rows, column="ner_chunk"):
    return [[(a.begin, a.end, a.result, a.metadata["entity"]) for a in row[column]] for row in rows]


def test_spark_pretrained_pipeline_is_the_full_pipeline(spark_pretrained):
    from pyspark.ml import PipelineModel

    from clinical_ner.resources import resolve

    assert isinstance(spark_pretrained.model, PipelineModel)
    stages = {type(stage).__name__: stage for stage in spark_pretrained.model.stages}
    assert {"DocumentAssembler", "SectionDetector", "SentenceDetector", "WordEmbeddingsModel",
            "NerDLModel", "NerConverter", "ContextualAssertion"} <= set(stages)
    # The shipped folders are referenced, not copied.
    assert stages["NerDLModel"].model_folder() == resolve("ner_clinical", kind="ner_dl")
    assert stages["WordEmbeddingsModel"].model_folder() == resolve(
        "embeddings_clinical", kind="word_embeddings")


def test_spark_transform_matches_the_local_pipeline(spark, spark_pretrained, local_pretrained):
    frame = spark.createDataFrame([(str(i), t) for i, t in enumerate(NOTES)], ["id", "text"])
    rows = spark_pretrained.transform(frame).orderBy("id").collect()
    expected = local_pretrained.fullAnnotate(NOTES)
    assert _chunks(rows) == _chunks(expected)
    assert [[a.result for a in r["assertion"]] for r in rows] == [
        [a.result for a in r["assertion"]] for r in expected]
    for row, text in zip(rows, NOTES, strict=True):
        for chunk in row["ner_chunk"]:
            assert text[chunk.begin : chunk.end + 1] == chunk.result


def test_spark_annotate_takes_texts_and_dataframes(spark, spark_pretrained, local_pretrained):
    assert spark_pretrained.annotate(NOTES[0]) == local_pretrained.annotate(NOTES[0])
    (full,) = spark_pretrained.fullAnnotate(NOTES[0])
    assert [c.result for c in full["ner_chunk"]] == local_pretrained.annotate(NOTES[0])["ner_chunk"]
    frame = spark.createDataFrame([(NOTES[1],)], ["note"])
    (row,) = spark_pretrained.annotate(frame, column="note").select("ner_chunk.result").collect()
    assert list(row["result"]) == local_pretrained.annotate(NOTES[1])["ner_chunk"]


def test_spark_unknown_pipeline_lists_what_exists(spark_installed):
    from clinical_ner.errors import ResourceNotFoundError
    from clinical_ner.spark import PretrainedPipeline

    with pytest.raises(ResourceNotFoundError, match=r"ner_clinical_pipeline \(en\)"):
        PretrainedPipeline("explain_clinical_doc_carp", "en", "clinical/models")


def test_spark_pretrained_pipeline_saved_by_name_and_from_disk(spark, tmp_path, monkeypatch):
    from clinical_ner import text_pipeline
    from clinical_ner.spark import PretrainedPipeline, ResourceDownloader

    monkeypatch.setenv("CLINICAL_NER_HOME", str(tmp_path))
    text_pipeline().save(tmp_path / "texts_en")
    named = PretrainedPipeline("texts")
    frame = spark.createDataFrame([("One. Two.",)], ["text"])
    (row,) = named.transform(frame).select("sentence.result").collect()
    assert list(row["result"]) == ["One.", "Two."]
    assert type(ResourceDownloader.downloadPipeline("texts")).__name__ == "PipelineModel"

    named.model.write().overwrite().save(str(tmp_path / "spark_saved"))
    reloaded = PretrainedPipeline.from_disk(str(tmp_path / "spark_saved"))
    (row,) = reloaded.transform(frame).select("token.result").collect()
    assert list(row["result"]) == ["One", ".", "Two", "."]
