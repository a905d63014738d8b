"""NerDLApproach as a ``pyspark.ml`` Estimator: trains on the driver, as Spark NLP does.

``fit(df)`` needs the token, embeddings and label annotation columns (a
``WordEmbeddingsModel`` before it in a Pipeline over ``CoNLL().readDataset(spark, path)``).
Rows stream to the driver partition by partition (``toLocalIterator``) and are turned into
training sentences as they arrive; only the sentences (token strings and tags) and one
vector per distinct word are kept, never the DataFrame itself. The trained network is the
local :class:`~clinical_ner.training.ner_dl_approach.NerDLApproach`'s.

``setTestDataset`` takes Spark NLP's parquet path (read with ``spark.read`` when training
starts) or a DataFrame; the other Spark NLP settings, and the validation of all of them,
are the local stage's.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from typing import Any

from pyspark.errors import AnalysisException
from pyspark.ml import Estimator, Transformer
from pyspark.sql import DataFrame, SparkSession

from clinical_ner.errors import ConfigurationError, InputError
from clinical_ner.spark.annotators import NerDLModel
from clinical_ner.spark.params import LocalParams
from clinical_ner.spark.persistence import Persistable
from clinical_ner.spark.schema import from_struct_rows
from clinical_ner.stage import Row
from clinical_ner.training import ner_dl_approach as local_approach


class StreamedRows:
    """An iterable of local rows (annotation lists) read from a DataFrame a partition at a
    time; the local trainer iterates it once."""

    def __init__(self, dataset: DataFrame, columns: list[str]) -> None:
        missing = [c for c in columns if c not in dataset.columns]
        if missing:
            raise ConfigurationError(
                f"NerDLApproach needs columns {missing}; put a WordEmbeddingsModel before it and "
                "fit on CoNLL().readDataset(spark, path) (columns: "
                f"{', '.join(dataset.columns)})"
            )
        self.dataset = dataset.select(*[f"`{c}`" for c in columns])
        self.columns = columns

    def __bool__(self) -> bool:
        return not self.dataset.isEmpty()

    def __iter__(self) -> Iterator[Row]:
        for record in self.dataset.toLocalIterator(prefetchPartitions=True):
            yield {c: from_struct_rows(record[c]) for c in self.columns}


class NerDLApproach(LocalParams, Estimator, Persistable):
    """Trains a :class:`~clinical_ner.spark.NerDLModel` (Spark NLP's parameters)."""

    LOCAL = local_approach.NerDLApproach

    def __init__(self) -> None:
        super().__init__()
        self._init_local_params()
        self._test_dataset: DataFrame | None = None
        self._test_options: dict[str, str] = {"format": "parquet"}
        self._test_embeddings: Transformer | None = None
        self.history: list[Any] = []

    def setTestDataset(
        self,
        path: str | os.PathLike[str] | DataFrame | None,
        read_as: str = "SPARK",
        options: Mapping[str, str] | None = None,
        embeddings: Transformer | None = None,
    ) -> NerDLApproach:
        """Data scored every epoch (it selects the best epoch, as in Spark NLP) and after
        training.

        ``path`` (Spark NLP's name): a path that ``spark.read`` loads when training starts
        (``options``, Spark NLP's, default ``{"format": "parquet"}``: Spark NLP's form,
        written by ``CoNLL().readDataset(spark, path).write.parquet(...)``), or a
        DataFrame. It needs the token and label columns; without the embeddings column,
        ``embeddings`` (the pipeline's WordEmbeddingsModel, or a fitted PipelineModel that
        adds it) is applied to it first. None unsets it.
        """
        if embeddings is not None and not isinstance(embeddings, Transformer):
            raise ConfigurationError(
                "setTestDataset(embeddings=...) takes the pipeline's WordEmbeddingsModel (or a "
                f"fitted PipelineModel that adds embeddings), got {type(embeddings).__name__}"
            )
        if path is None or isinstance(path, DataFrame):
            self.clear(self.getParam("testDataset"))
            self._test_dataset = path
        elif isinstance(path, (str, os.PathLike)):
            if str(read_as).upper() != "SPARK":
                raise ConfigurationError(
                    f"setTestDataset reads with spark.read (read_as='SPARK', Spark NLP's "
                    f"ReadAs.SPARK); got read_as={read_as!r}"
                )
            self._test_options = {"format": "parquet", **dict(options or {})}
            self._set(testDataset=os.fspath(path))
            self._test_dataset = None
        else:
            raise InputError(
                "setTestDataset takes a parquet path (written by CoNLL().readDataset(spark, "
                "path).write.parquet(...)) or a Spark DataFrame; got "
                f"{type(path).__name__} (locally, clinical_ner.NerDLApproach takes rows)"
            )
        self._test_embeddings = embeddings
        return self

    def _columns(self) -> list[str]:
        _, token_col, embeddings_col = self.local_params_stage().getInputCols()
        return [token_col, embeddings_col, self.getOrDefault("labelColumn")]

    def _fit(self, dataset: DataFrame) -> NerDLModel:
        local = self.local_params_stage()
        rows = StreamedRows(dataset, self._columns())
        if not rows:
            raise InputError("NerDLApproach.fit got an empty DataFrame")
        test = self._test_frame(dataset.sparkSession)
        if test is not None:
            local._set(testDataset=StreamedRows(test, self._columns()))
        model = local.fit(rows)  # type: ignore[attr-defined]  # local_params_stage() is typed Stage; here it is a NerDLApproach
        self.history = list(local.history)  # type: ignore[attr-defined]
        return NerDLModel.from_local(model)

    def _test_frame(self, spark: SparkSession) -> DataFrame | None:
        """The test DataFrame, read and embedded, its columns checked (None: no test set)."""
        frame = self._test_dataset
        path = self.getOrDefault("testDataset")
        if frame is None and path is not None:
            options = dict(self._test_options)
            data_format = options.pop("format", "parquet")
            try:
                frame = spark.read.format(data_format).options(**options).load(path)
            except AnalysisException as exc:
                raise InputError(
                    f"NerDLApproach: cannot read the test dataset {path} as {data_format} "
                    f"({exc.getCondition() or type(exc).__name__}); write it with "
                    "CoNLL().readDataset(spark, conll_path).write.parquet(path)"
                ) from None
        if frame is None:
            return None
        token_col, embeddings_col, label_col = self._columns()
        if embeddings_col not in frame.columns and self._test_embeddings is not None:
            frame = self._test_embeddings.transform(frame)
        missing = [c for c in (token_col, embeddings_col, label_col) if c not in frame.columns]
        if embeddings_col in missing:
            raise ConfigurationError(
                f"NerDLApproach: the test dataset has no {embeddings_col!r} column; pass the "
                "pipeline's embeddings stage, setTestDataset(path, embeddings=word_embeddings), "
                "or write the test data after it (Spark NLP's form: "
                "embeddings.transform(test).write.parquet(path))"
            )
        if missing:
            raise ConfigurationError(
                f"NerDLApproach: the test dataset has no column(s) {missing}; write it from "
                "CoNLL().readDataset(spark, path) or set labelColumn / inputCols to its columns "
                f"(it has {', '.join(frame.columns)})"
            )
        return frame
