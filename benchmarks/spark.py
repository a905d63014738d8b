"""Spark against LightPipeline (its defaults) on the same workload, same run.

The workload is the speed benchmark's: the first ``--notes`` deduplicated MTSamples notes.
Each Spark engine runs the model card's pipeline (DocumentAssembler ... NerConverter) with
``transform`` and writes ``id`` and ``ner_chunk`` to parquet in a temp folder (what a job
keeps; the intermediate columns stay in the Python workers); LightPipeline annotates the
same notes in-process. Engines:

- ``local[2]``, and ``local[2]`` with a row per sentence (``setExplodeSentences(True)``);
- ``--workers 1 2``: a standalone cluster on this machine per count (one-core workers on
  loopback, started and stopped here, see ``clinical_ner.spark.standalone``), with the
  default model shipping (one archive per model folder);
- ``--master spark://host:port``: an existing cluster.

Per engine: the median of ``--runs`` timed runs (after a warm-up) in documents/s and
tokens/s; the time to the first row in a fresh session (model shipping, unpacking and
loading included); and where the time goes: the same job with a text-only pipeline
(DocumentAssembler) gives Spark's own cost (scheduling, Arrow both ways, parquet), the rest
is the NLP in the Python workers.

    python benchmarks/spark.py [--data ../shared/data] [--notes 2000] [--runs 3]
        [--workers 1 2] [--master URL] [--model ner_clinical] [--stand-in]

``--stand-in`` trains, in seconds, a model of the shipped architecture (BiLSTM 128, char
CNN 50, 200-dimensional vectors over the notes' vocabulary) on a toy task, for machines
without the pretrained model: the speed is the architecture's, the entities are not
meaningful, and the JSON says so.
"""

from __future__ import annotations

import argparse
import re
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from common import DEFAULT_DATA, machine, mtsamples_notes, write_json

HERE = Path(__file__).resolve().parent


def stand_in_model(notes: list[str], folder: Path, dim: int) -> tuple[Path, Path]:
    """A NerDLModel + WordEmbeddingsModel pair of the shipped sizes, trained for one epoch
    on a toy task (speed only)."""
    import numpy as np

    from clinical_ner.annotators.ner_dl import NerDLModel
    from clinical_ner.annotators.word_embeddings import WordEmbeddingsModel
    from clinical_ner.embeddings.store import WordVectorStore
    from clinical_ner.training.data import TaggedSentence
    from clinical_ner.training.trainer import Trainer, TrainingConfig

    words = sorted({w.lower() for note in notes for w in re.findall(r"\w+|\S", note)})
    vectors = np.random.default_rng(0).normal(size=(len(words), dim)).astype(np.float32)
    store = WordVectorStore.from_vectors(words, vectors, method="random")
    rng = np.random.default_rng(1)
    sentences = []
    for _ in range(64):
        tokens = [words[i] for i in rng.integers(len(words), size=12)]
        tags = ["O"] * 12
        tags[3], tags[4], tags[8] = "B-PROBLEM", "I-PROBLEM", "B-TREATMENT"
        tags[10] = "B-TEST"
        sentences.append(TaggedSentence(tokens, tags))
    trainer = Trainer(TrainingConfig(max_epochs=1, threads=2, lstm_hidden=128), sentences, store,
                      progress=False)
    list(trainer.run())
    ner_dir, emb_dir = folder / "ner_stand_in", folder / "embeddings_stand_in"
    NerDLModel(trainer.network, trainer.chars, {"name": "stand_in"}).save(ner_dir)
    WordEmbeddingsModel(store).save(emb_dir)
    return ner_dir, emb_dir


