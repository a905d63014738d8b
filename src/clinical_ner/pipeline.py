"""The local engine: Pipeline, PipelineModel and LightPipeline, in-process, no JVM.

Rows are dicts from column name to value; each stage adds its output column to a batch of
rows at a time, so model stages batch across texts.
"""

from __future__ import annotations

import copy
import json
import logging
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from itertools import groupby
from pathlib import Path
from typing import Any

from clinical_ner.annotation import Annotation
from clinical_ner.annotators.sentence_detector import explodes
from clinical_ner.errors import ConfigurationError, InputError, ResourceNotFoundError
from clinical_ner.gc_pause import gc_paused
from clinical_ner.parallelism import ParallelPlan, default_plan, set_torch_threads
from clinical_ner.resources import write_model_folder
from clinical_ner.stage import (
    STAGE_CLASSES,
    Estimator,
    Row,
    Stage,
    Transformer,
    check_pipeline_columns,
)
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
        check_pipeline_columns(self.stages)  # annotator types of the columns, as Spark NLP

    def setStages(self, stages: Sequence[Stage]) -> Pipeline:
        self.stages = list(stages)
        return self

    def getStages(self) -> list[Stage]:
        return list(self.stages)

    def fit(self, data: Iterable[str | Row] | str | None = None) -> PipelineModel:
        """Fit every estimator, in order, on the rows transformed by the stages before it.

        ``data`` may be None, a text, a list of texts, or a list of row dicts.
        """
        check_pipeline_columns(self.stages)
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
                _explode_if_asked(model, rows)
            fitted.append(model)
        return PipelineModel(fitted)


