"""Highlighted entities as self-contained HTML, in the style of spark-nlp-display's
``NerVisualizer``: a colored span per entity with its label, a legend, and the entity's
confidence on hover.

When the row has an ``assertion`` column (:class:`~clinical_ner.ContextualAssertion`), each
chunk's status is shown as the demo page shows it: an ``absent`` entity is struck through
and dimmed, the other statuses that are not ``present`` are underlined with dashes, and the
status is in the hover text (``"PROBLEM, absent, confidence 0.98"``) and in the span's
``data-assertion`` attribute; the legend explains the styles in use.

The HTML has no external asset (inline CSS, no script), every piece of note text is
HTML-escaped (a note that contains ``<script>`` is shown, never run), and spans are cut from
the document text by the chunks' ``begin``/``end`` (inclusive) offsets, exactly.

    >>> from clinical_ner.display import display
    >>> (row,) = light.fullAnnotate(note)
    >>> display(row)                          # inline in Jupyter
    >>> html = display(row, return_html=True) # the HTML as a string
    >>> display(row, save_path="note.html")   # a standalone page
    >>> display(row, assertion_col=None)      # without assertion statuses
"""

from __future__ import annotations

import html
import os
import re
import zlib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from clinical_ner.annotation import Annotation
from clinical_ner.errors import ConfigurationError, InputError

#: Colors of the model card's labels; other labels get one of FALLBACK_COLORS by name.
LABEL_COLORS: dict[str, str] = {
    "PROBLEM": "#f4a6a6",
    "TEST": "#a6d4f4",
    "TREATMENT": "#b4e6a8",
}
FALLBACK_COLORS = (
    "#f7d08a", "#d7b8f3", "#f6b8d9", "#9ee3d8", "#e0d3a8", "#c2c9f5", "#f5c4a1", "#c9e79a",
)
#: The column :func:`display` reads assertion statuses from unless told otherwise.
ASSERTION_COL = "assertion"
#: How a chunk's assertion status looks (shared with the demo page): ``absent`` struck
#: through and dimmed; other statuses except ``present`` underlined with dashes. The badge
#: is an inline-block so that the line does not cross it.
ASSERTION_CSS = """
.cner-entity[data-assertion=absent],.cner-key[data-assertion=absent]{
  text-decoration:line-through;text-decoration-thickness:2px;opacity:.55}
.cner-entity[data-assertion] .cner-label{display:inline-block}
.cner-entity[data-assertion]:not([data-assertion=absent]):not([data-assertion=present]),
.cner-key[data-assertion]:not([data-assertion=absent]){
  text-decoration:underline dashed;text-decoration-thickness:2px;text-underline-offset:3px}
.cner-key[data-assertion]{background:#eef1f5;font-weight:400}
""".strip()
# A CSS color a caller may pass: #rgb / #rrggbb / #rrggbbaa, a color name, rgb()/hsl().
_COLOR = re.compile(
    r"^(#[0-9a-fA-F]{3,8}|[a-zA-Z]{3,30}|(rgb|rgba|hsl|hsla)\(\s*[0-9.,%\s]+\))$"
)

_STYLE = """
.cner-display{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;font-size:15px;
  line-height:2.1;color:#1d2430}
.cner-legend{margin:0 0 .6em 0;line-height:1.8}
.cner-legend .cner-key{display:inline-block;padding:0 .55em;margin:0 .4em .2em 0;
  border-radius:.35em;font-size:12px;font-weight:600;letter-spacing:.03em}
.cner-doc{white-space:pre-wrap;word-wrap:break-word;border:1px solid #d9dee6;
  border-radius:.4em;padding:.6em .8em;background:#fff;margin-bottom:.8em}
.cner-entity{padding:.15em .3em;border-radius:.35em;cursor:help}
.cner-label{font-size:.68em;font-weight:700;letter-spacing:.04em;margin-left:.35em;
  padding:0 .3em;border-radius:.25em;background:rgba(255,255,255,.65);
  vertical-align:middle;white-space:nowrap}
""".strip() + "\n" + ASSERTION_CSS


