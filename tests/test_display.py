"""clinical_ner.display: escaped, self-contained HTML with exact spans."""

from __future__ import annotations

import re
import sys
import types

import pytest

from clinical_ner.annotation import Annotation, AnnotatorType
from clinical_ner.display import FALLBACK_COLORS, LABEL_COLORS, NerVisualizer, display, label_color
from clinical_ner.errors import ConfigurationError, InputError

NOTE = "Pt has <script>alert(1)</script> chest pain & fever 😀\r\nGave aspirin."


def _chunk(text, phrase, label, confidence="0.9731"):
    begin = text.index(phrase)
    meta = {"entity": label, "sentence": "0"}
    if confidence is not None:
        meta["confidence"] = confidence
    return Annotation(AnnotatorType.CHUNK, begin, begin + len(phrase) - 1, phrase, meta)


def _row(text=NOTE):
    return {
        "document": [Annotation(AnnotatorType.DOCUMENT, 0, len(text) - 1, text, {})],
        "ner_chunk": [
            _chunk(text, "chest pain", "PROBLEM"),
            _chunk(text, "aspirin", "TREATMENT", None),
            _chunk(text, "fever", "PROBLEM"),
            _chunk(text, "<script>", "TEST"),
        ],
    }


def _spans(fragment):
    return re.findall(r'<span class="cner-entity" data-label="([^"]+)" data-begin="(\d+)" '
                      r'data-end="(\d+)" style="[^"]+" title="([^"]*)">(.*?)<span', fragment)


def test_spans_are_cut_by_offsets_and_escaped():
    fragment = display(_row(), return_html=True)
    spans = _spans(fragment)
    # offsets counted by hand in NOTE (end inclusive; the emoji is one character)
    assert [(s[0], s[1], s[2], s[4]) for s in spans] == [
        ("TEST", "7", "14", "&lt;script&gt;"), ("PROBLEM", "33", "42", "chest pain"),
        ("PROBLEM", "46", "50", "fever"), ("TREATMENT", "60", "66", "aspirin")]
    assert "<script>" not in fragment and "&lt;/script&gt;" in fragment
    assert "&amp; " in fragment and "😀\r\n" in fragment
    assert 'title="PROBLEM, confidence 0.97"' in fragment
    assert 'title="TREATMENT"' in fragment  # no confidence reported
    assert "http" not in fragment and "<link" not in fragment  # no external asset
    legend = re.search(r'<div class="cner-legend">(.*?)</div>', fragment).group(1)
    assert re.findall(r">([A-Z]+)</span>", legend) == ["TEST", "PROBLEM", "TREATMENT"]
    assert f"background-color:{LABEL_COLORS['PROBLEM']}" in fragment


def test_text_without_tags_equals_the_note():
    fragment = display(_row(), return_html=True)
    body = re.search(r'<div class="cner-doc">(.*)</div></div>$', fragment, re.S).group(1)
    body = re.sub(r'<span class="cner-label">[^<]*</span>', "", body)
    body = re.sub(r"<[^>]+>", "", body)
    import html

    assert html.unescape(body) == NOTE


def test_labels_filter_colors_and_errors():
    fragment = display(_row(), labels=["PROBLEM"], return_html=True, colors={"PROBLEM": "#123456"})
    assert {s[0] for s in _spans(fragment)} == {"PROBLEM"}
    assert "background-color:#123456" in fragment
    with pytest.raises(ConfigurationError, match="not a CSS color"):
        display(_row(), colors={"PROBLEM": "red;}</style><script>"}, return_html=True)
    with pytest.raises(InputError, match="no 'chunks' column"):
        display(_row(), label_col="chunks", return_html=True)
    with pytest.raises(InputError, match="no 'doc' annotations"):
        display(_row(), document_col="doc", return_html=True)
    # a fixed fallback (crc32 of the label, not Python's salted hash): the same every run
    assert label_color("DRUG") == "#f6b8d9" == FALLBACK_COLORS[2]
    assert label_color("DEVICE") == "#f7d08a"


