"""Precision, recall and F1 from counts, and their micro and macro averages.

The one place these rates are computed; NER (:mod:`clinical_ner.evaluation.ner`) and
assertion (:mod:`clinical_ner.evaluation.assertion`) scores both build on it.

- ``tp``: predictions counted correct; ``fp``: the other predictions; ``fn``: gold items
  not found. So ``tp + fp`` is the number of predictions and ``tp + fn`` (``support``) the
  number of gold items, and the rates are ``precision = tp / (tp + fp)``,
  ``recall = tp / (tp + fn)``, ``f1`` their harmonic mean.
- **micro** average: the rates of the counts summed over labels.
- **macro** average: the unweighted mean of the per-label rates (so the macro F1 is the
  mean of the per-label F1s, not the F1 of the mean precision and recall).

Every rate is in [0, 1]; a rate whose denominator is 0 is 0.0.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

#: The rates a score entry holds and a macro average averages.
RATES = ("precision", "recall", "f1")


def f1_score(precision: float, recall: float) -> float:
    """The harmonic mean of ``precision`` and ``recall`` (0.0 when both are 0)."""
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


def prf(tp: int, fp: int, fn: int) -> dict[str, float | int]:
    """``{"precision", "recall", "f1", "tp", "fp", "fn", "support"}`` of one set of
    counts (``support = tp + fn``, the gold count)."""
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    return {"precision": precision, "recall": recall, "f1": f1_score(precision, recall),
            "tp": tp, "fp": fp, "fn": fn, "support": tp + fn}


def macro_average(entries: Sequence[Mapping[str, Any]], keys: Sequence[str] = RATES) -> dict[str, float]:
    """The unweighted mean of each of ``keys`` over ``entries`` (0.0 for no entries)."""
    return {key: sum(e[key] for e in entries) / len(entries) if entries else 0.0 for key in keys}


def label_report(counts: Mapping[str, Sequence[int]], labels: Sequence[str]) -> dict[str, Any]:
    """Per-label :func:`prf` plus ``micro`` and ``macro`` averages.

    Args:
        counts: ``label -> (tp, fp, fn)``; a label of ``labels`` missing here counts zeros,
            a label here but not in ``labels`` is left out of the report and the averages.
        labels: the labels to report, in order.

    Returns:
        ``{label: prf, ..., "micro": prf of the summed counts, "macro": {"precision",
        "recall", "f1"} means over ``labels``}``.
    """
    report: dict[str, Any] = {label: prf(*counts.get(label, (0, 0, 0))) for label in labels}
    totals = [sum(report[label][key] for label in labels) for key in ("tp", "fp", "fn")]
    report["micro"] = prf(*totals)
    report["macro"] = macro_average([report[label] for label in labels])
    return report
