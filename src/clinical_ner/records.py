"""Plain, JSON-ready records of annotated texts, shared by the CLI and the service."""

from __future__ import annotations

from typing import Any

from clinical_ner.annotation import Annotation, AnnotatorType


def _span(annotation: Annotation) -> dict[str, Any]:
    return {"begin": annotation.begin, "end": annotation.end, "text": annotation.result}


def entity_record(chunk: Annotation) -> dict[str, Any]:
    """``{"label", "begin", "end", "text", "confidence"}`` of one chunk; ``end`` inclusive,
    ``confidence`` a float or None when the model did not report one."""
    confidence = chunk.metadata.get("confidence")
    return {
        "label": chunk.metadata.get("entity", ""),
        **_span(chunk),
        "confidence": float(confidence) if confidence is not None else None,
    }


def text_record(
    row: dict[str, Any],
    sentence_col: str = "sentence",
    token_col: str = "token",
    include_sentences: bool = True,
    include_tokens: bool = True,
) -> dict[str, Any]:
    """A record of one ``fullAnnotate`` row: sentences, tokens and entities (every chunk
    column's chunks, in text order)."""
    record: dict[str, Any] = {}
    if include_sentences:
        record["sentences"] = [_span(a) for a in row.get(sentence_col, [])]
    if include_tokens:
        record["tokens"] = [_span(a) for a in row.get(token_col, [])]
    chunks = [
        a
        for value in row.values()
        if isinstance(value, list)
        for a in value
        if isinstance(a, Annotation) and a.annotatorType == AnnotatorType.CHUNK
    ]
    chunks.sort(key=lambda a: (a.begin, a.end))
    record["entities"] = [entity_record(c) for c in chunks]
    return record
