"""NerDLApproach: trains a :class:`NerDLModel` from rows with tokens, embeddings and labels.

The Spark NLP-shaped way to train: put it after a WordEmbeddingsModel in a Pipeline and
``fit`` on rows with a ``label`` column (``CoNLL().readDataset(path)`` makes them). The
``clinical-ner train`` command runs the same :class:`Trainer` straight from CoNLL files.

Spark NLP's settings that only steer TensorFlow (``setGraphFolder``,
``setEnableMemoryOptimizer``, ``setUseContrib``, ``setConfigProtoBytes``) are accepted, so
copied notebooks run, and logged once per process as having no effect here.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from clinical_ner.annotation import Annotation, AnnotatorType
from clinical_ner.annotators.ner_dl import NerDLModel
from clinical_ner.embeddings.store import WordVectorStore
from clinical_ner.errors import ConfigurationError, InputError
from clinical_ner.stage import Estimator, Param, Row
from clinical_ner.training.data import TaggedSentence, entity_types, to_iob2
from clinical_ner.training.trainer import Trainer, TrainingConfig

_TRAINING_PARAMS = {
    "lr": "lr", "po": "po", "batchSize": "batch_size", "dropout": "dropout",
    "maxEpochs": "max_epochs", "minEpochs": "min_epochs", "randomSeed": "seed",
    "earlyStoppingPatience": "patience", "gradientClip": "clip", "hiddenSize": "lstm_hidden",
    "lstmLayers": "lstm_layers", "useBestModel": "use_best_model", "threads": "threads",
}


def _default(param: str) -> Any:
    """The default of training parameter ``param``: :class:`TrainingConfig`'s."""
    return getattr(TrainingConfig, _TRAINING_PARAMS[param])


#: bestModelMetric values -> the trainer's metric: Spark NLP's names and their long forms.
_BEST_MODEL_METRICS = {
    "f1_micro": "micro", "f1_macro": "macro", "micro_fscore": "micro", "macro_fscore": "macro",
}

#: Spark NLP settings that configure TensorFlow only; accepted and ignored here.
_TENSORFLOW_ONLY = {
    "graphFolder": "the tagger is built in PyTorch; no graph file is needed",
    "enableMemoryOptimizer": "training rows stream already; only sentences and vectors are kept",
    "useContrib": "the BiLSTM is PyTorch's LSTM",
    "configProtoBytes": "there is no TensorFlow session to configure",
}
_NO_EFFECT_LOGGED: set[str] = set()

logger = logging.getLogger(__name__)


