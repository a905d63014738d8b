"""Finisher: annotation columns -> plain values (lists of strings), as in Spark NLP."""

from __future__ import annotations

from collections.abc import Sequence

from clinical_ner.errors import ConfigurationError
from clinical_ner.stage import Param, Row, Transformer


class Finisher(Transformer):
    """Turns annotation columns into plain columns.

    For each input column ``c`` it writes ``finished_c`` (or the matching ``outputCols``
    entry): the list of its annotations' ``result`` strings, or one string joined by
    ``annotationSplitSymbol`` when ``outputAsArray`` is false. With ``includeMetadata`` it
    also writes ``finished_c_metadata``: a list of ``(key, value)`` pairs over all
    annotations. ``cleanAnnotations`` removes the annotation columns from the row.
    """

    PARAMS = (
        Param("outputCols", None, "names of the finished columns (default finished_<input>)"),
        Param("includeMetadata", False, "also write <output>_metadata columns"),
        Param("outputAsArray", True, "lists of strings instead of one joined string"),
        Param("cleanAnnotations", True, "remove the annotation columns"),
        Param("annotationSplitSymbol", "@", "joins annotations when outputAsArray is false"),
        Param("valueSplitSymbol", "#", "joins metadata key and value when not an array"),
    )

    def setOutputCols(self, *cols: str | Sequence[str]) -> Finisher:
        if len(cols) == 1 and not isinstance(cols[0], str):
            cols = tuple(cols[0])
        return self._set(outputCols=[str(c) for c in cols])

    def setIncludeMetadata(self, value: bool) -> Finisher:
        return self._set(includeMetadata=bool(value))

    def setOutputAsArray(self, value: bool) -> Finisher:
        return self._set(outputAsArray=bool(value))

    def setCleanAnnotations(self, value: bool) -> Finisher:
        return self._set(cleanAnnotations=bool(value))

    def setAnnotationSplitSymbol(self, value: str) -> Finisher:
        return self._set(annotationSplitSymbol=str(value))

    def setValueSplitSymbol(self, value: str) -> Finisher:
        return self._set(valueSplitSymbol=str(value))

    def output_columns(self) -> list[str]:
        """The names this stage writes, one per input column."""
        in_cols = self.getInputCols()
        out_cols = self.getOrDefault("outputCols") or [f"finished_{c}" for c in in_cols]
        if len(out_cols) != len(in_cols):
            raise ConfigurationError(
                f"Finisher has {len(in_cols)} input columns but {len(out_cols)} output columns"
            )
        return out_cols

    def getOutputCol(self) -> str:
        return self.output_columns()[0]

    def transform_rows(self, rows: list[Row]) -> list[Row]:
        in_cols = self.getInputCols()
        out_cols = self.output_columns()
        as_array = self.getOrDefault("outputAsArray")
        with_metadata = self.getOrDefault("includeMetadata")
        split = self.getOrDefault("annotationSplitSymbol")
        value_split = self.getOrDefault("valueSplitSymbol")
        for row in rows:
            for in_col, out_col in zip(in_cols, out_cols, strict=True):
                if in_col not in row:
                    raise ConfigurationError(
                        f"Finisher reads column {in_col!r}, which no earlier stage writes"
                    )
                annotations = row[in_col]
                results = [a.result for a in annotations]
                row[out_col] = results if as_array else split.join(results)
                if with_metadata:
                    pairs = [(k, v) for a in annotations for k, v in a.metadata.items()]
                    row[f"{out_col}_metadata"] = (
                        pairs if as_array else split.join(f"{k}{value_split}{v}" for k, v in pairs)
                    )
            if self.getOrDefault("cleanAnnotations"):
                for in_col in in_cols:
                    if in_col not in out_cols:
                        row.pop(in_col, None)
        return rows
