"""The header lexicon of :class:`~clinical_ner.annotators.section_detector.SectionDetector`.

The lexicon is a UTF-8, tab-separated text file, one header variant a line::

    variant<TAB>name[<TAB>kind]

- ``variant``: the header's words as a note writes them ("History of Present Illness",
  "HPI", "A/P"); matched case-insensitively after :func:`normalize_header` (``&`` reads as
  ``and``, hyphens and runs of spaces as one space, a trailing colon is dropped).
- ``name``: the canonical section name, snake_case (``history_of_present_illness``).
- ``kind``: ``section`` (default); ``subsection``, a header inside a section (an exam's
  "Lungs:", a review of systems' "HEENT:"), which never becomes an entity but leaves the
  enclosing section's name in place (its own name goes in the metadata ``subsection``); or
  ``not_header``, a phrase that is never a header even written like one ("BP: 120/80",
  "HIV: negative"); its name is ``-``.

Blank lines and lines starting with ``#`` are ignored; a later line for the same variant
wins, so a user's file can re-map a bundled variant. The bundled lexicon is
``clinical_ner/data/section_lexicon.tsv``; ``SectionDetector.setLexicon(path)`` replaces it
and ``addSections(...)`` adds variants.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from clinical_ner.annotators.lexicon_file import LexiconFile
from clinical_ner.errors import ConfigurationError

SECTION = "section"
SUBSECTION = "subsection"
NOT_HEADER = "not_header"
KINDS = (SECTION, SUBSECTION, NOT_HEADER)
#: The name of text before the first header.
UNKNOWN = "unknown"
#: The name of a header that looks like one (capitals and a colon) but is not in the lexicon.
OTHER = "other"

_NAME = re.compile(r"[a-z][a-z0-9_]*")
_SEPARATORS = re.compile(r"[\s\-_]+")


class SectionLexiconError(ConfigurationError):
    """A section lexicon file or entry breaks the format in this module's docstring."""


@dataclass(frozen=True, slots=True)
class SectionEntry:
    """One lexicon line: a header ``variant``, its canonical ``name`` and its ``kind``."""

    variant: str
    name: str
    kind: str = SECTION

    def to_list(self) -> list[str]:
        """``[variant, name, kind]``, JSON-ready (stage parameters)."""
        return [self.variant, self.name, self.kind]


def normalize_header(text: str) -> str:
    """The lookup key of a header: lower case, ``&`` as ``and``, hyphens, underscores and
    whitespace runs as one space, no trailing colon or outer spaces."""
    text = text.strip().rstrip(":").strip().lower().replace("&", " and ")
    return _SEPARATORS.sub(" ", text).strip()


def make_entry(variant: str, name: str, kind: str = SECTION, where: str = "entry") -> SectionEntry:
    """A validated :class:`SectionEntry`; ``where`` names the source in error messages."""
    variant = " ".join(str(variant).split())
    kind = (str(kind).strip().lower() or SECTION) if kind is not None else SECTION
    name = str(name).strip()
    if not normalize_header(variant):
        raise SectionLexiconError(f"{where}: the header variant is empty")
    if kind not in KINDS:
        raise SectionLexiconError(f"{where}: unknown kind {kind!r}; use one of {', '.join(KINDS)}")
    if kind == NOT_HEADER:
        name = "-"
    elif not _NAME.fullmatch(name):
        raise SectionLexiconError(
            f"{where}: section name {name!r} must be snake_case (lower-case letters, digits, _)"
        )
    return SectionEntry(variant, name, kind)


#: The lexicon file format (module docstring): its entries, each checked by ``make_entry``; a bad
#: line raises :class:`SectionLexiconError` naming the file and the line.
_ENTRIES_FILE: LexiconFile[SectionEntry] = LexiconFile(
    "section lexicon", "section_lexicon.tsv", (2, 3),
    "variant, name[, kind]", SectionLexiconError, make_entry,
)
#: ``parse_lexicon(content, source="lexicon")``: the entries of a file's content.
parse_lexicon = _ENTRIES_FILE.parse
#: ``bundled_lexicon_path()``: the file shipped in the package.
bundled_lexicon_path = _ENTRIES_FILE.bundled_path
#: ``load_lexicon(path=None)``: the entries of the file at ``path`` (the bundled one when None).
load_lexicon = _ENTRIES_FILE.load


@lru_cache(maxsize=1)
def bundled_entries() -> tuple[SectionEntry, ...]:
    """The bundled lexicon, read once per process."""
    return tuple(load_lexicon())


def canonical_names(entries: tuple[SectionEntry, ...] | list[SectionEntry] | None = None) -> list[str]:
    """The section names a lexicon (default: the bundled one) can give, sorted."""
    entries = bundled_entries() if entries is None else entries
    return sorted({e.name for e in entries if e.kind == SECTION})