def label_color(label: str, colors: Mapping[str, str] | None = None) -> str:
    """The color of ``label``: ``colors`` first, then :data:`LABEL_COLORS`, then a fallback
    chosen by a hash of the label (stable across runs)."""
    if colors and label in colors:
        return colors[label]
    if label in LABEL_COLORS:
        return LABEL_COLORS[label]
    return FALLBACK_COLORS[zlib.crc32(label.encode("utf-8")) % len(FALLBACK_COLORS)]


def _check_colors(colors: Mapping[str, str] | None) -> dict[str, str]:
    checked: dict[str, str] = {}
    for label, color in (colors or {}).items():
        if not isinstance(color, str) or not _COLOR.match(color.strip()):
            raise ConfigurationError(
                f"color {color!r} for label {label!r} is not a CSS color; use '#rrggbb', "
                "a color name or rgb(...)"
            )
        checked[str(label)] = color.strip()
    return checked


def _document_text(row: Mapping[str, Any], document_col: str, raw_text: str | None) -> str:
    if raw_text is not None:
        return raw_text
    documents = row.get(document_col)
    if not documents:
        raise InputError(
            f"the row has no {document_col!r} annotations (columns: {sorted(row)}); "
            "pass document_col=... or raw_text=..."
        )
    # Offsets are into the original text; a document that left out leading whitespace
    # (cleanup mode 'shrink') starts at begin > 0, so pad to keep offsets aligned.
    text = ""
    for doc in documents:
        value = doc.result if isinstance(doc, Annotation) else str(doc["result"])
        begin = doc.begin if isinstance(doc, Annotation) else int(doc["begin"])
        if begin > len(text):
            text += " " * (begin - len(text))
        text = text[:begin] + value
    return text


def _chunks(row: Mapping[str, Any], label_col: str) -> list[Annotation]:
    if label_col not in row:
        raise InputError(
            f"the row has no {label_col!r} column (columns: {sorted(row)}); pass label_col=..."
        )
    chunks = []
    for item in row[label_col] or []:
        chunks.append(item if isinstance(item, Annotation) else Annotation.from_dict(item))
    return sorted(chunks, key=lambda c: (c.begin, -c.end))


def _label(chunk: Annotation) -> str:
    return chunk.metadata.get("entity") or chunk.result


def _statuses(row: Mapping[str, Any], assertion_col: str | None) -> dict[tuple[int, int], str]:
    """``(begin, end) -> status`` of the row's assertion annotations (one per chunk, at the
    chunk's offsets); empty without the column."""
    if assertion_col is None:
        return {}
    if assertion_col not in row:
        if assertion_col == ASSERTION_COL:  # a pipeline without an assertion stage
            return {}
        raise InputError(
            f"the row has no {assertion_col!r} column (columns: {sorted(row)}); pass "
            "assertion_col=... or assertion_col=None"
        )
    statuses = {}
    for item in row[assertion_col] or []:
        a = item if isinstance(item, Annotation) else Annotation.from_dict(item)
        statuses[(a.begin, a.end)] = a.result
    return statuses


def status_text(status: str) -> str:
    """A status as hover text shows it (``associated with someone else``)."""
    return status.replace("_", " ")


def _title(label: str, chunk: Annotation, status: str | None = None) -> str:
    head = label if status in (None, "", "present") else f"{label}, {status_text(status)}"
    if chunk.metadata.get("section"):
        head += f", section {chunk.metadata['section']}"
    confidence = chunk.metadata.get("confidence")
    if confidence is None:
        return head
    try:
        return f"{head}, confidence {float(confidence):.2f}"
    except ValueError:
        return head


