"""WordEmbeddingsModel: ``token`` annotations -> ``word_embeddings`` annotations.

Each output annotation repeats its token's offsets and text and carries the token's
vector in ``embeddings`` (a float32 numpy row; ``to_dict`` turns it into a list). Lookup is
case-insensitive (the model card: "Case sensitive: false") with the store's OOV policy:
lower case, then digits normalised to 0, then the shared unknown vector; ``metadata``
says ``isOOV``.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from clinical_ner.annotation import Annotation, AnnotatorType
from clinical_ner.embeddings.store import UNKNOWN_ROW, WordVectorStore
from clinical_ner.errors import ClinicalNerError, ConfigurationError
from clinical_ner.resources import CorruptModelError, resolve, write_model_folder
from clinical_ner.resources import verify as verify_folder
from clinical_ner.stage import Param, Transformer

STORE_FOLDER = "store"


class WordEmbeddingsModel(Transformer):
    """Looks up a vector per token in a memory-mapped :class:`WordVectorStore`."""

    PARAMS = (
        Param("dimension", 0, "vector size (read from the store)"),
        Param("caseSensitive", False, "lookup is always case-insensitive"),
        Param("storageRef", "embeddings_clinical", "name of the vectors, checked by NerDLModel"),
    )
    INPUT_TYPES = (AnnotatorType.DOCUMENT, AnnotatorType.TOKEN)
    OUTPUT_TYPE = AnnotatorType.WORD_EMBEDDINGS

    def __init__(self, store: WordVectorStore | None = None) -> None:
        super().__init__()
        self._store = store
        self._set(inputCols=["sentence", "token"], outputCol="embeddings")
        if store is not None:
            self._set(dimension=store.dim)

    # ----- construction -----------------------------------------------------------------
    @classmethod
    def pretrained(
        cls, name: str = "embeddings_clinical", lang: str = "en", remote_loc: str | None = None
    ) -> WordEmbeddingsModel:
        """Load shipped or cached vectors by name, offline (see :mod:`clinical_ner.resources`)."""
        return cls.load(resolve(name, lang, remote_loc, kind="word_embeddings"))

    @classmethod
    def load(cls, path: str | Path, verify: bool = True) -> WordEmbeddingsModel:
        """Load a word-embeddings resource folder. Its checksums are verified and required;
        ``verify=False`` loads a folder without them (your own risk)."""
        folder = Path(path)
        meta = verify_folder(folder, checksums=verify)
        try:
            store = WordVectorStore.load(folder / STORE_FOLDER, verify=False)
        except ClinicalNerError:
            raise
        except Exception as exc:  # a verified folder whose content is still wrong
            raise CorruptModelError(
                f"{folder / STORE_FOLDER}: not a word-vector store ({type(exc).__name__}: "
                f"{exc}); reinstall or retrain the embeddings"
            ) from None
        return cls(store)._set(storageRef=meta.get("name", "embeddings_clinical"))

    def save(self, path: str | Path, metadata: dict | None = None, overwrite: bool = False) -> Path:
        """Write a resource folder loadable by :meth:`load` / :meth:`pretrained`."""
        store = self.store
        meta = {
            "name": self.getOrDefault("storageRef"),
            "lang": "en",
            "kind": "word_embeddings",
            "version": "1",
            "dimension": store.dim,
            "vocabulary": len(store),
            "method": store.method,
            "training": store.training,
            **(metadata or {}),
        }
        return write_model_folder(
            path, lambda tmp: store.save(tmp / STORE_FOLDER), meta, overwrite=overwrite
        )

    @property
    def store(self) -> WordVectorStore:
        if self._store is None:
            raise ConfigurationError(
                "WordEmbeddingsModel has no vectors; use WordEmbeddingsModel.pretrained() or "
                ".load(path)"
            )
        return self._store

    def setStorageRef(self, value: str) -> WordEmbeddingsModel:
        return self._set(storageRef=str(value))

    def setCaseSensitive(self, value: bool) -> WordEmbeddingsModel:
        if value:
            raise ConfigurationError("these vectors are case-insensitive; caseSensitive must be False")
        return self._set(caseSensitive=False)

    def getDimension(self) -> int:
        return self.store.dim

    # ----- persistence inside a saved pipeline --------------------------------------------
    def save_state(self, directory: Path) -> None:
        self.store.save(directory / STORE_FOLDER)

    def load_state(self, directory: Path) -> None:
        self._store = WordVectorStore.load(directory / STORE_FOLDER)

    # ----- annotation -------------------------------------------------------------------
    def annotate(self, inputs: Sequence[list[Annotation]]) -> list[Annotation]:
        _, tokens = inputs
        if not tokens:
            return []
        store = self.store
        rows = store.rows_of([t.result for t in tokens])
        vectors = np.asarray(store.vectors[rows], dtype=np.float32)
        oov = ["true" if r == UNKNOWN_ROW else "false" for r in rows.tolist()]
        kind = AnnotatorType.WORD_EMBEDDINGS
        # One annotation per token; the vector is a row view of one matrix (no copy).
        out = [
            Annotation(
                kind,
                token.begin,
                token.end,
                token.result,
                {
                    "sentence": token.metadata.get("sentence", "0"),
                    "token": token.result,
                    "isOOV": is_oov,
                    "pieceId": "-1",
                    "isWordStart": "true",
                },
                vector,
            )
            for token, is_oov, vector in zip(tokens, oov, vectors, strict=True)
        ]
        return out