class NerDLApproach(Estimator):
    """Trains the BiLSTM-CNN-CRF tagger (Spark NLP's NerDLApproach parameters)."""

    PARAMS = (
        Param("labelColumn", "label", "column of gold named_entity annotations"),
        # Training defaults are TrainingConfig's (their one home), through _TRAINING_PARAMS.
        Param("lr", _default("lr"), "Adam learning rate"),
        Param("po", _default("po"), "learning-rate decay: lr / (1 + po * epoch)"),
        Param("batchSize", _default("batchSize"), "sentences per training step"),
        Param("dropout", _default("dropout"), "dropout rate"),
        Param("maxEpochs", _default("maxEpochs"), "maximum epochs"),
        Param("minEpochs", _default("minEpochs"), "epochs before early stopping may stop"),
        Param("earlyStoppingPatience", _default("earlyStoppingPatience"),
              "epochs without validation gain before stopping"),
        Param("gradientClip", _default("gradientClip"), "maximum gradient norm"),
        Param("hiddenSize", _default("hiddenSize"), "BiLSTM hidden size per direction"),
        Param("lstmLayers", _default("lstmLayers"), "stacked BiLSTM layers"),
        Param("validationSplit", 0.0, "fraction of training sentences held out for validation"),
        Param("testDataset", None, "parquet path or rows scored every epoch and after training"),
        Param("randomSeed", _default("randomSeed"), "seed of initialisation, shuffling and dropout"),
        Param("useBestModel", _default("useBestModel"), "keep the epoch with the best validation F1"),
        Param("bestModelMetric", f"f1_{TrainingConfig.best_model_metric}",
              "useBestModel's metric: f1_micro or f1_macro"),
        Param("entities", None, "entity types to train; other labels become O (None: all)"),
        Param("includeConfidence", True, "passed on to the NerDLModel"),
        Param("includeAllConfidenceScores", False, "passed on to the NerDLModel"),
        Param("evaluationLogExtended", False, "log per-label scores every epoch"),
        Param("enableOutputLogs", False, "write the epoch log to outputLogsPath"),
        Param("outputLogsPath", None, "folder for the epoch log file"),
        Param("checkpointDir", None, "save each epoch here; a rerun resumes from it"),
        Param("verbose", True, "show a progress bar"),
        Param("threads", _default("threads"), "torch CPU threads (None: torch's default)"),
        Param("graphFolder", None, "TensorFlow graph folder (Spark NLP): no effect here"),
        Param("enableMemoryOptimizer", False, "TensorFlow setting (Spark NLP): no effect here"),
        Param("useContrib", True, "TensorFlow contrib LSTM cells (Spark NLP): no effect here"),
        Param("configProtoBytes", None, "TensorFlow ConfigProto (Spark NLP): no effect here"),
    )
    INPUT_TYPES = (AnnotatorType.DOCUMENT, AnnotatorType.TOKEN, AnnotatorType.WORD_EMBEDDINGS)
    OUTPUT_TYPE = AnnotatorType.NAMED_ENTITY

    def __init__(self) -> None:
        super().__init__()
        self._set(inputCols=["sentence", "token", "embeddings"], outputCol="ner")
        self.history: list = []
        # Applied to test rows that lack the embeddings column (see setTestDataset).
        self._test_embeddings: Any = None

    def __getattr__(self, name: str):
        # setLr, setPo, setMaxEpochs, ...: one generic setter per declared parameter.
        if name.startswith("set") and len(name) > 3:
            param = name[3].lower() + name[4:]
            if param in self.all_params():
                return lambda value: self._set(**{param: value})
        raise AttributeError(f"{type(self).__name__} has no attribute {name!r}")

    def setTestDataset(
        self,
        path: str | os.PathLike[str] | Sequence[Row] | Any,
        read_as: str = "SPARK",
        options: Mapping[str, str] | None = None,
        embeddings: Any = None,
    ) -> NerDLApproach:
        """Data scored every epoch (it selects the best epoch, as in Spark NLP) and after
        training (the model's ``test_scores`` metadata).

        ``path`` (Spark NLP's name): a parquet file or folder (Spark NLP's form, written by
        ``CoNLL().readDataset(spark, path).write.parquet(...)``, read with pyarrow), or a
        pandas DataFrame read from one, or a list of row dicts (``CoNLL().readDataset``).
        Rows need the token and label columns; rows without the embeddings column get it
        from ``embeddings`` (the pipeline's WordEmbeddingsModel, or a fitted PipelineModel
        that adds it), as Spark NLP wants the test data prepared like the training data.
        ``read_as`` and ``options`` are Spark NLP's: only ``"SPARK"`` and
        ``{"format": "parquet"}`` are read locally. None unsets it.
        """
        stage = _checked_embeddings_stage(embeddings)
        value: str | list[Row] | None
        if path is None:
            value = None
        elif isinstance(path, (str, os.PathLike)):
            value = _checked_parquet_path(path, read_as, options)
        else:
            value = _rows_of(path)
        self._test_embeddings = stage
        return self._set(testDataset=value)

    def setBestModelMetric(self, value: str) -> NerDLApproach:
        """The F1 that picks the kept epoch (with useBestModel): ``f1_micro`` (default) or
        ``f1_macro`` (``micro_fscore`` / ``macro_fscore`` too), strict entity-level, on the
        test dataset if set, else on the validation split."""
        _metric_of(value)
        return self._set(bestModelMetric=str(value).lower())

    def setEntities(self, entities: Sequence[str] | None) -> NerDLApproach:
        """Entity types to learn (``["PROBLEM", "TEST"]``); labels of other types become
        ``O`` in the training, validation and test data. None: every type."""
        if entities is None:
            return self._set(entities=None)
        if isinstance(entities, str) or not all(isinstance(e, str) and e for e in entities):
            raise ConfigurationError(
                f"setEntities takes a list of entity types such as ['PROBLEM'], got {entities!r}"
            )
        # "B-PROBLEM" and "PROBLEM" name the same type.
        types = sorted({e[2:] if e[:2] in ("B-", "I-") else e for e in entities})
        if not types:
            raise ConfigurationError("setEntities needs at least one entity type (or None)")
        return self._set(entities=types)

    def setIncludeAllConfidenceScores(self, value: bool) -> NerDLApproach:
        """Whether the trained NerDLModel writes every tag's probability."""
        return self._set(includeAllConfidenceScores=bool(value))

    # ----- Spark NLP's TensorFlow-only settings: accepted, no effect --------------------
    def setGraphFolder(self, value: str | None) -> NerDLApproach:
        _log_no_effect("graphFolder")
        return self._set(graphFolder=None if value is None else str(value))

    def setEnableMemoryOptimizer(self, value: bool) -> NerDLApproach:
        _log_no_effect("enableMemoryOptimizer")
        return self._set(enableMemoryOptimizer=bool(value))

    def setUseContrib(self, value: bool) -> NerDLApproach:
        _log_no_effect("useContrib")
        return self._set(useContrib=bool(value))

    def setConfigProtoBytes(self, value: bytes | Sequence[int] | None) -> NerDLApproach:
        _log_no_effect("configProtoBytes")
        return self._set(configProtoBytes=None if value is None else [int(b) for b in value])

    def training_config(self) -> TrainingConfig:
        values = {field: self.getOrDefault(param) for param, field in _TRAINING_PARAMS.items()}
        metric = _metric_of(self.getOrDefault("bestModelMetric"))
        return TrainingConfig(**values, best_model_metric=metric)

    # ----- data -------------------------------------------------------------------------
    def _sentences(self, rows: Iterable[Row], vectors: dict[str, np.ndarray]) -> list[TaggedSentence]:
        _, token_col, embeddings_col = self.getInputCols()
        label_col = self.getOrDefault("labelColumn")
        sentences: list[TaggedSentence] = []
        for row in rows:
            for col in (token_col, embeddings_col, label_col):
                if col not in row:
                    raise ConfigurationError(
                        f"NerDLApproach needs column {col!r}; put a WordEmbeddingsModel before it "
                        "and fit on rows with labels (CoNLL().readDataset(path))"
                    )
            tokens: list[Annotation] = row[token_col]
            labels: list[Annotation] = row[label_col]
            if len(tokens) != len(labels) or len(tokens) != len(row[embeddings_col]):
                raise InputError("a row has different numbers of tokens, labels and embeddings")
            words: list[str]
            tags: list[str]
            current, words, tags = None, [], []
            for token, label, embedding in zip(tokens, labels, row[embeddings_col], strict=True):
                vectors.setdefault(token.result.lower(), np.asarray(embedding.embeddings, np.float32))
                sentence_id = token.metadata.get("sentence", "0")
                if sentence_id != current and words:
                    sentences.append(TaggedSentence(words, to_iob2(tags)))
                    words, tags = [], []
                current = sentence_id
                words.append(token.result)
                tags.append(label.result)
            if words:
                sentences.append(TaggedSentence(words, to_iob2(tags)))
        return sentences

    def _test_rows(self) -> Iterable[Row]:
        """The test dataset as rows with the embeddings column (empty when unset)."""
        data = self.getOrDefault("testDataset")
        if data is None:
            return []
        if isinstance(data, str):
            data = _read_parquet_rows(data)
        if isinstance(data, list):
            data = self._with_embeddings(data)
        return data  # the Spark adapter's streamed rows arrive checked and embedded

    def _with_embeddings(self, rows: list[Row]) -> list[Row]:
        """``rows`` (copies where needed) all holding the embeddings column: rows without it
        go through the embeddings stage given to setTestDataset."""
        _, token_col, embeddings_col = self.getInputCols()
        for col in (token_col, self.getOrDefault("labelColumn")):
            if any(col not in row for row in rows):
                raise ConfigurationError(
                    f"NerDLApproach: the test dataset has no {col!r} column; write it from "
                    "CoNLL().readDataset(spark, path) (columns document, sentence, token, pos, "
                    "label) or set labelColumn / inputCols to its columns"
                )
        if all(embeddings_col in row for row in rows):
            return rows
        stage = self._test_embeddings
        if stage is None:
            raise ConfigurationError(
                f"NerDLApproach: the test dataset has no {embeddings_col!r} column; pass the "
                "pipeline's embeddings stage, setTestDataset(path, embeddings=word_embeddings), "
                "or write the test data after it (Spark NLP's form: "
                "embeddings.transform(test).write.parquet(path))"
            )
        rows = [row if embeddings_col in row else dict(row) for row in rows]
        stage.transform_rows([row for row in rows if embeddings_col not in row])
        if any(embeddings_col not in row for row in rows):
            raise ConfigurationError(
                f"setTestDataset(embeddings=...) did not add {embeddings_col!r}, the column "
                "NerDLApproach reads embeddings from; give the stage that output column"
            )
        return rows

    def _only_entities(
        self, train: list[TaggedSentence], test: list[TaggedSentence]
    ) -> tuple[list[TaggedSentence], list[TaggedSentence]]:
        """``train`` and ``test`` with tags of types outside ``entities`` made ``O``."""
        entities = self.getOrDefault("entities")
        if not entities:
            return train, test
        present = entity_types(train)
        missing = sorted(set(entities) - present)
        if missing:
            raise ConfigurationError(
                f"setEntities: {missing} never occur in the training labels; the types there "
                f"are {sorted(present)}"
            )
        keep = frozenset(entities)

        def only(sentences: list[TaggedSentence]) -> list[TaggedSentence]:
            return [
                TaggedSentence(s.tokens, [t if t[2:] in keep else "O" for t in s.tags],
                               s.known_types)
                for s in sentences
            ]

        return only(train), only(test)

    def fit(self, rows: Sequence[Row] | None = None) -> NerDLModel:
        if not rows:
            raise InputError("NerDLApproach.fit needs rows with tokens, embeddings and labels")
        vectors: dict[str, np.ndarray] = {}
        train = self._sentences(rows, vectors)
        test = self._sentences(self._test_rows(), vectors)
        train, test = self._only_entities(train, test)
        split = float(self.getOrDefault("validationSplit"))
        dev: list[TaggedSentence] = []
        if split > 0:
            order = np.random.default_rng(self.getOrDefault("randomSeed")).permutation(len(train))
            cut = int(len(train) * split)
            dev = [train[i] for i in order[:cut]]
            train = [train[i] for i in order[cut:]]
        words = list(vectors)
        store = WordVectorStore.from_vectors(words, np.stack([vectors[w] for w in words]))
        trainer = Trainer(
            self.training_config(), train, store, dev=dev, test=test,
            checkpoint_dir=self.getOrDefault("checkpointDir"),
            progress=bool(self.getOrDefault("verbose")),
            extended_log=bool(self.getOrDefault("evaluationLogExtended")),
        )
        log_file = None
        if self.getOrDefault("enableOutputLogs"):
            folder = Path(self.getOrDefault("outputLogsPath") or ".")
            folder.mkdir(parents=True, exist_ok=True)
            log_file = open(folder / "NerDLApproach.log", "a", encoding="utf-8")  # noqa: SIM115
        try:
            for log in trainer.run():
                self.history.append(log)
                if log_file is not None:
                    log_file.write(log.summary(trainer.extended_log) + "\n")
                    log_file.flush()
        finally:
            if log_file is not None:
                log_file.close()
        metadata = {"training": {"sentences": len(train), "validation": len(dev),
                                 "epochs": len(trainer.history)}}
        if test:
            metadata["test_scores"] = trainer.evaluate(test)
        model = NerDLModel(trainer.network.cpu(), trainer.chars, metadata)
        model._set(includeConfidence=self.getOrDefault("includeConfidence"),
                   includeAllConfidenceScores=bool(self.getOrDefault("includeAllConfidenceScores")))
        return model._set(inputCols=self.getInputCols(), outputCol=self.getOutputCol())


