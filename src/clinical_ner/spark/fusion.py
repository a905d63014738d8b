"""Driver side of the Spark execution: consecutive stages fused into one ``mapInArrow``.

Every annotator's ``transform`` returns a DataFrame that remembers how it was made (its
*chain*: the DataFrame the chain started from and the stages applied). When the next
stage's ``transform`` receives that very DataFrame, it does not stack a second Python UDF on
top; it rebuilds one ``mapInArrow`` over the chain's start with one more stage. So the
card's pipeline (DocumentAssembler ... NerConverter) runs as ONE pass through the Python
workers: the text goes to Python once, every annotation column comes back once, and the
intermediate columns (tokens, embeddings) are handed from stage to stage as Python objects
instead of crossing Arrow and the JVM between stages. Spark DataFrames are lazy, so the
intermediate DataFrames of the chain are never computed.

A DataFrame modified in between (``filter``, ``withColumn``, ...) is a new object without a
chain, so the next stage starts a new chain on it and reads its annotation columns from
Arrow: correct, just not fused.

Model folders reach the executors by path (``spark.clinical_ner.modelDistribution=path``,
for local mode and for a file system every executor mounts) or by ``SparkContext.addFile``
(``sparkfiles``, the default on a cluster master).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql.types import StructType

from clinical_ner.errors import ConfigurationError
from clinical_ner.resources import METADATA_FILE
from clinical_ner.spark.schema import annotation_field, is_annotation_field
from clinical_ner.spark.worker import plan_key, run_plan

CHAIN_ATTRIBUTE = "_clinical_ner_chain"
CONF_ROWS_PER_BATCH = "spark.clinical_ner.rowsPerBatch"
CONF_MODEL_DISTRIBUTION = "spark.clinical_ner.modelDistribution"
DEFAULT_ROWS_PER_BATCH = 64
DISTRIBUTIONS = ("auto", "path", "sparkfiles")


@dataclass(frozen=True)
class StageEntry:
    """One stage of a chain, as the driver describes it to the workers.

    ``raw_inputs`` are plain columns (the text, an id); ``inputs`` are annotation columns.
    """

    spec: dict[str, Any]
    output: str
    output_type: str
    inputs: tuple[str, ...] = ()
    raw_inputs: tuple[str, ...] = ()


@dataclass
class Chain:
    base: DataFrame
    entries: list[StageEntry] = field(default_factory=list)


def transform_fused(entry: StageEntry, dataset: DataFrame) -> DataFrame:
    """``dataset`` with ``entry``'s column added, fused with the stages that made it."""
    chain: Chain | None = getattr(dataset, CHAIN_ATTRIBUTE, None)
    entries = [entry] if chain is None else [*chain.entries, entry]
    chain = Chain(dataset if chain is None else chain.base, entries)
    result = _map_in_arrow(chain)
    setattr(result, CHAIN_ATTRIBUTE, chain)
    return result


def _map_in_arrow(chain: Chain) -> DataFrame:
    base = chain.base
    fields = {f.name: f for f in base.schema.fields}
    produced: dict[str, str] = {}
    text_inputs: list[str] = []
    annotation_inputs: list[str] = []
    for entry in chain.entries:
        stage = entry.spec["class"]
        for col in entry.raw_inputs:
            if col not in fields:
                raise ConfigurationError(
                    f"{stage} reads column {col!r}, which the DataFrame lacks; columns: "
                    f"{', '.join(fields)}"
                )
            if col not in text_inputs:
                text_inputs.append(col)
        for col in entry.inputs:
            if col in produced:
                continue
            if col not in fields:
                raise ConfigurationError(
                    f"{stage} reads column {col!r}, but no earlier stage writes it; columns: "
                    f"{', '.join([*fields, *produced])}"
                )
            if not is_annotation_field(fields[col]):
                raise ConfigurationError(
                    f"{stage} reads column {col!r}, which is {fields[col].dataType.simpleString()}"
                    ", not an annotation column"
                )
            if col not in annotation_inputs:
                annotation_inputs.append(col)
        produced[entry.output] = entry.output_type
    spark = base.sparkSession
    plan: dict[str, Any] = {
        "stages": [e.spec for e in chain.entries],
        "text_inputs": text_inputs,
        "annotation_inputs": annotation_inputs,
        "outputs": list(produced),
        "rows_per_batch": int(spark.conf.get(CONF_ROWS_PER_BATCH, str(DEFAULT_ROWS_PER_BATCH))),
        "threads": int(spark.conf.get("spark.task.cpus", "1")),
    }
    plan["key"] = plan_key(plan)
    schema_fields = [
        annotation_field(f.name, produced[f.name]) if f.name in produced else f
        for f in base.schema.fields
    ]
    schema_fields += [annotation_field(name, kind) for name, kind in produced.items() if name not in fields]
    return base.mapInArrow(partial(run_plan, plan), StructType(schema_fields))


# ----- model folders for the executors -------------------------------------------------
_SHIPPED: dict[str, str] = {}


def model_reference(spark: SparkSession, folder: str | os.PathLike[str]) -> dict[str, Any]:
    """How executors find model ``folder``: its path, or a ``SparkFiles`` name."""
    folder = Path(folder).resolve()
    fingerprint = hashlib.sha256((folder / METADATA_FILE).read_bytes()).hexdigest()[:20]
    mode = spark.conf.get(CONF_MODEL_DISTRIBUTION, "auto")
    if mode not in DISTRIBUTIONS:
        raise ConfigurationError(f"{CONF_MODEL_DISTRIBUTION} must be one of {DISTRIBUTIONS}")
    if mode == "auto":
        mode = "path" if spark.sparkContext.master.startswith("local") else "sparkfiles"
    if mode == "path":
        return {"path": str(folder), "fingerprint": fingerprint}
    name = _SHIPPED.get(fingerprint)
    if name is None:
        # addFile names the copy after the folder; a copy named by the fingerprint keeps
        # two models called "model" (saved pipelines) apart.
        name = f"clinical-ner-{fingerprint}"
        staging = Path(tempfile.mkdtemp(prefix="clinical-ner-ship-")) / name
        shutil.copytree(folder, staging)
        spark.sparkContext.addFile(str(staging), recursive=True)
        _SHIPPED[fingerprint] = name
    return {"sparkfile": name, "fingerprint": fingerprint}
