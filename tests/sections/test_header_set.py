"""Header detection on the hand-marked test set: precision and recall >= 0.97 (the
sections issue's target), and the canonical names of the headers found."""

from clinical_ner import SectionDetector

from .header_set import read_header_notes, score_headers


def test_header_precision_and_recall_on_the_hand_marked_notes():
    notes = read_header_notes()
    assert len(notes) >= 40
    result = score_headers(SectionDetector(), notes)
    assert result["headers"] >= 400
    summary = {k: v for k, v in result.items() if k != "errors"}
    assert result["precision"] >= 0.97, summary
    assert result["recall"] >= 0.97, summary
    assert result["name_accuracy"] >= 0.95, summary


def test_the_reader_recovers_the_plain_note_text():
    text, spans = read_header_notes()[0]
    assert "<<" not in text and ">>" not in text
    for begin, end, _ in spans:
        assert text[begin:end].rstrip(":").strip()
