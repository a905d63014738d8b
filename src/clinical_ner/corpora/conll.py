"""CoNLL 2003 style files: read, write, and convert between token tags and char spans.

The format, as Spark NLP's ``CoNLL().readDataset`` reads it: one token per line with
space-separated columns ``token pos chunk label`` (``-X-`` where unknown), a blank line
between sentences, and ``-DOCSTART- -X- -X- O`` lines between documents. Files with only
``token label`` columns are read too. Tags are IOB1 (``I-`` opens an entity unless it
follows the same type; ``B-`` only between two adjacent entities of one type) or IOB2
(every entity opens with ``B-``); the decoder here reads both.

A CoNLL document becomes a :class:`CorpusDocument` whose text is its tokens joined by one
space, sentences joined by ``\\n``; span offsets index that text, ``end`` inclusive.
"""

from __future__ import annotations

import bisect
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from clinical_ner.corpora.brat import read_text
from clinical_ner.corpora.document import (
    CorpusDocument,
    CorpusFormatError,
    GoldSpan,
    NoCorpusFilesError,
)
from clinical_ner.labels import OUTSIDE

# Tag <-> chunk conversion lives in clinical_ner.tags; these names are re-exported for
# code that imported them from here.
from clinical_ner.tags import chunk_spans as tags_to_spans
from clinical_ner.tags import spans_to_tags

DOCSTART = "-DOCSTART-"


@dataclass(slots=True)
class ConllToken:
    """One token line; ``pos`` and ``chunk`` are ``-X-`` when the file has none."""

    text: str
    tag: str = OUTSIDE
    pos: str = "-X-"
    chunk: str = "-X-"


@dataclass(slots=True)
class ConllDocument:
    """Sentences of tokens; ``id`` is ``<file stem>:<document number>``."""

    id: str
    sentences: list[list[ConllToken]] = field(default_factory=list)


def parse_conll(content: str, name: str = "conll") -> list[ConllDocument]:
    """Parse CoNLL content into documents.

    Without any ``-DOCSTART-`` line the whole content is one document.

    Raises:
        CorpusFormatError: a token line has a single column (no tag), naming the line.
    """
    docs: list[ConllDocument] = []
    current: ConllDocument | None = None
    sentence: list[ConllToken] = []

    def close_sentence() -> None:
        nonlocal sentence, current
        if sentence:
            if current is None:
                current = ConllDocument(f"{name}:{len(docs)}")
                docs.append(current)
            current.sentences.append(sentence)
            sentence = []

    for number, raw in enumerate(content.split("\n"), start=1):
        cols = raw.split()
        if not cols:
            close_sentence()
            continue
        if cols[0] == DOCSTART:
            close_sentence()
            current = ConllDocument(f"{name}:{len(docs)}")
            docs.append(current)
            continue
        if len(cols) < 2:
            raise CorpusFormatError(
                f"{name} line {number}: a token line needs at least 'token label' columns"
            )
        pos = cols[1] if len(cols) >= 4 else "-X-"
        chunk = cols[2] if len(cols) >= 4 else "-X-"
        sentence.append(ConllToken(cols[0], cols[-1], pos, chunk))
    close_sentence()
    return [doc for doc in docs if doc.sentences]


def read_conll_file(path: str | Path) -> list[ConllDocument]:
    """Read one CoNLL file (UTF-8)."""
    path = Path(path)
    return parse_conll(read_text(path), name=path.stem)


def conll_to_document(doc: ConllDocument, source: str = "conll") -> CorpusDocument:
    """A :class:`CorpusDocument` over the tokens joined by spaces, sentences by ``\\n``.

    Entities never cross a sentence boundary (each sentence is decoded on its own).
    """
    pieces: list[str] = []
    spans: list[GoldSpan] = []
    offset = 0
    for s_index, sentence in enumerate(doc.sentences):
        if s_index:
            pieces.append("\n")
            offset += 1
        starts = []
        for t_index, token in enumerate(sentence):
            if t_index:
                pieces.append(" ")
                offset += 1
            starts.append(offset)
            pieces.append(token.text)
            offset += len(token.text)
        for first, last, label in tags_to_spans([t.tag for t in sentence]):
            begin, end = starts[first], starts[last] + len(sentence[last].text) - 1
            spans.append(GoldSpan(begin, end, label, "", id=f"{doc.id}:{len(spans)}"))
    text = "".join(pieces)
    for span in spans:
        span.text = text[span.begin : span.end + 1]
    return CorpusDocument(id=doc.id, text=text, spans=spans, source=source)


def find_conll_files(path: str | Path) -> list[Path]:
    """CoNLL files under ``path`` (``*.conll``, ``*.txt``, ``*.iob``, ``*.bio``; or the file
    itself), sorted.

    Raises:
        NoCorpusFilesError: when there are none.
    """
    path = Path(path)
    if path.is_file():
        return [path]
    files = (
        sorted(
            p
            for p in path.rglob("*")
            if p.is_file() and p.suffix.lower() in {".conll", ".txt", ".iob", ".bio"}
        )
        if path.is_dir()
        else []
    )
    if not files:
        raise NoCorpusFilesError(
            f"no CoNLL files (.conll, .txt, .iob, .bio) under {path}; pass a CoNLL file or "
            "a folder of them"
        )
    return files


