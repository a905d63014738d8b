"""Strict, lenient and token scores against documents counted by hand.

Spans are ``(begin, end, label)``, end inclusive. Every expected number below was counted
by hand from the spans written next to it (the counting is in the comments).
"""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clinical_ner.evaluation.ner import (
    entity_scores,
    match_spans,
    overlap,
    spans_from_tags,
    token_scores,
)

P, T, R = "PROBLEM", "TEST", "TREATMENT"


def counts(entry):
    return entry["tp"], entry["fp"], entry["fn"], entry["support"]


def rates(entry):
    return pytest.approx((entry["precision"], entry["recall"], entry["f1"]))


def scores(gold, predicted, labels=None):
    return entity_scores([gold], [predicted], labels=labels)


def test_exact_match():
    s = scores([(0, 9, P), (15, 17, T)], [(0, 9, P), (15, 17, T)])
    for kind in ("strict", "lenient"):
        assert counts(s[kind][P]) == (1, 0, 0, 1)
        assert counts(s[kind][T]) == (1, 0, 0, 1)
        assert rates(s[kind]["micro"]) == (1.0, 1.0, 1.0)
    assert (s["documents"], s["gold"], s["predicted"]) == (1, 2, 2)


def test_split_span():
    # One gold span predicted in two pieces.
    s = scores([(0, 20, P)], [(0, 8, P), (12, 20, P)])
    # strict: neither piece is the span -> tp 0, fp 2, fn 1.
    assert counts(s["strict"][P]) == (0, 2, 1, 1)
    assert rates(s["strict"][P]) == (0.0, 0.0, 0.0)
    # lenient: one piece matches the span, the other is left over -> tp 1, fp 1, fn 0;
    # P 1/2, R 1/1, F1 2 * 0.5 * 1 / 1.5 = 2/3.
    assert counts(s["lenient"][P]) == (1, 1, 0, 1)
    assert rates(s["lenient"][P]) == (0.5, 1.0, 2 / 3)


def test_merged_spans():
    # Two gold spans predicted as one.
    s = scores([(0, 8, P), (12, 20, P)], [(0, 20, P)])
    assert counts(s["strict"][P]) == (0, 1, 2, 2)
    # lenient: the prediction matches one gold span; the other is missed -> tp 1, fp 0,
    # fn 1; P 1, R 1/2, F1 2/3.
    assert counts(s["lenient"][P]) == (1, 0, 1, 2)
    assert rates(s["lenient"][P]) == (1.0, 0.5, 2 / 3)


def test_wrong_label():
    # Right extent, wrong label: a miss of PROBLEM and a false TEST, strict and lenient.
    s = scores([(0, 8, P)], [(0, 8, T)])
    for kind in ("strict", "lenient"):
        assert counts(s[kind][P]) == (0, 0, 1, 1)
        assert counts(s[kind][T]) == (0, 1, 0, 0)
        assert counts(s[kind]["micro"]) == (0, 1, 1, 1)
        assert rates(s[kind]["micro"]) == (0.0, 0.0, 0.0)


def test_nested_spans_of_two_labels():
    # Gold: a PROBLEM 0-20 with a TEST 5-9 inside it; predicted: 5-9 as PROBLEM.
    s = scores([(0, 20, P), (5, 9, T)], [(5, 9, P)])
    # strict: 5-9 PROBLEM is no gold span -> PROBLEM fp 1, fn 1; TEST fn 1.
    assert counts(s["strict"][P]) == (0, 1, 1, 1)
    assert counts(s["strict"][T]) == (0, 0, 1, 1)
    # lenient: 5-9 PROBLEM overlaps the PROBLEM 0-20 -> tp 1; the TEST is still missed
    # (a PROBLEM never matches a TEST).
    assert counts(s["lenient"][P]) == (1, 0, 0, 1)
    assert counts(s["lenient"][T]) == (0, 0, 1, 1)
    # lenient micro: tp 1, fp 0, fn 1 -> P 1, R 1/2, F1 2/3.
    assert rates(s["lenient"]["micro"]) == (1.0, 0.5, 2 / 3)


def test_nested_spans_of_one_label():
    # Gold: PROBLEM 0-20 and PROBLEM 5-9 inside it; one prediction 5-9 overlaps both but
    # is matched once.
    s = scores([(0, 20, P), (5, 9, P)], [(5, 9, P)])
    assert counts(s["strict"][P]) == (1, 0, 1, 2)
    assert counts(s["lenient"][P]) == (1, 0, 1, 2)


