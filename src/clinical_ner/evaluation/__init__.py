"""Scores of predictions against gold: one package, three modules.

- :mod:`~clinical_ner.evaluation.metrics`: precision, recall, F1 and their micro and macro
  averages from counts (the only place they are computed);
- :mod:`~clinical_ner.evaluation.ner`: strict, lenient and token-level NER scores, and
  :func:`score_documents` (a pipeline end to end on corpus documents);
- :mod:`~clinical_ner.evaluation.assertion`: assertion status on gold or predicted chunks.

Layer: above ``pipeline`` and ``annotators``, beside ``corpora`` and ``training``; nothing
in the core, ``nn``, ``embeddings`` or ``annotators`` imports it.
"""

from clinical_ner.evaluation.metrics import f1_score, label_report, macro_average, prf
from clinical_ner.evaluation.ner import (
    SpanTuple,
    entity_scores,
    match_spans,
    score_documents,
    spans_from_tags,
    token_scores,
)

__all__ = [
    "SpanTuple",
    "entity_scores",
    "f1_score",
    "label_report",
    "macro_average",
    "match_spans",
    "prf",
    "score_documents",
    "spans_from_tags",
    "token_scores",
]
