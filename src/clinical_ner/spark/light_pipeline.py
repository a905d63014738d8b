"""Spark PipelineModel -> local engine: ``LightPipeline(spark_model)`` as in Spark NLP."""

from __future__ import annotations

from typing import Any

from pyspark.ml import PipelineModel as SparkPipelineModel
from pyspark.sql import DataFrame as SparkDataFrame

from clinical_ner.errors import ConfigurationError
from clinical_ner.pipeline import LightPipeline as LocalLightPipeline
from clinical_ner.pipeline import PipelineModel as LocalPipelineModel


def to_local(model: SparkPipelineModel) -> LocalPipelineModel:
    """The same stages (parameters and models) as a local PipelineModel; no JVM is used
    to annotate with it. A nested PipelineModel's stages are taken in its place; a stage
    that is not a clinical-ner stage (a plain ``pyspark.ml`` one) is an error."""
    stages, unsupported = _local_stages(model)
    if unsupported:
        raise ConfigurationError(
            f"not clinical-ner stages: {', '.join(unsupported)}; LightPipeline runs only "
            "clinical-ner stages (its setIgnoreUnsupported(True) skips the others)"
        )
    return LocalPipelineModel(stages)


def _local_stages(model: SparkPipelineModel) -> tuple[list[Any], list[str]]:
    """The local stages of ``model``'s clinical-ner stages, in order, and the class names
    of the stages that have none (left out)."""
    stages: list[Any] = []
    unsupported: list[str] = []
    for stage in model.stages:
        if isinstance(stage, SparkPipelineModel):
            inner, inner_unsupported = _local_stages(stage)
            stages += inner
            unsupported += inner_unsupported
        elif callable(getattr(stage, "to_local", None)):
            stages.append(stage.to_local())  # type: ignore[attr-defined]  # checked just above
        else:
            unsupported.append(type(stage).__name__)
    return stages, unsupported


class LightPipeline(LocalLightPipeline):
    """Spark NLP's ``LightPipeline(pipeline_model)``: annotates Python strings in-process
    with a fitted Spark PipelineModel (its stages converted to local ones).

    ``transform`` takes a Spark DataFrame (-> exactly the Spark PipelineModel's
    ``transform``, as in Spark NLP) or a pandas DataFrame (-> annotated in-process).
    Stages that are not clinical-ner stages make annotate/fullAnnotate fail, naming them,
    unless ``setIgnoreUnsupported(True)`` skips them.
    """

    def __init__(
        self, pipeline_model, parse_embeddings: bool = False, batch_size: int = 64
    ) -> None:
        unsupported: list[str]
        spark_model, unsupported = None, []
        if isinstance(pipeline_model, SparkPipelineModel):
            spark_model = pipeline_model
            stages, unsupported = _local_stages(pipeline_model)
            pipeline_model = LocalPipelineModel(stages)
        super().__init__(pipeline_model, parse_embeddings=parse_embeddings, batch_size=batch_size)
        self._spark_model: SparkPipelineModel | None = spark_model
        self._unconverted = unsupported  # refused, or skipped, when annotating

    def getStages(self) -> list[Any]:
        """The Spark PipelineModel's stages (the local ones for a local model)."""
        if self._spark_model is None:
            return super().getStages()
        return list(self._spark_model.stages)

    def transform(self, dataset: Any) -> Any:
        """A Spark DataFrame through the Spark PipelineModel (a Spark DataFrame back), or a
        pandas DataFrame through the local engine (see the local ``transform``)."""
        if not isinstance(dataset, SparkDataFrame):
            return super().transform(dataset)
        if self._spark_model is None:
            raise ConfigurationError(
                "this LightPipeline wraps a local PipelineModel, which cannot transform a "
                "Spark DataFrame; build it from a Spark PipelineModel, or pass df.toPandas()"
            )
        return self._spark_model.transform(dataset)