# ----- helpers ---------------------------------------------------------------------------
def _log_no_effect(setting: str) -> None:
    """Say, once per process and setting, that a TensorFlow-only setting is ignored."""
    if setting in _NO_EFFECT_LOGGED:
        return
    _NO_EFFECT_LOGGED.add(setting)
    logger.warning(
        "NerDLApproach.set%s%s: a TensorFlow setting of Spark NLP; it has no effect here (%s)",
        setting[0].upper(), setting[1:], _TENSORFLOW_ONLY[setting],
    )


def _metric_of(value: Any) -> str:
    """The trainer's metric ("micro" / "macro") of a bestModelMetric value."""
    metric = _BEST_MODEL_METRICS.get(str(value).lower())
    if metric is None:
        raise ConfigurationError(
            f"bestModelMetric must be one of {sorted(_BEST_MODEL_METRICS)}, not {value!r}"
        )
    return metric


def _checked_embeddings_stage(stage: Any) -> Any:
    """A local stage or PipelineModel (anything with ``transform_rows``), or None."""
    if stage is not None and not callable(getattr(stage, "transform_rows", None)):
        raise ConfigurationError(
            "setTestDataset(embeddings=...) takes the pipeline's WordEmbeddingsModel (or a "
            f"fitted clinical_ner PipelineModel that adds embeddings), got {type(stage).__name__}"
        )
    return stage


