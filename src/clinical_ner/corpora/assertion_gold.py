"""Assertion gold from the public corpora: the i2b2 2010 class of each mapped gold span.

:func:`read_assertion_gold` reads a corpus with its usual mapping (MACCROBAT, Chia, or any
brat folder) and writes each span's class into ``span.attributes["assertion"]``. Spans keep
their brat ``T`` id, so the class is read from the raw brat annotations of that id (events
resolved to their trigger entity).

MACCROBAT (``POLARITY`` attributes on events and entities; ``Family_history`` and
``Subject`` entities):

=====================================================================  ===============================
annotation of the head entity                                          class
=====================================================================  ===============================
inside or overlapping a ``Family_history`` entity, or related to one    associated_with_someone_else
(any relation), or MODIFY-related to a ``Subject`` naming a relative
("mother", "her elder sister"; not "cardiologist", "another patient")
``POLARITY NEG``                                                        absent
``POLARITY UNCERTAIN``, ``MAYBE_POS``, ``MAYBE_NEG``                    possible
``POLARITY POS``, ``TREND *``, nothing                                  present
=====================================================================  ===============================

MACCROBAT has no hypothetical or conditional annotation; what i2b2 would call hypothetical
("prevention of infectious complications") is mostly ``UNCERTAIN`` there, so possible.

Checked on all 160 MACCROBAT documents (``POLARITY`` on an event is read from its trigger
entity): no entity carries two ``POLARITY`` values (from itself and an event), no two
events share a trigger, every ``POLARITY`` on a ``Sign_symptom`` or ``Disease_disorder``
lands on a PROBLEM chunk (of the 7 problem heads the mapping drops as overlaps or
discontinuous, 6 overlap a kept chunk of the same class and one has no ``POLARITY``), and no ``POLARITY`` sits on a modifier that widening absorbs into a
PROBLEM chunk, so the chunk's class is always its head's. Negation cues that MACCROBAT
includes in an entity's own span ("[no significant findings]") stay in the chunk, with
the entity's own ``POLARITY`` as gold.

Chia (relations from a mention to a ``Negation``, ``Mood`` or ``Observation`` entity):

=====================================================================  ===============================
relation of the mention                                                class
=====================================================================  ===============================
``Has_context`` to an entity naming the family ("family history")       associated_with_someone_else
``Has_negation``                                                        absent
``Has_mood`` to a mood of doubt (:data:`CHIA_POSSIBLE_MOODS`:           possible
"suspected", "probable", "suggestive"...)
``Has_mood`` to a planned or needed event or a risk                     hypothetical
(:data:`CHIA_HYPOTHETICAL_MOODS`: "planned", "scheduled", "requiring",
"risk of", "candidate"...)
any other mood ("known", "evidence of", "confirmed", "able to"), none   present
=====================================================================  ===============================

Chia's ``Has_negation`` also marks exceptions ("any cancer other than basal cell
carcinoma": the carcinoma is negated), which clinical ConText treats as scope terminators;
those count as absent in the gold. Chia has no conditional annotation.

A generic ``brat`` folder uses both tables (whichever annotations exist). When several rows
apply, the first row of a table wins, as in the annotator's ``CLASS_PRIORITY``.
"""

from __future__ import annotations

import re
from pathlib import Path

from clinical_ner.corpora.brat import BratDocument, BratEntity, brat_to_document, read_brat_dir
from clinical_ner.corpora.chia import map_chia
from clinical_ner.corpora.document import CorpusDocument, UnknownCorpusError, corpus_folder
from clinical_ner.corpora.maccrobat import map_maccrobat
from clinical_ner.labels import (
    ABSENT,
    HYPOTHETICAL,
    POSSIBLE,
    PRESENT,
    SOMEONE_ELSE,
)

#: The attribute key the gold class is written to.
ASSERTION_KEY = "assertion"

#: MACCROBAT ``POLARITY`` value -> class.
MACCROBAT_POLARITY: dict[str, str] = {
    "NEG": ABSENT,
    "UNCERTAIN": POSSIBLE,
    "MAYBE_POS": POSSIBLE,
    "MAYBE_NEG": POSSIBLE,
    "POS": PRESENT,
}

#: Words that make a MACCROBAT ``Subject`` (or a Chia context) a relative of the patient.
RELATIVE_RE = re.compile(
    r"\b(?:famil\w*|mother|father|sisters?|brothers?|siblings?|parents?|sons?|daughters?|"
    r"aunts?|uncles?|grand\w+|cousins?|nieces?|nephews?|maternal|paternal|relatives?|"
    r"kin|twins?|mom|dad)\b",
    re.IGNORECASE,
)

