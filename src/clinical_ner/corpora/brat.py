"""brat standoff reader and writer (``.txt`` + ``.ann``).

brat stores ``T`` entity offsets as ``begin end`` with an EXCLUSIVE end, fragments of a
discontinuous entity separated by ``;`` (``T5 Condition 10 20;25 30 text``), and the
entity text with fragments joined by one space. This module converts to the project
convention right away: every offset it returns is a character offset into the ``.txt``
file's text read WITHOUT newline translation, with an INCLUSIVE end.

Bad lines never stop a read. Each is either repaired by the documented rule in
:func:`_check_entity_text` or skipped, and counted in ``BratDocument.problems`` (counts
only; the note text is never logged).
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from clinical_ner.corpora.document import (
    CLINICAL_LABELS,
    CorpusDocument,
    CorpusFormatError,
    GoldSpan,
    NoCorpusFilesError,
    Relation,
)
from clinical_ner.corpora.flatten import flatten_spans, resolve_discontinuous

logger = logging.getLogger(__name__)

#: How far (in characters) a contiguous entity may be shifted to find its text when the
#: ``.ann`` offsets are slightly off; Chia has a few off-by-a-few annotations.
MAX_SHIFT_REPAIR = 5


@dataclass(slots=True)
class BratEntity:
    """A ``T`` line. ``fragments`` are ``(begin, end)`` pairs with INCLUSIVE ends, in file
    order; ``text`` is the document text of the fragments joined by one space (brat's
    own convention)."""

    id: str
    type: str
    fragments: tuple[tuple[int, int], ...]
    text: str

    @property
    def begin(self) -> int:
        """First character offset over all fragments."""
        return min(b for b, _ in self.fragments)

    @property
    def end(self) -> int:
        """Last character offset (inclusive) over all fragments."""
        return max(e for _, e in self.fragments)

    @property
    def is_discontinuous(self) -> bool:
        """True when the entity has more than one fragment."""
        return len(self.fragments) > 1


@dataclass(slots=True)
class BratEvent:
    """An ``E`` line: ``E7 Sign_symptom:T13 Role:T2`` -> trigger ``T13``, args by role."""

    id: str
    type: str
    trigger: str
    args: list[tuple[str, str]] = field(default_factory=list)


@dataclass(slots=True)
class BratRelation:
    """An ``R`` line: ``R5 MODIFY Arg1:T14 Arg2:E7`` (args may name events)."""

    id: str
    type: str
    arg1: str
    arg2: str


@dataclass(slots=True)
class BratAttribute:
    """An ``A``/``M`` line: ``A1 POLARITY E35 NEG``; a binary one has ``value`` ``"true"``."""

    id: str
    name: str
    target: str
    value: str


@dataclass(slots=True)
class BratEquivalence:
    """A ``*`` line: ``* OVERLAP E3 E4 E5`` or ``* OR T5 T6``."""

    type: str
    members: list[str]


@dataclass(slots=True)
class BratDocument:
    """Everything in one ``.txt``/``.ann`` pair.

    ``problems`` counts lines that were repaired or skipped, by reason.
    """

    id: str
    text: str
    entities: dict[str, BratEntity] = field(default_factory=dict)
    events: dict[str, BratEvent] = field(default_factory=dict)
    relations: list[BratRelation] = field(default_factory=list)
    attributes: list[BratAttribute] = field(default_factory=list)
    equivalences: list[BratEquivalence] = field(default_factory=list)
    notes: dict[str, str] = field(default_factory=dict)
    problems: Counter[str] = field(default_factory=Counter)

    def dropped_and_repairs(self) -> tuple[dict[str, int], dict[str, int]]:
        """``problems`` split into lines dropped and lines repaired (``repaired_*``)."""
        dropped = {k: v for k, v in self.problems.items() if not k.startswith("repaired_")}
        repairs = {k: v for k, v in self.problems.items() if k.startswith("repaired_")}
        return dropped, repairs

    def entity_id(self, ann_id: str) -> str | None:
        """Resolve an entity or event id to its entity id (``E7`` -> ``T13``)."""
        if ann_id in self.entities:
            return ann_id
        event = self.events.get(ann_id)
        if event is not None and event.trigger in self.entities:
            return event.trigger
        return None

    def entity_attributes(self) -> dict[str, dict[str, str]]:
        """Attributes per entity id, events resolved to their triggers."""
        result: dict[str, dict[str, str]] = {}
        for attr in self.attributes:
            target = self.entity_id(attr.target)
            if target is not None:
                result.setdefault(target, {})[attr.name] = attr.value
        return result

    def resolved_relations(self) -> list[Relation]:
        """``R`` relations with both arguments resolved to entity ids."""
        result = []
        for rel in self.relations:
            arg1, arg2 = self.entity_id(rel.arg1), self.entity_id(rel.arg2)
            if arg1 is not None and arg2 is not None:
                result.append(Relation(rel.id, rel.type, arg1, arg2))
        return result


def read_text(path: str | Path) -> str:
    """Read a text file as UTF-8 without newline translation, so CRLF offsets stay right.

    Raises:
        CorpusFormatError: the file is not UTF-8 (naming the file, line and byte) or cannot
            be read.
    """
    try:
        with open(path, "rb") as handle:
            raw = handle.read()
    except OSError as exc:
        raise CorpusFormatError(f"{path}: cannot be read ({exc.strerror})") from None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise CorpusFormatError(
            f"{path}, line {line}: not UTF-8 text (byte {exc.start}: 0x{raw[exc.start]:02x}); "
            "convert the file to UTF-8, e.g. with iconv -f latin1 -t utf-8"
        ) from None


_FRAGMENT = re.compile(r"^(\d+) (\d+)$")


def _check_entity_text(
    doc_text: str, fragments: list[tuple[int, int]], ann_text: str
) -> tuple[list[tuple[int, int]], str]:
    """Validate brat fragments (exclusive ends) against the entity's ``.ann`` text.

    The repair rule, tried in order (the first that works wins):

    1. the document text of the fragments, joined by one space, equals the ``.ann`` text:
       ``"ok"``;
    2. after trimming whitespace at both ends of every fragment (Chia spans that swallow
       a ``\\r``, MACCROBAT notes with a trailing ``\\u2005``), the text equals the
       ``.ann`` text stripped of whitespace: ``"repaired_whitespace"``;
    3. a contiguous entity whose ``.ann`` text occurs with the same length within
       ``MAX_SHIFT_REPAIR`` characters of its offsets is moved there: ``"repaired_shift"``;
    4. otherwise the entity is skipped: ``"text_mismatch"``.

    Returns:
        ``(fragments, status)``; fragments have exclusive ends and are empty for a skip.
    """
    joined = " ".join(doc_text[b:e] for b, e in fragments)
    if joined == ann_text:
        return fragments, "ok"
    trimmed = []
    for b, e in fragments:
        while b < e and doc_text[b].isspace():
            b += 1
        while e > b and doc_text[e - 1].isspace():
            e -= 1
        if b < e:
            trimmed.append((b, e))
    wanted = ann_text.strip()
    if trimmed and " ".join(doc_text[b:e] for b, e in trimmed) == wanted:
        return trimmed, "repaired_whitespace"
    if len(fragments) == 1 and wanted:
        begin = fragments[0][0]
        for shift in sorted(range(-MAX_SHIFT_REPAIR, MAX_SHIFT_REPAIR + 1), key=abs):
            b = begin + shift
            if b >= 0 and doc_text[b : b + len(wanted)] == wanted:
                return [(b, b + len(wanted))], "repaired_shift"
    return [], "text_mismatch"


def _parse_entity(doc: BratDocument, ann_id: str, fields: list[str]) -> None:
    if len(fields) < 2:
        doc.problems["malformed_line"] += 1
        return
    type_and_offsets = fields[1]
    # The text column may itself contain a tab (one MACCROBAT line does); rejoin it.
    ann_text = "\t".join(fields[2:])
    parts = type_and_offsets.split(" ", 1)
    if len(parts) != 2:
        doc.problems["malformed_line"] += 1
        return
    etype, offsets = parts
    fragments: list[tuple[int, int]] = []
    for piece in offsets.split(";"):
        match = _FRAGMENT.match(piece.strip())
        if match is None:
            doc.problems["malformed_line"] += 1
            return
        b, e = int(match.group(1)), int(match.group(2))
        if not 0 <= b < e <= len(doc.text):
            doc.problems["bad_offsets"] += 1
            return
        fragments.append((b, e))
    repaired, status = _check_entity_text(doc.text, fragments, ann_text)
    if status != "ok":
        doc.problems[status] += 1
    if not repaired:
        return
    inclusive = tuple((b, e - 1) for b, e in repaired)
    text = " ".join(doc.text[b:e] for b, e in repaired)
    doc.entities[ann_id] = BratEntity(ann_id, etype, inclusive, text)


def _parse_line(doc: BratDocument, line: str) -> None:
    fields = line.split("\t")
    ann_id = fields[0].strip()
    kind = ann_id[:1]
    body = fields[1].split() if len(fields) > 1 else []
    if kind == "T":
        _parse_entity(doc, ann_id, fields)
    elif kind == "E" and body:
        trigger_type, _, trigger = body[0].partition(":")
        args = [tuple(arg.split(":", 1)) for arg in body[1:] if ":" in arg]
        doc.events[ann_id] = BratEvent(ann_id, trigger_type, trigger, args)  # type: ignore[arg-type]
    elif kind == "R" and len(body) >= 3:
        roles = dict(arg.split(":", 1) for arg in body[1:] if ":" in arg)
        if "Arg1" in roles and "Arg2" in roles:
            doc.relations.append(BratRelation(ann_id, body[0], roles["Arg1"], roles["Arg2"]))
        else:
            doc.problems["malformed_line"] += 1
    elif kind in "AM" and len(body) in (2, 3):
        value = body[2] if len(body) == 3 else "true"
        doc.attributes.append(BratAttribute(ann_id, body[0], body[1], value))
    elif kind == "*" and len(body) >= 2:
        doc.equivalences.append(BratEquivalence(body[0], body[1:]))
    elif kind == "#" and len(body) >= 2:
        doc.notes[body[1]] = "\t".join(fields[2:])
    elif kind == "N":
        doc.problems["ignored_normalization"] += 1
    else:
        doc.problems["malformed_line"] += 1


def parse_ann(doc_id: str, text: str, ann: str, source: str | None = None) -> BratDocument:
    """Parse ``.ann`` content against its document text.

    Args:
        doc_id: the document id to record.
        text: the ``.txt`` content, read without newline translation.
        ann: the ``.ann`` content.
        source: the ``.ann`` file's name for the DEBUG log of each line dropped or
            repaired ("a.ann, line 7: text_mismatch"; ``clinical-ner ... --verbose``).
    """
    doc = BratDocument(id=doc_id, text=text)
    # Split on "\n" only: str.splitlines() would also break at U+2028, U+0085 and
    # friends, which can occur inside an entity's text column.
    located = logger.isEnabledFor(logging.DEBUG)
    for number, line in enumerate(ann.split("\n"), start=1):
        line = line.removesuffix("\r")
        if not line.strip():
            continue
        before = Counter(doc.problems) if located else None
        _parse_line(doc, line)
        if before is not None and doc.problems != before:
            reasons = ", ".join(sorted((doc.problems - before).keys()))
            logger.debug("%s, line %d: %s", source or doc_id, number, reasons)
    return doc


def read_brat_document(txt_path: str | Path, ann_path: str | Path | None = None) -> BratDocument:
    """Read one ``.txt``/``.ann`` pair; ``ann_path`` defaults to the ``.txt`` with ``.ann``."""
    txt_path = Path(txt_path)
    ann_path = Path(ann_path) if ann_path is not None else txt_path.with_suffix(".ann")
    return parse_ann(txt_path.stem, read_text(txt_path), read_text(ann_path), str(ann_path))


def find_brat_pairs(path: str | Path) -> list[tuple[Path, Path]]:
    """All ``(.txt, .ann)`` pairs under ``path`` (a folder, searched recursively, or one
    file of a pair), sorted by path so every run sees the same order.

    Raises:
        NoCorpusFilesError: when no pair is found.
    """
    path = Path(path)
    if path.is_file():
        candidates = [path.with_suffix(".ann")]
    elif path.is_dir():
        candidates = sorted(path.rglob("*.ann"))
    else:
        raise NoCorpusFilesError(f"{path} does not exist; pass a folder of brat .txt/.ann files")
    pairs = [
        (ann.with_suffix(".txt"), ann) for ann in candidates if ann.with_suffix(".txt").is_file()
    ]
    missing_text = len(candidates) - len(pairs)
    if missing_text:
        logger.warning(
            "%d .ann files under %s have no .txt beside them; skipped", missing_text, path
        )
    if not pairs:
        raise NoCorpusFilesError(
            f"no brat .ann files with a matching .txt under {path}; pass the folder that "
            "holds the corpus's .txt and .ann files"
        )
    return pairs


def read_brat_dir(path: str | Path) -> list[BratDocument]:
    """Read every ``.txt``/``.ann`` pair under ``path`` (see :func:`find_brat_pairs`)."""
    docs = [read_brat_document(txt, ann) for txt, ann in find_brat_pairs(path)]
    problems: Counter[str] = Counter()
    for doc in docs:
        problems.update(doc.problems)
    if problems:
        logger.info("brat read of %d documents: %s", len(docs), dict(sorted(problems.items())))
    return docs


def entity_to_span(doc: BratDocument, entity: BratEntity, label: str) -> GoldSpan:
    """A :class:`GoldSpan` covering ``entity`` (first to last fragment) with ``label``.

    Discontinuous entities keep their pieces in ``fragments``; whether their covering
    span is usable is decided by :func:`clinical_ner.corpora.flatten.resolve_discontinuous`.
    """
    begin, end = entity.begin, entity.end
    fragments = tuple(sorted(entity.fragments)) if entity.is_discontinuous else None
    return GoldSpan(
        begin=begin,
        end=end,
        label=label,
        text=doc.text[begin : end + 1],
        id=entity.id,
        fragments=fragments,
        source_label=entity.type,
    )


def labelled_spans(doc: BratDocument, label_of: Callable[[BratEntity], str | None]) -> list[GoldSpan]:
    """One :class:`GoldSpan` (see :func:`entity_to_span`) per entity that ``label_of``
    labels, in file order, with the entity's attributes; ``None`` leaves an entity out."""
    attributes = doc.entity_attributes()
    spans = []
    for entity in doc.entities.values():
        label = label_of(entity)
        if label is None:
            continue
        span = entity_to_span(doc, entity, label)
        span.attributes = dict(attributes.get(entity.id, {}))
        spans.append(span)
    return spans


