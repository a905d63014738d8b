"""i2b2 2010 concept format, with synthetic files only (i2b2 data is licensed)."""

import pytest

from clinical_ner.corpora import CorpusDocument, GoldSpan, NoCorpusFilesError, read
from clinical_ner.corpora.i2b2 import format_con, line_tokens, parse_con, read_i2b2, write_con

TXT = (
    "Admission Date :\n"
    "He has chest pain and shortness of breath .\n"
    "\n"
    "A chest x-ray was obtained ; lasix  40 mg given .\n"
)
CON = (
    'c="chest pain" 2:2 2:3||t="problem"\n'
    'c="shortness of breath" 2:5 2:7||t="problem"\n'
    'c="a chest x-ray" 4:0 4:2||t="test"\n'
    'c="lasix" 4:6 4:6||t="treatment"\n'
)


def make_folder(tmp_path, txt=TXT, con=CON):
    (tmp_path / "txt").mkdir()
    (tmp_path / "concept").mkdir()
    (tmp_path / "txt" / "record-1.txt").write_bytes(txt.encode("utf-8"))
    (tmp_path / "concept" / "record-1.con").write_bytes(con.encode("utf-8"))
    return tmp_path


def test_line_tokens_are_inclusive_per_line():
    tokens = line_tokens("a bb\n  ccc\r\n")
    assert tokens == [[(0, 0), (2, 3)], [(7, 9)], []]


def test_read_maps_line_token_to_char_offsets(tmp_path):
    (doc,) = read("i2b2", make_folder(tmp_path))
    assert doc.id == "record-1"
    assert [(s.label, s.text) for s in doc.spans] == [
        ("PROBLEM", "chest pain"),
        ("PROBLEM", "shortness of breath"),
        ("TEST", "A chest x-ray"),
        ("TREATMENT", "lasix"),
    ]
    chest = doc.spans[0]
    assert (chest.begin, chest.end) == (24, 33)
    assert doc.text[24:34] == "chest pain"
    doc.check_offsets()


def test_round_trip_reproduces_the_con_file_exactly(tmp_path):
    folder = make_folder(tmp_path)
    (doc,) = read_i2b2(folder)
    out = tmp_path / "out.con"
    assert write_con(doc, out) == {}
    assert out.read_bytes() == CON.encode("utf-8")


def test_round_trip_with_crlf_text(tmp_path):
    txt = TXT.replace("\n", "\r\n")
    (doc,) = read_i2b2(make_folder(tmp_path, txt=txt))
    assert doc.spans[2].text == "A chest x-ray"
    content, counts = format_con(doc)
    assert content == CON
    assert not counts


def test_writing_predictions_widens_to_whole_tokens():
    text = "Pain in chest , no fever .\nHgb 9.1 ."
    doc = CorpusDocument("p", text, [])
    spans = [
        GoldSpan(8, 11, "PROBLEM", "ches"),  # ends inside "chest"
        GoldSpan(19, 23, "PROBLEM", "fever"),
        GoldSpan(27, 29, "TEST", "Hgb"),
        GoldSpan(13, 13, "PROBLEM", " "),  # whitespace only: no token, skipped
    ]
    content, counts = format_con(doc, spans)
    assert content.splitlines() == [
        'c="chest" 1:2 1:2||t="problem"',
        'c="fever" 1:5 1:5||t="problem"',
        'c="hgb" 2:0 2:0||t="test"',
    ]
    assert counts == {"widened_to_token": 1, "no_token": 1}


def test_bad_con_lines_are_counted_not_fatal():
    con = (
        'c="chest pain" 2:2 2:3||t="problem"\n'
        'c="chest pain" 9:2 9:3||t="problem"\n'  # no line 9
        'c="heart attack" 2:2 2:3||t="problem"\n'  # text differs from the tokens
        "garbage\n"
    )
    doc = parse_con("r", TXT, con)
    assert [s.text for s in doc.spans] == ["chest pain"]
    assert doc.dropped == {"bad_position": 1, "text_mismatch": 1, "malformed_line": 1}


def test_folder_without_con_files_raises(tmp_path):
    (tmp_path / "record-1.txt").write_text(TXT, encoding="utf-8")
    with pytest.raises(NoCorpusFilesError, match=r"\.con"):
        read("i2b2", tmp_path)
