"""train_embeddings on tiny synthetic text, and MTSamples reading/deduplication."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("gensim", reason="gensim is in the 'train' and 'dev' extras")

from clinical_ner.embeddings.store import WordVectorStore
from clinical_ner.embeddings.train import (
    mtsamples_texts,
    tokenized_corpus,
    train_embeddings,
)

MTSAMPLES = Path(__file__).resolve().parents[3] / "shared" / "data" / "mtsamples" / "mtsamples.csv"


def tokenize(text: str) -> list[str]:
    return re.findall(r"\w+|[^\w\s]", text)


def synthetic_texts(repeats: int = 40) -> list[str]:
    """Two topics that never share context words, so their words should cluster apart."""
    cardiac = "Chest pain radiating to the left arm , troponin 12 , ECG shows ST elevation ."
    renal = "Creatinine rose to 3 , urine output fell , renal ultrasound shows hydronephrosis ."
    return [cardiac if i % 2 == 0 else renal for i in range(repeats)]


def cosine(a: np.ndarray, b: np.ndarray) -> float:
    return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))


def test_tokenized_corpus_normalises_tokens():
    corpus = tokenized_corpus(["BP 124/78 OK", "", "  "], tokenize)
    assert corpus == [["bp", "000", "/", "00", "ok"]]


def test_train_word2vec_saves_a_loadable_deterministic_store(tmp_path):
    texts = synthetic_texts()
    store = train_embeddings(
        iter(texts), tokenize, tmp_path / "w2v", dim=16, epochs=20, min_count=2, seed=3
    )
    assert store.dim == 16
    assert store.method == "word2vec"
    assert "troponin" in store and "Troponin" in store
    assert "12" in store  # stored as "00", found through the digit fallback
    assert "00" in store.vocab and "12" not in store.vocab
    loaded = WordVectorStore.load(tmp_path / "w2v")
    np.testing.assert_array_equal(loaded.lookup(["ECG", "renal"]), store.lookup(["ECG", "renal"]))
    assert loaded.training["seed"] == 3 and loaded.training["workers"] == 1

    again = train_embeddings(texts, tokenize, None, dim=16, epochs=20, min_count=2, seed=3)
    np.testing.assert_array_equal(np.asarray(again.vectors), np.asarray(store.vectors))
    different = train_embeddings(texts, tokenize, None, dim=16, epochs=20, min_count=2, seed=4)
    assert not np.array_equal(np.asarray(different.vectors), np.asarray(store.vectors))


def test_vectors_reflect_context():
    store = train_embeddings(
        synthetic_texts(200), tokenize, None, dim=16, epochs=30, min_count=2, seed=1
    )
    troponin, ecg, creatinine = store.lookup(["troponin", "ecg", "creatinine"])
    assert cosine(troponin, ecg) > cosine(troponin, creatinine)


def test_train_fasttext_and_argument_errors(tmp_path):
    store = train_embeddings(
        synthetic_texts(), tokenize, None, dim=8, method="fasttext", epochs=2, min_count=1
    )
    assert store.method == "fasttext"
    assert store.lookup(["hydronephrosis"]).shape == (1, 8)
    with pytest.raises(ValueError, match="method"):
        train_embeddings(["a b"], tokenize, None, method="glove")
    with pytest.raises(ValueError, match="no tokens"):
        train_embeddings(["", " "], tokenize, None)
    with pytest.raises(ValueError, match="min_count"):
        train_embeddings(["a b"], tokenize, None, min_count=5)


def write_csv(path: Path, transcriptions: list[str]) -> None:
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["note_id", "description", "transcription"])
        for index, text in enumerate(transcriptions):
            writer.writerow([index, "d", text])


def test_mtsamples_texts_deduplicates_in_order(tmp_path):
    path = tmp_path / "samples.csv"
    write_csv(path, ["A, first.\nLine two.", "B", "A, first.\nLine two.", "", "B", "  ", "C"])
    assert list(mtsamples_texts(path)) == ["A, first.\nLine two.", "B", "C"]
    assert list(mtsamples_texts(path, skip_empty=False)) == [
        "A, first.\nLine two.",
        "B",
        "",
        "  ",
        "C",
    ]


def test_mtsamples_texts_errors(tmp_path):
    with pytest.raises(FileNotFoundError):
        list(mtsamples_texts(tmp_path / "missing.csv"))
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(ValueError, match="transcription"):
        list(mtsamples_texts(bad))


@pytest.mark.skipif(not MTSAMPLES.is_file(), reason=f"{MTSAMPLES} is absent (shared data)")
def test_real_mtsamples_dedup_count():
    with open(MTSAMPLES, encoding="utf-8", newline="") as handle:
        rows = sum(1 for _ in csv.DictReader(handle))
    unique = sum(1 for _ in mtsamples_texts(MTSAMPLES, skip_empty=False))
    assert rows == 4999
    assert rows - unique == 2641