def brat_to_document(doc: BratDocument, source: str = "brat") -> CorpusDocument:
    """Every entity with its own type as the label, unflattened; for generic brat data."""
    spans = labelled_spans(doc, lambda entity: entity.type)
    spans.sort(key=lambda s: (s.begin, s.end))
    dropped, repairs = doc.dropped_and_repairs()
    return CorpusDocument(
        id=doc.id,
        text=doc.text,
        spans=spans,
        relations=doc.resolved_relations(),
        dropped=dropped,
        source=source,
        repairs=repairs,
    )


def brat_to_clinical_document(
    doc: BratDocument,
    label_of: Callable[[BratEntity], str | None],
    source: str,
    widen: Callable[[GoldSpan], GoldSpan] | None = None,
) -> CorpusDocument:
    """A brat corpus's document as one flat PROBLEM/TEST/TREATMENT layer (Chia, MACCROBAT).

    Args:
        doc: a parsed brat document.
        label_of: the clinical label of an entity, or ``None`` for one that is not mapped.
        source: the corpus name the document records.
        widen: applied to each span left after :func:`resolve_discontinuous` and before
            :func:`flatten_spans`; a span it replaces (returns another object for) is
            counted in ``repairs["widened"]``.

    Returns:
        A document whose ``dropped`` counts skipped brat lines, discontinuous mentions,
        duplicates and overlaps, and whose ``repairs`` counts repaired brat lines (and
        widened spans); neither holds a zero count.
    """
    brat_dropped, brat_repairs = doc.dropped_and_repairs()
    dropped: Counter[str] = Counter(brat_dropped)
    repairs: Counter[str] = Counter(brat_repairs)
    spans, lost = resolve_discontinuous(labelled_spans(doc, label_of), doc.text)
    dropped.update(lost)
    if widen is not None:
        widened = [widen(span) for span in spans]
        repairs["widened"] += sum(a is not b for a, b in zip(spans, widened, strict=True))
        spans = widened
    spans, lost = flatten_spans(spans)
    dropped.update(lost)
    return CorpusDocument(
        id=doc.id,
        text=doc.text,
        spans=spans,
        known_labels=CLINICAL_LABELS,
        relations=doc.resolved_relations(),
        dropped={k: v for k, v in dropped.items() if v},
        source=source,
        repairs={k: v for k, v in repairs.items() if v},
    )


