"""Padding, char ids, casing features and length-sorted batching."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from clinical_ner.nn.features import (
    Casing,
    CharVocabulary,
    casing_of,
    length_sorted_batches,
    make_batch,
)


def fake_vectors(tokens):
    """Deterministic 3-d vector per token: (length, index in sentence, 1)."""
    return np.array([[len(token), i, 1.0] for i, token in enumerate(tokens)], dtype=np.float32)


@pytest.mark.parametrize(
    ("token", "expected"),
    [
        ("120", Casing.NUMERIC),
        ("124/78", Casing.MAINLY_NUMERIC),
        ("1.5", Casing.MAINLY_NUMERIC),
        ("fever", Casing.ALL_LOWER),
        ("x-ray", Casing.ALL_LOWER),
        ("CT", Casing.ALL_UPPER),
        ("Aspirin", Casing.TITLE),
        ("HbA1c", Casing.CONTAINS_DIGIT),
        ("5mg", Casing.CONTAINS_DIGIT),
        ("COVID-19", Casing.CONTAINS_DIGIT),
        ("mRNA", Casing.MIXED),
        ("Non-Hodgkin", Casing.MIXED),
        (".", Casing.PUNCTUATION),
        ("%", Casing.PUNCTUATION),
        ("\u00b0", Casing.PUNCTUATION),
        ("", Casing.OTHER),
        ("\u200b", Casing.OTHER),
    ],
)
def test_casing_of(token, expected):
    assert casing_of(token) == expected


def test_char_vocabulary_ids_and_round_trip():
    vocab = CharVocabulary.build([["abb", "b"], ["cab"]])
    # b: 4, a: 2, c: 1 -> most frequent first, after the two reserved ids.
    assert vocab.chars == ["b", "a", "c"]
    assert len(vocab) == 5
    assert vocab.encode("abc") == [3, 2, 4]
    assert vocab.encode("aZ") == [3, CharVocabulary.UNKNOWN_ID]
    assert CharVocabulary.from_config(vocab.to_config()) == vocab
    assert CharVocabulary.build([["abc"]], min_count=2).chars == []


def test_long_words_keep_prefix_and_suffix():
    vocab = CharVocabulary("abcdefghijklmnopqrstuvwxyz", max_word_length=6)
    assert vocab.encode("abcdefghij") == vocab.encode("abchij")
    odd = CharVocabulary("abcdefghijklmnopqrstuvwxyz", max_word_length=5)
    assert odd.encode("abcdefghij") == odd.encode("abcij")


def test_make_batch_pads_everything():
    vocab = CharVocabulary("abcdefghijklmnopqrstuvwxyzCT.")
    sentences = [["CT", "abc", "."], ["x"]]
    batch = make_batch(sentences, vocab, fake_vectors, tag_ids=[[1, 2, 0], [3]])
    # Distinct words in first-seen order: CT, abc, ., x; padding points one past them.
    assert batch.char_ids.shape == (4, 3)
    assert batch.char_ids.dtype == torch.long
    assert batch.char_ids[0].tolist() == [*vocab.encode("CT"), 0]
    assert batch.char_ids[3].tolist() == [*vocab.encode("x"), 0, 0]
    assert batch.word_index.tolist() == [[0, 1, 2], [3, 4, 4]]
    assert batch.casing_ids.tolist() == [
        [Casing.ALL_UPPER, Casing.ALL_LOWER, Casing.PUNCTUATION],
        [Casing.ALL_LOWER, Casing.PAD, Casing.PAD],
    ]
    assert batch.mask.tolist() == [[True, True, True], [True, False, False]]
    assert batch.lengths.tolist() == [3, 1]
    assert batch.word_vectors.shape == (2, 3, 3)
    assert batch.word_vectors.dtype == torch.float32
    assert batch.word_vectors[0, 2].tolist() == [1.0, 2.0, 1.0]
    assert torch.all(batch.word_vectors[1, 1:] == 0)
    assert batch.tag_ids.tolist() == [[1, 2, 0], [3, 0, 0]]
    assert batch.allowed_tags is None


def test_make_batch_encodes_each_distinct_word_once():
    vocab = CharVocabulary("abc")
    batch = make_batch([["ab", "c", "ab"], ["c", "ab"]], vocab, fake_vectors)
    assert batch.char_ids.tolist() == [vocab.encode("ab"), [*vocab.encode("c"), 0]]
    assert batch.word_index.tolist() == [[0, 1, 0], [1, 0, 2]]
    assert batch.casing_ids[0, 0] == batch.casing_ids[0, 2] == batch.casing_ids[1, 1]


def test_make_batch_allowed_tags_and_errors():
    vocab = CharVocabulary("ab")
    allowed = [np.array([[True, False], [False, True]]), np.array([[True, True]])]
    batch = make_batch([["a", "b"], ["a"]], vocab, fake_vectors, allowed_tags=allowed)
    assert batch.allowed_tags.shape == (2, 2, 2)
    assert batch.allowed_tags[0].tolist() == [[True, False], [False, True]]
    with pytest.raises(ValueError, match="empty sentence"):
        make_batch([["a"], []], vocab, fake_vectors)
    with pytest.raises(ValueError, match="tags"):
        make_batch([["a", "b"]], vocab, fake_vectors, tag_ids=[[0]])
    with pytest.raises(ValueError, match="word_vectors"):
        make_batch([["a", "b"]], vocab, lambda tokens: np.zeros((1, 3)))


def test_batch_to_device_keeps_values():
    vocab = CharVocabulary("ab")
    batch = make_batch([["ab"]], vocab, fake_vectors, tag_ids=[[0]])
    moved = batch.to("cpu")
    assert moved is not batch
    assert torch.equal(moved.char_ids, batch.char_ids)
    assert moved.allowed_tags is None


def test_length_sorted_batches():
    lengths = [3, 10, 1, 7, 7, 2]
    batches = length_sorted_batches(lengths, batch_size=4)
    assert batches == [[1, 3, 4, 0], [5, 2]]
    assert sorted(i for batch in batches for i in batch) == list(range(6))
    assert length_sorted_batches(lengths, 2, descending=False) == [[2, 5], [0, 3], [4, 1]]
    assert length_sorted_batches([], 3) == []
    with pytest.raises(ValueError):
        length_sorted_batches(lengths, 0)
