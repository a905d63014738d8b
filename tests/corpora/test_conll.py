import pytest

from clinical_ner.corpora import CorpusDocument, CorpusFormatError, read
from clinical_ner.corpora.conll import (
    ConllDocument,
    ConllToken,
    conll_to_document,
    document_to_conll,
    format_conll,
    parse_conll,
    spans_to_tags,
    tags_to_spans,
)
from clinical_ner.corpora.document import make_span

IOB1 = """-DOCSTART- -X- -X- O

He PRP B-NP O
had VBD B-VP O
chest NN B-NP I-PROBLEM
pain NN I-NP I-PROBLEM
fever NN I-NP B-PROBLEM
. . O O

CT NN B-NP I-TEST
clear JJ B-ADJP O

-DOCSTART- -X- -X- O

Aspirin NN B-NP I-TREATMENT
"""


def test_tags_to_spans_reads_iob1_and_iob2():
    assert tags_to_spans(["I-A", "I-A", "B-A", "O", "I-B"]) == [
        (0, 1, "A"),
        (2, 2, "A"),
        (4, 4, "B"),
    ]
    assert tags_to_spans(["B-A", "I-A", "B-A", "I-B", "O"]) == [
        (0, 1, "A"),
        (2, 2, "A"),
        (3, 3, "B"),
    ]


def test_spans_to_tags_in_both_schemes():
    spans = [(0, 1, "A"), (2, 2, "A"), (4, 4, "B")]
    assert spans_to_tags(5, spans, "IOB2") == ["B-A", "I-A", "B-A", "O", "B-B"]
    assert spans_to_tags(5, spans, "IOB1") == ["I-A", "I-A", "B-A", "O", "I-B"]
    with pytest.raises(ValueError, match="IOB2"):
        spans_to_tags(1, [], "BIOES")


def test_parse_documents_sentences_and_columns():
    docs = parse_conll(IOB1, name="f")
    assert [d.id for d in docs] == ["f:0", "f:1"]
    assert [len(s) for s in docs[0].sentences] == [6, 2]
    assert docs[0].sentences[0][2] == ConllToken("chest", "I-PROBLEM", "NN", "B-NP")
    two_col = parse_conll("chest B-PROBLEM\npain I-PROBLEM\n")
    assert len(two_col) == 1
    assert two_col[0].sentences[0][1] == ConllToken("pain", "I-PROBLEM")
    with pytest.raises(CorpusFormatError, match="line 2"):
        parse_conll("chest B-X\nlonely\n")


def test_conll_to_document_offsets():
    doc = conll_to_document(parse_conll(IOB1, name="f")[0])
    assert doc.text == "He had chest pain fever .\nCT clear"
    assert [(s.begin, s.end, s.label, s.text) for s in doc.spans] == [
        (7, 16, "PROBLEM", "chest pain"),
        (18, 22, "PROBLEM", "fever"),
        (26, 27, "TEST", "CT"),
    ]
    doc.check_offsets()


def test_write_iob2_then_read_back_and_iob1_round_trip(tmp_path):
    docs = parse_conll(IOB1, name="f")
    iob2 = format_conll(docs, scheme="IOB2")
    assert "chest NN B-NP B-PROBLEM\npain NN I-NP I-PROBLEM\nfever NN I-NP B-PROBLEM" in iob2
    assert format_conll(parse_conll(iob2), scheme="IOB1") == IOB1 + "\n"
    (tmp_path / "train.conll").write_text(iob2, encoding="utf-8")
    read_back = read("conll", tmp_path)
    assert [[(s.label, s.text) for s in d.spans] for d in read_back] == [
        [("PROBLEM", "chest pain"), ("PROBLEM", "fever"), ("TEST", "CT")],
        [("TREATMENT", "Aspirin")],
    ]


def test_format_rejects_whitespace_in_tokens():
    with pytest.raises(CorpusFormatError, match="whitespace"):
        format_conll([ConllDocument("d", [[ConllToken("a b", "O")]])])


def test_document_to_conll_counts_misaligned_spans():
    text = "Hb9.1 low. Chest pain\r\nnow."
    doc = CorpusDocument(
        "d",
        text,
        [
            make_span(text, 0, 1, "TEST"),  # "Hb" inside token "Hb9.1"
            make_span(text, 11, 20, "PROBLEM"),  # "Chest pain"
        ],
    )
    sentences = [(0, 9), (11, 26)]
    tokens = [(0, 4), (6, 8), (9, 9), (11, 15), (17, 20), (23, 25), (26, 26)]
    conll, counts = document_to_conll(doc, sentences, tokens)
    assert [[(t.text, t.tag) for t in s] for s in conll.sentences] == [
        [("Hb9.1", "B-TEST"), ("low", "O"), (".", "O")],
        [("Chest", "B-PROBLEM"), ("pain", "I-PROBLEM"), ("now", "O"), (".", "O")],
    ]
    assert counts == {"spans": 2, "boundary_inside_token": 1}
