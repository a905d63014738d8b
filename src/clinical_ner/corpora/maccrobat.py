"""MACCROBAT2020 (brat) mapped to PROBLEM / TEST / TREATMENT.

MACCROBAT marks minimal heads ("murmur") and annotates modifiers as separate entities
linked by ``R MODIFY Arg1:<modifier> Arg2:<head>`` (the head often named through its event,
``E7 Sign_symptom:T13``). i2b2 2010, which the shipped model imitates, marks the whole noun
phrase. The mapping therefore:

1. maps heads by :data:`HEAD_LABELS`; every other type is not an entity on its own;
2. WIDENS each head over the modifiers that MODIFY it, when the modifier's type is in
   :data:`WIDENING_LABELS` for the head's class and the modifier ends just BEFORE the
   span built so far (separated only by spaces or tabs, touching, or overlapping it).
   Only pre-modifiers count: English noun phrases put their modifiers before the head,
   and MACCROBAT's post-head modifiers are mostly phrases and clauses that i2b2 leaves
   out ("contrast echocardiography | using saline", "metastases | grew slightly"). The
   widening repeats until nothing changes and also takes modifiers of modifiers already
   absorbed ("inlet" MODIFY "right ventricle"), so "grade 2/6" + "holosystolic" +
   "tricuspid" + "regurgitation murmur" becomes "grade 2/6 holosystolic tricuspid
   regurgitation murmur". Modifiers are never taken across punctuation or a line break,
   and discontinuous modifiers are never taken;
3. resolves discontinuous heads and overlaps by :mod:`clinical_ner.corpora.flatten`.

Results (documents, results, values) are deliberately not widening labels for TEST and
TREATMENT: i2b2 marks "hemoglobin", not "hemoglobin 9.1 g/dL", and "Lasix", not
"Lasix 40 mg".
"""

from __future__ import annotations

from pathlib import Path

from clinical_ner.corpora.brat import (
    BratDocument,
    BratEntity,
    brat_to_clinical_document,
    read_brat_dir,
)
from clinical_ner.corpora.document import (
    PROBLEM,
    TEST,
    TREATMENT,
    CorpusDocument,
    GoldSpan,
)

#: MACCROBAT head type -> clinical label.
HEAD_LABELS: dict[str, str] = {
    "Disease_disorder": PROBLEM,
    "Sign_symptom": PROBLEM,
    "Diagnostic_procedure": TEST,
    "Therapeutic_procedure": TREATMENT,
    "Medication": TREATMENT,
}

#: For each clinical label, the modifier types a head of that label may be widened over.
WIDENING_LABELS: dict[str, frozenset[str]] = {
    # "severe left ventricular hypertrophy", "grade 2/6 ... murmur", "a 3 cm mass".
    PROBLEM: frozenset(
        {
            "Biological_structure",
            "Detailed_description",
            "Severity",
            "Lab_value",
            "Shape",
            "Color",
            "Texture",
            "Area",
            "Volume",
            "Distance",
        }
    ),
    # "transthoracic echocardiography", "contrast-enhanced abdominal CT".
    TEST: frozenset({"Biological_structure", "Detailed_description"}),
    # "intravenous antibiotics", "right hemicolectomy".
    TREATMENT: frozenset({"Biological_structure", "Detailed_description", "Administration"}),
}

#: Characters allowed between a modifier and the span it widens.
_GAP_CHARS = frozenset(" \t")


def _precedes(text: str, begin: int, end: int, mod_begin: int, mod_end: int) -> bool:
    """True when the modifier ``[mod_begin, mod_end]`` overlaps ``[begin, end]`` or ends
    before ``begin`` with only spaces or tabs between (all inclusive offsets)."""
    if mod_begin > end:
        return False
    if mod_end >= begin:
        return True
    return all(ch in _GAP_CHARS for ch in text[mod_end + 1 : begin])


def widen_head(doc: BratDocument, head: GoldSpan, modifiers_of: dict[str, list[str]]) -> GoldSpan:
    """Widen ``head`` over contiguous modifiers by the rule in the module docstring.

    Args:
        doc: the brat document the head comes from.
        head: the mapped head span (``id`` is its entity id, ``end`` inclusive).
        modifiers_of: entity id -> ids of entities that MODIFY it (events resolved).

    Returns:
        ``head`` itself when nothing was absorbed, else a new span with the same id,
        label, fragments and attributes and wider offsets.
    """
    allowed = WIDENING_LABELS.get(head.label, frozenset())
    begin, end = head.begin, head.end
    absorbed = {head.id}
    changed = True
    while changed:
        changed = False
        for target in sorted(absorbed, key=str):
            for mod_id in modifiers_of.get(target or "", ()):
                if mod_id in absorbed:
                    continue
                mod = doc.entities[mod_id]
                if mod.type not in allowed or mod.is_discontinuous:
                    continue
                if _precedes(doc.text, begin, end, mod.begin, mod.end):
                    begin, end = min(begin, mod.begin), max(end, mod.end)
                    absorbed.add(mod_id)
                    changed = True
    if (begin, end) == (head.begin, head.end):
        return head
    return GoldSpan(
        begin=begin,
        end=end,
        label=head.label,
        text=doc.text[begin : end + 1],
        id=head.id,
        fragments=head.fragments,
        attributes=head.attributes,
        source_label=head.source_label,
    )


def modifiers_by_head(doc: BratDocument) -> dict[str, list[str]]:
    """Entity id -> entity ids that MODIFY it, in file order, events resolved."""
    result: dict[str, list[str]] = {}
    for rel in doc.relations:
        if rel.type != "MODIFY":
            continue
        mod, head = doc.entity_id(rel.arg1), doc.entity_id(rel.arg2)
        if mod is not None and head is not None and mod != head:
            result.setdefault(head, []).append(mod)
    return result


def map_maccrobat(doc: BratDocument, widen: bool = True) -> CorpusDocument:
    """Map one MACCROBAT document to a flat PROBLEM/TEST/TREATMENT layer.

    Args:
        doc: a parsed brat document.
        widen: apply the widening rule (``False`` keeps MACCROBAT's minimal heads).

    Returns:
        A document whose ``dropped`` counts skipped brat lines, discontinuous heads,
        duplicates and overlaps, and whose ``repairs`` counts repaired brat lines and
        ``"widened"`` heads.
    """
    if not widen:
        return brat_to_clinical_document(doc, _head_label, source="maccrobat")
    modifiers_of = modifiers_by_head(doc)
    return brat_to_clinical_document(
        doc, _head_label, source="maccrobat",
        widen=lambda head: widen_head(doc, head, modifiers_of),
    )


def _head_label(entity: BratEntity) -> str | None:
    return HEAD_LABELS.get(entity.type)


def read_maccrobat(path: str | Path, widen: bool = True) -> list[CorpusDocument]:
    """Read and map every MACCROBAT ``.txt``/``.ann`` pair under ``path``."""
    return [map_maccrobat(doc, widen=widen) for doc in read_brat_dir(path)]
