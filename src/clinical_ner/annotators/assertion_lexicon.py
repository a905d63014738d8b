"""The trigger lexicon of :class:`~clinical_ner.annotators.assertion.ContextualAssertion`.

The lexicon is a UTF-8, tab-separated text file, one rule a line::

    phrase<TAB>category<TAB>direction[<TAB>window]

- ``phrase``: one or more words, matched case-insensitively against the annotator's own
  word tokens (runs of letters/digits, or single punctuation characters), so ``"r/o"`` is
  the three tokens ``r``, ``/``, ``o`` and ``"gram-negative"`` is ``gram``, ``-``,
  ``negative``; spacing inside the phrase does not matter.
- ``category``: the assertion class the trigger gives to the problems in its scope
  (``absent``, ``possible``, ``hypothetical``, ``conditional``,
  ``associated_with_someone_else``), or ``pseudo`` (a phrase that contains a trigger but is
  none, e.g. ``no increase``, ``gram negative``: it hides the trigger inside it from the
  chunks outside the phrase, while a chunk inside it is still reached, so "without
  [improvement]" is absent), or
  ``terminate`` (a word that ends every scope that reaches it: ``but``, ``however``).
- ``direction``: ``forward`` (scope runs after the trigger: "no fever"), ``backward``
  (before it: "fever resolved"), or ``both``; ignored for ``pseudo`` and ``terminate``.
  ``section`` makes a section rule: the phrase is a canonical section name (from the
  SectionDetector, in each chunk's ``section`` metadata) and the category is the class of
  every assessed chunk of that section that no trigger reaches ("family_history
  associated_with_someone_else section": "FAMILY HISTORY: Diabetes." is about someone
  else, while "FAMILY HISTORY: No diabetes." stays absent).
- ``window``: optional, the largest scope of this rule in word tokens (punctuation does
  not count); empty means the stage's ``scopeWindow``.

Blank lines and lines starting with ``#`` are ignored. The same phrase may appear in
several rules (``ruled out`` is ``absent`` in both directions). The bundled lexicon,
``clinical_ner/data/assertion_lexicon.tsv``, was written for this project from the
ConText paper (Harkema et al., J Biomed Inform 2009) and clinical usage; copy it, edit it and
pass it to ``ContextualAssertion.setLexicon(path)``, or add rules with ``addTriggers``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from clinical_ner.annotators.lexicon_file import LexiconFile
from clinical_ner.errors import ConfigurationError

# The assertion classes live in clinical_ner.labels; re-exported for old imports.
from clinical_ner.labels import ABSENT as ABSENT
from clinical_ner.labels import ASSERTION_CLASSES as ASSERTION_CLASSES
from clinical_ner.labels import CONDITIONAL as CONDITIONAL
from clinical_ner.labels import HYPOTHETICAL as HYPOTHETICAL
from clinical_ner.labels import POSSIBLE as POSSIBLE
from clinical_ner.labels import PRESENT as PRESENT
from clinical_ner.labels import SOMEONE_ELSE as SOMEONE_ELSE

PSEUDO = "pseudo"
TERMINATE = "terminate"
#: Every category a lexicon rule may have.
CATEGORIES: tuple[str, ...] = (*ASSERTION_CLASSES[1:], PSEUDO, TERMINATE)
#: The direction of a section rule: its phrase is a section name (``family_history``) and its
#: category the class of the assessed chunks of that section that no trigger reaches.
SECTION_RULE = "section"
DIRECTIONS: tuple[str, ...] = ("forward", "backward", "both", SECTION_RULE)

#: The word tokens of a sentence or a phrase: letter/digit runs (with an inner apostrophe,
#: "patient's") or one other non-space character.
TOKEN_RE = re.compile(r"[^\W_]+(?:'[^\W_]+)?|\S", re.UNICODE)


class LexiconFormatError(ConfigurationError):
    """A lexicon file or rule breaks the format in this module's docstring."""


@dataclass(frozen=True, slots=True)
class LexiconRule:
    """One trigger rule: ``phrase`` (as written), ``category``, ``direction``, and
    ``window`` (word tokens, or ``None`` for the stage's default)."""

    phrase: str
    category: str
    direction: str = "forward"
    window: int | None = None

    @property
    def tokens(self) -> tuple[str, ...]:
        """The phrase as lower-cased word tokens."""
        return tuple(t.lower() for t in TOKEN_RE.findall(self.phrase))

    def to_list(self) -> list[str | int | None]:
        """``[phrase, category, direction, window]``, JSON-ready (stage parameters)."""
        return [self.phrase, self.category, self.direction, self.window]


def make_rule(phrase: str, category: str, direction: str = "forward",
              window: int | str | None = None, where: str = "rule") -> LexiconRule:
    """A validated :class:`LexiconRule`; ``where`` names the source in error messages."""
    phrase = " ".join(str(phrase).split())
    category = str(category).strip().lower()
    direction = str(direction or "forward").strip().lower()
    if not TOKEN_RE.findall(phrase):
        raise LexiconFormatError(f"{where}: the phrase is empty")
    if category not in CATEGORIES:
        raise LexiconFormatError(
            f"{where}: unknown category {category!r}; use one of {', '.join(CATEGORIES)}"
        )
    if direction not in DIRECTIONS:
        raise LexiconFormatError(
            f"{where}: unknown direction {direction!r}; use one of {', '.join(DIRECTIONS)}"
        )
    if window in (None, ""):
        size = None
    else:
        try:
            size = int(window)
        except (TypeError, ValueError):
            raise LexiconFormatError(f"{where}: window {window!r} is not a whole number") from None
        if size < 1:
            raise LexiconFormatError(f"{where}: window must be at least 1 word")
    return LexiconRule(phrase, category, direction, size)


#: The lexicon file format (module docstring): its rules, each checked by ``make_rule``; a bad
#: line raises :class:`LexiconFormatError` naming the file and the line.
_RULES_FILE: LexiconFile[LexiconRule] = LexiconFile(
    "assertion lexicon", "assertion_lexicon.tsv", (3, 4),
    "phrase, category, direction[, window]", LexiconFormatError, make_rule,
)
#: ``parse_lexicon(content, source="lexicon")``: the rules of a file's content.
parse_lexicon = _RULES_FILE.parse
#: ``bundled_lexicon_path()``: the file shipped in the package.
bundled_lexicon_path = _RULES_FILE.bundled_path
#: ``load_lexicon(path=None)``: the rules of the file at ``path`` (the bundled one when None).
load_lexicon = _RULES_FILE.load


def format_lexicon(rules: list[LexiconRule]) -> str:
    """The file content of ``rules`` (the inverse of :func:`parse_lexicon`)."""
    lines = []
    for rule in rules:
        fields = [rule.phrase, rule.category, rule.direction]
        if rule.window is not None:
            fields.append(str(rule.window))
        lines.append("\t".join(fields))
    return "\n".join(lines) + "\n"