def _checked_parquet_path(
    path: str | os.PathLike[str], read_as: str, options: Mapping[str, str] | None
) -> str:
    """``path`` as a local path, after checking Spark NLP's ``read_as`` / ``options``."""
    if str(read_as).upper() != "SPARK":
        raise ConfigurationError(
            f"setTestDataset reads a parquet dataset (read_as='SPARK', Spark NLP's "
            f"ReadAs.SPARK); got read_as={read_as!r}"
        )
    data_format = str((options or {}).get("format", "parquet")).lower()
    if data_format != "parquet":
        raise ConfigurationError(
            f"locally setTestDataset reads parquet only, not {data_format!r}; write the test "
            "data with .write.parquet(path), or use clinical_ner.spark.NerDLApproach"
        )
    text = os.fspath(path)
    local = text.removeprefix("file://") if text.startswith("file://") else text.removeprefix("file:")
    if not Path(local).exists():
        raise InputError(
            f"setTestDataset: no parquet file or folder at {text}; write it with "
            f"CoNLL().readDataset(spark, conll_path).write.parquet({text!r}), or pass rows "
            "(CoNLL().readDataset(conll_path)) or a pandas DataFrame"
        )
    return local


def _rows_of(dataset: Any) -> list[Row]:
    """Test rows from a pandas DataFrame or a list of row dicts (copied, annotations made)."""
    if type(dataset).__module__.startswith("pyspark"):
        raise InputError(
            "setTestDataset got a Spark DataFrame: use clinical_ner.spark.NerDLApproach for "
            "Spark, or pass the parquet path, dataset.toPandas() or rows here"
        )
    if hasattr(dataset, "columns") and hasattr(dataset, "to_dict"):  # pandas, imported by the user
        return _rows_from_records(dataset.to_dict("records"))
    if isinstance(dataset, Iterable) and not isinstance(dataset, (str, bytes, Mapping)):
        rows = list(dataset)
        if all(isinstance(row, Mapping) for row in rows):
            return _rows_from_records(rows)
    raise InputError(
        "setTestDataset takes a parquet path (written by CoNLL().readDataset(spark, path)"
        ".write.parquet(...)), a pandas DataFrame read from one, or a list of row dicts "
        f"(CoNLL().readDataset(path)); got {type(dataset).__name__}"
    )


