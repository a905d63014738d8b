"""The annotators as ``pyspark.ml`` Transformers, same names, setters and defaults as the
local stages (generated from their ``PARAMS``, see :mod:`clinical_ner.spark.params`).

Each output column is an array of Spark NLP annotation structs, so
``results.select("token.result", "ner.result")`` works. Execution is in
:mod:`clinical_ner.spark.fusion` (consecutive stages share one ``mapInArrow``); the local
stage's own code annotates, so Spark and :class:`~clinical_ner.LightPipeline` agree exactly.
"""

from __future__ import annotations

import copy
import shutil
import tempfile
from pathlib import Path
from typing import Any, ClassVar

from pyspark.ml import Estimator, Transformer
from pyspark.sql import DataFrame

from clinical_ner import stage as local_base
from clinical_ner.annotators import assertion as local_assertion
from clinical_ner.annotators import document_assembler as local_document_assembler
from clinical_ner.annotators import ner_converter as local_ner_converter
from clinical_ner.annotators import ner_dl as local_ner_dl
from clinical_ner.annotators import section_detector as local_section_detector
from clinical_ner.annotators import sentence_detector as local_sentence_detector
from clinical_ner.annotators import tokenizer as local_tokenizer
from clinical_ner.annotators import word_embeddings as local_word_embeddings
from clinical_ner.errors import ConfigurationError
from clinical_ner.resources import resolve
from clinical_ner.spark.fusion import StageEntry, model_reference, transform_fused
from clinical_ner.spark.params import LocalParams
from clinical_ner.spark.persistence import Persistable


class AnnotatorTransformer(LocalParams, Transformer, Persistable):
    """Base of the Spark annotators: one local stage's parameters, fused execution."""

    LOCAL: ClassVar[type[local_base.Transformer]]

    def __init__(self) -> None:
        super().__init__()
        self._init_local_params()

    def _model_reference(self, spark) -> dict[str, Any] | None:
        return None

    def stage_entry(self, spark) -> StageEntry:
        """How the workers run this stage (class, parameters, model folder, columns)."""
        local = self.local_params_stage()
        spec = {
            "class": self.LOCAL.__name__,
            "module": self.LOCAL.__module__,
            "params": self.explicit_local_params(),
            "model": self._model_reference(spark),
        }
        return StageEntry(
            spec,
            local.getOutputCol(),
            self.LOCAL.OUTPUT_TYPE,
            inputs=tuple(local.getInputCols()),
        )

    def _transform(self, dataset: DataFrame) -> DataFrame:
        return transform_fused(self.stage_entry(dataset.sparkSession), dataset)

    def to_local(self) -> local_base.Transformer:
        """The equivalent local stage (parameters and model), e.g. for a LightPipeline."""
        return self.local_params_stage()  # type: ignore[return-value]


class DocumentAssembler(AnnotatorTransformer):
    LOCAL = local_document_assembler.DocumentAssembler

    def stage_entry(self, spark) -> StageEntry:
        entry = super().stage_entry(spark)
        raw = [self.getOrDefault("inputCol")]
        if self.getOrDefault("idCol"):
            raw.append(self.getOrDefault("idCol"))
        return StageEntry(entry.spec, entry.output, entry.output_type, (), tuple(raw))


class SectionDetector(AnnotatorTransformer):
    """Section headers and canonical names (``document`` in, ``section`` out). The lexicon
    lives in the parameters (``setLexicon`` reads the file on the driver), so the executors
    and a saved pipeline need no copy of the file."""

    LOCAL = local_section_detector.SectionDetector


class SentenceDetector(AnnotatorTransformer):
    """Sentences of each document (``document`` in, ``sentence`` out). With
    ``setExplodeSentences(True)`` (Spark NLP's, default False) the result has one row per
    sentence: the other columns repeated, the sentence column holding that one sentence
    (offsets into the original text), and the stages after it annotating that sentence
    alone; a row without sentences gives no row, as Spark's ``explode``. The explode runs
    inside the fused Python pass (:func:`clinical_ner.spark.worker.run_plan`), so it costs
    no extra job. ``setSplitLength(n)`` splits sentences longer than ``n`` characters."""

    LOCAL = local_sentence_detector.SentenceDetector


class TokenizerModel(AnnotatorTransformer):
    """Spark NLP's ``TokenizerModel``: the fitted tokenizer that ``Tokenizer().fit(df)``
    returns, with the Tokenizer's parameters and setters."""

    LOCAL = local_tokenizer.TokenizerModel


class Tokenizer(LocalParams, Estimator, Persistable):
    """Spark NLP's ``Tokenizer``, an estimator: ``fit(df)`` returns a
    :class:`TokenizerModel` with its parameters (the rules need no data: no Spark job
    runs), so a ``Pipeline`` fits it into one. ``transform(df)`` still tokenizes directly,
    so code, and PipelineModels saved while it was a transformer, keep working."""

    LOCAL = local_tokenizer.Tokenizer

    def __init__(self) -> None:
        super().__init__()
        self._init_local_params()

    def _fit(self, dataset: DataFrame) -> TokenizerModel:
        # Spark NLP checks the input columns' annotator types when it fits; so do we, for
        # the columns whose type the DataFrame's schema metadata records.
        self.local_params_stage().check_input_types(_schema_annotator_types(dataset), "fit")
        return self._copyValues(TokenizerModel())

    def transform(self, dataset: DataFrame, params: dict | None = None) -> DataFrame:
        """``fit(dataset).transform(dataset)`` in one call (the stage's former use)."""
        stage = self.copy(params) if params else self
        return stage._fit(dataset).transform(dataset)

    def to_local(self) -> local_base.Transformer:
        """The equivalent local (fitted) stage, e.g. for a LightPipeline."""
        return self.local_params_stage().fit()  # type: ignore[attr-defined]


