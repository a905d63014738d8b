"""The assertion gold mapping on small synthetic brat files (no corpus text)."""

from __future__ import annotations

from pathlib import Path

import pytest

from clinical_ner.corpora.assertion_gold import chia_mood_class, read_assertion_gold
from clinical_ner.corpora.document import UnknownCorpusError


def write_pair(folder: Path, name: str, text: str, ann: list[str]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}.txt").write_text(text, encoding="utf-8", newline="")
    (folder / f"{name}.ann").write_text("\n".join(ann) + "\n", encoding="utf-8", newline="")


def entity(tid: str, etype: str, text: str, phrase: str) -> str:
    begin = text.index(phrase)
    return f"{tid}\t{etype} {begin} {begin + len(phrase)}\t{phrase}"


MACCROBAT_TEXT = ("He denied fever. Lymphoma was suspected. A cough was present. "
                  "His mother had asthma. No rash.")


def maccrobat_folder(tmp_path: Path) -> Path:
    t = MACCROBAT_TEXT
    write_pair(tmp_path / "mac", "111", t, [
        entity("T1", "Sign_symptom", t, "fever"),
        "E1\tSign_symptom:T1",
        "A1\tPOLARITY E1 NEG",
        entity("T2", "Disease_disorder", t, "Lymphoma"),
        "E2\tDisease_disorder:T2",
        "A2\tPOLARITY E2 UNCERTAIN",
        entity("T3", "Sign_symptom", t, "cough"),
        "A3\tTREND T3 INC",
        entity("T4", "Subject", t, "mother"),
        entity("T5", "Disease_disorder", t, "asthma"),
        "R1\tMODIFY Arg1:T4 Arg2:T5",
        entity("T6", "Sign_symptom", t, "rash"),
        "A4\tPOLARITY T6 MAYBE_NEG",
    ])
    return tmp_path / "mac"


def test_maccrobat_mapping(tmp_path):
    [doc] = read_assertion_gold("maccrobat", maccrobat_folder(tmp_path))
    got = {s.text: s.attributes["assertion"] for s in doc.spans}
    assert got == {"fever": "absent", "Lymphoma": "possible", "cough": "present",
                   "asthma": "associated_with_someone_else", "rash": "possible"}


def test_maccrobat_family_history_entity(tmp_path):
    t = "Family history of diabetes."
    write_pair(tmp_path / "fh", "1", t, [
        entity("T1", "Family_history", t, "Family history of diabetes"),
        entity("T2", "Disease_disorder", t, "diabetes"),
    ])
    [doc] = read_assertion_gold("maccrobat", tmp_path / "fh")
    assert doc.spans[0].attributes["assertion"] == "associated_with_someone_else"


def test_chia_mapping(tmp_path):
    t = "No history of stroke.\r\nSuspected sepsis.\r\nPlanned surgery.\r\nFamily history of glaucoma.\r\nKnown asthma.\r\n"
    write_pair(tmp_path / "chia", "NCT1_exc", t, [
        entity("T1", "Negation", t, "No"),
        entity("T2", "Condition", t, "stroke"),
        "R1\tHas_negation Arg1:T2 Arg2:T1",
        entity("T3", "Mood", t, "Suspected"),
        entity("T4", "Condition", t, "sepsis"),
        "R2\tHas_mood Arg1:T4 Arg2:T3",
        entity("T5", "Mood", t, "Planned"),
        entity("T6", "Procedure", t, "surgery"),
        "R3\tHas_mood Arg1:T6 Arg2:T5",
        entity("T7", "Observation", t, "Family history"),
        entity("T8", "Condition", t, "glaucoma"),
        "R4\tHas_context Arg1:T8 Arg2:T7",
        entity("T9", "Mood", t, "Known"),
        entity("T10", "Condition", t, "asthma"),
        "R5\tHas_mood Arg1:T10 Arg2:T9",
    ])
    [doc] = read_assertion_gold("chia", tmp_path / "chia")
    got = {s.text: s.attributes["assertion"] for s in doc.spans}
    assert got == {"stroke": "absent", "sepsis": "possible", "surgery": "hypothetical",
                   "glaucoma": "associated_with_someone_else", "asthma": "present"}


@pytest.mark.parametrize(("mood", "cls"), [("suspicion of", "possible"), ("scheduled for", "hypothetical"),
                                           ("evidence of", "present"), ("at increased risk", "hypothetical")])
def test_chia_moods(mood, cls):
    assert chia_mood_class(mood) == cls


def test_unknown_corpus_is_a_clear_error(tmp_path):
    with pytest.raises(UnknownCorpusError, match="maccrobat, chia or brat"):
        read_assertion_gold("bc5cdr", tmp_path)


def test_data_folder_reads_only_the_named_corpus(tmp_path):
    # ../shared/data holds maccrobat/ and chia/ side by side; the brat reader walks folders,
    # so reading the data folder itself must not mix Chia documents into MACCROBAT.
    maccrobat_folder(tmp_path / "data")
    (tmp_path / "data" / "mac").rename(tmp_path / "data" / "maccrobat")
    t = "No stroke."
    write_pair(tmp_path / "data" / "chia", "NCT1_exc", t, [entity("T1", "Condition", t, "stroke")])
    [doc] = read_assertion_gold("maccrobat", tmp_path / "data")
    assert doc.id.endswith("111")
    [doc] = read_assertion_gold("chia", tmp_path / "data")
    assert [s.text for s in doc.spans] == ["stroke"]
    # the corpus folder itself still works
    assert len(read_assertion_gold("maccrobat", tmp_path / "data" / "maccrobat")) == 1
