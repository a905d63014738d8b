"""NerDLApproach as a ``pyspark.ml`` Estimator: trains on the driver, as Spark NLP does.

``fit(df)`` needs the token, embeddings and label annotation columns (a
``WordEmbeddingsModel`` before it in a Pipeline over ``CoNLL().readDataset(spark, path)``).
Rows stream to the driver partition by partition (``toLocalIterator``) and are turned into
training sentences as they arrive; only the sentences (token strings and tags) and one
vector per distinct word are kept, never the DataFrame itself. The trained network is the
local :class:`~clinical_ner.annotators.ner_dl_approach.NerDLApproach`'s.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pyspark.ml import Estimator
from pyspark.sql import DataFrame

from clinical_ner.annotators import ner_dl_approach as local_approach
from clinical_ner.annotators.base import Row
from clinical_ner.errors import ConfigurationError, InputError
from clinical_ner.spark.annotators import NerDLModel
from clinical_ner.spark.params import LocalParams
from clinical_ner.spark.persistence import Persistable
from clinical_ner.spark.schema import from_struct_rows


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
        self.history: list[Any] = []

    def setTestDataset(self, dataset: DataFrame) -> NerDLApproach:
        """Rows scored after training (a DataFrame with the same columns as ``fit``'s)."""
        self._test_dataset = dataset
        return self

    def _columns(self) -> list[str]:
        _, token_col, embeddings_col = self.local_params_stage().getInputCols()
        return [token_col, embeddings_col, self.getOrDefault("labelColumn")]

    def _fit(self, dataset: DataFrame) -> NerDLModel:
        local = self.local_params_stage()
        rows = StreamedRows(dataset, self._columns())
        if not rows:
            raise InputError("NerDLApproach.fit got an empty DataFrame")
        if self._test_dataset is not None:
            local._set(testDataset=StreamedRows(self._test_dataset, self._columns()))
        model = local.fit(rows)  # type: ignore[arg-type]
        self.history = list(local.history)  # type: ignore[attr-defined]
        return NerDLModel.from_local(model)
