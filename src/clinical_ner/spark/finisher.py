"""Finisher as a ``pyspark.ml`` Transformer, in Spark SQL (no Python worker involved).

Same parameters, defaults and output as the local :class:`clinical_ner.Finisher`: for each
input column ``c`` a ``finished_c`` column (or the matching ``outputCols`` entry) with the
annotations' ``result`` strings, an array or one string joined by
``annotationSplitSymbol``; ``includeMetadata`` adds ``<output>_metadata`` with the
``(key, value)`` pairs (structs ``_1``, ``_2``) of every annotation's metadata;
``cleanAnnotations`` drops the input annotation columns.
"""

from __future__ import annotations

from pyspark.ml import Transformer
from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from clinical_ner.annotators import finisher as local_finisher
from clinical_ner.errors import ConfigurationError
from clinical_ner.spark.params import LocalParams
from clinical_ner.spark.persistence import Persistable
from clinical_ner.spark.schema import quoted


class Finisher(LocalParams, Transformer, Persistable):
    LOCAL = local_finisher.Finisher

    def __init__(self) -> None:
        super().__init__()
        self._init_local_params()

    def _transform(self, dataset: DataFrame) -> DataFrame:
        local = self.local_params_stage()
        in_cols = local.getInputCols()
        out_cols = local.output_columns()  # type: ignore[attr-defined]
        as_array = self.getOrDefault("outputAsArray")
        split = self.getOrDefault("annotationSplitSymbol")
        value_split = self.getOrDefault("valueSplitSymbol")
        columns: dict[str, Column] = {}
        for in_col, out_col in zip(in_cols, out_cols, strict=True):
            if in_col not in dataset.columns:
                raise ConfigurationError(
                    f"Finisher reads column {in_col!r}, which no earlier stage writes; columns: "
                    f"{', '.join(dataset.columns)}"
                )
            annotations = F.coalesce(F.col(quoted(in_col)), F.array())
            results = F.transform(annotations, lambda a: a["result"])
            columns[out_col] = results if as_array else F.array_join(results, split)
            if self.getOrDefault("includeMetadata"):
                pairs = F.flatten(
                    F.transform(
                        annotations,
                        lambda a: F.transform(
                            F.map_entries(F.coalesce(a["metadata"], F.create_map())),
                            lambda e: F.struct(e["key"].alias("_1"), e["value"].alias("_2")),
                        ),
                    )
                )
                columns[f"{out_col}_metadata"] = (
                    pairs
                    if as_array
                    else F.array_join(
                        F.transform(pairs, lambda e: F.concat(e["_1"], F.lit(value_split), e["_2"])),
                        split,
                    )
                )
        result = dataset.withColumns(columns)
        if self.getOrDefault("cleanAnnotations"):
            drop = [c for c in in_cols if c not in out_cols]
            if drop:
                result = result.drop(*drop)
        return result

    def to_local(self) -> local_finisher.Finisher:
        return self.local_params_stage()  # type: ignore[return-value]
