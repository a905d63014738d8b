"""``read(corpus_name, path)``: one entry point for every corpus and format.

Each name maps to a reader that returns mapped :class:`CorpusDocument` objects (labels
PROBLEM / TEST / TREATMENT for the clinical corpora; the file's own labels for the
generic ``brat`` and ``conll`` formats).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from clinical_ner.corpora.brat import brat_to_document, read_brat_dir
from clinical_ner.corpora.chia import read_chia
from clinical_ner.corpora.conll import read_conll
from clinical_ner.corpora.document import (
    CorpusDocument,
    NoCorpusFilesError,
    UnknownCorpusError,
    corpus_folder,
    total_dropped,
    total_label_counts,
)
from clinical_ner.corpora.i2b2 import read_i2b2
from clinical_ner.corpora.maccrobat import read_maccrobat
from clinical_ner.corpora.mtsamples import read_mtsamples
from clinical_ner.corpora.pubtator import read_disease_corpus

logger = logging.getLogger(__name__)


def _read_brat(path: Path) -> list[CorpusDocument]:
    return [brat_to_document(doc) for doc in read_brat_dir(path)]


#: Corpus name -> reader of a file or folder in that corpus's original format.
READERS: dict[str, Callable[[Path], list[CorpusDocument]]] = {
    "maccrobat": read_maccrobat,
    "chia": read_chia,
    "mtsamples": read_mtsamples,
    "bc5cdr": lambda path: read_disease_corpus(path, "bc5cdr"),
    "ncbi-disease": lambda path: read_disease_corpus(path, "ncbi-disease"),
    "i2b2": read_i2b2,
    "conll": read_conll,
    "brat": _read_brat,
}


def corpus_names() -> list[str]:
    """The names :func:`read` accepts, sorted."""
    return sorted(READERS)


def read(corpus_name: str, path: str | Path) -> list[CorpusDocument]:
    """Read the corpus ``corpus_name`` from ``path`` (a folder of raw files in that
    corpus's original format, or for PubTator and CoNLL also a single file).

    Args:
        corpus_name: one of :func:`corpus_names` (case-insensitive; ``_`` and ``-`` are
            the same, so ``ncbi_disease`` works).
        path: the folder or file, or a data folder holding the corpus as ``<path>/<name>``
            (like ``../shared/data``).

    Returns:
        Documents in a deterministic order, spans with ``end`` inclusive. Counts of what
        the mapping dropped are in each document's ``dropped`` and logged in total
        (counts only, never text).

    Raises:
        UnknownCorpusError: the name is not known.
        NoCorpusFilesError: ``path`` does not exist or holds no file of that format.
    """
    key = corpus_name.strip().lower().replace("_", "-")
    reader = READERS.get(key)
    if reader is None:
        raise UnknownCorpusError(
            f"unknown corpus {corpus_name!r}; use one of {', '.join(corpus_names())} "
            "(brat and conll read any corpus in those formats)"
        )
    path = corpus_folder(key, path)
    if not path.exists():
        raise NoCorpusFilesError(
            f"{path} does not exist; pass the folder that holds the {key} files "
            "(see ../shared/data/README.md for the public corpora)"
        )
    docs = reader(path)
    logger.info(
        "read %s: %d documents, spans %s, dropped %s",
        key,
        len(docs),
        dict(sorted(total_label_counts(docs).items())),
        dict(sorted(total_dropped(docs).items())),
    )
    return docs
