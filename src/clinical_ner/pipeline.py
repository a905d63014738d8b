"""The local engine: Pipeline, PipelineModel and LightPipeline, in-process, no JVM.

Rows are dicts from column name to value; each stage adds its output column to a batch of
rows at a time, so model stages batch across texts.
"""

from __future__ import annotations

import json
import logging
import os
from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

from clinical_ner.annotation import Annotation
from clinical_ner.annotators.base import STAGE_CLASSES, Estimator, Row, Stage, Transformer
from clinical_ner.errors import ConfigurationError, InputError, ResourceNotFoundError
from clinical_ner.gc_pause import gc_paused
from clinical_ner.parallelism import ParallelPlan, default_plan, set_torch_threads
from clinical_ner.resources import write_model_folder
from clinical_ner.windows import WindowState, iter_window_texts, merge_rows, shift_row

logger = logging.getLogger(__name__)

PIPELINE_FORMAT = "clinical-ner-pipeline"
PIPELINE_FORMAT_VERSION = 1


def _to_rows(data: Iterable[str | Row | None] | str | None, text_col: str) -> list[Row]:
    if data is None:
        return []
    if isinstance(data, str):
        return [{text_col: data}]
    rows: list[Row] = []
    for item in data:
        if item is None or isinstance(item, str):
            rows.append({text_col: item})
        elif isinstance(item, dict):
            rows.append(dict(item))
        else:
            raise InputError(
                f"expected texts (str) or rows (dict), got {type(item).__name__}"
            )
    return rows


class Pipeline:
    """An ordered list of stages; :meth:`fit` turns estimators into models."""

    def __init__(self, stages: Sequence[Stage] | None = None) -> None:
        self.stages: list[Stage] = list(stages or [])

    def setStages(self, stages: Sequence[Stage]) -> Pipeline:
        self.stages = list(stages)
        return self

    def getStages(self) -> list[Stage]:
        return list(self.stages)

    def fit(self, data: Iterable[str | Row] | str | None = None) -> PipelineModel:
        """Fit every estimator, in order, on the rows transformed by the stages before it.

        ``data`` may be None, a text, a list of texts, or a list of row dicts.
        """
        rows = _to_rows(data, _text_column(self.stages))
        fitted: list[Transformer] = []
        for stage in self.stages:
            if isinstance(stage, Estimator):
                model = stage.fit(rows)
            elif isinstance(stage, Transformer):
                model = stage
            else:
                raise ConfigurationError(
                    f"{type(stage).__name__} is neither a Transformer nor an Estimator"
                )
            if rows:
                model.transform_rows(rows)
            fitted.append(model)
        return PipelineModel(fitted)


class PipelineModel:
    """A fitted pipeline: every stage is a :class:`Transformer`."""

    def __init__(self, stages: Sequence[Transformer]) -> None:
        self.stages: list[Transformer] = list(stages)

    def transform_rows(self, rows: list[Row]) -> list[Row]:
        """Run every stage over ``rows`` (in place); returns ``rows``."""
        with gc_paused():  # why: see clinical_ner.gc_pause
            for stage in self.stages:
                stage.transform_rows(rows)
        return rows

    def transform(self, data: Iterable[str | Row] | str) -> list[Row]:
        """Rows with every stage's output column added."""
        return self.transform_rows(_to_rows(data, _text_column(self.stages)))

    # ----- persistence ------------------------------------------------------------------
    def save(self, path: str | os.PathLike[str], overwrite: bool = False) -> None:
        """Write the pipeline to folder ``path`` (parameters as JSON, state per stage).

        Written like a model folder (:func:`clinical_ner.resources.write_model_folder`):
        beside the target, with checksums, then renamed into place, so a crash never
        leaves a half-written pipeline at ``path``.
        """

        def write(tmp: Path) -> None:
            entries = []
            for index, stage in enumerate(self.stages):
                stage_dir = tmp / "stages" / f"{index:02d}_{type(stage).__name__}"
                stage_dir.mkdir(parents=True)
                stage.save_state(stage_dir)
                entries.append(
                    {
                        "class": type(stage).__name__,
                        "params": stage.explicit_params(),
                        "dir": stage_dir.relative_to(tmp).as_posix(),
                    }
                )
            manifest = {
                "format": PIPELINE_FORMAT,
                "version": PIPELINE_FORMAT_VERSION,
                "stages": entries,
            }
            (tmp / "pipeline.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")

        write_model_folder(path, write, {"kind": "pipeline"}, overwrite=overwrite)

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> PipelineModel:
        """Rebuild a pipeline written by :meth:`save`."""
        folder = Path(path)
        manifest_path = folder / "pipeline.json"
        if not manifest_path.is_file():
            raise ResourceNotFoundError(f"{folder} is not a saved pipeline (no pipeline.json)")
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        if manifest.get("format") != PIPELINE_FORMAT:
            raise ConfigurationError(f"{manifest_path} is not a clinical-ner pipeline")
        stages: list[Transformer] = []
        for entry in manifest["stages"]:
            klass = STAGE_CLASSES.get(entry["class"])
            if klass is None:
                raise ConfigurationError(
                    f"saved pipeline uses stage {entry['class']!r}, unknown to this version"
                )
            stage = klass.__new__(klass)
            Stage.__init__(stage)
            stage._set(**entry["params"])
            stage.load_state(folder / entry["dir"])
            stages.append(stage)  # type: ignore[arg-type]
        return cls(stages)


