"""Driver side of the Spark execution: consecutive stages fused into one ``mapInArrow``.

Every annotator's ``transform`` returns a DataFrame that remembers how it was made (its
*chain*: the DataFrame the chain started from and the stages applied). When the next
stage's ``transform`` receives that very DataFrame, it does not stack a second Python UDF on
top; it rebuilds one ``mapInArrow`` over the chain's start with one more stage. So the
card's pipeline (DocumentAssembler ... NerConverter) runs as ONE pass through the Python
workers: the text goes to Python once, every annotation column comes back once, and the
intermediate columns (tokens, embeddings) are handed from stage to stage as Python objects
instead of crossing Arrow and the JVM between stages. Spark DataFrames are lazy, so the
intermediate DataFrames of the chain are never computed. A chain whose SentenceDetector
explodes sentences (``setExplodeSentences(True)``) gives one row per sentence from that
stage on, inside the same pass (``mapInArrow`` may yield more rows than it reads); the
schema is the same either way.

A DataFrame modified in between (``filter``, ``withColumn``, ...) is a new object without a
chain, so the next stage starts a new chain on it and reads its annotation columns from
Arrow: correct, just not fused.

Column pruning: Spark cannot see into ``mapInArrow``, so a ``select`` after the pipeline
would still make every worker serialise every annotation column (the embeddings column
alone is 200 floats a token) and the JVM copy it into rows, only to drop it. A fused
DataFrame's ``select`` by column names therefore rebuilds the pass with only the selected
columns as output (the stages still all run; only what nobody reads is not sent). Any other
``select`` (expressions, ``*``) and every other operation see all columns, as before.

Model folders reach the executors by path (``spark.clinical_ner.modelDistribution=path``,
for local mode and for a file system every executor mounts) or as one archive
(``archive``, the default on any other master): the driver zips each model folder once,
ships the zip with ``SparkContext.addFile`` (Spark only allows a directory there on a local
master) and every executor unpacks it once into a folder named by the model's fingerprint
(see :func:`clinical_ner.spark.worker.model_folder`). ``sparkfiles``, the former name, means
``archive``.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import zipfile
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql.types import StructType

from clinical_ner.errors import ConfigurationError
from clinical_ner.io import file_sha256
from clinical_ner.resources import METADATA_FILE
from clinical_ner.spark.schema import annotation_field, is_annotation_field, quoted
from clinical_ner.spark.worker import plan_key, run_plan

CHAIN_ATTRIBUTE = "_clinical_ner_chain"
CONF_ROWS_PER_BATCH = "spark.clinical_ner.rowsPerBatch"
CONF_MODEL_DISTRIBUTION = "spark.clinical_ner.modelDistribution"
DEFAULT_ROWS_PER_BATCH = 64
DISTRIBUTIONS = ("auto", "path", "archive", "sparkfiles")


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
    result.__class__ = _pruning_class(type(result))
    return result


class _PruningSelect:
    """Mixed into a fused DataFrame's class: ``select`` by names sends only those columns."""

    def select(self, *cols: Any) -> DataFrame:
        chain: Chain | None = getattr(self, CHAIN_ATTRIBUTE, None)
        keep = _selected_columns(cols, self.columns) if chain is not None else None  # type: ignore[attr-defined]
        if keep is None:
            return super().select(*cols)  # type: ignore[misc]
        return _map_in_arrow(chain, keep).select(*cols)  # type: ignore[arg-type]


_PRUNING_CLASSES: dict[type, type] = {}


def _pruning_class(klass: type) -> type:
    """``klass`` (classic or Connect DataFrame) with :class:`_PruningSelect` mixed in."""
    pruning = _PRUNING_CLASSES.get(klass)
    if pruning is None:
        pruning = type(klass.__name__, (_PruningSelect, klass), {"__module__": klass.__module__})
        _PRUNING_CLASSES[klass] = pruning
    return pruning


