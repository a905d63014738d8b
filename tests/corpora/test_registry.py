import json
from pathlib import Path

import pytest

from clinical_ner.corpora import NoCorpusFilesError, UnknownCorpusError, corpus_names, read
from clinical_ner.corpora.mtsamples import STANDOFF

REAL_CORPORA = ["bc5cdr", "chia", "maccrobat", "mtsamples", "ncbi-disease"]


def test_names():
    assert corpus_names() == [
        "bc5cdr",
        "brat",
        "chia",
        "conll",
        "i2b2",
        "maccrobat",
        "mtsamples",
        "ncbi-disease",
    ]


def test_unknown_name_says_what_to_use(tmp_path):
    with pytest.raises(UnknownCorpusError, match="use one of bc5cdr, brat, chia"):
        read("mimic", tmp_path)


def test_missing_path_and_empty_folder(tmp_path):
    with pytest.raises(NoCorpusFilesError, match="does not exist"):
        read("chia", tmp_path / "absent")
    for name in corpus_names():
        with pytest.raises(NoCorpusFilesError):
            read(name, tmp_path)


def test_name_is_normalised(tmp_path):
    with pytest.raises(NoCorpusFilesError):
        read("NCBI_Disease", tmp_path)


def _brat_mentions(folder: Path, doc_id: str) -> dict[str, str]:
    """The raw mention text of each ``T`` line of the document's ``.ann`` file, by id."""
    [ann] = folder.rglob(f"{doc_id}.ann")
    mentions = {}
    for line in ann.read_text(encoding="utf-8").splitlines():
        if line.startswith("T") and line.count("\t") >= 2:
            tid, _, mention = line.split("\t", 2)
            mentions[tid] = mention
    return mentions


def _standoff_spans() -> dict[str, list[tuple[int, int, str]]]:
    """MTSamples: the shipped standoff's spans by note id, read straight from the JSON."""
    lines = STANDOFF.read_text(encoding="utf-8").splitlines()
    records = [json.loads(line) for line in lines if line.strip()]
    return {str(r["note_id"]): sorted(tuple(span) for span in r["spans"]) for r in records}


@pytest.mark.parametrize("name", REAL_CORPORA)
def test_every_real_span_agrees_with_its_source_file(real_corpus, corpus_folder, name):
    """Each span is checked against what the corpus's own files say, read here without the
    readers: the brat ``.ann`` mention text (every word of it lies inside the span; MACCROBAT
    spans, widened over pre-modifiers only, end with the mention), the PubTator mention
    (which the reader keeps as ``span.text``), the MTSamples standoff offsets."""
    docs = real_corpus(name)
    folder = corpus_folder(name)
    standoff = _standoff_spans() if name == "mtsamples" else {}
    assert docs
    ids = [d.id for d in docs]
    assert len(ids) == len(set(ids))
    n_spans = 0
    for doc in docs:
        mentions = _brat_mentions(folder, doc.id) if name in ("chia", "maccrobat") else {}
        for span in doc.spans:
            assert 0 <= span.begin <= span.end < len(doc.text)
            covered = doc.text[span.begin : span.end + 1]
            if mentions:
                words = mentions[span.id].split()
                assert all(word in covered for word in words), (doc.id, span.id)
                if name == "maccrobat":
                    assert covered.endswith(words[-1]), (doc.id, span.id)
            elif name != "mtsamples":  # PubTator: span.text is the file's mention column
                assert covered == span.text, (doc.id, span.id)
            assert span.label in {"PROBLEM", "TEST", "TREATMENT"}
            n_spans += 1
        if standoff:
            got = sorted((s.begin, s.end, s.label) for s in doc.spans)
            assert got == standoff[doc.id], doc.id
        # flat layer: no two spans overlap
        for a, b in zip(doc.spans, doc.spans[1:], strict=False):
            assert a.end < b.begin, (doc.id, a.id, b.id)
    assert n_spans > 900


def test_data_folder_reads_only_the_named_corpus(tmp_path):
    # ../shared/data holds maccrobat/ and chia/ side by side, and the brat reader walks
    # folders: `read("maccrobat", data)` must not mix Chia documents in.
    (tmp_path / "maccrobat").mkdir()
    (tmp_path / "chia").mkdir()
    (tmp_path / "maccrobat" / "1.txt").write_text("Fever.\n")
    (tmp_path / "maccrobat" / "1.ann").write_text("T1\tSign_symptom 0 5\tFever\n")
    (tmp_path / "chia" / "NCT1_exc.txt").write_text("Stroke\n")
    (tmp_path / "chia" / "NCT1_exc.ann").write_text("T1\tCondition 0 6\tStroke\n")
    [doc] = read("maccrobat", tmp_path)
    assert [span.text for span in doc.spans] == ["Fever"]
    [doc] = read("chia", tmp_path)
    assert [span.text for span in doc.spans] == ["Stroke"]
    assert len(read("maccrobat", tmp_path / "maccrobat")) == 1
