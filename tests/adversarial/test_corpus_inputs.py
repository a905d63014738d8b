"""Corpus readers against broken files: every failure is a ClinicalNerError naming the file
(and line where there is one), dropped lines are located, and a failed build leaves
nothing behind. A hypothesis fuzz feeds each reader random bytes."""

from __future__ import annotations

import logging

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clinical_ner.corpora import read
from clinical_ner.corpora.build import build_corpus
from clinical_ner.errors import ClinicalNerError

#: corpus name -> the files one document needs (None: the fuzzed content goes there).
LAYOUTS = {
    "brat": {"a.txt": b"Fever and cough.\n", "a.ann": None},
    "maccrobat": {"a.txt": b"Fever and cough.\n", "a.ann": None},
    "chia": {"NCT1_exc.txt": b"Fever and cough.\n", "NCT1_exc.ann": None},
    "i2b2": {"txt/a.txt": b"Fever and cough .\n", "concept/a.con": None},
    "conll": {"a.conll": None},
    "bc5cdr": {"a.PubTator.txt": None},
}
SEEDS = [b"T1\tSign_symptom 0 5\tFever\n", b'c="fever" 1:0 1:0||t="problem"\n',
         b"Fever B-PROBLEM\n\n", b"1|t|Fever\n1|a|cough\n1\t0\t5\tFever\tDisease\tD1\n"]


def write_layout(root, layout, content: bytes):
    for relative, fixed in layout.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content if fixed is None else fixed)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=st.sampled_from(sorted(LAYOUTS)),
       content=st.one_of(st.binary(max_size=200),
                         st.sampled_from(SEEDS).flatmap(lambda seed: st.binary(max_size=20).map(
                             lambda noise, seed=seed: seed[: len(seed) // 2] + noise + seed))))
def test_readers_fail_only_with_clinical_ner_errors(tmp_path_factory, name, content):
    root = tmp_path_factory.mktemp("fuzz")
    write_layout(root, LAYOUTS[name], content)
    try:
        documents = read(name, root)
    except ClinicalNerError:
        return
    for doc in documents:
        doc.check_offsets()


@pytest.mark.parametrize("name", sorted(LAYOUTS))
def test_a_file_that_is_not_utf8_is_named_with_its_line(tmp_path, name):
    first = b"1|t|Fever\n" if name == "bc5cdr" else b"T1\tSign_symptom 0 5\tFever\n"
    write_layout(tmp_path, LAYOUTS[name], first + b"\xe9t\xe9\n")
    with pytest.raises(ClinicalNerError, match=r", line 2: not UTF-8 text \(byte \d+: 0xe9\)"):
        read(name, tmp_path)


def test_dropped_lines_are_located_in_the_debug_log(tmp_path, caplog):
    write_layout(tmp_path, LAYOUTS["maccrobat"],
                 b"T1\tSign_symptom 0 5\tFever\nT2\tSign_symptom 0 99\tnothing\nR1\tbroken\n")
    with caplog.at_level(logging.DEBUG, logger="clinical_ner"):
        [doc] = read("maccrobat", tmp_path)
    assert [s.text for s in doc.spans] == ["Fever"]
    located = [r.getMessage() for r in caplog.records if r.levelno == logging.DEBUG]
    assert any(m.endswith("a.ann, line 2: bad_offsets") for m in located), located
    assert any(m.endswith("a.ann, line 3: malformed_line") for m in located), located
    (tmp_path / "txt").mkdir()
    (tmp_path / "concept").mkdir()
    (tmp_path / "txt" / "b.txt").write_text("Fever and cough .\n")
    (tmp_path / "concept" / "b.con").write_text('c="fever" 1:0 1:0||t="problem"\nnonsense\n')
    with caplog.at_level(logging.DEBUG, logger="clinical_ner"):
        read("i2b2", tmp_path)
    assert any(r.getMessage().endswith("b.con, line 2: malformed_line") for r in caplog.records)


def test_a_failed_build_leaves_no_folder_and_keeps_an_earlier_one(tmp_path):
    out = tmp_path / "corpus"
    with pytest.raises(ClinicalNerError, match="neither maccrobat/ nor chia/"):
        build_corpus(tmp_path / "no-data", out)
    assert list(tmp_path.iterdir()) == []
    out.mkdir()
    (out / "earlier.txt").write_text("kept")
    with pytest.raises(ClinicalNerError):
        build_corpus(tmp_path / "no-data", out)
    assert (out / "earlier.txt").read_text() == "kept"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["corpus"]
