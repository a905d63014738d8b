"""What runs inside the Python workers: a plan of local stages over Arrow record batches.

A *plan* is a JSON-ready dict built on the driver (see :mod:`clinical_ner.spark.fusion`):
the local stages to run in order (class, module, explicit parameters and, for model stages,
where to read the model folder), the input columns to read, the annotation columns to
write, the number of rows per slice and the torch thread count.

Models load once per Python worker: PySpark reuses its workers across tasks
(``spark.python.worker.reuse``, on by default), and this module keeps the loaded models and
the built stages in module-level caches keyed by the model folder's fingerprint and by the
plan. Record batches are cut into slices of ``rows_per_batch`` rows, so model stages batch
across the slice's notes exactly as :class:`~clinical_ner.pipeline.LightPipeline` does and
memory stays bounded whatever ``spark.sql.execution.arrow.maxRecordsPerBatch`` is.

A SentenceDetector with ``explodeSentences`` turns each row of a slice into one row per
sentence before the next stage runs (Spark NLP's row per sentence); the slice's other
columns are repeated for each (``take``), so a batch may come back longer than it went in.
"""

from __future__ import annotations

import copy
import hashlib
import importlib
import json
import os
import shutil
import socket
import tempfile
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa

from clinical_ner.annotators.sentence_detector import explodes
from clinical_ner.errors import ModelLoadError, ResourceNotFoundError
from clinical_ner.gc_pause import gc_paused
from clinical_ner.io import file_sha256
from clinical_ner.parallelism import set_torch_threads, spark_task_threads
from clinical_ner.resources import CorruptModelError
from clinical_ner.spark.schema import from_arrow, to_arrow
from clinical_ner.stage import Row, Transformer

_MODELS: dict[tuple[str, str], Transformer] = {}
_STAGES: dict[str, list[Transformer]] = {}


def plan_key(plan: dict[str, Any]) -> str:
    """A stable id of a plan (the cache key of its built stages)."""
    return hashlib.sha256(json.dumps(plan, sort_keys=True, default=str).encode()).hexdigest()


def model_folder(reference: dict[str, Any]) -> Path:
    """The local path of a model folder on this machine: a shared path as is, or the
    shipped archive unpacked (once per executor) next to Spark's copy of it."""
    if reference.get("archive"):
        return _unpacked(reference)
    folder = Path(reference["path"])
    if not folder.is_dir():
        raise ResourceNotFoundError(
            f"model folder {folder} is not readable on this executor; put models on a file "
            "system every executor mounts, or set spark.clinical_ner.modelDistribution="
            "archive to ship them with the job"
        )
    return folder


def _unpacked(reference: dict[str, Any]) -> Path:
    """Unpack the shipped zip into ``<SparkFiles root>/clinical-ner-<fingerprint>/``.

    Several Python workers of one executor may start at once and share its SparkFiles
    folder: each unpacks into a private temporary folder and renames it into place; the
    rename is atomic, so a worker sees no folder or a whole one, and a loser of the race
    throws its copy away. The zip's sha256 is checked first (a truncated transfer is named
    as such); the files' own checksums are checked when the model loads.
    """
    from pyspark import SparkFiles

    archive = Path(SparkFiles.get(reference["archive"]))
    target = archive.parent / f"clinical-ner-{reference['fingerprint']}"
    if target.is_dir():
        return target
    if not archive.is_file():
        raise ResourceNotFoundError(f"the shipped archive {archive.name} is missing on this executor")
    if file_sha256(archive) != reference["sha256"]:
        raise CorruptModelError(
            f"the shipped archive {archive.name} differs from the driver's (sha256 mismatch)")
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=archive.parent))
    try:
        with zipfile.ZipFile(archive) as bundle:
            bundle.extractall(staging)
        try:
            os.rename(staging, target)
        except OSError:
            if not target.is_dir():  # not a lost race: a real failure
                raise
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    return target