def test_lenient_counts_agree_with_rates():
    # The issue-17 case: gold PROBLEMs 0-20 and 30-35; predicted 0-5 and 10-20 (the first
    # span split, the second missed). Each span is matched at most once: tp 1 (0-20 with
    # one piece), fp 1 (the other piece), fn 1 (30-35); P 1/2, R 1/2, F1 1/2. The old
    # scorer said tp 2, fn 1, support 2, recall 0.5.
    s = scores([(0, 20, P), (30, 35, P)], [(0, 5, P), (10, 20, P)])
    lenient = s["lenient"][P]
    assert counts(lenient) == (1, 1, 1, 2)
    assert rates(lenient) == (0.5, 0.5, 0.5)
    for kind in ("strict", "lenient"):
        for key in (P, "micro"):
            e = s[kind][key]
            assert e["tp"] + e["fn"] == e["support"] == 2
            assert e["tp"] + e["fp"] == 2  # two predictions
            assert e["recall"] == pytest.approx(e["tp"] / e["support"])
            assert e["precision"] == pytest.approx(e["tp"] / (e["tp"] + e["fp"]))


def test_lenient_matching_takes_as_many_pairs_as_possible():
    # Gold 0-10 and 11-30; predicted 5-25 (overlaps 0-10 by 6, 11-30 by 15) and 26-28
    # (overlaps only 11-30). Pairing 5-25 with its larger overlap would leave 26-28
    # unmatched; the largest matching is 5-25 with 0-10 and 26-28 with 11-30: tp 2.
    gold, predicted = [(0, 10, P), (11, 30, P)], [(5, 25, P), (26, 28, P)]
    assert match_spans(gold, predicted) == [(0, 0), (1, 1)]
    assert counts(scores(gold, predicted)["lenient"][P]) == (2, 0, 0, 2)


def test_match_spans_prefers_the_larger_overlap():
    # One prediction 8-20 overlaps gold 0-9 by 2 and gold 10-30 by 11.
    assert match_spans([(0, 9, P), (10, 30, P)], [(8, 20, P)]) == [(1, 0)]
    assert match_spans([(0, 9, P)], [(0, 9, T)]) == []
    assert match_spans([(0, 9, P)], [(10, 12, P)]) == []  # adjacent is not overlapping


def test_empty_gold():
    s = scores([], [(0, 3, P)])
    for kind in ("strict", "lenient"):
        assert counts(s[kind][P]) == (0, 1, 0, 0)
        assert rates(s[kind][P]) == (0.0, 0.0, 0.0)
    assert (s["gold"], s["predicted"]) == (0, 1)


def test_empty_prediction():
    s = scores([(0, 3, P)], [])
    for kind in ("strict", "lenient"):
        assert counts(s[kind][P]) == (0, 0, 1, 1)
        assert rates(s[kind][P]) == (0.0, 0.0, 0.0)


def test_no_spans_at_all():
    s = entity_scores([[], []], [[], []], labels=[P])
    assert s["documents"] == 2 and s["gold"] == s["predicted"] == 0
    assert counts(s["strict"][P]) == (0, 0, 0, 0)
    assert rates(s["lenient"]["micro"]) == (0.0, 0.0, 0.0)
    # With no labels asked for and none seen, only the averages are reported.
    assert set(entity_scores([[]], [[]])["strict"]) == {"micro", "macro"}


def test_duplicate_spans_count_once():
    s = scores([(0, 3, P), (0, 3, P)], [(0, 3, P), (0, 3, P)])
    assert counts(s["strict"][P]) == (1, 0, 0, 1)
    assert (s["gold"], s["predicted"]) == (1, 1)


def test_micro_and_macro_over_documents():
    # Document 1: gold PROBLEMs 0-3, 5-8; predicted both plus 20-22; a TEST 30-33 missed.
    # Document 2: gold PROBLEM 0-4 predicted exactly.
    gold = [[(0, 3, P), (5, 8, P), (30, 33, T)], [(0, 4, P)]]
    predicted = [[(0, 3, P), (5, 8, P), (20, 22, P)], [(0, 4, P)]]
    s = entity_scores(gold, predicted, labels=[P, T, R])
    strict = s["strict"]
    # PROBLEM: tp 3, fp 1, fn 0 -> P 3/4, R 1, F1 2 * 0.75 / 1.75 = 6/7.
    assert counts(strict[P]) == (3, 1, 0, 3)
    assert rates(strict[P]) == (0.75, 1.0, 6 / 7)
    # TEST: tp 0, fp 0, fn 1; TREATMENT: nothing.
    assert counts(strict[T]) == (0, 0, 1, 1) and counts(strict[R]) == (0, 0, 0, 0)
    # micro: tp 3, fp 1, fn 1 -> P = R = F1 = 3/4.
    assert counts(strict["micro"]) == (3, 1, 1, 4)
    assert rates(strict["micro"]) == (0.75, 0.75, 0.75)
    # macro over the three labels asked for: P 0.75/3, R 1/3, F1 (6/7)/3 = 2/7.
    assert rates(strict["macro"]) == (0.25, 1 / 3, 2 / 7)
    # Without labels: only PROBLEM and TEST are seen, so macro averages over two.
    assert rates(entity_scores(gold, predicted)["strict"]["macro"]) == (0.375, 0.5, 3 / 7)
    assert s["documents"] == 2 and s["gold"] == 4 and s["predicted"] == 4