class PipelineModel:
    """A fitted pipeline: every stage is a :class:`Transformer`."""

    def __init__(self, stages: Sequence[Transformer]) -> None:
        self.stages: list[Transformer] = list(stages)

    def transform_rows(self, rows: list[Row]) -> list[Row]:
        """Run every stage over ``rows`` (in place); returns ``rows``. A SentenceDetector
        with ``explodeSentences`` replaces the list's rows by one row per sentence."""
        with gc_paused():  # why: see clinical_ner.gc_pause
            for stage in self.stages:
                stage.transform_rows(rows)
                _explode_if_asked(stage, rows)
        return rows

    def transform(self, data: Iterable[str | Row] | str | Any) -> list[Row] | Any:
        """Rows with every stage's output column added.

        ``data``: a text, a list of texts or of row dicts (-> a list of row dicts), or a
        pandas DataFrame holding the input column (-> a pandas DataFrame: its columns plus
        one column per output column, each cell a list of :class:`Annotation`, as Spark's
        ``PipelineModel.transform`` adds them). pandas is imported only then.
        """
        if _is_data_frame(data):
            return _transform_frame(data, _text_column(self.stages), self.transform_rows)
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

    ``transform(pandas_df)`` annotates a DataFrame, as Spark NLP's ``transform`` does a
    Spark one. ``setIgnoreUnsupported(True)`` skips stages it cannot run (see there).
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
        self._exploded_col, self._shared_cols = _exploded_columns(pipeline_model.stages)
        self._ignore_unsupported = False
        # Names of the stages a caller could not hand over as local ones (the Spark
        # adapter's plain pyspark.ml stages): unsupported too, already left out.
        self._unconverted: list[str] = []

    # ----- Spark NLP's LightPipeline settings -------------------------------------------
    def setIgnoreUnsupported(self, value: bool) -> LightPipeline:
        """Whether to skip stages this LightPipeline cannot run instead of failing.

        Such stages are those that are not clinical-ner Transformers: an Estimator left
        unfitted in a PipelineModel, or (``clinical_ner.spark``) a plain ``pyspark.ml``
        stage such as ``SQLTransformer``. With False (the default, as in Spark NLP)
        ``annotate``, ``fullAnnotate`` and ``transform`` raise a ConfigurationError naming
        them; with True they are skipped and their output columns are absent. Spark NLP
        rejects only its RawAnnotators and skips other Spark stages silently; here every
        such stage is rejected unless ignored, so a column never goes missing unnoticed.
        """
        if not isinstance(value, bool):
            raise ConfigurationError(
                f"setIgnoreUnsupported takes True or False, got {type(value).__name__}"
            )
        self._ignore_unsupported = value
        return self

    def getIgnoreUnsupported(self) -> bool:
        """See :meth:`setIgnoreUnsupported`."""
        return self._ignore_unsupported

    def getStages(self) -> list[Any]:
        """The pipeline model's stages, as Spark NLP's ``getStages``."""
        return list(self.pipeline_model.stages)

    def _runnable_model(self) -> PipelineModel:
        """The pipeline model, less the stages it cannot run when those are ignored."""
        unsupported = [s for s in self.pipeline_model.stages if not _runs_locally(s)]
        if not unsupported and not self._unconverted:
            return self.pipeline_model
        if not self._ignore_unsupported:
            names = ", ".join(self._unconverted + [type(s).__name__ for s in unsupported])
            raise ConfigurationError(
                f"LightPipeline cannot run stage(s) {names}: not fitted clinical-ner "
                "Transformers. Fit the Pipeline (an Estimator must become a model), remove "
                "them, or call setIgnoreUnsupported(True) to skip them (their output "
                "columns are then absent)"
            )
        skipped = {id(s) for s in unsupported}
        return PipelineModel([s for s in self.pipeline_model.stages if id(s) not in skipped])

    def transform(self, dataset: Any) -> Any:
        """A pandas DataFrame annotated: its columns plus one column per output column,
        each cell what :meth:`fullAnnotate` gives for that row (a list of
        :class:`Annotation`, or plain values for Finisher columns).

        ``dataset`` must hold the pipeline's input column (the DocumentAssembler's
        ``inputCol``, ``text`` by default); a missing value (None, NaN) gives empty
        annotations. Rows are annotated whole, ``batch_size`` at a time in ``workers``
        threads, and the other columns reach the stages (``DocumentAssembler.setIdCol``).
        """
        return _transform_frame(dataset, self._text_col, self._annotate_rows)

    def _annotate_rows(self, rows: list[Row]) -> list[Row]:
        """``rows`` through the pipeline ``batch_size`` at a time; input columns kept."""
        model = self._runnable_model()
        size = self.batch_size
        batches = [rows[i : i + size] for i in range(0, len(rows), size)]
        if self.workers == 1 or len(batches) < 2:
            done = [model.transform_rows(batch) for batch in batches]
        else:
            workers = min(self.workers, len(batches))
            with ThreadPoolExecutor(workers, thread_name_prefix="clinical-ner") as pool:
                done = list(pool.map(model.transform_rows, batches))
        return [row for batch in done for row in batch]

    def _check_texts(self, target: str | Sequence[str | None]) -> list[str | None]:
        if isinstance(target, str):
            return [target]
        problem = _target_problem(target)
        if problem:
            raise InputError(problem)
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
                              _LAST: k == len(pieces) - 1, _WHOLE: text})
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
        if self._exploded_col is not None:
            raise ConfigurationError(
                "iter_windows streams whole texts; with SentenceDetector.setExplodeSentences"
                "(True) use iter_full or fullAnnotate (one result per sentence)"
            )
        state = WindowState()
        for row in self._annotated_windows(texts):
            index, start, last = row.pop(_TEXT), row.pop(_START), row.pop(_LAST)
            row.pop(_WHOLE, None)
            if start == 0:
                state = WindowState()
            yield index, last, shift_row(row, start, state) if start or not last else row

    def iter_full(self, texts: Iterable[str | None]) -> Iterator[dict[str, list[Annotation]]]:
        """Annotations of each text, in input order, streamed ``batch_size`` windows at a
        time (a short text is one window; see the class docstring); of each sentence with
        ``explodeSentences`` (see :meth:`_iter_exploded`)."""
        if self._exploded_col is not None:
            yield from self._iter_exploded(texts)
            return
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

    def _iter_exploded(self, texts: Iterable[str | None]) -> Iterator[dict[str, Any]]:
        """One dict per sentence, in input order, when a SentenceDetector explodes
        sentences (Spark NLP's row per sentence): the columns written before it repeated
        (the whole text's document and sections), that one sentence in its column, and the
        later columns annotated from that sentence alone. The sentence's metadata gains
        ``document``: its text's index in the input. A text without sentences (None,
        empty, blank) gives no result, as Spark's explode gives no row."""
        for index, group in groupby(self._annotated_windows(texts), key=lambda row: row[_TEXT]):
            rows = list(group)
            if any(row[_START] for row in rows):  # a text of several windows
                rows = _join_exploded_windows(
                    rows[0][_WHOLE] or "", rows, self._shared_cols, self._document_col)
            for row in rows:
                for key in (_TEXT, _START, _LAST, _WHOLE):
                    row.pop(key, None)
                for sentence in row.get(self._exploded_col) or ():  # type: ignore[arg-type]  # None: no such key
                    sentence.metadata["document"] = str(index)
                yield row

    def _run(self, rows: list[Row]) -> list[dict[str, Any]]:
        self._runnable_model().transform_rows(rows)
        for row in rows:
            row.pop(self._text_col, None)
        return rows

    def fullAnnotate(self, target: str | Sequence[str | None]) -> list[dict[str, Any]]:
        """One dict per text (a list even for one text, as in Spark NLP): column ->
        list of :class:`Annotation` (or plain values for Finisher columns). One dict per
        sentence when a SentenceDetector explodes sentences (see :meth:`_iter_exploded`)."""
        return list(self.iter_full(self._check_texts(target)))

    def annotate(self, target: str | Sequence[str | None]) -> dict[str, Any] | list[dict[str, Any]]:
        """Column -> list of ``result`` strings; a dict for one text, a list for many (a
        list of one dict per sentence when a SentenceDetector explodes sentences)."""
        # Simplified as they stream: the Annotation objects of every text (a vector per
        # token) are never all alive at once.
        results = [self._simplify(row) for row in self.iter_full(self._check_texts(target))]
        one_dict = isinstance(target, str) and self._exploded_col is None  # else per sentence
        return results[0] if one_dict else results

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


