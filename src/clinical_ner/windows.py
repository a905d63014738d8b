"""Long texts in windows: bounded memory for any text, offsets into the whole text.

A text longer than a window is annotated as consecutive windows, each cut where a
sentence cannot continue (a blank line, else a line break, else a sentence end followed by
a space, else any whitespace; a hard cut only for a window-long run without any), and
each window's annotations are moved back into the whole text: ``begin``/``end`` (and the
``header_*``/``trigger_*`` offsets in metadata) shifted by the window's start, ``sentence``
and ``chunk`` numbers continued from the windows before, and text before a window's first
header named after the section the previous window ended in (``merge_rows`` joins the two
parts of such a section into one annotation; a stream of windows keeps them apart). A
window boundary is always a sentence boundary, so windows never change a sentence, a token
or an entity; what a window cannot see is context across the cut: a ConText trigger in the
previous window, or the section rule of a section the cut falls in (FAMILY HISTORY's
"about someone else" does not reach the chunks after the cut; they keep the section name).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from clinical_ner.annotation import Annotation, AnnotatorType
from clinical_ner.errors import ConfigurationError

#: Metadata keys that hold character offsets (shifted with the annotations).
OFFSET_KEYS = ("header_begin", "header_end", "trigger_begin", "trigger_end")
#: Metadata keys that number sentences and chunks within a text.
SENTENCE_KEY, CHUNK_KEY = "sentence", "chunk"
UNKNOWN_SECTION = "unknown"


def window_bounds(text: str, size: int) -> list[tuple[int, int]]:
    """``[start, stop)`` windows covering ``text``, each at most ``size`` characters.

    Each cut is searched backwards over the last half of the window only, with
    ``str.rfind`` (C speed), so splitting is linear in the text."""
    if size < 2:
        raise ConfigurationError("a window holds at least 2 characters")
    bounds: list[tuple[int, int]] = []
    start, n = 0, len(text)
    while n - start > size:
        limit = start + size
        floor = start + size // 2
        cut = -1
        for separator in ("\n\n", "\n", ". "):
            found = text.rfind(separator, floor, limit)
            if found >= 0:
                cut = found + len(separator)
                break
        if cut < 0:
            cut = next((i + 1 for i in range(limit - 1, floor - 1, -1) if text[i].isspace()), limit)
        bounds.append((start, cut))
        start = cut
    bounds.append((start, n))
    return bounds


@dataclass
class WindowState:
    """What the next window of a text continues from."""

    sentences: int = 0
    chunks: int = 0
    section: str = UNKNOWN_SECTION


def shift_row(row: dict[str, Any], base: int, state: WindowState) -> dict[str, Any]:
    """Move one window's annotations into its text, in place; updates ``state``.

    Args:
        row: column -> annotations of the window (offsets into the window).
        base: the window's start in the text (characters).
        state: sentences and chunks of the earlier windows, and their last section.
    """
    sentence_ids: set[str] = set()
    chunk_ids: set[str] = set()
    for value in row.values():
        if not isinstance(value, list):
            continue
        for annotation in value:
            if not isinstance(annotation, Annotation):
                continue
            annotation.begin += base
            annotation.end += base
            meta = annotation.metadata
            for key in OFFSET_KEYS:
                if key in meta and meta[key].lstrip("-").isdigit() and int(meta[key]) >= 0:
                    meta[key] = str(int(meta[key]) + base)
            if SENTENCE_KEY in meta and meta[SENTENCE_KEY].isdigit():
                sentence_ids.add(meta[SENTENCE_KEY])
                meta[SENTENCE_KEY] = str(int(meta[SENTENCE_KEY]) + state.sentences)
            if CHUNK_KEY in meta and meta[CHUNK_KEY].isdigit():
                chunk_ids.add(meta[CHUNK_KEY])
                meta[CHUNK_KEY] = str(int(meta[CHUNK_KEY]) + state.chunks)
            _carry_section(annotation, state.section)
    state.sentences += len(sentence_ids)
    state.chunks += len(chunk_ids)
    for value in row.values():
        if isinstance(value, list) and value and isinstance(value[0], Annotation) \
                and value[0].annotatorType == AnnotatorType.SECTION:
            state.section = value[-1].metadata.get("name", state.section)
    return row


def _carry_section(annotation: Annotation, section: str) -> None:
    """Text before a window's first header belongs to the section the text was in."""
    meta = annotation.metadata
    if annotation.annotatorType == AnnotatorType.SECTION:
        if meta.get("name") == UNKNOWN_SECTION and not meta.get("header"):
            meta["name"] = section
    elif meta.get("section") == UNKNOWN_SECTION:
        meta["section"] = section


def merge_rows(text: str, rows: list[dict[str, Any]], document_col: str | None) -> dict[str, Any]:
    """One row for a whole text from its windows' shifted rows (in order): each column's
    annotations concatenated, the document column one annotation over the text."""
    merged: dict[str, Any] = {}
    for row in rows:
        for col, value in row.items():
            if not isinstance(value, list):
                merged.setdefault(col, value)
                continue
            column = merged.setdefault(col, [])
            if column and value and _continues(column[-1], value[0]):
                # A section cut by the window boundary: one annotation, as without windows.
                last, first = column[-1], value[0]
                column[-1] = Annotation(last.annotatorType, last.begin, first.end,
                                        text[last.begin : first.end + 1], last.metadata)
                value = value[1:]
            column.extend(value)
    if document_col and merged.get(document_col):
        docs = merged[document_col]
        begin, end = docs[0].begin, docs[-1].end
        merged[document_col] = [Annotation(AnnotatorType.DOCUMENT, begin, end,
                                           text[begin : end + 1], dict(docs[0].metadata))]
    return merged


def _continues(previous: Annotation, first: Annotation) -> bool:
    """Whether a window's first section is the rest of the previous window's last one."""
    return (previous.annotatorType == first.annotatorType == AnnotatorType.SECTION
            and not first.metadata.get("header")
            and first.metadata.get("name") == previous.metadata.get("name"))


def iter_window_texts(text: str, size: int) -> Iterator[tuple[int, str]]:
    """``(start, window text)`` of each window of ``text``."""
    for start, stop in window_bounds(text, size):
        yield start, text[start:stop]
