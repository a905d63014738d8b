"""The data model every corpus reader returns: gold spans in documents, plus errors.

Offsets are character offsets (Python ``str`` indices, i.e. code points) into
``CorpusDocument.text`` exactly as the file holds it (CRLF kept), and ``end`` is
INCLUSIVE, the project convention: ``doc.text[span.begin:span.end + 1] == span.text``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from clinical_ner.errors import ClinicalNerError
from clinical_ner.labels import ENTITY_TYPES
from clinical_ner.labels import PROBLEM as PROBLEM
from clinical_ner.labels import TEST as TEST
from clinical_ner.labels import TREATMENT as TREATMENT

#: The three labels of ``ner_clinical`` as a set (``PROBLEM`` and the others are
#: re-exported from :mod:`clinical_ner.labels` for old imports).
CLINICAL_LABELS: frozenset[str] = frozenset(ENTITY_TYPES)


class CorpusError(ClinicalNerError):
    """Base class of every error raised by :mod:`clinical_ner.corpora`."""


class UnknownCorpusError(CorpusError, ValueError):
    """``read()`` was given a corpus name it does not know."""


class NoCorpusFilesError(CorpusError, FileNotFoundError):
    """A path holds none of the files the requested corpus format needs."""


class CorpusFormatError(CorpusError, ValueError):
    """A file breaks its format so badly that nothing sensible can be read from it."""


class SpanOffsetError(CorpusError, ValueError):
    """A span's offsets do not reproduce its text in the document."""


@dataclass(slots=True)
class GoldSpan:
    """One gold mention.

    Attributes:
        begin: offset of the first character in ``CorpusDocument.text``.
        end: offset of the LAST character (inclusive), so
            ``text[begin:end + 1] == self.text``.
        label: the entity label (``PROBLEM``/``TEST``/``TREATMENT`` after mapping, or the
            corpus's own type for unmapped formats).
        text: the covered text, always equal to ``doc.text[begin:end + 1]``.
        id: the source identifier (brat ``T12``, i2b2 line number, ...), or ``None``.
        fragments: for a discontinuous source mention, its pieces as ``(begin, end)``
            pairs with inclusive ends; ``None`` when the mention is contiguous. ``begin``
            and ``end`` then cover the whole stretch from the first to the last piece.
        attributes: string attributes, e.g. brat ``A1 POLARITY E35 NEG`` gives
            ``{"POLARITY": "NEG"}``; brat binary attributes map to ``"true"``.
        source_label: the label in the original corpus (``Sign_symptom``), kept so a
            mapping can be audited.
    """

    begin: int
    end: int
    label: str
    text: str
    id: str | None = None
    fragments: tuple[tuple[int, int], ...] | None = None
    attributes: dict[str, str] = field(default_factory=dict)
    source_label: str | None = None

    @property
    def length(self) -> int:
        """Number of characters covered (``end - begin + 1``)."""
        return self.end - self.begin + 1

    def overlaps(self, other: GoldSpan) -> bool:
        """True when the two inclusive ranges share at least one character."""
        return self.begin <= other.end and other.begin <= self.end


@dataclass(slots=True)
class Relation:
    """A binary relation between two mentions, by their ``GoldSpan.id``.

    brat events (``E7 Sign_symptom:T13``) are resolved to their trigger, so ``arg1`` and
    ``arg2`` are always entity ids (``T13``), never event ids.
    """

    id: str
    type: str
    arg1: str
    arg2: str


@dataclass(slots=True)
class CorpusDocument:
    """One document of a corpus with its gold spans.

    Attributes:
        id: a stable identifier (file stem, PMID, ...), unique within a corpus.
        text: the full text exactly as in the source (no newline translation).
        spans: gold spans, each with ``text[begin:end + 1] == span.text``.
        known_labels: the labels this corpus annotates. A token outside every span is
            ``O`` only for these labels; for any other label it is unknown (BC5CDR and
            NCBI-disease know only ``PROBLEM``). ``None`` means "every label seen".
        relations: relations between span ids (brat ``R`` lines, resolved events).
        dropped: counts of source mentions that did not become spans, by reason
            (``"overlap:TEST"``, ``"unmapped:Age"``, ``"bad_offsets"``...). Counts only:
            note text is never kept here because it may be PHI.
        source: the corpus name (``"maccrobat"``, ``"chia"``, ...).
        repairs: counts of mentions kept but changed by a documented rule
            (``"repaired_whitespace"``, ``"widened"``...), by reason.
        split: the split a corpus fixes for this document (``"train"``, ``"dev"``,
            ``"test"``; the annotated MTSamples notes), or ``None`` to let the corpus
            build draw one.
    """

    id: str
    text: str
    spans: list[GoldSpan]
    known_labels: frozenset[str] | None = None
    relations: list[Relation] = field(default_factory=list)
    dropped: dict[str, int] = field(default_factory=dict)
    source: str = ""
    repairs: dict[str, int] = field(default_factory=dict)
    split: str | None = None

    def check_offsets(self) -> None:
        """Raise :class:`SpanOffsetError` if any span's offsets do not give its text."""
        for span in self.spans:
            if not 0 <= span.begin <= span.end < len(self.text):
                raise SpanOffsetError(
                    f"document {self.id!r}: span {span.id!r} has offsets "
                    f"{span.begin}..{span.end} outside a text of {len(self.text)} chars"
                )
            if self.text[span.begin : span.end + 1] != span.text:
                raise SpanOffsetError(
                    f"document {self.id!r}: span {span.id!r} at {span.begin}..{span.end} "
                    "does not match its text; the reader or mapping has an offset bug"
                )

    def label_counts(self) -> Counter[str]:
        """Number of spans per label."""
        return Counter(span.label for span in self.spans)


def make_span(
    text: str,
    begin: int,
    end: int,
    label: str,
    **kwargs: Any,
) -> GoldSpan:
    """Build a span whose ``text`` is read from the document, so it cannot disagree.

    Args:
        text: the document text.
        begin: first character offset.
        end: last character offset (inclusive).
        label: the label.
        **kwargs: any other :class:`GoldSpan` field.
    """
    return GoldSpan(begin=begin, end=end, label=label, text=text[begin : end + 1], **kwargs)


def total_dropped(documents: Iterable[CorpusDocument]) -> Counter[str]:
    """Sum ``dropped`` counts over documents."""
    total: Counter[str] = Counter()
    for doc in documents:
        total.update(doc.dropped)
    return total


def total_repairs(documents: Iterable[CorpusDocument]) -> Counter[str]:
    """Sum ``repairs`` counts over documents."""
    total: Counter[str] = Counter()
    for doc in documents:
        total.update(doc.repairs)
    return total


def total_label_counts(documents: Iterable[CorpusDocument]) -> Counter[str]:
    """Sum span counts per label over documents."""
    total: Counter[str] = Counter()
    for doc in documents:
        total.update(doc.label_counts())
    return total


def corpus_folder(corpus: str, path: str | Path) -> Path:
    """The folder of ``corpus`` given ``path``: ``path/<corpus>`` when that folder exists
    (``path`` is a data folder holding several corpora, like ``../shared/data``), else
    ``path`` itself. The brat reader walks folders recursively, so without this a data
    folder would mix every corpus under it into one."""
    folder = Path(path)
    nested = folder / corpus
    return nested if nested.is_dir() else folder
