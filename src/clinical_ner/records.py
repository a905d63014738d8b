"""Plain, JSON-ready records of annotated texts, shared by the CLI and the service."""

from __future__ import annotations

from typing import Any

from clinical_ner.annotation import Annotation, AnnotatorType


def _span(annotation: Annotation) -> dict[str, Any]:
    return {"begin": annotation.begin, "end": annotation.end, "text": annotation.result}


def entity_record(chunk: Annotation, assertion: Annotation | None = None) -> dict[str, Any]:
    """``{"label", "begin", "end", "text", "confidence"}`` of one chunk; ``end`` inclusive,
    ``confidence`` a float or None when the model did not report one. With the chunk's
    ``assertion`` annotation the record also has ``"assertion"`` (its status), and a chunk
    from a pipeline with a SectionDetector has ``"section"`` (its canonical section name)."""
    confidence = chunk.metadata.get("confidence")
    record = {
        "label": chunk.metadata.get("entity", ""),
        **_span(chunk),
        "confidence": float(confidence) if confidence is not None else None,
    }
    if assertion is not None:
        record["assertion"] = assertion.result
    if "section" in chunk.metadata:
        record["section"] = chunk.metadata["section"]
    return record


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
    # Assertion annotations share their chunk's offsets (one per chunk).
    statuses = {
        (a.begin, a.end): a
        for value in row.values()
        if isinstance(value, list)
        for a in value
        if isinstance(a, Annotation) and a.annotatorType == AnnotatorType.ASSERTION
    }
    record["entities"] = [entity_record(c, statuses.get((c.begin, c.end))) for c in chunks]
    return record
