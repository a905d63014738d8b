"""The cluster test's driver program, run in its own process by ``test_cluster.py``.

It starts a standalone cluster (a master and two one-core workers on loopback), runs the
model card's pipeline with sections and assertion, the shipped models and the default
settings, and writes what it saw as JSON:

- ``clean``: every row's chunks (begin, end, text, entity, section) and assertion statuses;
- ``reloaded``: the same after the PipelineModel was saved and loaded through the cluster;
- ``fault``: a run during which one worker (and its executor) is killed once the first
  tasks have finished; ``killed`` says whether the kill happened while the job ran;
- ``load_error``: the message a driver sees when the executors cannot load a model.

A process of its own because a Python process holds one SparkContext, and the other Spark
tests share a ``local[2]`` one. usage: python cluster_job.py OUT_JSON NOTES_JSON
"""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path


def card_pipeline():
    from pyspark.ml import Pipeline

    from clinical_ner.spark import (
        ContextualAssertion,
        DocumentAssembler,
        NerConverter,
        NerDLModel,
        SectionDetector,
        SentenceDetector,
        Tokenizer,
        WordEmbeddingsModel,
    )

    return Pipeline(stages=[
        DocumentAssembler().setInputCol("text").setOutputCol("document"),
        SectionDetector().setInputCols(["document"]).setOutputCol("section"),
        SentenceDetector().setInputCols(["document", "section"]).setOutputCol("sentence"),
        Tokenizer().setInputCols(["sentence"]).setOutputCol("token"),
        WordEmbeddingsModel.pretrained("embeddings_clinical", "en", "clinical/models")
        .setInputCols(["sentence", "token"]).setOutputCol("embeddings"),
        NerDLModel.pretrained("ner_clinical", "en", "clinical/models")
        .setInputCols(["sentence", "token", "embeddings", "section"]).setOutputCol("ner"),
        NerConverter().setInputCols(["sentence", "token", "ner", "section"]).setOutputCol("ner_chunk"),
        ContextualAssertion().setInputCols(["sentence", "ner_chunk"]).setOutputCol("assertion"),
    ])


def results(frame) -> dict[str, list]:
    """id -> [[begin, end, text, entity, section, status], ...]; a repeated id is an error."""
    out: dict[str, list] = {}
    for row in frame.select("id", "ner_chunk", "assertion").collect():
        if row["id"] in out:
            raise AssertionError(f"row {row['id']} came back twice")
        statuses = {(a["begin"], a["end"]): a["result"] for a in row["assertion"]}
        out[row["id"]] = [
            [c["begin"], c["end"], c["result"], c["metadata"]["entity"],
             c["metadata"].get("section"), statuses.get((c["begin"], c["end"]))]
            for c in row["ner_chunk"]
        ]
    return out


def run_with_fault(cluster, frame, spark) -> tuple[dict[str, list], bool]:
    """Collect ``frame`` while worker 0 is killed after the job's first finished task."""
    tracker = spark.sparkContext.statusTracker()
    killed = threading.Event()

    def killer() -> None:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            for stage_id in tracker.getActiveStageIds():
                info = tracker.getStageInfo(stage_id)
                if info is not None and info.numCompletedTasks >= 2 and info.numActiveTasks > 0:
                    cluster.kill_worker(0)
                    killed.set()
                    return
            time.sleep(0.05)

    thread = threading.Thread(target=killer, daemon=True)
    thread.start()
    out = results(frame)
    thread.join(timeout=5)
    return out, killed.is_set()


def main(out_path: str, notes_path: str) -> None:
    from clinical_ner.spark import PipelineModel, start
    from clinical_ner.spark.standalone import StandaloneCluster

    notes = json.loads(Path(notes_path).read_text(encoding="utf-8"))
    report: dict = {}
    work = Path(tempfile.mkdtemp(prefix="clinical-ner-cluster-job-"))
    with StandaloneCluster(workers=2, cores=1, memory="1g", log_dir=work / "logs") as cluster:
        spark = start(cluster.master_url, memory="1G", params={
            "spark.executor.memory": "1g",
            # Spark gives up on a task after 4 failures: a killed executor counts one.
            "spark.task.maxFailures": "4",
        })
        spark.sparkContext.setLogLevel("ERROR")
        report["master"] = spark.sparkContext.master
        report["distribution"] = spark.conf.get("spark.clinical_ner.modelDistribution", "auto")
        frame = spark.createDataFrame([(str(i), text) for i, text in enumerate(notes)], ["id", "text"])
        frame = frame.repartition(16)
        model = card_pipeline().fit(frame)
        started = time.perf_counter()
        report["clean"] = results(model.transform(frame))
        report["clean_seconds"] = time.perf_counter() - started

        saved = work / "pipeline"
        model.write().overwrite().save(str(saved))
        report["reloaded"] = results(PipelineModel.load(str(saved)).transform(frame))

        report["fault"], report["killed"] = run_with_fault(cluster, model.transform(frame), spark)
        report["alive_workers_after_fault"] = cluster.alive_workers()

        # A model folder whose weights were damaged after the driver loaded it: the
        # executors refuse it, and the driver's error must name the model and executor.
        report["load_error"] = load_error(frame, work / "broken_ner")
        spark.stop()
    Path(out_path).write_text(json.dumps(report), encoding="utf-8")
    shutil.rmtree(work, ignore_errors=True)


def load_error(frame, folder: Path) -> str:
    """The driver's message when the executors cannot load the NER model of a stage."""
    from pyspark.ml import Pipeline

    from clinical_ner.spark import (
        DocumentAssembler,
        NerDLModel,
        SentenceDetector,
        Tokenizer,
        WordEmbeddingsModel,
    )

    shutil.copytree(NerDLModel.pretrained().model_folder(), folder)
    # A name of its own gives it a fingerprint of its own: the executors' cache of the
    # shipped model (keyed by fingerprint) must not answer for it.
    metadata = json.loads((folder / "metadata.json").read_text(encoding="utf-8"))
    metadata["name"] = "ner_clinical_damaged"
    (folder / "metadata.json").write_text(json.dumps(metadata), encoding="utf-8")
    stage = NerDLModel.from_folder(folder)  # loaded and verified on the driver ...
    weights = folder / "weights.safetensors"  # ... then damaged before the job ships it
    weights.write_bytes(weights.read_bytes()[:-64] + b"\0" * 64)
    try:
        pipeline = Pipeline(stages=[
            DocumentAssembler().setInputCol("text").setOutputCol("document"),
            SentenceDetector().setInputCols(["document"]).setOutputCol("sentence"),
            Tokenizer().setInputCols(["sentence"]).setOutputCol("token"),
            WordEmbeddingsModel.pretrained("embeddings_clinical", "en", "clinical/models")
            .setInputCols(["sentence", "token"]).setOutputCol("embeddings"),
            stage.setInputCols(["sentence", "token", "embeddings"]).setOutputCol("ner"),
        ])
        pipeline.fit(frame).transform(frame.limit(4)).select("ner").collect()
    except Exception as exc:  # what the user's notebook would show
        return str(exc)
    return ""


if __name__ == "__main__":
    main(*sys.argv[1:3])