def _render(
    text: str,
    chunks: Sequence[Annotation],
    labels: Sequence[str] | None,
    colors: Mapping[str, str] | None,
    statuses: Mapping[tuple[int, int], str] | None,
) -> tuple[str, list[str], list[str]]:
    """``(html, labels_shown, statuses_shown)``: the escaped text of one document with a
    span per chunk; ``statuses`` maps a chunk's ``(begin, end)`` to its assertion status,
    and ``statuses_shown`` lists those other than ``present`` that appear.

    Chunks that overlap an earlier one or fall outside the text are left out (the NER
    converter never produces them)."""
    keep = set(labels) if labels is not None else None
    statuses = statuses or {}
    parts: list[str] = []
    shown: list[str] = []
    shown_statuses: list[str] = []
    cursor = 0
    for chunk in chunks:
        label = _label(chunk)
        if keep is not None and label not in keep:
            continue
        begin, end = chunk.begin, chunk.end
        if begin < cursor or end < begin or end >= len(text):
            continue
        parts.append(html.escape(text[cursor:begin]))
        color = label_color(label, colors)
        status = statuses.get((begin, end))
        assertion = "" if status is None else f' data-assertion="{html.escape(status)}"'
        parts.append(
            f'<span class="cner-entity" data-label="{html.escape(label)}" '
            f'data-begin="{begin}" data-end="{end}"{assertion} style="background-color:{color}" '
            f'title="{html.escape(_title(label, chunk, status))}">'
            f"{html.escape(text[begin : end + 1])}"
            f'<span class="cner-label">{html.escape(label)}</span></span>'
        )
        if label not in shown:
            shown.append(label)
        if status not in (None, "present") and status not in shown_statuses:
            shown_statuses.append(status)
        cursor = end + 1
    parts.append(html.escape(text[cursor:]))
    return f'<div class="cner-doc">{"".join(parts)}</div>', shown, shown_statuses


def _legend(labels: Sequence[str], colors: Mapping[str, str] | None,
            statuses: Sequence[str] = ()) -> str:
    keys = "".join(
        f'<span class="cner-key" style="background-color:{label_color(label, colors)}">'
        f"{html.escape(label)}</span>"
        for label in labels
    )
    keys += "".join(
        f'<span class="cner-key" data-assertion="{html.escape(status)}">'
        f"{html.escape(status_text(status))}</span>"
        for status in statuses
    )
    return f'<div class="cner-legend">{keys}</div>'


def to_html(
    result: Mapping[str, Any] | Sequence[Mapping[str, Any]],
    label_col: str = "ner_chunk",
    document_col: str = "document",
    labels: Sequence[str] | None = None,
    colors: Mapping[str, str] | None = None,
    raw_text: str | None = None,
    assertion_col: str | None = ASSERTION_COL,
) -> str:
    """The HTML fragment (``<style>`` + one block per row) of :func:`display`."""
    rows = [result] if isinstance(result, Mapping) else list(result)
    if raw_text is not None and len(rows) != 1:
        raise InputError("raw_text works with one row; pass rows with a document column instead")
    checked = _check_colors(colors)
    blocks: list[str] = []
    seen: list[str] = []
    seen_statuses: list[str] = []
    for row in rows:
        if not isinstance(row, Mapping):
            raise InputError(
                f"display() takes a fullAnnotate row (dict) or a list of rows, got "
                f"{type(row).__name__}"
            )
        text = _document_text(row, document_col, raw_text)
        block, shown, statuses = _render(text, _chunks(row, label_col), labels, checked,
                                         _statuses(row, assertion_col))
        blocks.append(block)
        seen += [label for label in shown if label not in seen]
        seen_statuses += [s for s in statuses if s not in seen_statuses]
    legend_labels = list(labels) if labels is not None else seen
    legend = _legend(legend_labels, checked, seen_statuses)
    return f'<style>{_STYLE}</style><div class="cner-display">{legend}{"".join(blocks)}</div>'


def _page(fragment: str) -> str:
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        "<title>clinical-ner entities</title></head>"
        f"<body>{fragment}</body></html>\n"
    )


