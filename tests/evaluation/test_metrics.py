"""precision/recall/F1 and their averages against values computed by hand."""

import pytest

from clinical_ner.evaluation.metrics import f1_score, label_report, macro_average, prf


def test_prf_from_counts():
    # tp 3, fp 1, fn 2: P = 3/4, R = 3/5, F1 = 2 * 0.75 * 0.6 / 1.35 = 0.9 / 1.35 = 2/3.
    assert prf(3, 1, 2) == {"precision": 0.75, "recall": 0.6, "f1": pytest.approx(2 / 3),
                            "tp": 3, "fp": 1, "fn": 2, "support": 5}


def test_empty_denominators_are_zero():
    assert prf(0, 0, 0) == {"precision": 0.0, "recall": 0.0, "f1": 0.0,
                            "tp": 0, "fp": 0, "fn": 0, "support": 0}
    # No predictions: precision has no denominator; recall is 0 of 4.
    assert prf(0, 0, 4)["precision"] == 0.0 and prf(0, 0, 4)["recall"] == 0.0
    assert f1_score(0.0, 0.0) == 0.0


def test_f1_is_the_harmonic_mean():
    assert f1_score(0.5, 1.0) == pytest.approx(2 / 3)
    assert f1_score(1.0, 1.0) == 1.0
    assert f1_score(0.0, 1.0) == 0.0


def test_macro_average_is_an_unweighted_mean():
    entries = [{"precision": 1.0, "recall": 0.5, "f1": 0.25},
               {"precision": 0.0, "recall": 1.0, "f1": 0.75}]
    assert macro_average(entries) == {"precision": 0.5, "recall": 0.75, "f1": 0.5}
    assert macro_average(entries, ("f1",)) == {"f1": 0.5}
    assert macro_average([]) == {"precision": 0.0, "recall": 0.0, "f1": 0.0}


def test_label_report_micro_and_macro():
    # A: tp 3 fp 1 fn 0 -> P 0.75, R 1, F1 6/7.  B: tp 0 fp 0 fn 1 -> all 0.
    # C: asked for, never counted -> all 0.  D: counted, not asked for -> left out.
    report = label_report({"A": [3, 1, 0], "B": [0, 0, 1], "D": [5, 5, 5]}, ["A", "B", "C"])
    assert set(report) == {"A", "B", "C", "micro", "macro"}
    assert report["A"]["f1"] == pytest.approx(6 / 7)
    assert report["C"] == {"precision": 0.0, "recall": 0.0, "f1": 0.0,
                           "tp": 0, "fp": 0, "fn": 0, "support": 0}
    # micro: tp 3, fp 1, fn 1 -> P = R = F1 = 0.75.
    assert report["micro"] == {"precision": 0.75, "recall": 0.75, "f1": 0.75,
                               "tp": 3, "fp": 1, "fn": 1, "support": 4}
    # macro over A, B, C: P (0.75 + 0 + 0) / 3, R (1 + 0 + 0) / 3, F1 (6/7) / 3.
    assert report["macro"] == {"precision": pytest.approx(0.25), "recall": pytest.approx(1 / 3),
                               "f1": pytest.approx(2 / 7)}