def spark_pipeline(ner_dir: Path | None, emb_dir: Path | None, model: str, explode: bool = False):
    """The model card's pipeline as clinical_ner.spark stages (imports changed only)."""
    from clinical_ner.spark import (
        DocumentAssembler,
        NerConverter,
        NerDLModel,
        Pipeline,
        SentenceDetector,
        Tokenizer,
        WordEmbeddingsModel,
    )

    if ner_dir is None:
        clinical_ner = NerDLModel.pretrained(model, "en", "clinical/models")
        embeddings = WordEmbeddingsModel.pretrained(clinical_ner.getStorageRef(), "en", "clinical/models")
    else:
        clinical_ner = NerDLModel.load(str(ner_dir))
        embeddings = WordEmbeddingsModel.load(str(emb_dir))
    return Pipeline(stages=[
        DocumentAssembler().setInputCol("text").setOutputCol("document"),
        SentenceDetector().setInputCols(["document"]).setOutputCol("sentence")
        .setExplodeSentences(explode),
        Tokenizer().setInputCols(["sentence"]).setOutputCol("token"),
        embeddings.setInputCols(["sentence", "token"]).setOutputCol("embeddings"),
        clinical_ner.setInputCols(["sentence", "token", "embeddings"]).setOutputCol("ner"),
        NerConverter().setInputCols(["sentence", "token", "ner"]).setOutputCol("ner_chunk"),
    ])


def text_only_pipeline():
    """Spark's own cost: the text goes to Python and one annotation column comes back."""
    from clinical_ner.spark import DocumentAssembler, Pipeline

    return Pipeline(stages=[DocumentAssembler().setInputCol("text").setOutputCol("document")])


def time_spark(master: str, notes: list[str], args, models, work: Path, engine: str,
               explode: bool = False) -> dict:
    """One engine: a fresh session on ``master``, first row, timed runs, text-only runs
    (``explode``: the SentenceDetector writes a row per sentence)."""
    from clinical_ner.spark import start

    spark = start(master, memory="2G", params={"spark.executor.memory": "2g"})
    spark.sparkContext.setLogLevel("ERROR")
    try:
        frame = spark.createDataFrame([(i, t) for i, t in enumerate(notes)], "id int, text string")
        frame = frame.repartition(args.partitions).cache()
        frame.count()
        model = spark_pipeline(*models, args.model, explode=explode).fit(frame)
        started = time.perf_counter()
        model.transform(frame.limit(1)).select("ner_chunk").collect()
        first_row = time.perf_counter() - started
        out = str(work / "out.parquet")

        def run(pipeline_model, column: str) -> float:
            started = time.perf_counter()
            pipeline_model.transform(frame).select("id", column).write.mode("overwrite").parquet(out)
            return time.perf_counter() - started

        run(model, "ner_chunk")  # warm-up: every executor has loaded the models
        seconds = [run(model, "ner_chunk") for _ in range(args.runs)]
        from pyspark.sql import functions as F

        written = spark.read.parquet(out).agg(
            F.sum(F.size("ner_chunk")).alias("chunks"), F.count("*").alias("rows")).first()
        text_model = text_only_pipeline().fit(frame)
        run(text_model, "document")
        overhead = [run(text_model, "document") for _ in range(args.runs)]
    finally:
        spark.stop()
    median = statistics.median(seconds)
    return {
        "engine": engine, "master": master, "partitions": args.partitions,
        "sentence_per_row": explode,
        "seconds_per_run": seconds, "median_seconds": median,
        "documents_per_second": len(notes) / median,
        "first_row_seconds": first_row,
        "rows_written": written["rows"], "entities_written": written["chunks"],
        "where_the_time_goes": {
            "spark_arrow_parquet_seconds": statistics.median(overhead),
            "nlp_in_python_workers_seconds": max(0.0, median - statistics.median(overhead)),
        },
    }


