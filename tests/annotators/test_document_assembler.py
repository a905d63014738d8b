import pytest

from clinical_ner import ConfigurationError, DocumentAssembler, InputError


def test_disabled_keeps_text_and_offsets():
    (doc,) = DocumentAssembler().assemble("  chest pain\n")
    assert (doc.begin, doc.end, doc.result) == (0, 12, "  chest pain\n")
    assert doc.annotatorType == "document"


def test_null_and_empty_give_no_annotation():
    assert DocumentAssembler().assemble(None) == []
    assert DocumentAssembler().assemble("") == []


def test_shrink_trims_but_keeps_original_offsets():
    text = "\n  chest  pain \t"
    (doc,) = DocumentAssembler().setCleanupMode("shrink").assemble(text)
    assert text[doc.begin : doc.end + 1] == doc.result == "chest  pain"
    assert DocumentAssembler().setCleanupMode("shrink").assemble(" \n ") == []


def test_each_replaces_controls_keeping_length():
    text = "BP\t120/80\r\nHR 72"
    (doc,) = DocumentAssembler().setCleanupMode("each").assemble(text)
    assert doc.result == "BP 120/80  HR 72"
    assert (doc.begin, doc.end) == (0, len(text) - 1)


def test_bad_mode_and_bad_type():
    with pytest.raises(ConfigurationError, match="cleanupMode"):
        DocumentAssembler().setCleanupMode("inplace_full")
    with pytest.raises(InputError, match="decode"):
        DocumentAssembler().assemble(b"bytes")


def test_id_column_goes_to_metadata():
    stage = DocumentAssembler().setIdCol("note_id")
    rows = stage.transform_rows([{"text": "x", "note_id": 7}])
    assert rows[0]["document"][0].metadata["id"] == "7"
