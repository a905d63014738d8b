"""Corpus readers, writers and mappings to PROBLEM / TEST / TREATMENT.

Every offset in this package is a character offset into the document text as the file
holds it (no newline translation) with an INCLUSIVE end:
``doc.text[span.begin:span.end + 1] == span.text``.
"""

from clinical_ner.corpora.brat import (
    BratDocument,
    brat_to_document,
    read_brat_dir,
    read_brat_document,
    write_brat_document,
)
from clinical_ner.corpora.chia import procedure_label, read_chia
from clinical_ner.corpora.conll import (
    ConllDocument,
    ConllToken,
    conll_to_document,
    document_to_conll,
    read_conll,
    read_conll_file,
    write_conll,
)
from clinical_ner.corpora.document import (
    CLINICAL_LABELS,
    CorpusDocument,
    CorpusError,
    CorpusFormatError,
    GoldSpan,
    NoCorpusFilesError,
    Relation,
    SpanOffsetError,
    UnknownCorpusError,
    total_dropped,
    total_label_counts,
    total_repairs,
)
from clinical_ner.corpora.flatten import flatten_spans, resolve_discontinuous
from clinical_ner.corpora.i2b2 import format_con, read_i2b2, read_i2b2_document, write_con
from clinical_ner.corpora.maccrobat import read_maccrobat
from clinical_ner.corpora.pubtator import (
    read_disease_corpus,
    read_pubtator_file,
    write_pubtator,
)
from clinical_ner.corpora.registry import corpus_names, read

__all__ = [
    "CLINICAL_LABELS",
    "BratDocument",
    "ConllDocument",
    "ConllToken",
    "CorpusDocument",
    "CorpusError",
    "CorpusFormatError",
    "GoldSpan",
    "NoCorpusFilesError",
    "Relation",
    "SpanOffsetError",
    "UnknownCorpusError",
    "brat_to_document",
    "conll_to_document",
    "corpus_names",
    "document_to_conll",
    "flatten_spans",
    "format_con",
    "procedure_label",
    "read",
    "read_brat_dir",
    "read_brat_document",
    "read_chia",
    "read_conll",
    "read_conll_file",
    "read_disease_corpus",
    "read_i2b2",
    "read_i2b2_document",
    "read_maccrobat",
    "read_pubtator_file",
    "resolve_discontinuous",
    "total_dropped",
    "total_label_counts",
    "total_repairs",
    "write_brat_document",
    "write_con",
    "write_conll",
    "write_pubtator",
]
