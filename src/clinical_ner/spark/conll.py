"""``CoNLL().readDataset(spark, path)``: a CoNLL file as a Spark DataFrame of annotations.

One row per ``-DOCSTART-`` document with ``text``, ``document``, ``sentence``, ``token``,
``pos`` and ``label`` columns (labels as IOB2 ``named_entity`` annotations), the same rows
as the local ``clinical_ner.training.conll_dataset.CoNLL`` reader. The file is parsed on the
driver (it must be readable there, as in Spark NLP's local-file mode) and sent to Spark as
Arrow record batches.
"""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql.types import StringType, StructField, StructType

from clinical_ner.annotation import AnnotatorType
from clinical_ner.spark.persistence import local_path
from clinical_ner.spark.schema import annotation_field, to_arrow
from clinical_ner.training.conll_dataset import CoNLL as LocalCoNLL

_TYPES = {
    "document": AnnotatorType.DOCUMENT,
    "sentence": AnnotatorType.DOCUMENT,
    "token": AnnotatorType.TOKEN,
    "pos": "pos",
    "label": AnnotatorType.NAMED_ENTITY,
}


class CoNLL:
    """Spark NLP's ``CoNLL`` reader; the column names can be changed as in Spark NLP."""

    def __init__(
        self,
        documentCol: str = "document",
        sentenceCol: str = "sentence",
        tokenCol: str = "token",
        posCol: str = "pos",
        labelCol: str = "label",
        textCol: str = "text",
    ) -> None:
        self.text_col = textCol
        self.names = {
            "document": documentCol,
            "sentence": sentenceCol,
            "token": tokenCol,
            "pos": posCol,
            "label": labelCol,
        }

    def readDataset(
        self, spark: SparkSession, path: str | Path, partitions: int | None = None
    ) -> DataFrame:
        """The file's documents as a DataFrame (``partitions``: repartition to this many)."""
        rows = LocalCoNLL(self.text_col).readDataset(local_path(str(path)))
        arrays = {self.text_col: pa.array([r[self.text_col] for r in rows], pa.string())}
        fields = [StructField(self.text_col, StringType(), True)]
        for key, name in self.names.items():
            arrays[name] = to_arrow([r[key] for r in rows])
            fields.append(annotation_field(name, _TYPES[key]))
        frame = spark.createDataFrame(pa.table(arrays), StructType(fields))
        return frame.repartition(partitions) if partitions else frame