class LightPipeline:
    """Annotates Python strings in-process with a fitted pipeline (no Spark, no JVM).

    ``annotate`` returns, per text, a dict from each annotation column to the list of its
    ``result`` strings; ``fullAnnotate`` returns the :class:`Annotation` objects. Texts are
    processed ``batch_size`` at a time so model stages batch across texts. A text longer
    than ``window_chars`` characters (default 100,000) is annotated in windows cut at
    sentence bounds (:mod:`clinical_ner.windows`), so a huge note needs memory for one
    window at a time; offsets still index the whole text. ``iter_windows`` hands out the
    windows' annotations one window at a time for writers that stream.
    """

    def __init__(
        self,
        pipeline_model: PipelineModel,
        parse_embeddings: bool = False,
        batch_size: int = 64,
        workers: int | None = None,
        window_chars: int = 100_000,
    ) -> None:
        if not isinstance(pipeline_model, PipelineModel):
            raise ConfigurationError(
                "LightPipeline needs a fitted PipelineModel; call Pipeline(...).fit() first"
            )
        if batch_size < 1:
            raise ConfigurationError("batch_size must be at least 1")
        if workers is not None and (not isinstance(workers, int) or workers < 1):
            raise ConfigurationError("workers must be a whole number >= 1 (or None: automatic)")
        if window_chars < 1000:
            raise ConfigurationError("window_chars must be at least 1,000 characters")
        self.pipeline_model = pipeline_model
        self.parse_embeddings = parse_embeddings
        self.batch_size = batch_size
        self.plan: ParallelPlan | None = None
        if workers is None:
            self.plan = default_plan()
            workers = self.plan.workers
            if _has_model_stage(pipeline_model.stages):
                set_torch_threads(self.plan.torch_threads)
            logger.info("LightPipeline: %d worker(s) x %d torch thread(s) for %d CPU(s) (%s)",
                        workers, self.plan.torch_threads, self.plan.cpus, self.plan.reason)
        self.workers = workers
        self.window_chars = window_chars
        self._text_col = _text_column(pipeline_model.stages)
        self._document_col = _document_column(pipeline_model.stages)

    def _check_texts(self, target: str | Sequence[str | None]) -> list[str | None]:
        if isinstance(target, str):
            return [target]
        if isinstance(target, bytes):
            raise InputError("texts must be str, not bytes; decode them first")
        texts = list(target)
        for text in texts:
            if text is not None and not isinstance(text, str):
                raise InputError(f"texts must be str, got {type(text).__name__}")
        return texts

    def _batches(self, texts: Iterable[str | None]) -> Iterator[list[Row]]:
        """Rows of at most ``batch_size`` windows and about two windows of characters (the
        annotations of a batch, word vectors included, are in memory at once); each row
        carries its text's index, its window's start and whether it is the text's last
        window (keys the pipeline never reads)."""
        batch: list[Row] = []
        characters = 0
        for index, text in enumerate(texts):
            if text is None or len(text) <= self.window_chars:
                pieces = [(0, text)]
            else:
                pieces = list(iter_window_texts(text, self.window_chars))
            for k, (start, piece) in enumerate(pieces):
                batch.append({self._text_col: piece, _TEXT: index, _START: start,
                              _LAST: k == len(pieces) - 1, _WHOLE: text if k == 0 else None})
                characters += len(piece or "")
                if len(batch) >= self.batch_size or characters >= 2 * self.window_chars:
                    yield batch
                    batch, characters = [], 0
        if batch:
            yield batch

    def _annotated_windows(self, texts: Iterable[str | None]) -> Iterator[Row]:
        """Every window's row, annotated, in input order. With ``workers > 1`` that many
        batches are annotated at once in threads: torch releases the GIL while it
        computes, so one batch's tokenization overlaps another's network. At most
        ``workers`` batches are in flight, so memory stays bounded."""
        if self.workers == 1:
            for batch in self._batches(texts):
                yield from self._run(batch)
            return
        with ThreadPoolExecutor(self.workers, thread_name_prefix="clinical-ner") as pool:
            pending: deque[Future[list[dict[str, Any]]]] = deque()
            for batch in self._batches(texts):
                pending.append(pool.submit(self._run, batch))
                if len(pending) >= self.workers:
                    yield from pending.popleft().result()
            while pending:
                yield from pending.popleft().result()

    def iter_windows(self, texts: Iterable[str | None]) -> Iterator[tuple[int, bool, dict[str, Any]]]:
        """``(text index, last window of that text?, annotations)`` of every window, in
        order, with offsets, sentence and chunk numbers already moved into the whole
        text: a writer can stream a huge text without holding all its annotations."""
        state = WindowState()
        for row in self._annotated_windows(texts):
            index, start, last = row.pop(_TEXT), row.pop(_START), row.pop(_LAST)
            row.pop(_WHOLE, None)
            if start == 0:
                state = WindowState()
            yield index, last, shift_row(row, start, state) if start or not last else row

    def iter_full(self, texts: Iterable[str | None]) -> Iterator[dict[str, list[Annotation]]]:
        """Annotations of each text, in input order, streamed ``batch_size`` windows at a
        time (a short text is one window; see the class docstring)."""
        parts: list[dict[str, Any]] = []
        whole: str | None = None
        state = WindowState()
        for row in self._annotated_windows(texts):
            start, last = row.pop(_START), row.pop(_LAST)
            row.pop(_TEXT)
            if start == 0:
                whole, parts, state = row.pop(_WHOLE), [], WindowState()
            else:
                row.pop(_WHOLE, None)
            if start == 0 and last:
                yield row
                continue
            parts.append(shift_row(row, start, state))
            if last:
                yield merge_rows(whole or "", parts, self._document_col)
                parts = []

    def _run(self, rows: list[Row]) -> list[dict[str, Any]]:
        self.pipeline_model.transform_rows(rows)
        for row in rows:
            row.pop(self._text_col, None)
        return rows

    def fullAnnotate(self, target: str | Sequence[str | None]) -> list[dict[str, Any]]:
        """One dict per text (a list even for one text, as in Spark NLP): column ->
        list of :class:`Annotation` (or plain values for Finisher columns)."""
        return list(self.iter_full(self._check_texts(target)))

    def annotate(self, target: str | Sequence[str | None]) -> dict[str, Any] | list[dict[str, Any]]:
        """Column -> list of ``result`` strings; a dict for one text, a list for many."""
        results = [self._simplify(row) for row in self.fullAnnotate(target)]
        return results[0] if isinstance(target, str) else results

    def _simplify(self, row: dict[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for col, value in row.items():
            if isinstance(value, list) and value and isinstance(value[0], Annotation):
                if value[0].annotatorType == "word_embeddings" and self.parse_embeddings:
                    out[col] = [a.embeddings for a in value]
                else:
                    out[col] = [a.result for a in value]
            else:
                out[col] = value
        return out


# Keys of a window's row that only LightPipeline reads (never a column name a stage uses).
_TEXT, _START, _LAST, _WHOLE = "\0text", "\0start", "\0last", "\0whole"


def _document_column(stages: Sequence[Stage]) -> str | None:
    """The first DocumentAssembler's output column, if any."""
    for stage in stages:
        if type(stage).__name__ == "DocumentAssembler":
            return stage.getOrDefault("outputCol")
    return None


def _has_model_stage(stages: Sequence[Stage]) -> bool:
    """Whether a stage runs a torch network (``USES_TORCH``), whose threads the plan sets."""
    return any(getattr(stage, "USES_TORCH", False) for stage in stages)


def _text_column(stages: Sequence[Stage]) -> str:
    """The raw-text column: the first DocumentAssembler's input, else ``text``."""
    for stage in stages:
        if type(stage).__name__ == "DocumentAssembler":
            return stage.getOrDefault("inputCol")
    return "text"