def _selected_columns(cols: tuple[Any, ...], columns: list[str]) -> set[str] | None:
    """The top-level columns a ``select(*cols)`` reads, or None when that is not known
    from names alone (a Column expression, ``*``, a name that is not a column)."""
    if len(cols) == 1 and isinstance(cols[0], list | tuple):
        cols = tuple(cols[0])
    keep: set[str] = set()
    for col in cols:
        if not isinstance(col, str):
            return None
        if col in columns:
            keep.add(col)
        elif "." in col and col.split(".", 1)[0] in columns:  # a struct field: "ner_chunk.result"
            keep.add(col.split(".", 1)[0])
        else:
            return None
    return keep or None


def _map_in_arrow(chain: Chain, keep: set[str] | None = None) -> DataFrame:
    """One ``mapInArrow`` over the chain's base running all its stages; with ``keep``,
    only those columns come back (and only the base columns the stages or ``keep`` need
    go in)."""
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
    if keep is not None:
        needed = set(text_inputs) | set(annotation_inputs) | keep
        base = base.select(*[quoted(f.name) for f in base.schema.fields if f.name in needed])
    kept_base = [f for f in base.schema.fields if keep is None or f.name in keep]
    outputs = [name for name in produced if keep is None or name in keep]
    plan: dict[str, Any] = {
        "stages": [e.spec for e in chain.entries],
        "text_inputs": text_inputs,
        "annotation_inputs": annotation_inputs,
        "outputs": outputs,
        "passed": [f.name for f in kept_base if f.name not in produced],
        # conf.get with a default never answers None (pyspark types it Optional)
        "rows_per_batch": int(spark.conf.get(CONF_ROWS_PER_BATCH, str(DEFAULT_ROWS_PER_BATCH))),  # type: ignore[arg-type]
        "threads": int(spark.conf.get("spark.task.cpus", "1")),  # type: ignore[arg-type]
    }
    plan["key"] = plan_key(plan)
    schema_fields = [
        annotation_field(f.name, produced[f.name]) if f.name in produced else f
        for f in kept_base
    ]
    schema_fields += [annotation_field(name, produced[name]) for name in outputs if name not in fields]
    return base.mapInArrow(partial(run_plan, plan), StructType(schema_fields))


# ----- model folders for the executors -------------------------------------------------
_SHIPPED: dict[tuple[str, str], dict[str, str]] = {}


def model_reference(spark: SparkSession, folder: str | os.PathLike[str]) -> dict[str, Any]:
    """How executors find model ``folder``: its path, or the name of its shipped archive.

    The reference also carries the model's fingerprint (the first 20 hex digits of the
    sha256 of its ``metadata.json``, which lists every file's checksum) and its name, which
    errors on the executors quote.
    """
    folder = Path(folder).resolve()
    metadata = (folder / METADATA_FILE).read_bytes()
    fingerprint = hashlib.sha256(metadata).hexdigest()[:20]
    name = str(json.loads(metadata).get("name") or folder.name)
    mode = spark.conf.get(CONF_MODEL_DISTRIBUTION, "auto")
    if mode not in DISTRIBUTIONS:
        raise ConfigurationError(f"{CONF_MODEL_DISTRIBUTION} must be one of {DISTRIBUTIONS}")
    if mode == "auto":
        mode = "path" if spark.sparkContext.master.startswith("local") else "archive"  # type: ignore[union-attr]  # a running context has a master
    if mode == "path":
        return {"path": str(folder), "fingerprint": fingerprint, "name": name}
    # One archive per model and SparkContext (a new session must ship it again).
    key = (fingerprint, spark.sparkContext.applicationId)
    shipped = _SHIPPED.get(key)
    if shipped is None:
        archive = _zip_folder(folder, Path(tempfile.mkdtemp(prefix="clinical-ner-ship-"))
                              / f"clinical-ner-{fingerprint}.zip")
        spark.sparkContext.addFile(str(archive))
        shipped = {"archive": archive.name, "sha256": file_sha256(archive)}
        _SHIPPED[key] = shipped
    return {**shipped, "fingerprint": fingerprint, "name": name}


def _zip_folder(folder: Path, archive: Path) -> Path:
    """``folder``'s files, paths relative to it, stored uncompressed (weights and vectors
    hardly compress, and unpacking stays a copy)."""
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_STORED) as bundle:
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            bundle.write(path, path.relative_to(folder).as_posix())
    return archive