def _explode_if_asked(stage: Stage, rows: list[Row]) -> None:
    """Replace ``rows``' items by one row per sentence after a SentenceDetector with
    ``explodeSentences`` (in place: callers hold the list)."""
    if explodes(stage):
        rows[:] = stage.explode_rows(rows)[0]  # type: ignore[attr-defined]


def _exploded_columns(stages: Sequence[Stage]) -> tuple[str | None, frozenset[str]]:
    """The output column of the first SentenceDetector that explodes sentences (None
    when none does) and the columns the stages before it write (repeated per sentence)."""
    before: list[str] = []
    for stage in stages:
        if explodes(stage):
            return stage.getOutputCol(), frozenset(before)
        if stage.getOrDefault("outputCol"):
            before.append(stage.getOrDefault("outputCol"))
    return None, frozenset()


def _join_exploded_windows(
    whole: str, rows: list[Row], shared_cols: frozenset[str], document_col: str | None
) -> list[Row]:
    """The exploded rows of one text's windows (in order) moved into the whole text.

    Offsets shift by each window's start and sentence numbers continue from the windows
    before; chunk numbers stay per row (each row was annotated alone, as on Spark). The
    repeated columns from before the explode (``shared_cols``: document, sections) become
    the whole text's, as :func:`~clinical_ner.windows.merge_rows` joins them unexploded.
    """
    shared_parts: list[dict[str, Any]] = []
    own_rows: list[Row] = []
    state = WindowState()
    for start, group in groupby(rows, key=lambda row: row[_START]):
        window = list(group)
        # Shifted on a copy: every row of the window holds the same annotations.
        shared = {c: copy.deepcopy(window[0][c]) for c in shared_cols if c in window[0]}
        after = WindowState(0, 0, state.section)
        shared_parts.append(shift_row(shared, start, after))
        for row in window:
            own = {c: value for c, value in row.items() if c not in shared_cols}
            own_rows.append(shift_row(own, start, WindowState(state.sentences, 0, state.section)))
        state = WindowState(state.sentences + len(window), 0, after.section)
    merged = merge_rows(whole, shared_parts, document_col)
    return [{**merged, **own} for own in own_rows]


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


def _runs_locally(stage: Any) -> bool:
    """Whether the local engine can run ``stage``: it has ``transform_rows`` (duck-typed,
    so a stage that is both an estimator and a transformer counts)."""
    return callable(getattr(stage, "transform_rows", None))