def _schema_annotator_types(dataset: DataFrame) -> dict[str, tuple[str, str]]:
    """Column -> (annotator type, who wrote it) for the annotation columns of
    ``dataset`` whose Spark metadata names their type (as every stage's output does)."""
    return {
        f.name: (f.metadata["annotatorType"], "per the DataFrame's column metadata")
        for f in dataset.schema.fields
        if "annotatorType" in (f.metadata or {})
    }


class NerConverter(AnnotatorTransformer):
    LOCAL = local_ner_converter.NerConverter


class ContextualAssertion(AnnotatorTransformer):
    """Assertion status of each chunk (ConText rules, no model folder): ``sentence`` and
    ``ner_chunk`` in (or Spark NLP healthcare's ``["sentence", "token", "ner_chunk"]``; the
    token column is not read), one ``assertion`` annotation per chunk out.
    ``setLexicon(path)`` reads the file on the driver and keeps its rules as a parameter, so
    the executors, and a saved pipeline, need no copy of the file."""

    LOCAL = local_assertion.ContextualAssertion

    def getLexicon(self) -> list:
        """Every rule in use (the lexicon, then the ``addTriggers`` rules)."""
        return self.local_params_stage().getLexicon()  # type: ignore[attr-defined]


class ModelTransformer(AnnotatorTransformer):
    """An annotator with a model folder: loaded once per Python worker from a path the
    executors can read (see :func:`clinical_ner.spark.fusion.model_reference`)."""

    KIND: ClassVar[str]
    DEFAULT_NAME: ClassVar[str]

    def __init__(self) -> None:
        super().__init__()
        self._model: local_base.Transformer | None = None
        self._model_dir: Path | None = None

    # ----- construction -----------------------------------------------------------------
    @classmethod
    def pretrained(cls, name: str | None = None, lang: str = "en", remote_loc: str | None = None):
        """A shipped or cached model by name, offline (``remote_loc`` is accepted for Spark
        NLP compatibility; nothing is downloaded)."""
        return cls.from_folder(resolve(name or cls.DEFAULT_NAME, lang, remote_loc, kind=cls.KIND))

    @classmethod
    def from_folder(cls, folder: str | Path):
        """A stage over a model folder (``metadata.json``, checksums verified)."""
        stage = cls()
        stage._attach_model_folder(Path(folder))
        before = stage.local_params_stage().params_dict()
        stage._copy_from_local(stage._model, before)  # type: ignore[arg-type]
        return stage

    @classmethod
    def from_local(cls, model: local_base.Transformer):
        """A stage over an in-memory local model (e.g. one NerDLApproach trained); its
        folder is written to a driver temp folder when a transform first needs it."""
        stage = cls()
        stage._model = model
        stage._copy_from_local(model, stage.local_params_stage().params_dict())
        return stage

    def _attach_model_folder(self, folder: Path) -> None:
        self._model = self.LOCAL.load(folder)  # type: ignore[attr-defined]
        self._model_dir = Path(folder)

    # ----- the model --------------------------------------------------------------------
    def local_model(self) -> local_base.Transformer:
        if self._model is None:
            raise ConfigurationError(
                f"{type(self).__name__} has no model; use {type(self).__name__}.pretrained(...) "
                f"or .load(path)"
            )
        return self._model

    def model_folder(self) -> Path:
        """A folder holding the model (written to a temp folder for in-memory models)."""
        if self._model_dir is None:
            folder = Path(tempfile.mkdtemp(prefix="clinical-ner-model-")) / "model"
            self.local_model().save(folder)  # type: ignore[attr-defined]
            self._model_dir = folder
        return self._model_dir

    def _model_reference(self, spark) -> dict[str, Any]:
        return model_reference(spark, self.model_folder())

    def _save_model_folder(self, target: Path) -> None:
        source = self.model_folder()
        if target.exists():
            shutil.rmtree(target)
        shutil.copytree(source, target)

    def to_local(self) -> local_base.Transformer:
        model = self.local_model()
        stage = copy.copy(model)  # shares the network / memory-mapped vectors
        stage._values = dict(model._values)
        stage._set(**self.explicit_local_params())
        return stage


class WordEmbeddingsModel(ModelTransformer):
    LOCAL = local_word_embeddings.WordEmbeddingsModel
    KIND = "word_embeddings"
    DEFAULT_NAME = "embeddings_clinical"

    def getDimension(self) -> int:
        return self.local_model().getDimension()  # type: ignore[attr-defined]


class NerDLModel(ModelTransformer):
    LOCAL = local_ner_dl.NerDLModel
    KIND = "ner_dl"
    DEFAULT_NAME = "ner_clinical"

    def getClasses(self) -> list[str]:
        """The tags this model predicts."""
        return self.local_model().getClasses()  # type: ignore[attr-defined]