def _load_model(klass: type[Transformer], reference: dict[str, Any]) -> Transformer:
    key = (klass.__name__, reference["fingerprint"])
    model = _MODELS.get(key)
    if model is None:
        try:
            model = klass.load(model_folder(reference))  # type: ignore[attr-defined]
        except Exception as exc:
            raise ModelLoadError(
                f"{klass.__name__} {reference.get('name', '?')!r} (fingerprint "
                f"{reference['fingerprint']}) could not be loaded on executor "
                f"{_executor_description()}: {type(exc).__name__}: {exc}"
            ) from None
        _MODELS[key] = model
    return model


def _executor_description() -> str:
    """Host, process and Spark working folder of this Python worker (what a log search on
    the cluster needs); the folder ends in ``<application>/<executor id>`` on standalone."""
    return f"{socket.gethostname()} (pid {os.getpid()}, working folder {Path.cwd()})"


def build_stages(plan: dict[str, Any]) -> list[Transformer]:
    """The plan's local stages, built once per worker and plan."""
    key = plan["key"]
    stages = _STAGES.get(key)
    if stages is not None:
        return stages
    stages = []
    for spec in plan["stages"]:
        module = importlib.import_module(spec["module"])
        klass = getattr(module, spec["class"])
        if spec.get("model"):
            if spec["class"] == "NerDLModel":
                set_torch_threads(spark_task_threads(plan.get("threads", 1)))
            shared = _load_model(klass, spec["model"])
            # A shallow copy shares the network / vectors but has its own parameters.
            stage = copy.copy(shared)
            stage._values = dict(shared._values)
        else:
            stage = klass()
        if spec["params"]:
            stage._set(**copy.deepcopy(spec["params"]))
        stages.append(stage)
    _STAGES[key] = stages
    return stages


def run_plan(plan: dict[str, Any], batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
    """The ``mapInArrow`` function: every input batch, slice by slice, with the plan's
    annotation columns added (or replaced, when a column of that name exists); one row
    per sentence from an exploding SentenceDetector on (see the module docstring)."""
    stages = build_stages(plan)
    text_inputs: list[str] = plan["text_inputs"]
    annotation_inputs: list[str] = plan["annotation_inputs"]
    outputs: list[str] = plan["outputs"]
    step = max(1, int(plan["rows_per_batch"]))
    passed: list[str] | None = plan.get("passed")  # the input columns that go back out
    for batch in batches:
        # In the input's order: each passed column as is, each produced one in its place.
        names = [n for n in batch.schema.names if passed is None or n in passed or n in outputs]
        appended = [name for name in outputs if name not in batch.schema.names]
        for start in range(0, batch.num_rows, step):
            part = batch.slice(start, step)
            rows: list[Row] = [{} for _ in range(part.num_rows)]
            for col in text_inputs:
                for row, value in zip(rows, part.column(col).to_pylist(), strict=True):
                    row[col] = value
            for col in annotation_inputs:
                for row, value in zip(rows, from_arrow(part.column(col)), strict=True):
                    row[col] = value
            with gc_paused():  # why: see clinical_ner.gc_pause
                rows, origin = _run_stages(stages, rows)
                made = {name: to_arrow([row[name] for row in rows]) for name in outputs}
            if origin is not None:
                if not rows:
                    continue  # no sentence in the slice: no row (Spark's explode)
                part = part.take(pa.array(origin, pa.int64()))
            columns = [made[name] if name in made else part.column(name) for name in names]
            columns += [made[name] for name in appended]
            yield pa.RecordBatch.from_arrays(columns, names=names + appended)


def _run_stages(stages: list[Transformer], rows: list[Row]) -> tuple[list[Row], list[int] | None]:
    """``rows`` through every stage; after an exploding SentenceDetector, one row per
    sentence. Returns the rows and, when exploded, the index in the input ``rows`` each
    came from (None when no stage explodes)."""
    origin: list[int] | None = None
    for stage in stages:
        stage.transform_rows(rows)
        if explodes(stage):
            rows, picked = stage.explode_rows(rows)  # type: ignore[attr-defined]
            origin = picked if origin is None else [origin[i] for i in picked]
    return rows, origin
