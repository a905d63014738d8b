"""NerDLApproach: trains a :class:`NerDLModel` from rows with tokens, embeddings and labels.

The Spark NLP-shaped way to train: put it after a WordEmbeddingsModel in a Pipeline and
``fit`` on rows with a ``label`` column (``CoNLL().readDataset(path)`` makes them). The
``clinical-ner train`` command runs the same :class:`Trainer` straight from CoNLL files.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from clinical_ner.annotation import Annotation, AnnotatorType
from clinical_ner.annotators.base import Estimator, Param, Row
from clinical_ner.annotators.ner_dl import NerDLModel
from clinical_ner.embeddings.store import WordVectorStore
from clinical_ner.errors import ConfigurationError, InputError
from clinical_ner.training.data import TaggedSentence, to_iob2
from clinical_ner.training.trainer import Trainer, TrainingConfig

_TRAINING_PARAMS = {
    "lr": "lr", "po": "po", "batchSize": "batch_size", "dropout": "dropout",
    "maxEpochs": "max_epochs", "minEpochs": "min_epochs", "randomSeed": "seed",
    "earlyStoppingPatience": "patience", "gradientClip": "clip", "hiddenSize": "lstm_hidden",
    "lstmLayers": "lstm_layers", "useBestModel": "use_best_model", "threads": "threads",
}


class NerDLApproach(Estimator):
    """Trains the BiLSTM-CNN-CRF tagger (Spark NLP's NerDLApproach parameters)."""

    PARAMS = (
        Param("labelColumn", "label", "column of gold named_entity annotations"),
        Param("lr", 0.001, "Adam learning rate"),
        Param("po", 0.005, "learning-rate decay: lr / (1 + po * epoch)"),
        Param("batchSize", 32, "sentences per training step"),
        Param("dropout", 0.5, "dropout rate"),
        Param("maxEpochs", 30, "maximum epochs"),
        Param("minEpochs", 0, "epochs before early stopping may stop"),
        Param("earlyStoppingPatience", 5, "epochs without validation gain before stopping"),
        Param("gradientClip", 5.0, "maximum gradient norm"),
        Param("hiddenSize", 200, "BiLSTM hidden size per direction"),
        Param("lstmLayers", 1, "stacked BiLSTM layers"),
        Param("validationSplit", 0.0, "fraction of training sentences held out for validation"),
        Param("testDataset", None, "rows (with the embeddings column) scored after training"),
        Param("randomSeed", 13, "seed of initialisation, shuffling and dropout"),
        Param("useBestModel", True, "keep the epoch with the best validation F1"),
        Param("includeConfidence", True, "passed on to the NerDLModel"),
        Param("evaluationLogExtended", False, "log per-label scores every epoch"),
        Param("enableOutputLogs", False, "write the epoch log to outputLogsPath"),
        Param("outputLogsPath", None, "folder for the epoch log file"),
        Param("checkpointDir", None, "save each epoch here; a rerun resumes from it"),
        Param("verbose", True, "show a progress bar"),
        Param("threads", None, "torch CPU threads (None: torch's default)"),
    )
    INPUT_TYPES = (AnnotatorType.DOCUMENT, AnnotatorType.TOKEN, AnnotatorType.WORD_EMBEDDINGS)
    OUTPUT_TYPE = AnnotatorType.NAMED_ENTITY

    def __init__(self) -> None:
        super().__init__()
        self._set(inputCols=["sentence", "token", "embeddings"], outputCol="ner")
        self.history: list = []

    def __getattr__(self, name: str):
        # setLr, setPo, setMaxEpochs, ...: one generic setter per declared parameter.
        if name.startswith("set") and len(name) > 3:
            param = name[3].lower() + name[4:]
            if param in self.all_params():
                return lambda value: self._set(**{param: value})
        raise AttributeError(f"{type(self).__name__} has no attribute {name!r}")

    def setTestDataset(self, rows: Sequence[Row]) -> NerDLApproach:
        return self._set(testDataset=list(rows))

    def training_config(self) -> TrainingConfig:
        values = {field: self.getOrDefault(param) for param, field in _TRAINING_PARAMS.items()}
        return TrainingConfig(**values)

    # ----- data -------------------------------------------------------------------------
    def _sentences(self, rows: Sequence[Row], vectors: dict[str, np.ndarray]) -> list[TaggedSentence]:
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

    def fit(self, rows: Sequence[Row] | None = None) -> NerDLModel:
        if not rows:
            raise InputError("NerDLApproach.fit needs rows with tokens, embeddings and labels")
        vectors: dict[str, np.ndarray] = {}
        train = self._sentences(rows, vectors)
        test_rows = self.getOrDefault("testDataset")
        test = self._sentences(test_rows, vectors) if test_rows else []
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
            self.training_config(), train, store, dev=dev,
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
        model._set(includeConfidence=self.getOrDefault("includeConfidence"))
        return model._set(inputCols=self.getInputCols(), outputCol=self.getOutputCol())