def time_light(notes: list[str], args, models) -> dict:
    """LightPipeline in this process with its default parallelism (see
    ``clinical_ner.parallelism``: one worker per CPU, one torch thread each)."""
    import torch

    from clinical_ner.spark import LightPipeline, start

    spark = start("local[1]", memory="2G")
    try:
        model = spark_pipeline(*models, args.model).fit(spark.createDataFrame([[""]]).toDF("text"))
    finally:
        spark.stop()
    light = LightPipeline(model, batch_size=64)
    light.fullAnnotate(notes[:8])  # warm-up

    def run() -> tuple[float, int, int]:
        started, tokens, chunks = time.perf_counter(), 0, 0
        for row in light.iter_full(notes):
            tokens += len(row["token"])
            chunks += len(row["ner_chunk"])
        return time.perf_counter() - started, tokens, chunks

    runs = [run() for _ in range(args.runs)]
    median = statistics.median(r[0] for r in runs)
    return {"engine": "LightPipeline (defaults)", "workers": light.workers,
            "torch_threads": torch.get_num_threads(), "seconds_per_run": [r[0] for r in runs],
            "median_seconds": median, "documents_per_second": len(notes) / median,
            "tokens": runs[0][1], "entities": runs[0][2]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--notes", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--workers", type=int, nargs="*", default=[1, 2],
                        help="standalone clusters of this many one-core workers, one after the other")
    parser.add_argument("--master", help="also an existing cluster at this URL")
    parser.add_argument("--model", default="ner_clinical", help="pretrained name")
    parser.add_argument("--stand-in", action="store_true", help="train a same-size stand-in model")
    parser.add_argument("--stand-in-dim", type=int, default=200)
    parser.add_argument("--partitions", type=int, default=8)
    parser.add_argument("--out", type=Path, default=HERE / "results" / "spark.json")
    args = parser.parse_args()

    from clinical_ner.spark.standalone import StandaloneCluster

    notes = mtsamples_notes(args.data, args.notes)
    work = Path(tempfile.mkdtemp(prefix="clinical-ner-spark-bench-"))
    engines: dict[str, dict] = {}
    try:
        models = stand_in_model(notes, work, args.stand_in_dim) if args.stand_in else (None, None)
        light = time_light(notes, args, models)
        print(f"LightPipeline: {light['documents_per_second']:.1f} docs/s", flush=True)
        engines["local[2]"] = time_spark("local[2]", notes, args, models, work, "Spark local[2]")
        engines["local[2]_sentence_per_row"] = time_spark(
            "local[2]", notes, args, models, work, "Spark local[2], a row per sentence", explode=True)
        for count in args.workers:
            with StandaloneCluster(workers=count, cores=1, memory="3g") as cluster:
                engines[f"standalone_{count}_workers"] = time_spark(
                    cluster.master_url, notes, args, models, work,
                    f"standalone cluster, {count} one-core worker(s) on loopback")
        if args.master:
            engines["master"] = time_spark(args.master, notes, args, models, work, "given cluster")
    finally:
        shutil.rmtree(work, ignore_errors=True)

    tokens = light["tokens"]
    for name, engine in engines.items():
        engine["tokens_per_second"] = tokens / engine["median_seconds"]
        engine["over_light_pipeline"] = light["median_seconds"] / engine["median_seconds"]
        print(f"{name}: {engine['documents_per_second']:.1f} docs/s "
              f"({engine['over_light_pipeline']:.2f}x LightPipeline), first row "
              f"{engine['first_row_seconds']:.1f} s", flush=True)
    light["tokens_per_second"] = tokens / light["median_seconds"]
    payload = {
        "workload": f"first {len(notes)} deduplicated MTSamples notes",
        "model": "stand-in (shipped architecture, toy weights)" if args.stand_in else args.model,
        "documents": len(notes), "tokens": tokens, "entities": light["entities"],
        "light_pipeline": light, "spark": engines,
        "machine": machine(),
        "command": "python " + " ".join(sys.argv),
    }
    one, two = engines.get("standalone_1_workers"), engines.get("standalone_2_workers")
    if one and two:
        payload["two_workers_over_one"] = one["median_seconds"] / two["median_seconds"]
        print(f"2 workers / 1 worker: {payload['two_workers_over_one']:.2f}x")
    write_json(args.out, payload)


if __name__ == "__main__":
    main()
