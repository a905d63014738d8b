import pytest

from clinical_ner.corpora import CorpusFormatError, read
from clinical_ner.corpora.pubtator import parse_pubtator, read_pubtator_file, write_pubtator

# Offsets index title + " " + abstract; "Asthma" starts the abstract at 20.
CONTENT = (
    "\n"  # NCBI files open with a blank line
    "111|t|Aspirin and ulcers.\n"
    "111|a|Asthma was worse after aspirin .\n"
    "111\t0\t7\tAspirin\tChemical\tD001241\n"
    "111\t12\t18\tulcers\tDisease\tD014456\n"
    "111\t20\t26\tAsthma\tDisease\tD001249\n"
    "111\t43\t50\taspirin  \tChemical\tD001241\n"  # NCBI-like stray spaces: repaired
    "111\t0\t5\tnope\tDisease\tD0\n"  # wrong text: counted
    "111\tCID\tD001241\tD014456\n"
    "\n"
    "222|t|Fever.\n"
    "222|a|\n"
    "222\t0\t5\tFever\tSpecificDisease\tD005334\n"
    "222\t0\t5\tFever\tModifier\tD005334\n"
)


def test_parse_offsets_index_title_space_abstract():
    first, second = parse_pubtator(CONTENT)
    assert first.text == "Aspirin and ulcers. Asthma was worse after aspirin ."
    assert [(s.begin, s.end, s.label, s.text) for s in first.spans] == [
        (0, 6, "Chemical", "Aspirin"),
        (12, 17, "Disease", "ulcers"),
        (20, 25, "Disease", "Asthma"),
        (43, 49, "Chemical", "aspirin"),
    ]
    assert first.spans[1].attributes == {"concept_id": "D014456"}
    assert first.problems == {"repaired_whitespace": 1, "text_mismatch": 1}
    assert [(r.type, r.arg1, r.arg2) for r in first.relations] == [("CID", "D001241", "D014456")]
    assert second.text == "Fever. "


def test_disease_mapping_keeps_known_labels(tmp_path):
    (tmp_path / "x.PubTator.txt").write_text(CONTENT, encoding="utf-8")
    docs = read("bc5cdr", tmp_path)
    assert [d.id for d in docs] == ["111", "222"]
    assert [(s.label, s.text) for s in docs[0].spans] == [
        ("PROBLEM", "ulcers"),
        ("PROBLEM", "Asthma"),
    ]
    assert docs[0].known_labels == frozenset({"PROBLEM"})
    assert docs[0].dropped == {"text_mismatch": 1}
    assert docs[0].repairs == {"repaired_whitespace": 1}
    # Two NCBI types on one mention both map to PROBLEM: one span, one duplicate counted.
    assert len(docs[1].spans) == 1
    assert docs[1].dropped == {"duplicate:PROBLEM": 1}
    assert read("ncbi-disease", tmp_path / "x.PubTator.txt")[0].source == "ncbi-disease"


def test_write_round_trip(tmp_path):
    docs = parse_pubtator(CONTENT)
    out = tmp_path / "out.txt"
    write_pubtator(docs, out)
    again = read_pubtator_file(out)
    assert [(d.pmid, d.text) for d in again] == [(d.pmid, d.text) for d in docs]
    assert [[(s.begin, s.end, s.label) for s in d.spans] for d in again] == [
        [(s.begin, s.end, s.label) for s in d.spans] for d in docs
    ]
    assert not any(d.problems for d in again)


def test_not_pubtator_is_a_clear_error():
    with pytest.raises(CorpusFormatError, match="PMID"):
        parse_pubtator("token O\n")


def test_real_bc5cdr_and_ncbi(real_corpus):
    bc5 = real_corpus("bc5cdr")
    assert len(bc5) == 1500
    assert sum(len(d.spans) for d in bc5) == 12850  # every Disease mention, none nested
    assert all(d.known_labels == frozenset({"PROBLEM"}) for d in bc5)
    ncbi = real_corpus("ncbi-disease")
    assert len(ncbi) == 792  # 793 abstracts, one PMID repeated in the train file
    assert sum(len(d.spans) for d in ncbi) > 6800
