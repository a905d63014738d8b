"""Assertion status of chunks: the ConText engine (:mod:`.context`: trigger matching, scopes,
lists, over one sentence) and the stage that runs it (:mod:`.stage`:
:class:`ContextualAssertion`, its parameters and output). Every public name of the former
``annotators/assertion.py`` module is importable from here.
"""

from clinical_ner.annotators.assertion.context import (
    CLASS_PRIORITY,
    CLAUSE_WORDS,
    DEFAULT_WINDOW,
    LIST_CLASSES,
    LIST_FILLERS,
    LIST_JOINERS,
    LIST_MIN_WINDOW,
    LIST_NEUTRAL,
    NAMING_NEGATIONS,
)
from clinical_ner.annotators.assertion.stage import ContextualAssertion

__all__ = [
    "CLASS_PRIORITY",
    "CLAUSE_WORDS",
    "DEFAULT_WINDOW",
    "LIST_CLASSES",
    "LIST_FILLERS",
    "LIST_JOINERS",
    "LIST_MIN_WINDOW",
    "LIST_NEUTRAL",
    "NAMING_NEGATIONS",
    "ContextualAssertion",
]
