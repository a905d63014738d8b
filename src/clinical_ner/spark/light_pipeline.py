"""Spark PipelineModel -> local engine: ``LightPipeline(spark_model)`` as in Spark NLP."""

from __future__ import annotations

from pyspark.ml import PipelineModel as SparkPipelineModel

from clinical_ner.errors import ConfigurationError
from clinical_ner.pipeline import LightPipeline as LocalLightPipeline
from clinical_ner.pipeline import PipelineModel as LocalPipelineModel


def to_local(model: SparkPipelineModel) -> LocalPipelineModel:
    """The same stages (parameters and models) as a local PipelineModel; no JVM is used
    to annotate with it."""
    stages = []
    for stage in model.stages:
        convert = getattr(stage, "to_local", None)
        if convert is None:
            raise ConfigurationError(
                f"{type(stage).__name__} is not a clinical-ner stage; LightPipeline runs only "
                "clinical-ner stages"
            )
        stages.append(convert())
    return LocalPipelineModel(stages)


class LightPipeline(LocalLightPipeline):
    """Spark NLP's ``LightPipeline(pipeline_model)``: annotates Python strings in-process
    with a fitted Spark PipelineModel (its stages converted to local ones)."""

    def __init__(
        self, pipeline_model, parse_embeddings: bool = False, batch_size: int = 64
    ) -> None:
        if isinstance(pipeline_model, SparkPipelineModel):
            pipeline_model = to_local(pipeline_model)
        super().__init__(pipeline_model, parse_embeddings=parse_embeddings, batch_size=batch_size)
