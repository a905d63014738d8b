"""Word vectors: the memory-mapped store and its training (gensim, imported lazily)."""

from clinical_ner.embeddings.store import StoreFormatError, WordVectorStore, normalize_digits
from clinical_ner.embeddings.train import mtsamples_texts, train_embeddings

__all__ = [
    "StoreFormatError",
    "WordVectorStore",
    "mtsamples_texts",
    "normalize_digits",
    "train_embeddings",
]
