"""Turning tokenised sentences into the padded tensors the tagger reads.

A sentence is a list of token strings. For a batch of ``B`` sentences padded to ``W``
words, each word cut or padded to ``C`` characters:

- ``word_vectors``: float32 ``[B, W, E]`` from a frozen word-vector store (zeros at padding).
- ``char_ids``: long ``[U, C]`` character ids (`CharVocabulary`, ``PAD_ID`` after a word's
  last character) of the ``U`` DISTINCT words of the batch: a word's character features
  depend on the word alone, so each distinct word is encoded once.
- ``word_index``: long ``[B, W]``, the row of ``char_ids`` for each word; ``U`` at padding
  (one past the last row, which the tagger maps to zero features).
- ``casing_ids``: long ``[B, W]`` ids of `Casing` (``Casing.PAD`` at padding).
- ``mask``: bool ``[B, W]``, True at real words; ``lengths``: long ``[B]``.
- optional ``tag_ids`` long ``[B, W]`` (gold tags, 0 at padding) and ``allowed_tags`` bool
  ``[B, W, T]`` (partial labels, see `clinical_ner.nn.crf.partial_label_mask`).
"""

from __future__ import annotations

import enum
import functools
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, fields, replace

import numpy as np
import torch

Sentence = Sequence[str]
WordVectorLookup = Callable[[Sequence[str]], np.ndarray]
"""``lookup(tokens) -> float array [len(tokens), E]``, e.g. ``WordVectorStore.lookup``."""


class Casing(enum.IntEnum):
    """Shape of a token, fed to the tagger as a small learned embedding.

    The categories follow Chiu & Nichols (2016) plus ``PUNCTUATION`` and ``MIXED``, which
    matter in clinical text ("mRNA", "HbA1c", "/", "%"). `casing_of` assigns the first
    category that applies, in this order:

    ``NUMERIC``: only digits (``"120"``); ``MAINLY_NUMERIC``: more than half the characters
    are digits (``"124/78"``, ``"1.5"``); ``ALL_LOWER``; ``ALL_UPPER`` (``"CT"``, ``"BP"``);
    ``TITLE``: first letter upper, rest lower (``"Aspirin"``); ``CONTAINS_DIGIT``
    (``"HbA1c"``, ``"COVID-19"``, ``"5mg"``); ``MIXED``: letters of both cases otherwise (``"mRNA"``);
    ``PUNCTUATION``: only punctuation/symbols (``"."``, ``"%"``); ``OTHER``.
    Letters are judged on the letters alone, so ``"x-ray"`` is ``ALL_LOWER`` and
    ``"Non-Hodgkin"`` is ``MIXED``.
    """

    PAD = 0
    NUMERIC = 1
    MAINLY_NUMERIC = 2
    ALL_LOWER = 3
    ALL_UPPER = 4
    TITLE = 5
    CONTAINS_DIGIT = 6
    MIXED = 7
    PUNCTUATION = 8
    OTHER = 9


@functools.lru_cache(maxsize=200_000)
def casing_of(token: str) -> Casing:
    """The `Casing` category of one token (see `Casing` for the rules and their order).

    Cached: clinical text repeats a small vocabulary, and this runs once per token."""
    if not token:
        return Casing.OTHER
    digits = sum(ch.isdigit() for ch in token)
    if digits == len(token):
        return Casing.NUMERIC
    if digits / len(token) > 0.5:
        return Casing.MAINLY_NUMERIC
    letters = [ch for ch in token if ch.isalpha()]
    if letters and not digits:
        if all(ch.islower() for ch in letters):
            return Casing.ALL_LOWER
        if all(ch.isupper() for ch in letters):
            return Casing.ALL_UPPER
        if letters[0].isupper() and all(ch.islower() for ch in letters[1:]):
            return Casing.TITLE
    if digits:
        return Casing.CONTAINS_DIGIT
    if letters:
        return Casing.MIXED
    if all(unicodedata.category(ch)[0] in "PS" for ch in token):
        return Casing.PUNCTUATION
    return Casing.OTHER


