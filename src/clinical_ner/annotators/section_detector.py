"""SectionDetector: ``document`` annotations -> one ``section`` annotation per section.

Clinical notes are organised under headers ("CHIEF COMPLAINT:", "Hospital Course:",
"PHYSICAL EXAMINATION"). The detector finds them, names each with a canonical snake_case
name from its lexicon (:mod:`clinical_ner.annotators.section_lexicon`), and writes one
annotation per section: ``begin``/``end`` of the whole section (the header and its body,
outer whitespace and commas trimmed, ``end`` inclusive, ``text[begin:end + 1] == result``)
and metadata ``name``, ``header`` (as written, with its colon), ``header_begin``,
``header_end`` (character offsets, end inclusive) and, for a sub-header such as an exam's
"Lungs:", ``subsection`` (its own name; ``name`` stays the enclosing section's). Text before
the first header is section ``unknown`` with ``header`` empty and offsets ``-1``.

What is a header:

1. **With a colon**: a phrase of at most 80 characters ending in ``:`` (not a time or ratio
   like ``10:30``), starting at a boundary: the start of the text or a line, after a
   sentence end (". PLAN: ..."), after another header's colon, or after a comma (the
   MTSamples export, where line breaks became commas: ``",HEADER: ,"``). It may carry a
   list number ("1. HISTORY:", "II. EXAM:"). Then:

   - a phrase in the lexicon is a header, unless its kind is ``not_header`` ("BP: 120/80",
     "HIV: negative"). After a sentence end or comma it must start with a capital, and
     after a comma inside running text be in capitals with at least 4 letters; a
     variant of one or two letters ("S:", "PE:") must not be followed by a measurement
     ("P: 80 R: 16"; "S: 35 yo F" is a header);
   - a phrase in capitals that is not in the lexicon is a header named ``other`` when it
     has at least 4 letters and either two words or 6 letters, is not numbered (that is a
     list item: "1. COPD: continue inhalers"), starts a line, follows a sentence end or
     another header, and is not followed by a number;
   - a phrase with commas ("SOCIAL HISTORY, FAMILY HISTORY, AND PAST MEDICAL HISTORY:")
     is one header when every part is in the lexicon (named after the first part);
     otherwise only its last part can be a header ("..., Lungs: clear").

2. **Alone on its line without a colon**: a lexicon phrase written in capitals or with a
   capital first letter, at least 3 characters ("PHYSICAL EXAMINATION", "Hospital Course").

Everything else, such as an all-caps drug or diagnosis inside a sentence, is not a header.
Every step is one regular-expression pass whose matches are bounded (80 characters), so
the stage is linear in the text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from clinical_ner.annotation import Annotation, AnnotatorType
from clinical_ner.annotators.section_lexicon import (
    NOT_HEADER,
    OTHER,
    SECTION,
    SUBSECTION,
    UNKNOWN,
    SectionEntry,
    bundled_entries,
    load_lexicon,
    make_entry,
    normalize_header,
)
from clinical_ner.errors import ConfigurationError
from clinical_ner.stage import Param, Transformer

# A colon header: a boundary, up to 8 spaces/commas, an optional list number, the phrase
# (a letter, then at most 79 characters without a line break, period or colon), the colon.
_COLON_HEADER = re.compile(
    r"(?:^|(?<=[\n\r.!?:;,]))"
    r"(?P<lead>[ \t,]{0,8})"
    r"(?P<number>(?:\d{1,2}|[IVX]{1,4})[.)][ \t]+)?"
    r"(?P<phrase>[^\W\d_][^\n\r.:;!?]{0,79}?)"
    r"[ \t]*:(?![\d/])",
    re.MULTILINE,
)
# A header alone on its line, without a colon.
_LINE_HEADER = re.compile(r"^[ \t]*(?P<phrase>[^\W\d_][^\n\r:]{1,59}?)[ \t\r]*$", re.MULTILINE)
VITAL_SIGNS, PHYSICAL_EXAM = "vital_signs", "physical_exam"
_WORD = re.compile(r"[^\W\d_]+")
# A value right after the colon ("BP: 120/80"), not a list that starts the body (",1.  X").
_NEXT_VALUE = re.compile(r"[ \t]*\d(?![.)][ \t])")
# A measurement after a one- or two-letter label ("P: 80 R: 16"), not "S: 35 yo F ...".
_NEXT_MEASUREMENT = re.compile(r"[ \t,]*\d[\d./]*(?![\d./])(?![ \t]*[a-z]{2})")


@dataclass(frozen=True, slots=True)
class Header:
    """A header found in a text: ``begin``/``end`` (end exclusive, relative to the text
    searched), the section ``name``, and ``subsection`` for a sub-header."""

    begin: int
    end: int
    name: str
    subsection: str | None = None


class HeaderFinder:
    """Finds headers in a text with one lexicon (see the module docstring for the rules)."""

    def __init__(self, entries: Iterable[SectionEntry], detect_unknown: bool = True) -> None:
        self.lexicon: dict[str, SectionEntry] = {}
        for entry in entries:
            self.lexicon[normalize_header(entry.variant)] = entry
        self.detect_unknown = detect_unknown

    def find(self, text: str) -> list[Header]:
        """Headers of ``text`` in text order, never overlapping."""
        found = [h for m in _COLON_HEADER.finditer(text) if (h := self._colon_header(text, m))]
        found += [h for m in _LINE_HEADER.finditer(text) if (h := self._line_header(m))]
        found.sort(key=lambda h: h.begin)
        out: list[Header] = []
        for header in found:
            if not out or header.begin >= out[-1].end:
                out.append(header)
        return out

    # ----- with a colon -----------------------------------------------------------------
    def _colon_header(self, text: str, match: re.Match) -> Header | None:
        phrase = match.group("phrase")
        start, colon = match.start("phrase"), match.end() - 1
        if "," in phrase:
            return self._comma_phrase(text, match)
        boundary = self._boundary(text, match.start(), match.group("lead"))
        numbered = match.group("number") is not None
        begin = match.start("number") if numbered else start
        entry = self.lexicon.get(normalize_header(phrase))
        if entry is not None:
            return self._lexicon_header(text, entry, phrase, begin, colon, boundary)
        if numbered or not self._unknown_ok(text, phrase, colon, boundary):
            return None
        return Header(begin, colon + 1, OTHER)

    def _comma_phrase(self, text: str, match: re.Match) -> Header | None:
        phrase, start, colon = match.group("phrase"), match.start("phrase"), match.end() - 1
        parts = phrase.split(",")
        entries = [self.lexicon.get(normalize_header(re.sub(r"^\s*and\s+", "", p, flags=re.I)))
                   for p in parts]
        if all(e is not None and e.kind == SECTION for e in entries) and match.group("number") is None:
            boundary = self._boundary(text, match.start(), match.group("lead"))
            if boundary != "inside" and phrase[:1].isupper():
                return Header(start, colon + 1, entries[0].name)  # type: ignore[union-attr]
        last = parts[-1]
        offset = start + len(phrase) - len(last)
        begin = offset + (len(last) - len(last.lstrip()))
        last = last.strip()
        if not last or not (last[0].isalpha()):
            return None
        entry = self.lexicon.get(normalize_header(last))
        if entry is not None:
            return self._lexicon_header(text, entry, last, begin, colon, "comma")
        if self._unknown_ok(text, last, colon, self._comma_boundary(text, offset - 1)):
            return Header(begin, colon + 1, OTHER)
        return None

    def _lexicon_header(self, text: str, entry: SectionEntry, phrase: str, begin: int,
                        colon: int, boundary: str) -> Header | None:
        if entry.kind == NOT_HEADER:
            return None
        # After a comma inside running text only a header in capitals counts (the MTSamples
        # form after a line without a period: "... 2.9 cm,INDICATION:").
        if boundary == "inside" and not (phrase.isupper() and sum(c.isalpha() for c in phrase) >= 4):
            return None
        if boundary != "line" and not phrase[:1].isupper():
            return None
        if len(normalize_header(phrase)) <= 2 and _NEXT_MEASUREMENT.match(text, colon + 1):
            return None
        if entry.kind == SUBSECTION:
            return Header(begin, colon + 1, "", entry.name)
        return Header(begin, colon + 1, entry.name)

    def _unknown_ok(self, text: str, phrase: str, colon: int, boundary: str) -> bool:
        if not self.detect_unknown or boundary == "inside":
            return False
        letters = sum(c.isalpha() for c in phrase)
        words = _WORD.findall(phrase)
        return (
            phrase.upper() == phrase
            and letters >= 4
            and (len(words) >= 2 or letters >= 6)
            and len(words) <= 6
            and not _NEXT_VALUE.match(text, colon + 1)
        )

    @staticmethod
    def _boundary(text: str, start: int, lead: str) -> str:
        """What the header follows: ``line`` (text or line start), ``sentence`` (a sentence
        end), ``header`` (another header's colon), ``comma`` (the MTSamples form, a comma
        after a sentence end or header), or ``inside`` (a comma inside a sentence)."""
        before = text[start - 1] if start > 0 else "\n"
        if before in "\n\r":
            return "line"
        if "," in lead or before == ",":
            return HeaderFinder._comma_boundary(text, start + lead.find(",") if "," in lead else start - 1)
        if before in ".!?":
            return "sentence"
        if before == ":":
            return "header"
        return "inside" if before == ";" else "sentence"

    @staticmethod
    def _comma_boundary(text: str, comma: int) -> str:
        """``comma`` when the comma at or before ``comma`` follows a sentence end, a colon,
        another comma or a line start (text in the MTSamples form), else ``inside``."""
        pos = comma
        while pos >= 0 and text[pos] in " \t,":
            pos -= 1
        if pos < 0 or text[pos] in "\n\r.!?:;)]\"'”’":
            return "comma"
        return "inside"

    # ----- alone on a line --------------------------------------------------------------
    def _line_header(self, match: re.Match) -> Header | None:
        phrase = match.group("phrase").rstrip()
        key = normalize_header(phrase)
        entry = self.lexicon.get(key)
        if entry is None or entry.kind == NOT_HEADER or len(key) < 3:
            return None
        words = _WORD.findall(phrase)
        capitalised = phrase.upper() == phrase or all(
            w[0].isupper() or w.lower() in ("of", "and", "the", "on", "at", "in", "to", "for")
            for w in words
        )
        if not capitalised:
            return None
        begin = match.start("phrase")
        end = begin + len(phrase)
        if entry.kind == SUBSECTION:
            return Header(begin, end, "", entry.name)
        return Header(begin, end, entry.name)


class SectionDetector(Transformer):
    """Finds section headers and writes one ``section`` annotation per section."""

    PARAMS = (
        Param("lexiconEntries", None,
              "the lexicon as [variant, name, kind] rows; None: the bundled lexicon"),
        Param("extraEntries", [], "variants added by addSections, same row format"),
        Param("detectUnknownHeaders", True,
              "an all-caps phrase with a colon that is not in the lexicon is a header 'other'"),
    )
    INPUT_TYPES = (AnnotatorType.DOCUMENT,)
    OUTPUT_TYPE = AnnotatorType.SECTION

    def __init__(self) -> None:
        super().__init__()
        self._set(inputCols=["document"], outputCol="section")

    # ----- parameters -------------------------------------------------------------------
    def setLexicon(self, path: str | Path | None) -> SectionDetector:
        """Replace the lexicon by the file at ``path`` (``None``: the bundled one). The file
        is read now and kept as parameters; variants from ``addSections`` stay."""
        if path is None:
            return self._set(lexiconEntries=None)
        return self._set(lexiconEntries=[e.to_list() for e in load_lexicon(path)])

    def addSections(self, variants: dict[str, str] | Iterable[Sequence[str]]) -> SectionDetector:
        """Add header variants: ``{"Interval Events": "hospital_course"}`` or rows
        ``[variant, name]`` / ``[variant, name, kind]`` (kind: section, subsection,
        not_header)."""
        rows = variants.items() if isinstance(variants, dict) else variants
        added = []
        for row in rows:
            if isinstance(row, str) or len(row) not in (2, 3):
                raise ConfigurationError(
                    f"addSections takes a dict or rows [variant, name(, kind)], got {row!r}"
                )
            added.append(make_entry(*row, where=f"addSections({row[0]!r})").to_list())  # type: ignore[misc]  # 2-3 fields, checked above
        return self._set(extraEntries=[*self.getOrDefault("extraEntries"), *added])

    def setDetectUnknownHeaders(self, value: bool) -> SectionDetector:
        return self._set(detectUnknownHeaders=bool(value))

    def getLexicon(self) -> list[SectionEntry]:
        """Every entry in use: the lexicon, then the added variants (later ones win)."""
        rows = self.getOrDefault("lexiconEntries")
        base = list(bundled_entries()) if rows is None else [make_entry(*r) for r in rows]
        return base + [make_entry(*r) for r in self.getOrDefault("extraEntries")]

    def _on_params_changed(self) -> None:
        self._finder: HeaderFinder | None = None

    def finder(self) -> HeaderFinder:
        """The compiled lexicon (built on first use, rebuilt when parameters change)."""
        finder = getattr(self, "_finder", None)
        if finder is None:
            finder = self._finder = HeaderFinder(
                self.getLexicon(), self.getOrDefault("detectUnknownHeaders")
            )
        return finder

    # ----- annotation -------------------------------------------------------------------
    def annotate(self, inputs: Sequence[list[Annotation]]) -> list[Annotation]:
        (documents,) = inputs
        out: list[Annotation] = []
        for doc in documents:
            out.extend(self.sections(doc.result, doc.begin))
        return out

    def sections(self, text: str, base: int = 0) -> list[Annotation]:
        """The section annotations of ``text``; offsets are shifted by ``base``."""
        headers = self.finder().find(text)
        out: list[Annotation] = []
        first = headers[0].begin if headers else len(text)
        span = _trim(text, 0, first)
        if span is not None:
            out.append(_section(text, base, span, UNKNOWN, None, None))
        # A sub-header ("Lungs:") belongs to the section around it; vital signs are part of
        # the examination, so a sub-header after them belongs to the examination.
        name = parent = UNKNOWN
        for i, header in enumerate(headers):
            stop = headers[i + 1].begin if i + 1 < len(headers) else len(text)
            if header.subsection is None:
                name = header.name
                if name != VITAL_SIGNS or parent != PHYSICAL_EXAM:
                    parent = name
            span = _trim(text, header.begin, stop)
            if span is not None:
                section_name = name if header.subsection is None else parent
                out.append(_section(text, base, span, section_name, header, header.subsection))
        return out


def _trim(text: str, start: int, stop: int) -> tuple[int, int] | None:
    """``(begin, end)`` exclusive of ``text[start:stop]`` without outer whitespace and
    commas, or ``None`` when nothing is left."""
    while start < stop and (text[start].isspace() or text[start] == ","):
        start += 1
    while stop > start and (text[stop - 1].isspace() or text[stop - 1] == ","):
        stop -= 1
    return (start, stop) if stop > start else None


def _section(text: str, base: int, span: tuple[int, int], name: str, header: Header | None,
             subsection: str | None) -> Annotation:
    begin, stop = span
    metadata = {
        "name": name,
        "header": text[header.begin : header.end] if header else "",
        "header_begin": str(base + header.begin) if header else "-1",
        "header_end": str(base + header.end - 1) if header else "-1",
    }
    if subsection is not None:
        metadata["subsection"] = subsection
    return Annotation(AnnotatorType.SECTION, base + begin, base + stop - 1, text[begin:stop], metadata)


def sentence_cuts(sections: Sequence[Annotation]) -> list[int]:
    """Offsets where a sentence must end: each section's start and the character after
    each header (a header never shares a sentence with its body, nor a section with the
    next). Sections without a header (``header_end`` -1) give a harmless cut at 0."""
    return [cut for s in sections for cut in (s.begin, int(s.metadata.get("header_end", "-1")) + 1)]


def header_spans(sections: Sequence[Annotation]) -> list[tuple[int, int]]:
    """``(begin, end)`` of every header in a ``section`` column, end inclusive, in order."""
    spans = []
    for section in sections:
        begin = int(section.metadata.get("header_begin", "-1"))
        if begin >= 0:
            spans.append((begin, int(section.metadata["header_end"])))
    spans.sort()
    return spans