def read_conll(path: str | Path) -> list[CorpusDocument]:
    """Read every CoNLL file under ``path`` into :class:`CorpusDocument` objects."""
    return [
        conll_to_document(doc) for file in find_conll_files(path) for doc in read_conll_file(file)
    ]


def format_conll(docs: Iterable[ConllDocument], scheme: str = "IOB2", docstart: bool = True) -> str:
    """CoNLL content for ``docs``, tags rewritten into ``scheme`` (``"IOB1"``/``"IOB2"``).

    Token text must not contain whitespace (the columns are space-separated).

    Raises:
        CorpusFormatError: a token is empty or contains whitespace.
    """
    out: list[str] = []
    for doc in docs:
        if docstart:
            out.append(f"{DOCSTART} -X- -X- {OUTSIDE}\n\n")
        for sentence in doc.sentences:
            tags = spans_to_tags(len(sentence), tags_to_spans([t.tag for t in sentence]), scheme)
            for token, tag in zip(sentence, tags, strict=True):
                if not token.text or any(ch.isspace() for ch in token.text):
                    raise CorpusFormatError(
                        f"document {doc.id}: a token is empty or holds whitespace; CoNLL "
                        "columns are space-separated, so replace it before writing"
                    )
                out.append(f"{token.text} {token.pos} {token.chunk} {tag}\n")
            out.append("\n")
    return "".join(out)


def write_conll(
    docs: Iterable[ConllDocument], path: str | Path, scheme: str = "IOB2", docstart: bool = True
) -> None:
    """Write ``docs`` to ``path`` as CoNLL (see :func:`format_conll`), UTF-8, ``\\n``."""
    content = format_conll(docs, scheme=scheme, docstart=docstart)
    with open(path, "w", newline="", encoding="utf-8") as handle:
        handle.write(content)


def document_to_conll(
    doc: CorpusDocument,
    sentence_bounds: Sequence[tuple[int, int]],
    token_bounds: Sequence[tuple[int, int]],
) -> tuple[ConllDocument, Counter[str]]:
    """Tag a document's tokens from its gold spans (IOB2).

    Args:
        doc: the document; spans must not overlap (flatten them first).
        sentence_bounds: ``(begin, end)`` inclusive char offsets of sentences in order.
        token_bounds: ``(begin, end)`` inclusive char offsets of tokens in order.

    A span is tagged on every token it touches. Counts returned: ``"spans"``,
    ``"boundary_inside_token"`` (a span starts or ends inside a token, so its tags cover
    more text than the gold span), ``"no_token"`` (a span touching no token, dropped) and
    ``"crosses_sentence"`` (tagged as one entity per sentence piece). Whitespace inside a
    token is replaced by ``_`` (counted ``"token_whitespace"``) so the file stays valid.
    """
    counts: Counter[str] = Counter()
    tags = [OUTSIDE] * len(token_bounds)
    starts = [b for b, _ in token_bounds]
    for span in doc.spans:
        counts["spans"] += 1
        lo = bisect.bisect_right(starts, span.begin) - 1
        lo = max(lo, 0)
        while lo < len(token_bounds) and token_bounds[lo][1] < span.begin:
            lo += 1
        hi = lo
        touched = []
        while hi < len(token_bounds) and token_bounds[hi][0] <= span.end:
            touched.append(hi)
            hi += 1
        if not touched:
            counts["no_token"] += 1
            continue
        if token_bounds[touched[0]][0] != span.begin or token_bounds[touched[-1]][1] != span.end:
            counts["boundary_inside_token"] += 1
        for i in touched:
            tags[i] = f"I-{span.label}"
        tags[touched[0]] = f"B-{span.label}"
    sentences: list[list[ConllToken]] = []
    t = 0
    for s_begin, s_end in sentence_bounds:
        sentence: list[ConllToken] = []
        while t < len(token_bounds) and token_bounds[t][0] <= s_end:
            if token_bounds[t][0] >= s_begin:
                b, e = token_bounds[t]
                text = doc.text[b : e + 1]
                if any(ch.isspace() for ch in text):
                    counts["token_whitespace"] += 1
                    text = "".join("_" if ch.isspace() else ch for ch in text)
                tag = tags[t]
                if tag.startswith("I-") and not sentence and t > 0 and tags[t - 1] != OUTSIDE:
                    counts["crosses_sentence"] += 1
                    tag = "B-" + tag[2:]
                sentence.append(ConllToken(text, tag))
            t += 1
        if sentence:
            sentences.append(sentence)
    return ConllDocument(doc.id, sentences), counts