def _show_in_notebook(fragment: str) -> bool:
    try:  # IPython is not a dependency: import it only when it is there
        from IPython import get_ipython
        from IPython.display import HTML
        from IPython.display import display as ipython_display
    except ImportError:
        return False
    if get_ipython() is None:
        return False
    ipython_display(HTML(fragment))
    return True


def display(
    result: Mapping[str, Any] | Sequence[Mapping[str, Any]],
    label_col: str = "ner_chunk",
    document_col: str = "document",
    labels: Sequence[str] | None = None,
    return_html: bool = False,
    save_path: str | os.PathLike[str] | None = None,
    colors: Mapping[str, str] | None = None,
    raw_text: str | None = None,
    assertion_col: str | None = ASSERTION_COL,
) -> str | None:
    """Show the entities of ``result`` highlighted in their text.

    Args:
        result: a ``LightPipeline.fullAnnotate`` row (column -> annotations) or a list of
            rows; annotations may also be dicts in Spark NLP's schema (``Annotation.to_dict``).
        label_col: the chunk column to highlight.
        document_col: the column whose annotation holds the text.
        labels: only these labels (and the legend lists exactly them); default all.
        return_html: return the HTML fragment instead of only showing it.
        save_path: also write a standalone HTML page there (UTF-8).
        colors: label -> CSS color, overriding :data:`LABEL_COLORS`.
        raw_text: the original text, when the row has no document column.
        assertion_col: the column of the chunks' assertion statuses (``absent`` struck
            through and dimmed, other statuses but ``present`` underlined with dashes, the
            status in the hover text); a row without the default ``"assertion"`` column is
            shown without statuses; ``None`` never shows them.

    Returns:
        The HTML fragment when ``return_html`` is set, or when there is no notebook to show
        it in and no ``save_path``; otherwise None.
    """
    fragment = to_html(result, label_col, document_col, labels, colors, raw_text, assertion_col)
    if save_path is not None:
        Path(save_path).write_text(_page(fragment), encoding="utf-8")
    if return_html:
        return fragment
    shown = _show_in_notebook(fragment)
    if not shown and save_path is None:
        return fragment
    return None


class NerVisualizer:
    """spark-nlp-display's ``NerVisualizer`` shape: ``set_label_colors`` then ``display``."""

    def __init__(self) -> None:
        self.colors: dict[str, str] = {}

    def set_label_colors(self, colors: Mapping[str, str]) -> NerVisualizer:
        self.colors.update(_check_colors(colors))
        return self

    def display(
        self,
        result: Mapping[str, Any] | Sequence[Mapping[str, Any]],
        label_col: str = "ner_chunk",
        document_col: str = "document",
        raw_text: str | None = None,
        labels_list: Sequence[str] | None = None,
        return_html: bool = False,
        save_path: str | os.PathLike[str] | None = None,
        assertion_col: str | None = ASSERTION_COL,
    ) -> str | None:
        return display(result, label_col, document_col, labels_list, return_html, save_path,
                       self.colors, raw_text, assertion_col)


class AssertionVisualizer(NerVisualizer):
    """spark-nlp-display's ``AssertionVisualizer`` shape: the chunks of ``label_col`` with
    the statuses of ``assertion_col`` (which must be in the row)."""

    def display(  # type: ignore[override]
        self,
        result: Mapping[str, Any] | Sequence[Mapping[str, Any]],
        label_col: str = "ner_chunk",
        assertion_col: str = ASSERTION_COL,
        document_col: str = "document",
        raw_text: str | None = None,
        return_html: bool = False,
        save_path: str | os.PathLike[str] | None = None,
    ) -> str | None:
        rows = [result] if isinstance(result, Mapping) else list(result)
        for row in rows:
            if isinstance(row, Mapping) and assertion_col not in row:
                raise InputError(
                    f"the row has no {assertion_col!r} column (columns: {sorted(row)}); add a "
                    "ContextualAssertion stage or pass assertion_col=..."
                )
        return display(result, label_col, document_col, None, return_html, save_path,
                       self.colors, raw_text, assertion_col)
