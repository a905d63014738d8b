import pytest

from clinical_ner.corpora import NoCorpusFilesError, UnknownCorpusError, corpus_names, read

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


@pytest.mark.parametrize("name", REAL_CORPORA)
def test_every_real_span_reproduces_its_text(real_corpus, name):
    docs = real_corpus(name)
    assert docs
    ids = [d.id for d in docs]
    assert len(ids) == len(set(ids))
    n_spans = 0
    for doc in docs:
        for span in doc.spans:
            assert 0 <= span.begin <= span.end < len(doc.text)
            assert doc.text[span.begin : span.end + 1] == span.text, (doc.id, span.id)
            assert span.label in {"PROBLEM", "TEST", "TREATMENT"}
            n_spans += 1
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
