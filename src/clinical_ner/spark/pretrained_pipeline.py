"""``PretrainedPipeline`` on Spark: the same names as the local one, a Spark PipelineModel.

    from clinical_ner.spark import PretrainedPipeline, start
    spark = start()
    pipeline = PretrainedPipeline("ner_clinical_pipeline", "en", "clinical/models")
    pipeline.transform(spark.createDataFrame([("The patient has chest pain.",)], ["text"]))

The pipeline is found as the local one is (:mod:`clinical_ner.pretrained_pipeline`: a
pipeline saved in the cache folder, then the shipped recipes; offline) and its stages become
the Spark stages of :mod:`clinical_ner.spark` with the same parameters. Model stages of a
shipped recipe reference the resource folders (no copy is written); those of a saved local
pipeline are written to a driver temporary folder on first use.
``disk_location`` / :meth:`PretrainedPipeline.from_disk` load a pipeline saved with
``pyspark.ml.PipelineModel.write().save(path)``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from pyspark.ml import PipelineModel as SparkPipelineModel
from pyspark.sql import DataFrame

from clinical_ner import pretrained_pipeline as local
from clinical_ner.errors import ConfigurationError
from clinical_ner.pipeline import PipelineModel as LocalPipelineModel
from clinical_ner.spark.light_pipeline import LightPipeline
from clinical_ner.spark.params import LocalParams
from clinical_ner.stage import Stage


def to_spark(model: LocalPipelineModel, folders: dict[int, Path] | None = None) -> SparkPipelineModel:
    """A Spark PipelineModel with ``model``'s stages and parameters. ``folders`` maps the
    index of a model stage to the resource folder it was loaded from; a model stage without
    one is wrapped as it is (its folder is written to a temporary folder when needed)."""
    folders = folders or {}
    return SparkPipelineModel(
        stages=[_spark_stage(stage, folders.get(index)) for index, stage in enumerate(model.stages)]  # type: ignore[misc]  # LocalParams classes are pyspark stages too (mixins)
    )


def _spark_class(stage: Stage) -> type[LocalParams]:
    """The clinical-ner Spark class whose local twin is ``type(stage)``."""
    import clinical_ner.spark as spark_api  # the package imports this module: look up late

    classes = [getattr(spark_api, name) for name in spark_api.__all__]
    classes = [c for c in classes if isinstance(c, type) and issubclass(c, LocalParams)]
    for klass in classes:
        if klass.LOCAL is type(stage):
            return klass
    raise ConfigurationError(
        f"{type(stage).__name__} has no clinical-ner Spark stage; this pipeline cannot run on "
        "Spark (use clinical_ner.PretrainedPipeline, the local one)"
    )


def _spark_stage(stage: Stage, folder: Path | None) -> LocalParams:
    """The Spark stage of local ``stage``: same explicit parameters, same model."""
    klass = _spark_class(stage)
    if folder is not None and hasattr(klass, "from_folder"):
        spark_stage = klass.from_folder(folder)
    elif hasattr(klass, "from_local"):
        spark_stage = klass.from_local(stage)
    else:
        spark_stage = klass()
    # Only what differs from the Spark stage's own values becomes an explicit parameter,
    # so defaults stay defaults (as in a pipeline written by hand).
    spark_stage._copy_from_local(stage, spark_stage.local_params_stage().params_dict())
    return spark_stage


def load_pipeline(name: str, lang: str = "en", remote_loc: str | None = None) -> SparkPipelineModel:
    """The Spark PipelineModel of pipeline ``name`` (found as the local one is)."""
    found = local.resolve_pipeline(name, lang, remote_loc)
    return to_spark(found.model, found.folders)


class ResourceDownloader(local.ResourceDownloader):
    """The local :class:`~clinical_ner.pretrained_pipeline.ResourceDownloader`, with
    ``downloadPipeline`` returning a Spark PipelineModel."""

    @staticmethod
    def downloadPipeline(name: str, language: str = "en", remote_loc: str | None = None) -> SparkPipelineModel:  # type: ignore[override]  # Spark's PipelineModel here, as in Spark NLP
        return load_pipeline(name, language, remote_loc)


class PretrainedPipeline(local.PretrainedPipeline):
    """Spark NLP's ``PretrainedPipeline``: ``model`` is a ``pyspark.ml.PipelineModel``,
    ``transform(df)`` runs it on a Spark DataFrame, ``annotate`` / ``fullAnnotate`` take
    texts (through ``light_model``, a :class:`~clinical_ner.spark.LightPipeline`, in-process)
    or a Spark DataFrame (``column``: its text column, renamed to the pipeline's)."""

    def _load(self, name: str, lang: str, remote_loc: str | None) -> SparkPipelineModel:
        return load_pipeline(name, lang, remote_loc)

    def _load_from_disk(self, path: str | os.PathLike[str]) -> SparkPipelineModel:
        return SparkPipelineModel.load(str(path))

    def _make_light_model(self) -> Any:
        return LightPipeline(self.model, parse_embeddings=self.parse_embeddings)

    @staticmethod
    def _is_dataframe(target: Any) -> bool:
        return isinstance(target, DataFrame)

    @staticmethod
    def _rename(frame: DataFrame, column: str, text_column: str) -> DataFrame:
        return frame.withColumnRenamed(column, text_column)
