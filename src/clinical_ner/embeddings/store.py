"""A compact, memory-mapped, case-insensitive word-vector store.

On disk, a store is a folder of three files:

- ``vectors.npy``: float16 ``[V + 1, dim]``. Row 0 is the shared unknown vector; row
  ``i + 1`` is the vector of the ``i``-th vocabulary entry. Loaded with
  ``np.load(mmap_mode="r")``, so opening a store costs no memory until rows are read, and
  several processes (Spark workers) share the page cache.
- ``vocab.txt``: UTF-8, one token per line (``\\n`` separated, no trailing newline), in
  row order. Tokens are stored lowercased.
- ``store.json``: ``format_version``, ``dim``, ``vocab_size``, ``dtype``, ``method``,
  ``lowercase``, ``digit_normalization``, ``unknown_row``, ``sha256`` of the two files
  above (checked on load), and free-form ``training`` parameters.

Lookup (the OOV policy), for each token in order, first match wins:

1. the lowercased token (lookup is case-insensitive, as in the ``ner_clinical`` model card);
2. the lowercased token with every digit replaced by ``0`` (``"124/78"`` -> ``"000/00"``;
   training with `clinical_ner.embeddings.train` stores numbers in this form);
3. the shared unknown vector (row 0; zeros unless the store was built with another one).

Saving writes to a temporary folder beside the target, then renames it into place, so a
reader never sees a half-written store.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from clinical_ner.errors import ClinicalNerError, InputError
from clinical_ner.io import atomic_write_folder
from clinical_ner.io import file_sha256 as file_sha256  # re-exported: its old home

FORMAT_VERSION = 1
VECTORS_FILE = "vectors.npy"
VOCAB_FILE = "vocab.txt"
META_FILE = "store.json"
UNKNOWN_ROW = 0

_DIGIT = re.compile(r"\d")


class StoreFormatError(ClinicalNerError, ValueError):
    """A store folder is missing files, is corrupted, or has an unknown format."""


def normalize_digits(token: str) -> str:
    """Every Unicode decimal digit replaced by ``"0"``: ``"HbA1c"`` -> ``"HbA0c"``."""
    return _DIGIT.sub("0", token)


def lookup_key(token: str) -> str:
    """The form a token is stored under when it is added to a store: lowercased."""
    return token.lower()


class WordVectorStore:
    """Vocabulary + float16 matrix with the OOV policy described in the module docstring.

    Build one with `from_vectors` (or `clinical_ner.embeddings.train.train_embeddings`),
    persist it with `save`, reopen it with `load`.
    """

    def __init__(
        self,
        vocab: Sequence[str],
        vectors: np.ndarray,
        method: str = "unknown",
        training: dict[str, Any] | None = None,
    ) -> None:
        """Wrap an existing ``[len(vocab) + 1, dim]`` matrix (row 0 = unknown vector).

        ``vocab`` must already be lowercased and unique; use `from_vectors` otherwise.
        """
        if vectors.ndim != 2 or vectors.shape[0] != len(vocab) + 1:
            raise InputError(
                f"vectors must be [len(vocab) + 1, dim] = [{len(vocab) + 1}, dim], "
                f"got {vectors.shape}"
            )
        self.vocab = list(vocab)
        self._index = {token: row for row, token in enumerate(self.vocab, start=1)}
        if len(self._index) != len(self.vocab):
            raise InputError("vocabulary entries must be unique")
        self.vectors = vectors
        self.method = method
        self.training = dict(training or {})

    # ----------------------------------------------------------------- building
    @classmethod
    def from_vectors(
        cls,
        words: Iterable[str],
        vectors: np.ndarray,
        method: str = "unknown",
        unknown_vector: np.ndarray | None = None,
        training: dict[str, Any] | None = None,
    ) -> WordVectorStore:
        """Build a store from words and their vectors ``[n, dim]`` (any float dtype).

        Words are lowercased; when two words collide after lowercasing the first one wins,
        so pass words most frequent first (gensim's ``index_to_key`` order). The unknown
        vector defaults to zeros: an OOV word then adds nothing to the BiLSTM input, and
        the character encoder carries it.
        """
        vectors = np.asarray(vectors)
        words = list(words)
        if vectors.ndim != 2 or vectors.shape[0] != len(words):
            raise InputError(f"got {len(words)} words but vectors of shape {vectors.shape}")
        dim = vectors.shape[1]
        kept_rows, vocab, seen = [], [], set()
        for row, word in enumerate(words):
            key = lookup_key(word)
            if key in seen:
                continue
            if "\n" in key or "\r" in key or not key:
                raise InputError(f"cannot store token {word!r}: empty or contains a line break")
            seen.add(key)
            vocab.append(key)
            kept_rows.append(row)
        matrix = np.zeros((len(vocab) + 1, dim), dtype=np.float16)
        if unknown_vector is not None:
            matrix[UNKNOWN_ROW] = np.asarray(unknown_vector, dtype=np.float32).reshape(dim)
        matrix[1:] = vectors[kept_rows].astype(np.float16)
        return cls(vocab, matrix, method=method, training=training)

    # ----------------------------------------------------------------- lookup
    @property
    def dim(self) -> int:
        return int(self.vectors.shape[1])

    def __len__(self) -> int:
        """Number of words (the unknown row not counted)."""
        return len(self.vocab)

    def __contains__(self, token: object) -> bool:
        """True if the token resolves to a vector of its own (steps 1 or 2 of the OOV policy)."""
        return isinstance(token, str) and self.row_of(token) != UNKNOWN_ROW

    def row_of(self, token: str) -> int:
        """Matrix row used for ``token`` under the OOV policy (``UNKNOWN_ROW`` if none)."""
        key = lookup_key(token)
        row = self._index.get(key)
        if row is None:
            row = self._index.get(normalize_digits(key), UNKNOWN_ROW)
        return row

    def rows_of(self, tokens: Sequence[str]) -> np.ndarray:
        """Rows for many tokens, int64 ``[n]``."""
        return np.fromiter(
            (self.row_of(token) for token in tokens), dtype=np.int64, count=len(tokens)
        )

    def lookup(self, tokens: Sequence[str]) -> np.ndarray:
        """Vectors of ``tokens`` as float32 ``[len(tokens), dim]`` (a fresh array)."""
        rows = self.rows_of(tokens)
        # Fancy indexing a memmap reads just these rows and returns an in-memory copy.
        return np.asarray(self.vectors[rows], dtype=np.float32).reshape(len(rows), self.dim)

    def oov_rate(self, tokens: Sequence[str]) -> float:
        """Fraction of tokens that fall back to the unknown vector (0.0 for no tokens)."""
        if not tokens:
            return 0.0
        return float(np.mean(self.rows_of(tokens) == UNKNOWN_ROW))

    # ----------------------------------------------------------------- persistence
    def save(self, directory: str | os.PathLike, overwrite: bool = False) -> Path:
        """Write the store folder atomically; returns its path.

        Raises FileExistsError if ``directory`` exists and ``overwrite`` is False.
        """
        def write(staging: Path) -> None:
            np.save(staging / VECTORS_FILE, np.ascontiguousarray(self.vectors, dtype=np.float16))
            with open(staging / VOCAB_FILE, "w", encoding="utf-8", newline="") as handle:
                handle.write("\n".join(self.vocab))
            meta = {
                "format_version": FORMAT_VERSION,
                "dim": self.dim,
                "vocab_size": len(self.vocab),
                "dtype": "float16",
                "method": self.method,
                "lowercase": True,
                "digit_normalization": "fallback: every digit -> '0'",
                "unknown_row": UNKNOWN_ROW,
                "sha256": {
                    name: file_sha256(staging / name) for name in (VECTORS_FILE, VOCAB_FILE)
                },
                "training": self.training,
            }
            with open(staging / META_FILE, "w", encoding="utf-8") as handle:
                json.dump(meta, handle, indent=2, sort_keys=True)
                handle.write("\n")

        atomic_write_folder(directory, write, overwrite=overwrite)
        return Path(directory)

    @classmethod
    def load(cls, directory: str | os.PathLike, verify: bool = True) -> WordVectorStore:
        """Open a store folder; the matrix is memory-mapped read-only.

        ``verify`` checks the sha256 of both data files against ``store.json`` (this reads
        the matrix once; pass False for a trusted folder when start-up time matters).
        """
        folder = Path(directory)
        meta_path = folder / META_FILE
        if not meta_path.is_file():
            raise StoreFormatError(
                f"{folder} is not a word-vector store: {META_FILE} is missing "
                "(build one with clinical_ner.embeddings.train.train_embeddings)"
            )
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        if meta.get("format_version") != FORMAT_VERSION:
            raise StoreFormatError(
                f"{folder}: store format {meta.get('format_version')!r} is not supported "
                f"(this code reads format {FORMAT_VERSION})"
            )
        for name in (VECTORS_FILE, VOCAB_FILE):
            if not (folder / name).is_file():
                raise StoreFormatError(f"{folder}: {name} is missing")
            if verify and file_sha256(folder / name) != meta["sha256"][name]:
                raise StoreFormatError(
                    f"{folder / name} does not match the sha256 in {META_FILE}: the file is "
                    "corrupted or was changed; rebuild or re-download the store"
                )
        with open(folder / VOCAB_FILE, encoding="utf-8", newline="") as handle:
            text = handle.read()
        vocab = text.split("\n") if text else []
        vectors = np.load(folder / VECTORS_FILE, mmap_mode="r", allow_pickle=False)
        if (
            vectors.shape != (meta["vocab_size"] + 1, meta["dim"])
            or len(vocab) != meta["vocab_size"]
        ):
            raise StoreFormatError(
                f"{folder}: sizes disagree (vectors {vectors.shape}, {len(vocab)} words, "
                f"store.json says {meta['vocab_size']} x {meta['dim']})"
            )
        return cls(
            vocab, vectors, method=meta.get("method", "unknown"), training=meta.get("training")
        )