class CharVocabulary:
    """Character -> id map with reserved padding and unknown ids.

    ``PAD_ID`` (0) fills positions after a word's last character and whole padded words;
    ``UNKNOWN_ID`` (1) stands for any character not seen when the vocabulary was built.
    Characters are case-sensitive: case is signal for the character encoder.

    Words longer than ``max_word_length`` keep their first ``ceil(max/2)`` and last
    ``floor(max/2)`` characters, because both prefixes and suffixes carry clinical
    morphology ("hyper-", "-itis", "-ectomy").
    """

    PAD_ID = 0
    UNKNOWN_ID = 1
    CACHE_SIZE = 200_000

    def __init__(self, chars: Iterable[str], max_word_length: int = 32) -> None:
        if max_word_length < 1:
            raise ValueError("max_word_length must be at least 1")
        self.chars: list[str] = []
        self._index: dict[str, int] = {}
        for ch in chars:
            if len(ch) != 1:
                raise ValueError(f"vocabulary entries must be single characters, got {ch!r}")
            if ch not in self._index:
                self._index[ch] = len(self.chars) + 2
                self.chars.append(ch)
        self.max_word_length = max_word_length
        self._cache: dict[str, list[int]] = {}

    @classmethod
    def build(
        cls, sentences: Iterable[Sentence], min_count: int = 1, max_word_length: int = 32
    ) -> CharVocabulary:
        """Vocabulary of the characters seen at least ``min_count`` times, most frequent first."""
        counts: Counter[str] = Counter()
        for sentence in sentences:
            for token in sentence:
                counts.update(token)
        # Ties are broken by the character itself so that the ids do not depend on the
        # order of the corpus.
        ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
        return cls([ch for ch, count in ordered if count >= min_count], max_word_length)

    def __len__(self) -> int:
        """Number of ids, reserved ones included (the size of an embedding table)."""
        return len(self.chars) + 2

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, CharVocabulary)
            and self.chars == other.chars
            and self.max_word_length == other.max_word_length
        )

    __hash__ = None  # type: ignore[assignment]

    def encode(self, token: str) -> list[int]:
        """Char ids of one token, cut to ``max_word_length`` (no padding added).

        Memoised per vocabulary (bounded), since the same tokens recur in every note;
        the returned list is shared, so callers must not modify it."""
        cached = self._cache.get(token)
        if cached is not None:
            return cached
        ids = self._encode(token)
        if len(self._cache) < self.CACHE_SIZE:
            self._cache[token] = ids
        return ids

    def _encode(self, token: str) -> list[int]:
        if len(token) > self.max_word_length:
            head = (self.max_word_length + 1) // 2
            tail = self.max_word_length - head
            token = token[:head] + (token[-tail:] if tail else "")
        return [self._index.get(ch, self.UNKNOWN_ID) for ch in token]

    def to_config(self) -> dict:
        """JSON-able form; `from_config` rebuilds an equal vocabulary."""
        return {"chars": "".join(self.chars), "max_word_length": self.max_word_length}

    @classmethod
    def from_config(cls, config: dict) -> CharVocabulary:
        return cls(config["chars"], config["max_word_length"])


@dataclass
class TaggerBatch:
    """Padded tensors for ``B`` sentences of at most ``W`` words (see the module docstring)."""

    word_vectors: torch.Tensor
    char_ids: torch.Tensor
    word_index: torch.Tensor
    casing_ids: torch.Tensor
    mask: torch.Tensor
    lengths: torch.Tensor
    tag_ids: torch.Tensor | None = None
    allowed_tags: torch.Tensor | None = None
    #: ``[B]`` annotation convention of each sentence (see `BiLstmCnnCrf`); None: default.
    convention_ids: torch.Tensor | None = None

    def to(self, device: torch.device | str) -> TaggerBatch:
        """A copy with every tensor on ``device``."""
        moved = {
            field.name: value.to(device)
            for field in fields(self)
            if (value := getattr(self, field.name)) is not None
        }
        return replace(self, **moved)

    @property
    def batch_size(self) -> int:
        return self.mask.size(0)


