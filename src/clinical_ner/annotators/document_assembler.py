"""DocumentAssembler: raw text -> one ``document`` annotation per row."""

from __future__ import annotations

import re

from clinical_ner.annotation import Annotation, AnnotatorType
from clinical_ner.errors import ConfigurationError, InputError
from clinical_ner.stage import Param, Row, Transformer

CLEANUP_MODES = ("disabled", "shrink", "each")

# Characters that `each` replaces by a space: newlines, tabs and other C0/C1 controls.
_EACH_PATTERN = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


class DocumentAssembler(Transformer):
    """Wraps the text column into a ``document`` annotation.

    Cleanup modes (``setCleanupMode``), all of which keep ``begin``/``end`` pointing into
    the original text:

    - ``disabled`` (default): the whole text, unchanged, ``begin=0``, ``end=len-1``.
    - ``shrink``: leading and trailing whitespace is left out (``begin``/``end`` move
      inward); a whitespace-only text gives no annotation. Spark NLP's ``shrink`` also
      collapses inner whitespace runs; here they stay in the document, because collapsing
      would shift every later offset, and the sentence detector and tokenizer already
      treat any run of whitespace as one separator.
    - ``each``: every newline, tab and control character in ``result`` is replaced by one
      space. The length is unchanged, so offsets still index the original text, but
      ``result`` of the document is no longer a verbatim slice.

    A missing (``None``) or empty text gives no annotation (an empty list), not an error.
    """

    PARAMS = (
        Param("inputCol", "text", "column holding the raw text"),
        Param("cleanupMode", "disabled", f"one of {CLEANUP_MODES}"),
        Param("idCol", None, "optional column whose value is copied to metadata['id']"),
    )
    OUTPUT_TYPE = AnnotatorType.DOCUMENT

    def __init__(self) -> None:
        super().__init__()
        self._set(outputCol="document")

    def setInputCol(self, col: str) -> DocumentAssembler:
        return self._set(inputCol=str(col))

    def getInputCols(self) -> list[str]:
        return [self.getOrDefault("inputCol")]

    def setCleanupMode(self, mode: str) -> DocumentAssembler:
        if mode not in CLEANUP_MODES:
            raise ConfigurationError(
                f"cleanupMode {mode!r} is not supported; use one of {', '.join(CLEANUP_MODES)}"
            )
        return self._set(cleanupMode=mode)

    def setIdCol(self, col: str) -> DocumentAssembler:
        return self._set(idCol=str(col))

    def assemble(self, text: str | None, doc_id: str | None = None) -> list[Annotation]:
        """The document annotations (zero or one) of one text."""
        if text is None:
            return []
        if not isinstance(text, str):
            raise InputError(
                f"DocumentAssembler expects text as str, got {type(text).__name__}; "
                "decode bytes first (e.g. data.decode('utf-8'))"
            )
        if not text:
            return []
        mode = self.getOrDefault("cleanupMode")
        begin, end = 0, len(text) - 1
        result = text
        if mode == "shrink":
            stripped_left = len(text) - len(text.lstrip())
            stripped_right = len(text) - len(text.rstrip())
            if stripped_left == len(text):
                return []
            begin, end = stripped_left, len(text) - 1 - stripped_right
            result = text[begin : end + 1]
        elif mode == "each":
            result = _EACH_PATTERN.sub(" ", text)
        metadata = {"sentence": "0"}
        if doc_id is not None:
            metadata["id"] = str(doc_id)
        return [Annotation(AnnotatorType.DOCUMENT, begin, end, result, metadata)]

    def transform_rows(self, rows: list[Row]) -> list[Row]:
        in_col = self.getOrDefault("inputCol")
        id_col = self.getOrDefault("idCol")
        out_col = self.getOutputCol()
        for row in rows:
            if in_col not in row:
                raise ConfigurationError(
                    f"DocumentAssembler reads column {in_col!r}, which the input lacks; "
                    f"columns available: {', '.join(sorted(row))}"
                )
            row[out_col] = self.assemble(row[in_col], row.get(id_col) if id_col else None)
        return rows
