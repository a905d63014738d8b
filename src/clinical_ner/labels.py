"""The label vocabulary, defined once: entity types, the outside tag and assertion classes.

Every reader, writer, model and report takes these names from here, so a corpus, a tag
sequence and a served answer always spell a label the same way.
"""

from __future__ import annotations

from typing import Literal, get_args

PROBLEM = "PROBLEM"
TEST = "TEST"
TREATMENT = "TREATMENT"
#: The three entity types of ``ner_clinical``, in the order reports list them.
ENTITY_TYPES: tuple[str, ...] = (PROBLEM, TEST, TREATMENT)

#: The tag of a token outside every entity (IOB1, IOB2 and BIOES alike).
OUTSIDE = "O"

#: The i2b2 2010 assertion classes, as a type so that a schema (the REST service's) can
#: declare them; :data:`ASSERTION_CLASSES` reads the same names back from it.
AssertionStatus = Literal[
    "present", "absent", "possible", "conditional", "hypothetical", "associated_with_someone_else"
]
#: The six assertion classes, in the order reports list them.
ASSERTION_CLASSES: tuple[str, ...] = get_args(AssertionStatus)
PRESENT, ABSENT, POSSIBLE, CONDITIONAL, HYPOTHETICAL, SOMEONE_ELSE = ASSERTION_CLASSES

__all__ = [
    "ABSENT", "ASSERTION_CLASSES", "CONDITIONAL", "ENTITY_TYPES", "HYPOTHETICAL", "OUTSIDE",
    "POSSIBLE", "PRESENT", "PROBLEM", "SOMEONE_ELSE", "TEST", "TREATMENT", "AssertionStatus",
]