def make_batch(
    sentences: Sequence[Sentence],
    char_vocab: CharVocabulary,
    word_vectors: WordVectorLookup,
    tag_ids: Sequence[Sequence[int]] | None = None,
    allowed_tags: Sequence[np.ndarray] | None = None,
    device: torch.device | str | None = None,
    convention_ids: Sequence[int] | None = None,
) -> TaggerBatch:
    """Pad a list of sentences into a `TaggerBatch`.

    Args:
        sentences: ``B`` non-empty lists of token strings (original case: the store lowercases
            for lookup itself, and the character encoder wants the case).
        char_vocab: maps characters to ids.
        word_vectors: ``lookup(tokens) -> [n, E]`` float array for one sentence's tokens.
        tag_ids: optional gold tag ids, one list per sentence, same lengths as the sentences.
        allowed_tags: optional bool arrays ``[len(sentence), T]`` of allowed tags per token.
        device: where the tensors go (CPU when None).
        convention_ids: optional annotation-convention id of each sentence.
    """
    if not sentences:
        raise ValueError("make_batch needs at least one sentence")
    lengths = [len(sentence) for sentence in sentences]
    if min(lengths) == 0:
        raise ValueError("empty sentence in batch: drop sentences without tokens before batching")
    batch_size, max_words = len(sentences), max(lengths)
    flat_tokens = [token for sentence in sentences for token in sentence]
    # Distinct words in first-seen order; ``word_rows[k]`` is flat token k's row.
    row_of: dict[str, int] = {}
    word_rows = [row_of.setdefault(token, len(row_of)) for token in flat_tokens]
    distinct = list(row_of)
    sentence_of = np.repeat(np.arange(batch_size), lengths)
    word_of = np.arange(len(flat_tokens)) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    word_index = np.full((batch_size, max_words), len(distinct), np.int64)
    word_index[sentence_of, word_of] = word_rows
    # Vectorised over all characters: one flat array of char ids scattered into [U, C] by
    # (row, column) indices, instead of a numpy assignment per word.
    encoded = [char_vocab.encode(word) for word in distinct]
    word_lengths = np.fromiter((len(chars) for chars in encoded), np.int64, len(encoded))
    max_chars = max(int(word_lengths.max()), 1)
    char_ids = np.full((len(distinct), max_chars), CharVocabulary.PAD_ID, np.int64)
    total_chars = int(word_lengths.sum())
    if total_chars:
        flat_ids = np.fromiter(
            (i for chars in encoded for i in chars), np.int64, total_chars
        )
        word_of_char = np.repeat(np.arange(len(distinct)), word_lengths)
        char_pos = np.arange(total_chars) - np.repeat(np.cumsum(word_lengths) - word_lengths, word_lengths)
        char_ids[word_of_char, char_pos] = flat_ids
    distinct_casing = np.fromiter((casing_of(word) for word in distinct), np.int64, len(distinct))
    casing_ids = np.full((batch_size, max_words), int(Casing.PAD), np.int64)
    casing_ids[sentence_of, word_of] = distinct_casing[word_rows]
    vectors: np.ndarray | None = None
    for b, sentence in enumerate(sentences):
        sentence_vectors = np.asarray(word_vectors(list(sentence)), dtype=np.float32)
        if sentence_vectors.ndim != 2 or sentence_vectors.shape[0] != len(sentence):
            raise ValueError(
                f"word_vectors returned shape {sentence_vectors.shape} for {len(sentence)} tokens"
            )
        if vectors is None:
            vectors = np.zeros((batch_size, max_words, sentence_vectors.shape[1]), np.float32)
        vectors[b, : len(sentence)] = sentence_vectors
    mask = np.arange(max_words)[None, :] < np.asarray(lengths)[:, None]
    batch = TaggerBatch(
        word_vectors=torch.from_numpy(vectors),
        char_ids=torch.from_numpy(char_ids),
        word_index=torch.from_numpy(word_index),
        casing_ids=torch.from_numpy(casing_ids),
        mask=torch.from_numpy(mask),
        lengths=torch.tensor(lengths, dtype=torch.long),
    )
    if tag_ids is not None:
        padded_tags = np.zeros((batch_size, max_words), np.int64)
        for b, tags in enumerate(tag_ids):
            if len(tags) != lengths[b]:
                raise ValueError(f"sentence {b} has {lengths[b]} tokens but {len(tags)} tags")
            padded_tags[b, : len(tags)] = tags
        batch.tag_ids = torch.from_numpy(padded_tags)
    if convention_ids is not None:
        if len(convention_ids) != batch_size:
            raise ValueError(f"{len(convention_ids)} convention ids for {batch_size} sentences")
        batch.convention_ids = torch.tensor(list(convention_ids), dtype=torch.long)
    if allowed_tags is not None:
        num_tags = np.asarray(allowed_tags[0]).shape[1]
        padded_allowed = np.ones((batch_size, max_words, num_tags), bool)
        for b, allowed in enumerate(allowed_tags):
            allowed = np.asarray(allowed, dtype=bool)
            if allowed.shape != (lengths[b], num_tags):
                raise ValueError(
                    f"allowed_tags[{b}] has shape {allowed.shape}, expected ({lengths[b]}, {num_tags})"
                )
            padded_allowed[b, : lengths[b]] = allowed
        batch.allowed_tags = torch.from_numpy(padded_allowed)
    return batch if device is None else batch.to(device)


def length_sorted_batches(
    lengths: Sequence[int], batch_size: int, descending: bool = True
) -> list[list[int]]:
    """Split sentence indices into batches of similar length, to limit padding.

    Returns lists of indices into the original order (so callers can put results back),
    sorted by length (longest first by default; ties keep their original order).
    """
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    order = sorted(range(len(lengths)), key=lambda i: -lengths[i] if descending else lengths[i])
    return [order[i : i + batch_size] for i in range(0, len(order), batch_size)]
