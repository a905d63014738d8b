"""i2b2 2010 concept format: read ``.txt`` + ``.con`` into char offsets, write ``.con``.

The format (2010 i2b2/VA concept extraction):

* ``record.txt``: one sentence per line, tokens separated by whitespace;
* ``record.con``: one concept per line, ``c="chest pain" 12:3 12:4||t="problem"``, where
  ``12`` is the 1-based LINE number and ``3``/``4`` are the 0-based indices of the first
  and last TOKEN (inclusive) on that line; the concept text is the tokens, lowercased,
  joined by one space.

Reading converts to character offsets into the ``.txt`` text as read without newline
translation, ``end`` inclusive. Writing maps spans back to line:token positions, so our
predictions on i2b2 text can be scored with the official i2b2 tools. Tokens are runs of
characters other than ASCII whitespace (space, tab, CR, LF, FF, VT), as the i2b2 tools
split them; a no-break space stays inside a token.

This module is tested with synthetic files only; i2b2 data is licensed and never used.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

from clinical_ner.corpora.brat import read_text
from clinical_ner.corpora.document import (
    CLINICAL_LABELS,
    CorpusDocument,
    GoldSpan,
    NoCorpusFilesError,
)

logger = logging.getLogger(__name__)

_TOKEN = re.compile(r"[^ \t\r\n\f\v]+")
_CONCEPT = re.compile(
    r'^c="(?P<text>.*)" (?P<l1>\d+):(?P<t1>\d+) (?P<l2>\d+):(?P<t2>\d+)\|\|t="(?P<type>[^"]*)"$'
)


def line_tokens(text: str) -> list[list[tuple[int, int]]]:
    """Token offsets per line: ``result[line][token] == (begin, end)``, 0-based line and
    token indices, character offsets into ``text`` with INCLUSIVE ends."""
    result: list[list[tuple[int, int]]] = []
    start = 0
    for line in text.split("\n"):
        result.append([(start + m.start(), start + m.end() - 1) for m in _TOKEN.finditer(line)])
        start += len(line) + 1
    return result


def _normalise(text: str) -> str:
    return " ".join(text.split()).lower()


def _drop(dropped: Counter[str], reason: str, source: str, number: int) -> None:
    """Count a dropped ``.con`` line; its file, line and reason go to the DEBUG log
    (``clinical-ner ... --verbose``), the counts to the INFO summary."""
    dropped[reason] += 1
    logger.debug("%s, line %d: %s", source, number, reason)


def parse_con(doc_id: str, text: str, con: str, source: str | None = None) -> CorpusDocument:
    """Parse ``.con`` content against its ``.txt`` text.

    Spans keep the ``.con`` line order (so writing them back reproduces the file), carry
    ``PROBLEM``/``TEST``/``TREATMENT`` (other types upper-cased), and have ids
    ``"<doc_id>:<con line number>"``. A line that does not parse, points outside the
    text, or whose ``c="..."`` text differs (case and spacing aside) from the tokens it
    points at is skipped and counted in ``dropped`` (``"malformed_line"``,
    ``"bad_position"``, ``"text_mismatch"``).
    """
    tokens = line_tokens(text)
    spans: list[GoldSpan] = []
    dropped: Counter[str] = Counter()
    for number, raw in enumerate(con.split("\n"), start=1):
        line = raw.removesuffix("\r")
        if not line.strip():
            continue
        match = _CONCEPT.match(line)
        if match is None:
            _drop(dropped, "malformed_line", source or doc_id, number)
            continue
        l1, t1, l2, t2 = (int(match.group(g)) for g in ("l1", "t1", "l2", "t2"))
        try:
            if l1 < 1 or l2 < 1 or t1 < 0 or t2 < 0:
                raise IndexError
            begin = tokens[l1 - 1][t1][0]
            end = tokens[l2 - 1][t2][1]
        except IndexError:
            _drop(dropped, "bad_position", source or doc_id, number)
            continue
        if end < begin:
            _drop(dropped, "bad_position", source or doc_id, number)
            continue
        if _normalise(text[begin : end + 1]) != _normalise(match.group("text")):
            _drop(dropped, "text_mismatch", source or doc_id, number)
            continue
        label = match.group("type").upper()
        spans.append(
            GoldSpan(
                begin,
                end,
                label,
                text[begin : end + 1],
                id=f"{doc_id}:{number}",
                source_label=match.group("type"),
            )
        )
    return CorpusDocument(
        id=doc_id,
        text=text,
        spans=spans,
        known_labels=CLINICAL_LABELS,
        dropped=dict(dropped),
        source="i2b2",
    )


def read_i2b2_document(txt_path: str | Path, con_path: str | Path) -> CorpusDocument:
    """Read one ``.txt``/``.con`` pair (see :func:`parse_con`)."""
    return parse_con(Path(txt_path).stem, read_text(txt_path), read_text(con_path), str(con_path))


def find_i2b2_pairs(path: str | Path) -> list[tuple[Path, Path]]:
    """``(.txt, .con)`` pairs under ``path``, matched by file stem anywhere in the tree
    (the i2b2 release keeps ``txt/`` and ``concept/`` in sibling folders), sorted.

    Raises:
        NoCorpusFilesError: when no ``.con`` file has a ``.txt`` of the same stem.
    """
    path = Path(path)
    if not path.is_dir():
        raise NoCorpusFilesError(
            f"{path} is not a folder; pass the folder of i2b2 .txt and .con files"
        )
    texts: dict[str, Path] = {}
    for txt in sorted(path.rglob("*.txt")):
        texts.setdefault(txt.stem, txt)
    pairs = [(texts[con.stem], con) for con in sorted(path.rglob("*.con")) if con.stem in texts]
    if not pairs:
        raise NoCorpusFilesError(
            f"no i2b2 .con files with a .txt of the same name under {path}; pass the folder "
            "holding the 2010 concept files (record.txt + record.con)"
        )
    return pairs


def read_i2b2(path: str | Path) -> list[CorpusDocument]:
    """Read every ``.txt``/``.con`` pair under ``path``."""
    return [read_i2b2_document(txt, con) for txt, con in find_i2b2_pairs(path)]


def format_con(
    doc: CorpusDocument, spans: Iterable[GoldSpan] | None = None, lowercase: bool = True
) -> tuple[str, Counter[str]]:
    """The ``.con`` content for ``spans`` (default ``doc.spans``) over ``doc.text``.

    Each span becomes the tokens it touches: a span that starts or ends inside a token is
    widened to the whole token (counted ``"widened_to_token"``), since the format can only
    point at whole tokens; a span covering no token is skipped (``"no_token"``). Lines
    keep the span order; types are written lower-case (``t="problem"``).

    Returns:
        ``(content, counts)``: the file content (one line per concept, ``\\n`` endings) and
        the counts above.
    """
    tokens = line_tokens(doc.text)
    flat = [(b, e, li, ti) for li, line in enumerate(tokens) for ti, (b, e) in enumerate(line)]
    counts: Counter[str] = Counter()
    lines: list[str] = []
    for span in doc.spans if spans is None else spans:
        touched = [t for t in flat if t[0] <= span.end and span.begin <= t[1]]
        if not touched:
            counts["no_token"] += 1
            continue
        first, last = touched[0], touched[-1]
        if first[0] != span.begin or last[1] != span.end:
            counts["widened_to_token"] += 1
        words = " ".join(doc.text[b : e + 1] for b, e, _, _ in touched)
        if lowercase:
            words = words.lower()
        lines.append(
            f'c="{words}" {first[2] + 1}:{first[3]} {last[2] + 1}:{last[3]}||t="{span.label.lower()}"'
        )
    return "".join(line + "\n" for line in lines), counts


def write_con(
    doc: CorpusDocument,
    path: str | Path,
    spans: Iterable[GoldSpan] | None = None,
    lowercase: bool = True,
) -> Counter[str]:
    """Write ``doc``'s spans (or ``spans``) as an i2b2 ``.con`` file; see :func:`format_con`.

    Returns the counts of spans widened to whole tokens or skipped.
    """
    content, counts = format_con(doc, spans, lowercase=lowercase)
    with open(path, "w", newline="", encoding="utf-8") as handle:
        handle.write(content)
    if counts:
        logger.info("%s: .con written with %s", Path(path).name, dict(counts))
    return counts