def test_overlapping_and_out_of_range_chunks_are_left_out():
    row = {"document": [Annotation(AnnotatorType.DOCUMENT, 0, 9, "chest pain", {})]}
    row["ner_chunk"] = [
        Annotation(AnnotatorType.CHUNK, 0, 4, "chest", {"entity": "PROBLEM"}),
        Annotation(AnnotatorType.CHUNK, 3, 9, "st pain", {"entity": "PROBLEM"}),
        Annotation(AnnotatorType.CHUNK, 6, 40, "pain...", {"entity": "PROBLEM"}),
    ]
    assert [s[4] for s in _spans(display(row, return_html=True))] == ["chest"]


def test_rows_dicts_raw_text_save_path_and_visualizer(tmp_path):
    row = _row()
    as_dicts = {k: [a.to_dict() for a in v] for k, v in row.items()}
    assert display([row, as_dicts], return_html=True).count('<div class="cner-doc">') == 2
    assert _spans(display({"ner_chunk": row["ner_chunk"]}, raw_text=NOTE, return_html=True))
    path = tmp_path / "note.html"
    assert display(row, save_path=path) is None
    page = path.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and '<meta charset="utf-8">' in page
    html = NerVisualizer().set_label_colors({"TEST": "rgb(1, 2, 3)"}).display(
        row, "ner_chunk", labels_list=["TEST"], return_html=True)
    assert "background-color:rgb(1, 2, 3)" in html and len(_spans(html)) == 1


def test_shrunk_document_keeps_offsets():
    # The document annotation of "  fever" starts at 2: the chunk at 2..6 is its first word.
    row = {"document": [Annotation(AnnotatorType.DOCUMENT, 2, 6, "fever", {})],
           "ner_chunk": [Annotation(AnnotatorType.CHUNK, 2, 6, "fever", {"entity": "PROBLEM"})]}
    assert [(s[1], s[2], s[4]) for s in _spans(display(row, return_html=True))] == [
        ("2", "6", "fever")]


def test_in_a_notebook_it_shows_inline(monkeypatch):
    shown = []
    ipython = types.ModuleType("IPython")
    ipython.get_ipython = lambda: object()
    ipython_display = types.ModuleType("IPython.display")
    ipython_display.HTML = lambda data: ("HTML", data)
    ipython_display.display = shown.append
    monkeypatch.setitem(sys.modules, "IPython", ipython)
    monkeypatch.setitem(sys.modules, "IPython.display", ipython_display)
    assert display(_row()) is None
    assert shown and shown[0][0] == "HTML" and "cner-entity" in shown[0][1]
    # outside a notebook (no IPython shell) the HTML is returned instead
    ipython.get_ipython = lambda: None
    assert "cner-entity" in display(_row())


def test_real_pipeline_rows_render():
    from clinical_ner import LightPipeline, text_pipeline

    (row,) = LightPipeline(text_pipeline()).fullAnnotate("Chest pain.\nFever.")
    tokens = row["token"]
    row["ner_chunk"] = [Annotation(AnnotatorType.CHUNK, tokens[0].begin, tokens[1].end,
                                   "Chest pain", {"entity": "PROBLEM", "confidence": "0.5"})]
    assert [s[4] for s in _spans(display(row, return_html=True))] == ["Chest pain"]


# ----- assertion status ----------------------------------------------------------------
ASSERTED = "No chest pain <b>&</b>.\r\nGave aspirin 😀 for fever."


def _asserted_row(text=ASSERTED):
    """A real row: the text stages, hand-made chunks, then the real ContextualAssertion."""
    from clinical_ner import ContextualAssertion, LightPipeline, text_pipeline

    (row,) = LightPipeline(text_pipeline()).fullAnnotate(text)
    row["ner_chunk"] = [_chunk(text, "chest pain", "PROBLEM"), _chunk(text, "aspirin", "TREATMENT"),
                        _chunk(text, "fever", "PROBLEM", None)]
    row["assertion"] = ContextualAssertion().annotate([row["sentence"], row["ner_chunk"]])
    return row


