import pytest

from clinical_ner.corpora import CorpusDocument, GoldSpan, SpanOffsetError
from clinical_ner.corpora.document import make_span, total_dropped, total_label_counts


def test_make_span_reads_text_with_inclusive_end():
    span = make_span("no chest pain today", 3, 12, "PROBLEM", id="x")
    assert span.text == "chest pain"
    assert span.length == 10


def test_check_offsets_accepts_good_and_rejects_bad_spans():
    text = "Hb 9.1\r\nno fever"
    doc = CorpusDocument(
        "d", text, [GoldSpan(0, 1, "TEST", "Hb"), GoldSpan(11, 15, "PROBLEM", "fever")]
    )
    doc.check_offsets()
    doc.spans.append(GoldSpan(10, 14, "PROBLEM", "fever"))
    with pytest.raises(SpanOffsetError, match="does not match"):
        doc.check_offsets()
    doc.spans[-1] = GoldSpan(14, 40, "PROBLEM", "r")
    with pytest.raises(SpanOffsetError, match="outside"):
        doc.check_offsets()


def test_overlaps_uses_inclusive_ends():
    assert GoldSpan(0, 4, "A", "").overlaps(GoldSpan(4, 6, "A", ""))
    assert not GoldSpan(0, 4, "A", "").overlaps(GoldSpan(5, 6, "A", ""))


def test_totals():
    docs = [
        CorpusDocument("a", "ab", [GoldSpan(0, 0, "TEST", "a")], dropped={"overlap:TEST": 2}),
        CorpusDocument("b", "ab", [GoldSpan(1, 1, "TEST", "b")], dropped={"overlap:TEST": 1}),
    ]
    assert total_label_counts(docs) == {"TEST": 2}
    assert total_dropped(docs) == {"overlap:TEST": 3}