def _target_problem(target: Any) -> str | None:
    """Why ``target`` is neither a text nor a list of texts for annotate/fullAnnotate;
    None when it is one (a str is handled before)."""
    kind = type(target).__name__
    expected = "annotate/fullAnnotate take a text (str) or a list of texts"
    if target is None:
        return f"{expected}, got None; pass [None] to annotate a missing text (no annotations)"
    if isinstance(target, bytes):
        return "texts must be str, not bytes; decode them first"
    if _is_data_frame(target):
        return f"{expected}, got a {kind}; use transform(df) to annotate a DataFrame"
    if isinstance(target, Mapping):
        return f"{expected}, got {kind}; pass the text itself, or a DataFrame to transform(df)"
    if not isinstance(target, Iterable):
        return f"{expected}, got {kind}"
    return None


# ----- pandas DataFrames (pandas is optional: imported only when a DataFrame comes) -----
# A frame row's position, carried through the stages so that each output row keeps the
# index of the input row it came from (also where a stage makes several rows of one).
_ROW = "\0row"


def _is_data_frame(data: Any) -> bool:
    """Whether ``data`` is a DataFrame (pandas, Spark, polars...), told by its classes'
    names so that pandas need not be imported to tell."""
    return any(klass.__name__ == "DataFrame" for klass in type(data).__mro__)


def _pandas() -> Any:
    """The pandas module, or a clear error where it is not installed."""
    try:
        import pandas
    except ImportError:
        raise ConfigurationError(
            "DataFrames need pandas, which is not installed: pip install pandas "
            "(annotate and fullAnnotate work without it)"
        ) from None
    return pandas


def _pandas_for(frame: Any) -> Any:
    """pandas, once ``frame`` is known to be a pandas DataFrame; else a clear error."""
    kind = f"{type(frame).__module__}.{type(frame).__name__}"
    if not _is_data_frame(frame):
        raise InputError(
            f"transform takes a pandas DataFrame, got {kind}; "
            "use annotate() or fullAnnotate() for texts"
        )
    if kind.startswith("pyspark."):
        raise InputError(
            "the local engine does not run Spark DataFrames: transform them with a Spark "
            "PipelineModel of clinical_ner.spark stages, or pass df.toPandas()"
        )
    pandas = _pandas()
    if not isinstance(frame, pandas.DataFrame):
        raise InputError(f"transform takes a pandas DataFrame, got {kind}; convert it first")
    return pandas


def _transform_frame(
    frame: Any, text_col: str, annotate_rows: Callable[[list[Row]], list[Row]]
) -> Any:
    """``frame`` (pandas) with the columns ``annotate_rows`` adds to its rows: input
    columns first, then the outputs in pipeline order, the input's index kept."""
    pandas = _pandas_for(frame)
    rows = _frame_rows(pandas, frame, text_col)
    annotated = annotate_rows(rows) if rows else []
    positions = [row.pop(_ROW, None) for row in annotated]
    # No row, no columns seen: one row of missing values tells them (it costs nothing).
    probe = annotated or annotate_rows([dict.fromkeys(frame.columns)])
    columns = list(dict.fromkeys(key for row in probe for key in row)) or list(frame.columns)
    index = frame.index.take(positions) if None not in positions else None
    return pandas.DataFrame(annotated, columns=columns, index=index)


def _frame_rows(pandas: Any, frame: Any, text_col: str) -> list[Row]:
    """One row dict per frame row, texts checked: a missing value (NaN, NA) -> None."""
    if text_col not in frame.columns:
        raise ConfigurationError(
            f"the DataFrame has no column {text_col!r}, which the pipeline reads texts from; "
            f"its columns: {[str(c) for c in frame.columns]}. Rename the column, or set the "
            "DocumentAssembler's setInputCol"
        )
    rows: list[Row] = frame.to_dict("records")
    for position, row in enumerate(rows):
        row[text_col] = _text_cell(pandas, row[text_col], text_col, position)
        row[_ROW] = position
    return rows


def _text_cell(pandas: Any, value: Any, text_col: str, position: int) -> str | None:
    """A text cell as the DocumentAssembler takes it (a str, or None when missing)."""
    if value is None or isinstance(value, str):
        return value
    if pandas.api.types.is_scalar(value) and pandas.isna(value):
        return None
    hint = "; decode bytes first" if isinstance(value, bytes) else ""
    raise InputError(
        f"column {text_col!r} must hold texts (str); the row at position {position} "
        f"holds {type(value).__name__}{hint}"
    )