def _read_parquet_rows(path: str) -> list[Row]:
    """The rows of a parquet file or folder (Spark's part files), annotations made."""
    try:
        import pyarrow.parquet as pq
    except ImportError:
        raise ConfigurationError(
            "reading a parquet test dataset needs pyarrow: pip install pyarrow "
            "(or 'clinical-ner[spark]'), or pass rows"
        ) from None
    try:
        table = pq.read_table(path)
    except (OSError, ValueError) as exc:  # pyarrow's ArrowInvalid is a ValueError
        raise InputError(
            f"setTestDataset: {path} is not a readable parquet dataset ({type(exc).__name__}); "
            "write it with CoNLL().readDataset(spark, conll_path).write.parquet(path)"
        ) from None
    return _rows_from_records(table.to_pylist())


def _rows_from_records(records: Iterable[Mapping[str, Any]]) -> list[Row]:
    return [{str(k): _annotations_or_value(v) for k, v in record.items()} for record in records]


def _annotations_or_value(value: Any) -> Any:
    """A column value: annotation structs as parquet or pandas give them (dicts) become
    :class:`Annotation` lists; Annotations and plain values stay."""
    if isinstance(value, np.ndarray) and value.dtype == object:
        value = list(value)
    if isinstance(value, (list, tuple)) and value and all(isinstance(v, Mapping) for v in value):
        return [_annotation(v) for v in value]
    return value


def _annotation(item: Mapping[str, Any]) -> Annotation:
    """One annotation struct: metadata a dict or (key, value) pairs (Arrow's maps),
    embeddings None, a list or an array."""
    metadata = item.get("metadata")
    if metadata is None:
        metadata = {}
    elif not isinstance(metadata, Mapping):
        metadata = dict(list(metadata))
    embeddings = item.get("embeddings")
    return Annotation(
        str(item.get("annotatorType") or ""),
        int(item["begin"]),
        int(item["end"]),
        str(item.get("result") or ""),
        {str(k): str(v) for k, v in metadata.items()},
        np.asarray(embeddings, np.float32) if embeddings is not None and len(embeddings) else (),  # type: ignore[arg-type]  # a float32 vector serves as the sequence
    )
