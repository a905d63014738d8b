"""Chia (clinical-trial eligibility criteria, brat) mapped to PROBLEM / TEST / TREATMENT.

Types map by :data:`CHIA_LABELS`; ``Procedure`` is split by :func:`procedure_label`.
Chia's other types (``Person``, ``Value``, ``Temporal``, ``Qualifier``, the ``*_Error`` and
``Non-*`` sentence flags, ...) are not entities. Discontinuous mentions and overlaps are
resolved by :mod:`clinical_ner.corpora.flatten`; the ``.txt`` files are mostly CRLF and are
read without newline translation by :mod:`clinical_ner.corpora.brat`.
"""

from __future__ import annotations

import re
from pathlib import Path

from clinical_ner.corpora.brat import BratDocument, brat_to_clinical_document, read_brat_dir
from clinical_ner.corpora.document import (
    PROBLEM,
    TEST,
    TREATMENT,
    CorpusDocument,
)

#: Chia type -> clinical label; ``Procedure`` is decided per mention.
CHIA_LABELS: dict[str, str] = {
    "Condition": PROBLEM,
    "Measurement": TEST,
    "Drug": TREATMENT,
    "Device": TREATMENT,
}

#: Word stems (regular expressions) that make a ``Procedure`` diagnostic (TEST): imaging,
#: examinations, sampling for analysis. Matched case-insensitively at the start of a
#: word; acronyms end with ``\b`` so "ct" does not match "CTLA-4" nor "lab" "labor".
# fmt: off
TEST_KEYWORDS: tuple[str, ...] = (
    "exam", "test", "screen", "assess", "evaluat", "laborator", r"labs?\b", "biops", "histolog",
    "cytolog", "patholog", "culture", "serolog", "urinalys", "analys", r"mri\b", r"ct\b",
    r"pet\b", r"spect\b", r"ecg\b", r"ekg\b", r"eeg\b", r"emg\b", r"oct\b", "electrocardiogra",
    "echocardiogra",
    "ultrasound", "ultrason", "sonogra", "doppler", "x-ray", "xray", "radiogra", "imaging",
    "scan", "tomogra", "mammogra", "angiogra", "arteriogra", "scintigra", "magnetic resonance",
    "endoscop", "colonoscop", "gastroscop", "bronchoscop", "cystoscop", "ophthalmoscop",
    "laryngoscop", "sigmoidoscop", "spirometr", "audiometr", "polysomnogra", "puncture",
    "interview", "questionnaire", "monitoring", "measurement", "diagnos", "auscultat",
    "palpat", "aspirat", "swab", "karyotyp", "genotyp", "sequencing", "staging",
)

#: Word stems (regular expressions) that make a ``Procedure`` therapeutic (TREATMENT).
TREATMENT_KEYWORDS: tuple[str, ...] = (
    "therap", "treat", "surg", "operat", "ectomy", "otomy", "ostomy", "plasty", "pexy",
    "transplant", "resection", "excision", "ablation", "radiation", "radiotherap", "chemo",
    "dialys", "hemodialys", "transfusion", "infusion", "injection", "vaccin", "immuniz",
    "anesthe", "anaesthe", "sedation", "intubation", "ventilation", "stent", "bypass",
    r"cabg\b", r"pci\b", "angioplast", "revascular", "implant", "replacement", "repair",
    "ligation", "cerclage", "contracept", "hospitali", "admission", "admitted",
    "rehabilitat", "psychotherap", "counsel", "induction", "amputat", "catheteri",
    "drainage", "embolizat", "cesarean", "caesarean", "donation",
)
# fmt: on

_KEYWORD_RE = re.compile(
    r"\b(?:(?P<test>"
    + "|".join(sorted(TEST_KEYWORDS, key=len, reverse=True))
    + r")|(?P<treatment>"
    + "|".join(sorted(TREATMENT_KEYWORDS, key=len, reverse=True))
    + r"))",
    re.IGNORECASE,
)
# Suffix stems (-ectomy, -scopy...) are matched inside words, not only at their start.
_SUFFIX_RE = re.compile(
    r"(?P<test>(?:scop|graph)(?:y|ies)|(?<!pro)(?<!dia)grams?)\b"
    r"|(?P<treatment>(?:ectom|otom|ostom|plast|pex)(?:y|ies))\b",
    re.IGNORECASE,
)


def procedure_label(mention: str) -> str:
    """TEST or TREATMENT for a Chia ``Procedure`` mention.

    The rule: find every keyword of :data:`TEST_KEYWORDS` and :data:`TREATMENT_KEYWORDS`
    (word-start stems) and every diagnostic (``-scopy``, ``-graphy``, ``-gram`` but not
    ``program``/``diagram``) or
    therapeutic (``-ectomy``, ``-otomy``, ``-ostomy``, ``-plasty``, ``-pexy``) suffix; the
    match that ENDS LAST decides, because English noun phrases put the head last
    ("liver biopsy" TEST, "CT-guided ablation" TREATMENT). No match: TREATMENT, since
    most Chia procedures are interventions ("hospitalization", "pretreatment" aside).

    Args:
        mention: the mention text.
    """
    best_end, best = -1, TREATMENT
    for regex in (_KEYWORD_RE, _SUFFIX_RE):
        for match in regex.finditer(mention):
            if match.end() > best_end:
                best_end = match.end()
                best = TEST if match.group("test") else TREATMENT
    return best


def chia_label(entity_type: str, mention: str) -> str | None:
    """The clinical label for a Chia entity, or ``None`` when it is not an entity."""
    if entity_type == "Procedure":
        return procedure_label(mention)
    return CHIA_LABELS.get(entity_type)


def map_chia(doc: BratDocument) -> CorpusDocument:
    """Map one Chia document to a flat PROBLEM/TEST/TREATMENT layer.

    ``dropped`` counts skipped brat lines, discontinuous mentions, duplicates and
    overlaps; ``repairs`` counts repaired brat lines.
    """
    return brat_to_clinical_document(
        doc, lambda entity: chia_label(entity.type, entity.text), source="chia"
    )


def read_chia(path: str | Path) -> list[CorpusDocument]:
    """Read and map every Chia ``.txt``/``.ann`` pair under ``path``."""
    return [map_chia(doc) for doc in read_brat_dir(path)]