def write_brat_document(doc: CorpusDocument, folder: str | Path) -> tuple[Path, Path]:
    """Write ``doc`` as ``folder/<id>.txt`` and ``<id>.ann`` (T, A and R lines).

    Span ids are reused when they look like brat ids (``T3``); otherwise new ones are
    numbered. Offsets are written with brat's exclusive ends; the text is written with
    ``newline=""`` so the file holds exactly ``doc.text``.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    txt_path, ann_path = folder / f"{doc.id}.txt", folder / f"{doc.id}.ann"
    with open(txt_path, "w", newline="", encoding="utf-8") as handle:
        handle.write(doc.text)
    lines: list[str] = []
    used = {s.id for s in doc.spans if s.id and re.fullmatch(r"T\d+", s.id)}
    next_id = 1
    attr_n = 0
    for span in doc.spans:
        span_id = span.id if span.id in used else None
        if span_id is None:
            while f"T{next_id}" in used:
                next_id += 1
            span_id = f"T{next_id}"
            used.add(span_id)
        pieces = span.fragments or ((span.begin, span.end),)
        offsets = ";".join(f"{b} {e + 1}" for b, e in pieces)
        text = " ".join(doc.text[b : e + 1] for b, e in pieces)
        lines.append(f"{span_id}\t{span.label} {offsets}\t{text}")
        for name, value in span.attributes.items():
            attr_n += 1
            tail = "" if value == "true" else f" {value}"
            lines.append(f"A{attr_n}\t{name} {span_id}{tail}")
    for rel in doc.relations:
        lines.append(f"{rel.id}\t{rel.type} Arg1:{rel.arg1} Arg2:{rel.arg2}\t")
    with open(ann_path, "w", newline="", encoding="utf-8") as handle:
        handle.write("".join(line + "\n" for line in lines))
    return txt_path, ann_path