def test_documents_must_pair_up():
    with pytest.raises(ValueError):
        entity_scores([[], []], [[]])


def test_token_scores():
    gold = [["B-PROBLEM", "I-PROBLEM", "O", "B-TEST", "O"]]
    pred = [["B-PROBLEM", "O", "O", "B-PROBLEM", "B-TEST"]]
    # token 1: B-PROBLEM right -> B-PROBLEM tp.  token 2: I-PROBLEM missed -> I-PROBLEM fn.
    # token 3: O, O -> nothing.  token 4: B-TEST read as B-PROBLEM -> B-PROBLEM fp, B-TEST fn.
    # token 5: O read as B-TEST -> B-TEST fp.
    s = token_scores(gold, pred)
    assert set(s) == {"B-PROBLEM", "I-PROBLEM", "B-TEST", "micro", "macro"}  # never O
    assert counts(s["B-PROBLEM"]) == (1, 1, 0, 1)
    assert rates(s["B-PROBLEM"]) == (0.5, 1.0, 2 / 3)
    assert counts(s["I-PROBLEM"]) == (0, 0, 1, 1)
    assert counts(s["B-TEST"]) == (0, 1, 1, 1)
    # micro: tp 1, fp 2, fn 2 -> P = R = F1 = 1/3; macro over 3 tags: P 0.5/3, R 1/3,
    # F1 (2/3)/3.
    assert counts(s["micro"]) == (1, 2, 2, 3)
    assert rates(s["micro"]) == (1 / 3, 1 / 3, 1 / 3)
    assert rates(s["macro"]) == (1 / 6, 1 / 3, 2 / 9)


def test_token_scores_need_aligned_sentences():
    with pytest.raises(ValueError, match="2 gold tags but 1 predicted"):
        token_scores([["O", "O"]], [["O"]])


def test_spans_from_tags():
    tags = ["B-PROBLEM", "I-PROBLEM", "O", "B-TEST"]
    offsets = [(0, 4), (6, 9), (11, 13), (15, 17)]
    assert spans_from_tags(tags, offsets) == [(0, 9, P), (15, 17, T)]
    with pytest.raises(ValueError):
        spans_from_tags(tags, offsets[:3])


def _brute_force_maximum(gold, predicted):
    """The size of a largest matching, by trying every assignment (small inputs only)."""
    import itertools

    best = 0
    for size in range(min(len(gold), len(predicted)), 0, -1):
        for golds in itertools.permutations(range(len(gold)), size):
            for preds in itertools.combinations(range(len(predicted)), size):
                if all(gold[g][2] == predicted[p][2] and overlap(gold[g], predicted[p])
                       for g, p in zip(golds, preds, strict=True)):
                    return size
    return best


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 12), st.integers(0, 4), st.sampled_from("AB")), max_size=5),
       st.lists(st.tuples(st.integers(0, 12), st.integers(0, 4), st.sampled_from("AB")), max_size=5))
def test_matching_is_maximum_and_valid(gold_raw, predicted_raw):
    gold = [(b, b + n, label) for b, n, label in gold_raw]
    predicted = [(b, b + n, label) for b, n, label in predicted_raw]
    pairs = match_spans(gold, predicted)
    assert len({g for g, _ in pairs}) == len(pairs) == len({p for _, p in pairs})
    assert all(gold[g][2] == predicted[p][2] and overlap(gold[g], predicted[p]) for g, p in pairs)
    assert len(pairs) == _brute_force_maximum(gold, predicted)


def test_a_long_chain_of_overlaps_needs_no_recursion():
    # Gold i is [10i, 10i+8]; prediction i (i < n-1) overlaps gold i by 7 and gold i+1 by 2,
    # so it takes gold i. The last prediction overlaps only gold 0: matching it re-routes
    # every earlier pair one step right, an augmenting path n long. All n are matched.
    n = 3000
    gold = [(10 * i, 10 * i + 8, "A") for i in range(n)]
    predicted = [(10 * i + 2, 10 * i + 11, "A") for i in range(n - 1)] + [(0, 1, "A")]
    pairs = match_spans(gold, predicted)
    assert len(pairs) == n
    assert (0, n - 1) in pairs and (n - 1, n - 2) in pairs
