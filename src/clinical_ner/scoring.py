"""Moved to :mod:`clinical_ner.evaluation.ner`; this module re-exports its old names so
``from clinical_ner.scoring import score_documents`` keeps working."""

from clinical_ner.evaluation.ner import LABELS, score_documents

__all__ = ["LABELS", "score_documents"]