def _asserted_spans(fragment):
    """(label, begin, end, assertion or '', title, text) of every entity span."""
    return re.findall(r'<span class="cner-entity" data-label="([^"]+)" data-begin="(\d+)" '
                      r'data-end="(\d+)"(?: data-assertion="([^"]*)")? style="[^"]+" '
                      r'title="([^"]*)">(.*?)<span', fragment)


def test_absent_entities_are_struck_through_with_the_status_on_hover():
    import html

    row = _asserted_row()
    fragment = display(row, return_html=True)
    spans = {s[5]: s for s in _asserted_spans(fragment)}
    assert set(spans) == {"chest pain", "aspirin", "fever"}
    chest = spans["chest pain"]
    assert chest[3] == "absent" and chest[4] == "PROBLEM, absent, confidence 0.97"
    assert spans["aspirin"][3] == "present" and spans["aspirin"][4] == "TREATMENT, confidence 0.97"
    assert spans["fever"][3] == "present" and spans["fever"][4] == "PROBLEM"
    for _label, begin, end, _status, _title, text in spans.values():
        assert ASSERTED[int(begin) : int(end) + 1] == html.unescape(text)
    assert "<b>" not in fragment and "&lt;b&gt;&amp;&lt;/b&gt;" in fragment
    # the style: struck through and dimmed; the legend explains it
    assert re.search(r"\.cner-entity\[data-assertion=absent\][^{]*\{[^}]*line-through[^}]*opacity",
                     fragment)
    assert '<span class="cner-key" data-assertion="absent">absent</span>' in fragment
    # the text is unchanged around the spans
    body = re.search(r'<div class="cner-doc">(.*)</div></div>$', fragment, re.S).group(1)
    body = re.sub(r'<span class="cner-label">[^<]*</span>', "", body)
    assert html.unescape(re.sub(r"<[^>]+>", "", body)) == ASSERTED


def test_other_statuses_dicts_and_the_assertion_column_option():
    text = "Mother had diabetes. Possible pneumonia."
    chunks = [_chunk(text, "diabetes", "PROBLEM"), _chunk(text, "pneumonia", "PROBLEM")]
    statuses = [Annotation(AnnotatorType.ASSERTION, c.begin, c.end, status, {"chunk": str(i)})
                for i, (c, status) in enumerate(zip(chunks, ["associated_with_someone_else",
                                                             "possible"], strict=True))]
    row = {"document": [Annotation(AnnotatorType.DOCUMENT, 0, len(text) - 1, text, {})],
           "ner_chunk": [c.to_dict() for c in chunks], "status": [a.to_dict() for a in statuses]}
    fragment = display(row, assertion_col="status", return_html=True)
    spans = _asserted_spans(fragment)
    assert [(s[3], s[4]) for s in spans] == [
        ("associated_with_someone_else", "PROBLEM, associated with someone else, confidence 0.97"),
        ("possible", "PROBLEM, possible, confidence 0.97")]
    assert "underline dashed" in fragment
    keys = re.findall(r'<span class="cner-key" data-assertion="([^"]+)">', fragment)
    assert keys == ["associated_with_someone_else", "possible"]
    # a missing column is an error unless it is the default one; None hides statuses
    with pytest.raises(InputError, match="no 'assertions' column"):
        display(row, assertion_col="assertions", return_html=True)
    assert "data-assertion=" not in display({**row, "assertion": []}, return_html=True).split(
        "</style>")[1]
    plain = display(_asserted_row(), assertion_col=None, return_html=True)
    assert "data-assertion=" not in plain.split("</style>")[1]
    assert 'title="PROBLEM, confidence 0.97"' in plain


def test_assertion_visualizer():
    from clinical_ner.display import AssertionVisualizer

    fragment = AssertionVisualizer().set_label_colors({"PROBLEM": "#ffcc00"}).display(
        _asserted_row(), "ner_chunk", "assertion", return_html=True)
    assert 'data-assertion="absent" style="background-color:#ffcc00"' in fragment
    with pytest.raises(InputError, match="ContextualAssertion"):
        AssertionVisualizer().display({"ner_chunk": []}, "ner_chunk", "assertion",
                                      raw_text="x", return_html=True)
