"""WordVectorStore: OOV policy, float16 memory-mapped files, atomic save, integrity checks."""

from __future__ import annotations

import json

import numpy as np
import pytest

from clinical_ner.embeddings.store import (
    META_FILE,
    UNKNOWN_ROW,
    VECTORS_FILE,
    VOCAB_FILE,
    StoreFormatError,
    WordVectorStore,
    normalize_digits,
)


@pytest.fixture
def store():
    words = ["fever", "Fever", "ct", "000/00", "0", "hba0c", "naïve"]
    vectors = np.arange(len(words) * 4, dtype=np.float32).reshape(len(words), 4) / 8
    return WordVectorStore.from_vectors(words, vectors, method="test")


def test_from_vectors_lowercases_and_keeps_first_of_collisions(store):
    assert store.vocab == ["fever", "ct", "000/00", "0", "hba0c", "naïve"]
    assert store.dim == 4
    assert len(store) == 6
    assert store.vectors.dtype == np.float16
    assert store.vectors.shape == (7, 4)
    np.testing.assert_array_equal(store.vectors[UNKNOWN_ROW], 0)
    # "Fever" (second word) is dropped; "fever" keeps its own vector (the first row).
    np.testing.assert_array_equal(store.lookup(["fever"])[0], [0, 0.125, 0.25, 0.375])


def test_oov_policy(store):
    vectors = store.lookup(["FEVER", "Ct", "124/78", "7", "HbA1c", "NAÏVE", "rash", "12"])
    assert vectors.dtype == np.float32
    assert vectors.shape == (8, 4)
    np.testing.assert_array_equal(vectors[0], store.lookup(["fever"])[0])  # case-insensitive
    np.testing.assert_array_equal(vectors[2], store.lookup(["000/00"])[0])  # digits -> 0
    np.testing.assert_array_equal(vectors[3], store.lookup(["0"])[0])
    np.testing.assert_array_equal(vectors[4], store.lookup(["hba0c"])[0])
    np.testing.assert_array_equal(vectors[5], store.lookup(["naïve"])[0])
    np.testing.assert_array_equal(vectors[6], 0)  # unknown
    np.testing.assert_array_equal(vectors[7], 0)  # "00" is not in the store either
    assert "Fever" in store and "rash" not in store
    assert store.oov_rate(["fever", "rash", "x", "ct"]) == 0.5
    assert store.oov_rate([]) == 0.0
    assert store.lookup([]).shape == (0, 4)


def test_exact_form_wins_over_digit_normalised_form():
    store = WordVectorStore.from_vectors(["b12", "b00"], np.array([[1.0], [2.0]]))
    assert store.lookup(["B12", "b34"])[:, 0].tolist() == [1.0, 2.0]


def test_normalize_digits_handles_unicode_digits():
    assert normalize_digits("t\u0663-19") == "t0-00"


def test_custom_unknown_vector():
    store = WordVectorStore.from_vectors(
        ["a"], np.ones((1, 2)), unknown_vector=np.array([0.5, -0.5])
    )
    assert store.lookup(["zzz"]).tolist() == [[0.5, -0.5]]


def test_save_load_round_trip_is_memory_mapped(tmp_path, store):
    target = store.save(tmp_path / "embeddings")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["embeddings"]  # no temp folders
    assert sorted(p.name for p in target.iterdir()) == sorted([META_FILE, VECTORS_FILE, VOCAB_FILE])
    meta = json.loads((target / META_FILE).read_text())
    assert meta["dim"] == 4 and meta["vocab_size"] == 6 and meta["method"] == "test"
    assert set(meta["sha256"]) == {VECTORS_FILE, VOCAB_FILE}

    loaded = WordVectorStore.load(target)
    assert isinstance(loaded.vectors, np.memmap)
    assert loaded.vocab == store.vocab
    tokens = ["Fever", "124/78", "unknown-word", "NAÏVE"]
    np.testing.assert_array_equal(loaded.lookup(tokens), store.lookup(tokens))
    assert not loaded.vectors.flags.writeable


def test_save_refuses_then_replaces_existing_folder(tmp_path, store):
    target = tmp_path / "embeddings"
    store.save(target)
    other = WordVectorStore.from_vectors(["rash"], np.ones((1, 4)))
    with pytest.raises(FileExistsError):
        other.save(target)
    other.save(target, overwrite=True)
    assert WordVectorStore.load(target).vocab == ["rash"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["embeddings"]


def test_failed_save_leaves_no_trace(tmp_path, store, monkeypatch):
    def broken_save(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(np, "save", broken_save)
    with pytest.raises(OSError, match="disk full"):
        store.save(tmp_path / "embeddings")
    assert list(tmp_path.iterdir()) == []


def test_load_detects_corruption_and_missing_files(tmp_path, store):
    target = store.save(tmp_path / "embeddings")
    with open(target / VOCAB_FILE, "a", encoding="utf-8") as handle:
        handle.write("\nextra")
    with pytest.raises(StoreFormatError, match="sha256"):
        WordVectorStore.load(target)
    with pytest.raises(StoreFormatError, match="sizes disagree"):
        WordVectorStore.load(target, verify=False)
    (target / VECTORS_FILE).unlink()
    with pytest.raises(StoreFormatError, match=VECTORS_FILE):
        WordVectorStore.load(target)
    with pytest.raises(StoreFormatError, match="not a word-vector store"):
        WordVectorStore.load(tmp_path)


def test_rejects_bad_inputs():
    with pytest.raises(ValueError, match="line break"):
        WordVectorStore.from_vectors(["a\nb"], np.ones((1, 2)))
    with pytest.raises(ValueError, match="words"):
        WordVectorStore.from_vectors(["a", "b"], np.ones((1, 2)))
    with pytest.raises(ValueError, match="unique"):
        WordVectorStore(["a", "a"], np.zeros((3, 2), np.float16))
