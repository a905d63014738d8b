"""PubTator reader and writer, and the BC5CDR / NCBI-disease mappings.

A PubTator file holds documents separated by blank lines::

    PMID|t|title
    PMID|a|abstract
    PMID<TAB>start<TAB>end<TAB>mention<TAB>type<TAB>concept id[<TAB>...]
    PMID<TAB>CID<TAB>chemical id<TAB>disease id        (a relation, BC5CDR)

Mention offsets index ``title + " " + abstract`` with an EXCLUSIVE end; documents read
here use that joined string as ``text`` and INCLUSIVE ends.

Both BC5CDR and NCBI-disease annotate diseases only as far as the clinical labels go, so
their documents carry ``known_labels = {"PROBLEM"}``: a token outside a disease span is
``O`` for PROBLEM but unknown for TEST and TREATMENT (BC5CDR's chemicals are not all
treatments, and these corpora never mark tests).
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from clinical_ner.corpora.brat import read_text
from clinical_ner.corpora.document import (
    PROBLEM,
    CorpusDocument,
    CorpusFormatError,
    GoldSpan,
    NoCorpusFilesError,
    Relation,
)
from clinical_ner.corpora.flatten import flatten_spans

logger = logging.getLogger(__name__)

#: NCBI-disease's four disease types and BC5CDR's ``Disease`` -> PROBLEM; BC5CDR's
#: ``Chemical`` is not mapped (not every chemical is a treatment).
DISEASE_LABELS: dict[str, str] = {
    "Disease": PROBLEM,
    "SpecificDisease": PROBLEM,
    "DiseaseClass": PROBLEM,
    "Modifier": PROBLEM,
    "CompositeMention": PROBLEM,
}
#: The labels BC5CDR and NCBI-disease annotate, in clinical terms.
DISEASE_KNOWN_LABELS: frozenset[str] = frozenset({PROBLEM})


@dataclass(slots=True)
class PubTatorDocument:
    """One PubTator document: ``text`` is ``title + " " + abstract``; ``spans`` keep the
    PubTator type as label and the concept id in ``attributes["concept_id"]``."""

    pmid: str
    title: str
    abstract: str
    spans: list[GoldSpan] = field(default_factory=list)
    relations: list[Relation] = field(default_factory=list)
    problems: Counter[str] = field(default_factory=Counter)

    @property
    def text(self) -> str:
        """Title and abstract joined by one space, the string offsets index."""
        return f"{self.title} {self.abstract}"


def parse_pubtator(content: str, source: str = "PubTator content") -> list[PubTatorDocument]:
    """Parse PubTator text; malformed or mismatching mention lines are counted and skipped
    (``PubTatorDocument.problems``), never fatal, and each is located (``source``, line,
    reason) in the DEBUG log. A mention whose offsets cover extra whitespace around its
    text is trimmed and counted ``"repaired_whitespace"``."""
    docs: list[PubTatorDocument] = []
    current: PubTatorDocument | None = None
    for number, raw in enumerate(content.split("\n"), start=1):
        line = raw.removesuffix("\r")
        if not line.strip():
            continue
        if "|t|" in line[:40] and "\t" not in line.split("|t|", 1)[0]:
            pmid, title = line.split("|t|", 1)
            current = PubTatorDocument(pmid=pmid, title=title, abstract="")
            docs.append(current)
            continue
        if current is None:
            raise CorpusFormatError(
                f"{source}, line {number}: PubTator content must start with a "
                "'PMID|t|title' line; this file does not look like PubTator (check the "
                "corpus name passed to read())"
            )
        if line.startswith(f"{current.pmid}|a|"):
            current.abstract = line.split("|a|", 1)[1]
            continue
        before = sum(current.problems.values())
        _parse_annotation_line(current, line.split("\t"))
        if sum(current.problems.values()) != before:
            logger.debug("%s, line %d: mention line dropped or repaired", source, number)
    return docs


def _parse_annotation_line(doc: PubTatorDocument, fields: list[str]) -> None:
    if len(fields) >= 5 and fields[1].isdigit() and fields[2].isdigit():
        begin, end = int(fields[1]), int(fields[2])
        text = doc.text
        mention = fields[3]
        if not 0 <= begin < end <= len(text):
            doc.problems["bad_offsets"] += 1
            return
        if text[begin:end] != mention:
            # One NCBI mention column carries extra trailing spaces: trim whitespace off
            # both the offsets and the column, and accept the span if they then agree.
            while begin < end and text[begin].isspace():
                begin += 1
            while end > begin and text[end - 1].isspace():
                end -= 1
            if begin == end or text[begin:end] != mention.strip():
                doc.problems["text_mismatch"] += 1
                return
            doc.problems["repaired_whitespace"] += 1
            mention = text[begin:end]
        attributes = {"concept_id": fields[5]} if len(fields) > 5 else {}
        doc.spans.append(
            GoldSpan(
                begin=begin,
                end=end - 1,
                label=fields[4],
                text=mention,
                id=f"{doc.pmid}:{len(doc.spans)}",
                attributes=attributes,
                source_label=fields[4],
            )
        )
    elif len(fields) == 4:
        # A relation between concept ids (BC5CDR's "CID"): kept with ids as arguments.
        doc.relations.append(
            Relation(f"R{len(doc.relations) + 1}", fields[1], fields[2], fields[3])
        )
    else:
        doc.problems["malformed_line"] += 1


def read_pubtator_file(path: str | Path) -> list[PubTatorDocument]:
    """Read one PubTator file (UTF-8, no newline translation)."""
    return parse_pubtator(read_text(path), str(path))


def write_pubtator(docs: Iterable[PubTatorDocument], path: str | Path) -> None:
    """Write documents as PubTator (``PMID|t|``, ``PMID|a|``, mention lines, blank line).

    Mention lines get ``end + 1`` (PubTator's exclusive end) and the ``concept_id``
    attribute, or ``-1`` when there is none.
    """
    with open(path, "w", newline="", encoding="utf-8") as handle:
        for doc in docs:
            handle.write(f"{doc.pmid}|t|{doc.title}\n{doc.pmid}|a|{doc.abstract}\n")
            for span in doc.spans:
                concept = span.attributes.get("concept_id", "-1")
                handle.write(
                    f"{doc.pmid}\t{span.begin}\t{span.end + 1}\t{span.text}\t{span.label}\t{concept}\n"
                )
            for rel in doc.relations:
                handle.write(f"{doc.pmid}\t{rel.type}\t{rel.arg1}\t{rel.arg2}\n")
            handle.write("\n")


def _looks_like_pubtator(path: Path) -> bool:
    """True when the first non-blank line is a ``PMID|t|`` line (NCBI files open with a
    blank line, so the first line alone is not enough)."""
    with open(path, encoding="utf-8", errors="replace") as handle:
        for line in handle:
            if line.strip():
                return "|t|" in line.split("\t", 1)[0]
    return False


def find_pubtator_files(path: str | Path) -> list[Path]:
    """PubTator files under ``path``: the file itself, or ``*.txt``/``*.PubTator`` files in
    the folder tree whose first non-blank line is a ``PMID|t|`` line, sorted by path.

    Raises:
        NoCorpusFilesError: when there are none.
    """
    path = Path(path)
    if path.is_file():
        return [path]
    if not path.is_dir():
        raise NoCorpusFilesError(f"{path} does not exist; pass a PubTator file or folder")
    files = []
    for candidate in sorted(path.rglob("*")):
        suffix_ok = candidate.suffix.lower() in {".txt", ".pubtator"}
        if suffix_ok and candidate.is_file() and _looks_like_pubtator(candidate):
            files.append(candidate)
    if not files:
        raise NoCorpusFilesError(
            f"no PubTator files (lines 'PMID|t|title') under {path}; pass the folder "
            "holding the corpus's PubTator .txt files"
        )
    return files


def map_disease_corpus(doc: PubTatorDocument, source: str) -> CorpusDocument:
    """Map a BC5CDR or NCBI-disease document: disease types -> PROBLEM, flattened, with
    ``known_labels = {"PROBLEM"}``; other types are left out (their text is unknown, not
    ``O``, for the labels the corpus does not know)."""
    spans: list[GoldSpan] = []
    for span in doc.spans:
        label = DISEASE_LABELS.get(span.label)
        if label is None:
            continue
        spans.append(
            GoldSpan(
                span.begin,
                span.end,
                label,
                span.text,
                span.id,
                None,
                dict(span.attributes),
                span.source_label,
            )
        )
    spans, dropped = flatten_spans(spans)
    dropped.update({k: v for k, v in doc.problems.items() if not k.startswith("repaired_")})
    repairs = {k: v for k, v in doc.problems.items() if k.startswith("repaired_")}
    return CorpusDocument(
        id=doc.pmid,
        text=doc.text,
        spans=spans,
        known_labels=DISEASE_KNOWN_LABELS,
        relations=list(doc.relations),
        dropped=dict(dropped),
        source=source,
        repairs=repairs,
    )


def read_disease_corpus(path: str | Path, source: str) -> list[CorpusDocument]:
    """Read every PubTator file under ``path`` and map it (see :func:`map_disease_corpus`).

    A PMID seen in an earlier file is skipped, so a folder holding overlapping releases
    does not duplicate documents; the count is logged.
    """
    seen: set[str] = set()
    result: list[CorpusDocument] = []
    repeats = 0
    for file in find_pubtator_files(path):
        for doc in read_pubtator_file(file):
            if doc.pmid in seen:
                repeats += 1
                continue
            seen.add(doc.pmid)
            result.append(map_disease_corpus(doc, source))
    if repeats:
        logger.info("%s: skipped %d repeated PMIDs", source, repeats)
    return result
