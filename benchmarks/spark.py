"""Spark ``local[2]`` against LightPipeline (torch, 2 threads) on the same workload, same run.

The workload is the speed benchmark's: the first 1,000 deduplicated MTSamples notes. Spark
runs the model card's pipeline (DocumentAssembler ... NerConverter) with ``transform`` and
writes every output column (embeddings included) to parquet in a temp folder; LightPipeline
annotates the same notes in-process. Each side runs ``--runs`` times after a warm-up; the
median is reported, with documents/s and tokens/s.

    python benchmarks/spark.py [--data ../shared/data] [--notes 1000] [--runs 3]
        [--model ner_clinical] [--stand-in]

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


def spark_pipeline(ner_dir: Path | None, emb_dir: Path | None, model: str):
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
        SentenceDetector().setInputCols(["document"]).setOutputCol("sentence"),
        Tokenizer().setInputCols(["sentence"]).setOutputCol("token"),
        embeddings.setInputCols(["sentence", "token"]).setOutputCol("embeddings"),
        clinical_ner.setInputCols(["sentence", "token", "embeddings"]).setOutputCol("ner"),
        NerConverter().setInputCols(["sentence", "token", "ner"]).setOutputCol("ner_chunk"),
    ])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--notes", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--model", default="ner_clinical", help="pretrained name")
    parser.add_argument("--stand-in", action="store_true", help="train a same-size stand-in model")
    parser.add_argument("--stand-in-dim", type=int, default=200)
    parser.add_argument("--partitions", type=int, default=8)
    parser.add_argument("--out", type=Path, default=HERE / "results" / "spark.json")
    args = parser.parse_args()

    notes = mtsamples_notes(args.data, args.notes)
    work = Path(tempfile.mkdtemp(prefix="clinical-ner-spark-bench-"))
    try:
        ner_dir = emb_dir = None
        if args.stand_in:
            ner_dir, emb_dir = stand_in_model(notes, work, args.stand_in_dim)

        import torch

        from clinical_ner.spark import LightPipeline, start

        spark = start("local[2]", memory="4G", params={"spark.sql.shuffle.partitions": "2"})
        spark.sparkContext.setLogLevel("ERROR")
        model = spark_pipeline(ner_dir, emb_dir, args.model).fit(
            spark.createDataFrame([[""]]).toDF("text")
        )

        # LightPipeline: the same stages, in-process, torch with 2 threads.
        torch.set_num_threads(2)
        light = LightPipeline(model, batch_size=64)
        light.fullAnnotate(notes[:8])  # warm-up

        def light_run() -> tuple[int, int]:
            tokens = chunks = 0
            for row in light.iter_full(notes):
                tokens += len(row["token"])
                chunks += len(row["ner_chunk"])
            return tokens, chunks

        light_seconds, counts = [], (0, 0)
        for _ in range(args.runs):
            started = time.perf_counter()
            counts = light_run()
            light_seconds.append(time.perf_counter() - started)
        tokens, chunks = counts

        # Spark local[2]: transform, then write every column to parquet.
        frame = spark.createDataFrame([(i, t) for i, t in enumerate(notes)], "id int, text string")
        frame = frame.repartition(args.partitions).cache()
        frame.count()
        out = str(work / "out.parquet")
        model.transform(frame.limit(16)).write.mode("overwrite").parquet(out)  # warm-up
        spark_seconds = []
        for _ in range(args.runs):
            started = time.perf_counter()
            model.transform(frame).write.mode("overwrite").parquet(out)
            spark_seconds.append(time.perf_counter() - started)
        from pyspark.sql import functions as F

        written = spark.read.parquet(out).agg(
            F.sum(F.size("token")).alias("tokens"), F.sum(F.size("ner_chunk")).alias("chunks"),
            F.count("*").alias("rows"),
        ).first()
        parquet_mb = sum(p.stat().st_size for p in Path(out).rglob("*.parquet")) / 2**20
        spark.stop()
    finally:
        shutil.rmtree(work, ignore_errors=True)

    def side(seconds: list[float]) -> dict:
        median = statistics.median(seconds)
        return {
            "seconds_per_run": seconds, "median_seconds": median,
            "documents_per_second": len(notes) / median, "tokens_per_second": tokens / median,
        }

    light_side, spark_side = side(light_seconds), side(spark_seconds)
    payload = {
        "workload": f"first {len(notes)} deduplicated MTSamples notes",
        "model": "stand-in (shipped architecture, toy weights)" if args.stand_in else args.model,
        "documents": len(notes), "tokens": tokens, "entities": chunks,
        "light_pipeline": {"engine": "LightPipeline", "torch_threads": 2, **light_side},
        "spark": {
            "engine": "Spark local[2], transform + parquet write (all columns)",
            "partitions": args.partitions, "parquet_mb": round(parquet_mb, 1), **spark_side,
            "rows_written": written["rows"], "tokens_written": written["tokens"],
            "entities_written": written["chunks"],
        },
        "spark_over_light": light_side["median_seconds"] / spark_side["median_seconds"],
        "machine": machine(),
        "command": "python " + " ".join(sys.argv),
    }
    print(f"LightPipeline: {light_side['documents_per_second']:.1f} docs/s, "
          f"{light_side['tokens_per_second']:.0f} tokens/s")
    print(f"Spark local[2]: {spark_side['documents_per_second']:.1f} docs/s, "
          f"{spark_side['tokens_per_second']:.0f} tokens/s "
          f"({payload['spark_over_light']:.2f}x LightPipeline)")
    write_json(args.out, payload)


if __name__ == "__main__":
    main()