#: Chia mood stems (regular expressions, matched at word starts) of doubt -> possible.
CHIA_POSSIBLE_MOODS = (
    "suspect", "suspicion", "possib", "probab", "likel", "suggest", "question", "presum",
    "uncertain", "equivocal", "rule out", "ruled out", "may ", "might", "doubt",
)
#: Chia mood stems of planned, needed or feared events -> hypothetical.
CHIA_HYPOTHETICAL_MOODS = (
    "plan", "schedul", "anticipat", "expect", "intend", "intent", "requir", "need",
    "candidate", "eligible", "indicat", "warrant", "risk", "recommend", "desir", "want",
    "will ", "future", "prophyla", "prevent", "referred", "awaiting", "await", "potential",
    "consider",
)
_POSSIBLE_RE = re.compile(r"\b(?:" + "|".join(CHIA_POSSIBLE_MOODS) + ")", re.IGNORECASE)
_HYPOTHETICAL_RE = re.compile(r"\b(?:" + "|".join(CHIA_HYPOTHETICAL_MOODS) + ")", re.IGNORECASE)


def chia_mood_class(mood: str) -> str:
    """The class a Chia ``Mood`` text gives its mention (doubt beats plans)."""
    text = mood + " "
    if _POSSIBLE_RE.search(text):
        return POSSIBLE
    if _HYPOTHETICAL_RE.search(text):
        return HYPOTHETICAL
    return PRESENT


def _linked(doc: BratDocument, entity_id: str) -> list[tuple[str, str]]:
    """``(relation type, other entity id)`` for every relation of ``entity_id``."""
    out = []
    for rel in doc.resolved_relations():
        if rel.arg1 == entity_id:
            out.append((rel.type, rel.arg2))
        elif rel.arg2 == entity_id:
            out.append((rel.type, rel.arg1))
    return out


def maccrobat_class(doc: BratDocument, entity_id: str, attributes: dict[str, str]) -> str:
    """The class of one MACCROBAT entity (table in the module docstring)."""
    entity = doc.entities[entity_id]
    other: BratEntity | None
    for other in doc.entities.values():
        if other.type == "Family_history" and other.begin <= entity.end and entity.begin <= other.end:
            return SOMEONE_ELSE
    for rel_type, other_id in _linked(doc, entity_id):
        other = doc.entities.get(other_id)
        if other is None:
            continue
        if other.type == "Family_history":
            return SOMEONE_ELSE
        if rel_type == "MODIFY" and other.type == "Subject" and RELATIVE_RE.search(other.text):
            return SOMEONE_ELSE
    return MACCROBAT_POLARITY.get(attributes.get("POLARITY", ""), PRESENT)


def chia_class(doc: BratDocument, entity_id: str) -> str:
    """The class of one Chia entity (table in the module docstring)."""
    links = [(t, doc.entities[o]) for t, o in _linked(doc, entity_id) if o in doc.entities]
    if any(t == "Has_context" and RELATIVE_RE.search(o.text) for t, o in links):
        return SOMEONE_ELSE
    if any(t == "Has_negation" for t, _ in links):
        return ABSENT
    moods = [chia_mood_class(o.text) for t, o in links if t == "Has_mood"]
    for cls in (POSSIBLE, HYPOTHETICAL):
        if cls in moods:
            return cls
    return PRESENT


def _generic_class(doc: BratDocument, entity_id: str, attributes: dict[str, str]) -> str:
    first = maccrobat_class(doc, entity_id, attributes)
    return first if first != PRESENT else chia_class(doc, entity_id)


def assertion_document(raw: BratDocument, corpus: str) -> CorpusDocument:
    """Map one brat document (``corpus``: ``maccrobat``, ``chia`` or ``brat``) and write
    each span's class into ``span.attributes["assertion"]``."""
    if corpus == "maccrobat":
        doc = map_maccrobat(raw)
    elif corpus == "chia":
        doc = map_chia(raw)
    elif corpus == "brat":
        doc = brat_to_document(raw)
    else:
        raise UnknownCorpusError(
            f"no assertion gold for corpus {corpus!r}; use maccrobat, chia or brat"
        )
    attributes = raw.entity_attributes()
    for span in doc.spans:
        if span.id is None or span.id not in raw.entities:
            cls = PRESENT
        elif corpus == "maccrobat":
            cls = maccrobat_class(raw, span.id, attributes.get(span.id, {}))
        elif corpus == "chia":
            cls = chia_class(raw, span.id)
        else:
            cls = _generic_class(raw, span.id, attributes.get(span.id, {}))
        span.attributes[ASSERTION_KEY] = cls
    return doc


def read_assertion_gold(corpus: str, path: str | Path) -> list[CorpusDocument]:
    """Every document of ``corpus`` under ``path`` (its own folder, or a data folder
    holding it as ``<path>/<corpus>``) with assertion gold on its spans (module doc)."""
    key = corpus.strip().lower().replace("_", "-")
    if key not in ("maccrobat", "chia", "brat"):
        raise UnknownCorpusError(
            f"no assertion gold for corpus {corpus!r}; use maccrobat, chia or brat "
            "(corpora with negation and uncertainty annotations)"
        )
    return [assertion_document(raw, key) for raw in read_brat_dir(corpus_folder(key, path))]
