from pathlib import Path

import pytest

from clinical_ner.corpora import NoCorpusFilesError, read
from clinical_ner.corpora.brat import (
    brat_to_document,
    parse_ann,
    read_brat_dir,
    read_brat_document,
    write_brat_document,
)

# CRLF on purpose: brat offsets count the "\r", as in Chia.
TEXT = "Pt has chest pain.\r\nNo fever or chills.\r\nMRI of brain.\r\n"
ANN = (
    "T1\tSign_symptom 7 17\tchest pain\n"
    "T2\tSign_symptom 23 28\tfever\n"
    "T3\tSign_symptom 32 38\tchills\n"
    "T4\tDiagnostic_procedure 41 44\tMRI\n"
    "T5\tBiological_structure 48 53\tbrain\n"
    "T6\tCondition 7 12;13 17\tchest pain\n"
    "E1\tSign_symptom:T2 \n"
    "A1\tPOLARITY E1 NEG\n"
    "A2\tUncertain T4\n"
    "R1\tMODIFY Arg1:T5 Arg2:T4\t\n"
    "R2\tCAUSE Arg1:E1 Arg2:E9\t\n"
    "*\tOVERLAP T2 T3\n"
    "#1\tAnnotatorNotes T1\ta note\n"
)


def write_pair(folder: Path, stem: str, text: str, ann: str) -> Path:
    (folder / f"{stem}.txt").write_bytes(text.encode("utf-8"))
    (folder / f"{stem}.ann").write_bytes(ann.encode("utf-8"))
    return folder / f"{stem}.txt"


def test_reads_entities_with_inclusive_ends_and_crlf_offsets(tmp_path):
    doc = read_brat_document(write_pair(tmp_path, "d1", TEXT, ANN))
    assert doc.text == TEXT  # no newline translation
    chest = doc.entities["T1"]
    assert chest.fragments == ((7, 16),)
    assert TEXT[chest.begin : chest.end + 1] == "chest pain"
    mri = doc.entities["T4"]
    assert (mri.begin, mri.end, mri.type) == (41, 43, "Diagnostic_procedure")
    assert doc.problems == {}


def test_discontinuous_events_relations_attributes(tmp_path):
    doc = read_brat_document(write_pair(tmp_path, "d1", TEXT, ANN))
    disc = doc.entities["T6"]
    assert disc.is_discontinuous
    assert disc.fragments == ((7, 11), (13, 16))
    assert disc.text == "chest pain"
    assert doc.events["E1"].trigger == "T2"
    assert doc.entity_id("E1") == "T2"
    assert doc.entity_attributes() == {"T2": {"POLARITY": "NEG"}, "T4": {"Uncertain": "true"}}
    # R2 names an event that does not exist, so only R1 resolves.
    assert [(r.type, r.arg1, r.arg2) for r in doc.resolved_relations()] == [("MODIFY", "T5", "T4")]
    assert doc.equivalences[0].type == "OVERLAP"
    assert doc.equivalences[0].members == ["T2", "T3"]
    assert doc.notes == {"T1": "a note"}


def test_bad_lines_are_repaired_or_counted_never_fatal():
    ann = (
        "T7\tCondition 32 40\tchills.\n"  # swallows the "\r": trimmed
        "T8\tCondition 22 27\tfever\n"  # one character early: shifted
        "T9\tCondition 0 2\tzzz\n"  # text not near: skipped
        "T10\tCondition 50 99\tx\n"  # past the end: skipped
        "T11\tCondition abc\tx\n"
        "oops\n"
    )
    doc = parse_ann("d", TEXT, ann)
    assert doc.entities["T7"].fragments == ((32, 38),)
    assert doc.entities["T7"].text == "chills."
    assert doc.entities["T8"].fragments == ((23, 27),)
    assert set(doc.entities) == {"T7", "T8"}
    assert doc.problems == {
        "repaired_whitespace": 1,
        "repaired_shift": 1,
        "text_mismatch": 1,
        "bad_offsets": 1,
        "malformed_line": 2,
    }
    dropped, repairs = doc.dropped_and_repairs()
    assert repairs == {"repaired_whitespace": 1, "repaired_shift": 1}
    assert dropped == {"text_mismatch": 1, "bad_offsets": 1, "malformed_line": 2}


def test_text_column_with_a_tab_and_unicode_line_separator():
    text = "dose 8\u2005mg and x\u2028y"
    ann = "T1\tDosage 5 9\t8\u2005mg\t\u2005\nT2\tOther 14 17\tx\u2028y\n"
    doc = parse_ann("d", text, ann)
    assert doc.entities["T1"].text == "8\u2005mg"
    assert doc.entities["T2"].text == "x\u2028y"  # U+2028 is not a line break in .ann


def test_generic_brat_document_keeps_labels_and_attributes(tmp_path):
    write_pair(tmp_path, "d1", TEXT, ANN)
    (doc,) = read("brat", tmp_path)
    assert [s.label for s in doc.spans] == [
        "Sign_symptom",
        "Condition",
        "Sign_symptom",
        "Sign_symptom",
        "Diagnostic_procedure",
        "Biological_structure",
    ]
    fever = next(s for s in doc.spans if s.id == "T2")
    assert fever.attributes == {"POLARITY": "NEG"}
    assert next(s for s in doc.spans if s.id == "T6").fragments == ((7, 11), (13, 16))
    doc.check_offsets()


def test_write_then_read_round_trip(tmp_path):
    write_pair(tmp_path, "d1", TEXT, ANN)
    doc = brat_to_document(read_brat_dir(tmp_path)[0])
    out = tmp_path / "out"
    txt, _ann = write_brat_document(doc, out)
    assert txt.read_bytes() == TEXT.encode("utf-8")
    again = brat_to_document(read_brat_document(txt))
    assert [(s.begin, s.end, s.label, s.fragments) for s in again.spans] == [
        (s.begin, s.end, s.label, s.fragments) for s in doc.spans
    ]
    assert {s.id: s.attributes for s in again.spans} == {s.id: s.attributes for s in doc.spans}
    assert [(r.type, r.arg1, r.arg2) for r in again.relations] == [("MODIFY", "T5", "T4")]


def test_missing_folder_and_empty_folder_raise_specific_errors(tmp_path):
    with pytest.raises(NoCorpusFilesError, match="does not exist"):
        read_brat_dir(tmp_path / "nope")
    (tmp_path / "lonely.txt").write_text("no annotations", encoding="utf-8")
    with pytest.raises(NoCorpusFilesError, match=r"\.ann"):
        read_brat_dir(tmp_path)


@pytest.mark.parametrize("name", ["maccrobat", "chia"])
def test_every_real_brat_entity_matches_the_file(name, corpus_folder):
    docs = read_brat_dir(corpus_folder(name))
    n = 0
    for doc in docs:
        for entity in doc.entities.values():
            pieces = " ".join(doc.text[b : e + 1] for b, e in entity.fragments)
            assert pieces == entity.text, (doc.id, entity.id)
            n += 1
        # Counts only: the documented rule repairs or skips the few bad lines.
        assert set(doc.problems) <= {"repaired_whitespace", "repaired_shift", "text_mismatch"}
    assert n > 20_000
