"""Spark NLP's annotation schema, in Spark and Arrow types, and fast conversions.

An annotation column is ``array<struct<annotatorType: string, begin: int, end: int,
result: string, metadata: map<string,string>, embeddings: array<float>>>``, one array per
row, never null (a null or empty text gives an empty array). The column's Spark metadata
carries ``{"annotatorType": ...}`` as in Spark NLP, so later stages can recognise it.

The Python workers build these columns directly as Arrow arrays (no pandas, no per-float
Python objects): one flat child array per field plus offsets, and the embeddings of a whole
batch as one float32 buffer.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyarrow as pa
from pyspark.sql.types import (
    ArrayType,
    FloatType,
    IntegerType,
    MapType,
    StringType,
    StructField,
    StructType,
)

from clinical_ner.annotation import Annotation

#: One annotation, as Spark sees it.
ANNOTATION_TYPE = StructType(
    [
        StructField("annotatorType", StringType(), True),
        StructField("begin", IntegerType(), False),
        StructField("end", IntegerType(), False),
        StructField("result", StringType(), True),
        StructField("metadata", MapType(StringType(), StringType(), True), True),
        StructField("embeddings", ArrayType(FloatType(), False), True),
    ]
)

#: The same struct in Arrow, as the workers write it.
ARROW_ANNOTATION = pa.struct(
    [
        pa.field("annotatorType", pa.string()),
        pa.field("begin", pa.int32(), nullable=False),
        pa.field("end", pa.int32(), nullable=False),
        pa.field("result", pa.string()),
        pa.field("metadata", pa.map_(pa.string(), pa.string())),
        pa.field("embeddings", pa.list_(pa.field("element", pa.float32(), nullable=False))),
    ]
)
ARROW_ANNOTATIONS = pa.list_(pa.field("element", ARROW_ANNOTATION))


def annotation_field(name: str, annotator_type: str) -> StructField:
    """A Spark field holding an annotation column of ``annotator_type``."""
    return StructField(
        name, ArrayType(ANNOTATION_TYPE, True), True, metadata={"annotatorType": annotator_type}
    )


def quoted(name: str) -> str:
    """``name`` as a Spark column reference that reads dots and backticks literally."""
    return "`" + name.replace("`", "``") + "`"


def is_annotation_field(field: StructField) -> bool:
    """Whether ``field`` holds annotations (by type; the metadata may have been lost)."""
    data_type = field.dataType
    return (
        isinstance(data_type, ArrayType)
        and isinstance(data_type.elementType, StructType)
        and {"annotatorType", "begin", "end", "result"} <= set(data_type.elementType.names)
    )


def to_arrow(rows: Sequence[Sequence[Annotation]]) -> pa.Array:
    """One Arrow ``list<annotation>`` array from per-row annotation lists (``None`` rows
    become empty lists)."""
    flat: list[Annotation] = []
    row_offsets = np.zeros(len(rows) + 1, dtype=np.int32)
    for i, row in enumerate(rows):
        if row:
            flat.extend(row)
        row_offsets[i + 1] = len(flat)
    n = len(flat)
    types = pa.array([a.annotatorType for a in flat], pa.string())
    begins = pa.array(np.fromiter((a.begin for a in flat), np.int32, n))
    ends = pa.array(np.fromiter((a.end for a in flat), np.int32, n))
    results = pa.array([a.result for a in flat], pa.string())

    keys: list[str] = []
    values: list[str] = []
    meta_offsets = np.zeros(n + 1, dtype=np.int32)
    for i, a in enumerate(flat):
        metadata = a.metadata
        if metadata:
            keys.extend(metadata.keys())
            values.extend(metadata.values())
        meta_offsets[i + 1] = len(keys)
    metadata_array = pa.MapArray.from_arrays(
        pa.array(meta_offsets), pa.array(keys, pa.string()), pa.array(values, pa.string())
    )

    lengths = np.fromiter((len(a.embeddings) for a in flat), np.int64, n)
    emb_offsets = np.zeros(n + 1, dtype=np.int32)
    np.cumsum(lengths, out=emb_offsets[1:])
    if emb_offsets[-1]:
        vectors = np.concatenate(
            [np.asarray(a.embeddings, dtype=np.float32).reshape(-1) for a in flat if len(a.embeddings)]
        )
    else:
        vectors = np.empty(0, dtype=np.float32)
    embeddings = pa.ListArray.from_arrays(
        pa.array(emb_offsets), pa.array(vectors, pa.float32()),
        type=ARROW_ANNOTATION.field("embeddings").type,
    )
    structs = pa.StructArray.from_arrays(
        [types, begins, ends, results, metadata_array, embeddings], fields=list(ARROW_ANNOTATION)
    )
    return pa.ListArray.from_arrays(pa.array(row_offsets), structs, type=ARROW_ANNOTATIONS)


def from_arrow(column: pa.Array | pa.ChunkedArray) -> list[list[Annotation]]:
    """Per-row annotation lists from an Arrow annotation column (null rows give ``[]``)."""
    out: list[list[Annotation]] = []
    for row in column.to_pylist():
        out.append([_annotation(item) for item in row or ()])
    return out


def from_struct_rows(values: Sequence | None) -> list[Annotation]:
    """One row's annotations from Spark ``Row`` structs (as ``toLocalIterator`` gives)."""
    return [_annotation(v.asDict() if hasattr(v, "asDict") else v) for v in values or ()]


def _annotation(item: dict) -> Annotation:
    metadata = item.get("metadata") or {}
    if isinstance(metadata, list):  # Arrow gives maps as lists of (key, value) pairs
        metadata = dict(metadata)
    embeddings = item.get("embeddings")
    return Annotation(
        str(item.get("annotatorType") or ""),
        int(item["begin"]),
        int(item["end"]),
        item.get("result") or "",
        {str(k): str(v) for k, v in metadata.items()},
        np.asarray(embeddings, dtype=np.float32) if embeddings else (),  # type: ignore[arg-type]  # a float32 vector serves as the sequence
    )
