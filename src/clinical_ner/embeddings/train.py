"""Training domain word vectors with gensim, and reading the MTSamples text for it.

gensim is an optional dependency (the ``train`` extra); it is imported only when
`train_embeddings` runs, so loading a store never needs it.

Reproducibility: with a fixed ``seed`` and ``workers=1`` the vectors are bit-identical
between runs on the same machine and library versions. gensim with several workers
interleaves updates from its threads in a timing-dependent order, so ``workers > 1`` is
faster but not deterministic. Vectors are initialised from ``seed``; word hashing for
per-word seeds uses a fixed CRC32 instead of Python's ``hash``, which is salted per process
unless ``PYTHONHASHSEED`` is set.
"""

from __future__ import annotations

import csv
import os
import sys
import time
import zlib
from collections.abc import Callable, Collection, Iterable, Iterator
from pathlib import Path
from typing import Any

import numpy as np

from clinical_ner.embeddings.store import WordVectorStore, lookup_key, normalize_digits
from clinical_ner.errors import ConfigurationError, InputError, ResourceNotFoundError

METHODS = ("word2vec", "fasttext")
# gensim silently truncates longer "sentences" to this many tokens (MAX_WORDS_IN_BATCH),
# so long documents are cut into pieces of at most this size instead.
MAX_TOKENS_PER_SENTENCE = 10_000


def _stable_hash(text: str) -> int:
    """Process-independent replacement for ``hash`` in gensim's per-word seeding."""
    return zlib.crc32(text.encode("utf-8"))


def normalize_token(token: str) -> str:
    """The form tokens are trained under: lowercased, digits -> ``0`` (see the store's OOV policy)."""
    return normalize_digits(lookup_key(token))


def tokenized_corpus(texts: Iterable[str], tokenize: Callable[[str], list[str]]) -> list[list[str]]:
    """Tokenise and normalise every text, held in memory because gensim makes several passes.

    Tokens are interned, so a corpus of a few million tokens costs one pointer per token
    plus one string per distinct word. Empty texts are skipped.
    """
    corpus: list[list[str]] = []
    for text in texts:
        tokens = [sys.intern(normalize_token(token)) for token in tokenize(text)]
        tokens = [token for token in tokens if token.strip()]
        for start in range(0, len(tokens), MAX_TOKENS_PER_SENTENCE):
            corpus.append(tokens[start : start + MAX_TOKENS_PER_SENTENCE])
    return corpus


def train_embeddings(
    texts: Iterable[str],
    tokenize: Callable[[str], list[str]],
    out_dir: str | os.PathLike | None,
    dim: int = 100,
    method: str = "word2vec",
    epochs: int = 10,
    min_count: int = 3,
    window: int = 5,
    skip_gram: bool = True,
    negative: int = 5,
    seed: int = 13,
    workers: int = 1,
    overwrite: bool = False,
) -> WordVectorStore:
    """Train word vectors on ``texts`` and return (and, with ``out_dir``, save) a store.

    Args:
        texts: raw documents (for MTSamples: `mtsamples_texts`). Read once.
        tokenize: ``text -> tokens``; use the pipeline's tokenizer so that training and
            lookup see the same tokens. Tokens are lowercased and digit-normalised here.
        out_dir: folder to save the store to (atomic), or None to keep it in memory.
        dim: vector size.
        method: ``"word2vec"`` or ``"fasttext"`` (subword n-grams 3-6 improve the vectors of
            rare words during training; the saved store keeps only in-vocabulary words).
        epochs, min_count, window, negative: as in gensim.
        skip_gram: skip-gram (True, better for rare clinical terms) or CBOW.
        seed, workers: see the module docstring on determinism.
        overwrite: replace an existing ``out_dir``.
    """
    if method not in METHODS:
        raise ConfigurationError(f"method must be one of {METHODS}, not {method!r}")
    try:
        from gensim.models import FastText, Word2Vec
    except ImportError as error:  # pragma: no cover - depends on the environment
        raise ImportError(
            "training embeddings needs gensim: pip install 'clinical-ner[train]'"
        ) from error
    corpus = tokenized_corpus(texts, tokenize)
    if not corpus:
        raise InputError("no tokens to train on: texts is empty or tokenize returns nothing")
    parameters: dict[str, Any] = {
        "vector_size": dim,
        "window": window,
        "min_count": min_count,
        "sg": int(skip_gram),
        "negative": negative,
        "epochs": epochs,
        "seed": seed,
        "workers": workers,
        "hashfxn": _stable_hash,
    }
    started = time.perf_counter()
    model_class = Word2Vec if method == "word2vec" else FastText
    try:
        model = model_class(sentences=corpus, **parameters)
    except RuntimeError as error:
        # gensim raises this when min_count leaves no word at all.
        raise ConfigurationError(
            f"gensim could not train: {error} (is min_count={min_count} too high?)"
        ) from error
    keyed = model.wv
    training = {
        "library": "gensim",
        "method": method,
        "dim": dim,
        "epochs": epochs,
        "min_count": min_count,
        "window": window,
        "skip_gram": skip_gram,
        "negative": negative,
        "seed": seed,
        "workers": workers,
        "sentences": len(corpus),
        "tokens": sum(len(sentence) for sentence in corpus),
        "seconds": round(time.perf_counter() - started, 3),
        "token_normalization": "lowercase, digits -> 0",
    }
    store = WordVectorStore.from_vectors(
        keyed.index_to_key,
        np.asarray(keyed.vectors[: len(keyed.index_to_key)]),
        method=method,
        training=training,
    )
    if out_dir is not None:
        store.save(out_dir, overwrite=overwrite)
    return store


def mtsamples_texts(path: str | os.PathLike, skip_empty: bool = True,
                    exclude_ids: Collection[str] = ()) -> Iterator[str]:
    """The deduplicated ``transcription`` texts of the MTSamples CSV, in file order.

    A sample listed under several specialties appears several times with the same
    transcription (2,641 of the 4,999 rows); only its first occurrence is yielded.
    ``skip_empty`` also drops blank transcriptions (33 rows, one distinct text).
    ``exclude_ids``: note ids whose transcription (under any id) is left out: the
    reserved evaluation notes and the annotated dev and test notes.
    The text itself is never logged (MTSamples is scraped clinical-style text).
    """
    path = Path(path)
    if not path.is_file():
        raise ResourceNotFoundError(
            f"{path} not found: pass the MTSamples CSV (mtsamples.csv with a 'transcription' column)"
        )
    seen: set[str] = set()
    # newline="" lets the csv module handle line breaks inside quoted transcriptions.
    with open(path, encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        if reader.fieldnames is None or "transcription" not in reader.fieldnames:
            raise InputError(f"{path} has no 'transcription' column (columns: {reader.fieldnames})")
        rows = list(reader)
    exclude = set(exclude_ids)
    excluded = {row["transcription"] for row in rows if row.get("note_id") in exclude}
    for row in rows:
        text = row["transcription"] or ""
        if text in seen or text in excluded:
            continue
        seen.add(text)
        if skip_empty and not text.strip():
            continue
        yield text
