"""ConstrainedCrf against brute-force enumeration of every tag sequence on tiny inputs."""

from __future__ import annotations

import itertools

import pytest
import torch

from clinical_ner.nn.crf import (
    FORBIDDEN_SCORE,
    ConstrainedCrf,
    bio_constraints,
    partial_label_mask,
    split_bio_label,
)

LABELS = ["O", "B-PROBLEM", "I-PROBLEM", "B-TEST", "I-TEST"]


def make_crf(labels=LABELS, constraints="bio", seed=0) -> ConstrainedCrf:
    torch.manual_seed(seed)
    crf = ConstrainedCrf(labels, constraints=constraints).double()
    with torch.no_grad():
        # Larger than the default init so that the scores differ clearly between paths.
        crf.start_transitions.normal_()
        crf.transitions.normal_()
        crf.end_transitions.normal_()
    return crf


def random_batch(num_tags: int, lengths: list[int], seed: int = 1):
    generator = torch.Generator().manual_seed(seed)
    seq_len = max(lengths)
    emissions = torch.randn(
        len(lengths), seq_len, num_tags, generator=generator, dtype=torch.float64
    )
    mask = torch.arange(seq_len).unsqueeze(0) < torch.tensor(lengths).unsqueeze(1)
    return emissions, mask


@torch.no_grad()
def brute_force_scores(crf: ConstrainedCrf, emissions: torch.Tensor, length: int):
    """Every path of one sentence with its score, computed from the raw parameters.

    A forbidden start or transition scores FORBIDDEN_SCORE instead of its learned value.
    """
    start, transitions, end = crf.start_transitions, crf.transitions, crf.end_transitions
    scores = {}
    for path in itertools.product(range(crf.num_tags), repeat=length):
        first = path[0]
        score = start[first] if crf.start_allowed[first] else FORBIDDEN_SCORE
        score = score + emissions[0, first]
        for previous, tag, emission in zip(path, path[1:], emissions[1:length], strict=False):
            allowed = crf.transition_allowed[previous, tag]
            score = score + (transitions[previous, tag] if allowed else FORBIDDEN_SCORE)
            score = score + emission[tag]
        scores[path] = score + end[path[-1]]
    return scores


def is_permitted(crf: ConstrainedCrf, path) -> bool:
    if not crf.start_allowed[path[0]]:
        return False
    return all(crf.transition_allowed[a, b] for a, b in itertools.pairwise(path))


LENGTHS = [[4, 2, 1, 3], [1], [3, 3]]


def test_bio_constraints_follow_the_rule():
    start, transitions = bio_constraints(LABELS)
    assert start.tolist() == [True, True, False, True, False]
    i_problem, i_test = 2, 4
    assert [bool(transitions[i, i_problem]) for i in range(5)] == [False, True, True, False, False]
    assert [bool(transitions[i, i_test]) for i in range(5)] == [False, False, False, True, True]
    # O and B-* may follow anything.
    assert transitions[:, [0, 1, 3]].all()


@pytest.mark.parametrize("bad", [["O", "I-X"], ["O", "B-X", "B-X"], ["O", "I_X"], ["O", "B-"]])
def test_bio_constraints_reject_bad_label_lists(bad):
    with pytest.raises(ValueError):
        bio_constraints(bad)


def test_split_bio_label():
    assert split_bio_label("B-PROBLEM") == ("B", "PROBLEM")
    assert split_bio_label("I-TREAT-MENT") == ("I", "TREAT-MENT")
    assert split_bio_label("O") == ("O", None)


@pytest.mark.parametrize("lengths", LENGTHS)
@pytest.mark.parametrize("constraints", ["bio", None])
def test_log_partition_and_likelihood_match_brute_force(lengths, constraints):
    crf = make_crf(constraints=constraints)
    emissions, mask = random_batch(crf.num_tags, lengths)
    log_z = crf.log_partition(emissions, mask)
    generator = torch.Generator().manual_seed(7)
    tags = torch.randint(0, crf.num_tags, mask.shape, generator=generator)
    log_likelihood = crf.log_likelihood(emissions, tags, mask)
    for b, length in enumerate(lengths):
        scores = brute_force_scores(crf, emissions[b], length)
        expected_log_z = torch.logsumexp(torch.stack(list(scores.values())), dim=0)
        torch.testing.assert_close(log_z[b], expected_log_z)
        path = tuple(tags[b, :length].tolist())
        torch.testing.assert_close(log_likelihood[b], scores[path] - expected_log_z)


def test_probabilities_of_all_permitted_paths_sum_to_one():
    crf = make_crf()
    emissions, mask = random_batch(crf.num_tags, [3])
    total = 0.0
    for path in itertools.product(range(crf.num_tags), repeat=3):
        if is_permitted(crf, path):
            tags = torch.tensor([path])
            total += float(crf.log_likelihood(emissions, tags, mask).detach().exp())
    assert total == pytest.approx(1.0, abs=1e-9)


def test_padding_values_do_not_change_results():
    crf = make_crf()
    emissions, mask = random_batch(crf.num_tags, [4, 2])
    tags = torch.tensor([[0, 1, 2, 0], [3, 4, 0, 0]])
    noisy = emissions.clone()
    noisy[1, 2:] = 1000.0
    noisy_tags = tags.clone()
    noisy_tags[1, 2:] = 2  # I-PROBLEM after I-TEST would be forbidden if it counted
    torch.testing.assert_close(
        crf.log_likelihood(emissions, tags, mask), crf.log_likelihood(noisy, noisy_tags, mask)
    )
    torch.testing.assert_close(crf.marginals(emissions, mask), crf.marginals(noisy, mask))
    assert torch.equal(crf.viterbi_decode(emissions, mask)[0], crf.viterbi_decode(noisy, mask)[0])


@pytest.mark.parametrize("lengths", LENGTHS)
def test_partial_log_likelihood_matches_brute_force(lengths):
    crf = make_crf()
    emissions, mask = random_batch(crf.num_tags, lengths)
    generator = torch.Generator().manual_seed(3)
    allowed = torch.rand(emissions.shape, generator=generator) < 0.6
    allowed[..., 0] = True  # keep at least one permitted path in every sentence
    result = crf.partial_log_likelihood(emissions, allowed, mask)
    for b, length in enumerate(lengths):
        scores = brute_force_scores(crf, emissions[b], length)
        log_z = torch.logsumexp(torch.stack(list(scores.values())), dim=0)
        consistent = [
            score
            for path, score in scores.items()
            if all(allowed[b, t, tag] for t, tag in enumerate(path))
        ]
        expected = torch.logsumexp(torch.stack(consistent), dim=0) - log_z
        torch.testing.assert_close(result[b], expected)


def test_partial_log_likelihood_special_cases():
    crf = make_crf()
    emissions, mask = random_batch(crf.num_tags, [4, 2, 3])
    tags = torch.tensor([[1, 2, 0, 3], [0, 3, 0, 0], [3, 4, 4, 0]])
    one_hot = torch.nn.functional.one_hot(tags, crf.num_tags).bool()
    torch.testing.assert_close(
        crf.partial_log_likelihood(emissions, one_hot, mask),
        crf.log_likelihood(emissions, tags, mask),
    )
    everything = torch.ones_like(one_hot)
    torch.testing.assert_close(
        crf.partial_log_likelihood(emissions, everything, mask), torch.zeros(3, dtype=torch.float64)
    )


def test_partial_label_mask_for_problem_only_corpus():
    labels = ["O", "B-PROBLEM", "I-PROBLEM", "B-TEST", "I-TEST", "B-TREATMENT", "I-TREATMENT"]
    tags = torch.tensor([[0, 1, 2, 0]])
    allowed = partial_label_mask(tags, labels, annotated_types=["PROBLEM"])
    assert allowed.shape == (1, 4, 7)
    outside_row = [True, False, False, True, True, True, True]
    assert allowed[0, 0].tolist() == outside_row
    assert allowed[0, 1].tolist() == [False, True, False, False, False, False, False]
    assert allowed[0, 2].tolist() == [False, False, True, False, False, False, False]
    assert allowed[0, 3].tolist() == outside_row
    # All types annotated: the mask is exactly the gold one-hot.
    full = partial_label_mask(tags, labels, annotated_types=["PROBLEM", "TEST", "TREATMENT"])
    assert torch.equal(full, torch.nn.functional.one_hot(tags, 7).bool())
    with pytest.raises(ValueError, match="DRUG"):
        partial_label_mask(tags, labels, annotated_types=["DRUG"])


@pytest.mark.parametrize("lengths", LENGTHS)
def test_marginals_match_brute_force(lengths):
    crf = make_crf()
    emissions, mask = random_batch(crf.num_tags, lengths)
    marginals = crf.marginals(emissions, mask)
    assert marginals.shape == emissions.shape
    for b, length in enumerate(lengths):
        scores = brute_force_scores(crf, emissions[b], length)
        log_z = torch.logsumexp(torch.stack(list(scores.values())), dim=0)
        expected = torch.zeros(length, crf.num_tags, dtype=torch.float64)
        for path, score in scores.items():
            probability = torch.exp(score - log_z)
            for t, tag in enumerate(path):
                expected[t, tag] += probability
        torch.testing.assert_close(marginals[b, :length], expected)
        assert torch.all(marginals[b, length:] == 0)
        torch.testing.assert_close(
            marginals[b, :length].sum(dim=1), torch.ones(length, dtype=torch.float64)
        )
    # A forbidden start has no probability mass at all.
    assert torch.all(marginals[:, 0, [2, 4]] == 0)


@pytest.mark.parametrize("lengths", LENGTHS)
def test_probability_space_marginals_equal_log_space(lengths):
    crf = make_crf()
    emissions, mask = random_batch(crf.num_tags, lengths)
    emissions = emissions * 8  # sharper scores than random_batch gives
    torch.testing.assert_close(
        crf.marginals(emissions, mask), crf._log_space_marginals(emissions, mask)
    )


def test_marginals_fall_back_to_log_space_when_probabilities_underflow():
    crf = make_crf()
    # Scores 2,000 apart underflow exp() even in float64; at position 0 the only tag
    # left with mass (I-PROBLEM) is a forbidden start, so probability space gets 0 / 0.
    emissions = torch.full((1, 2, crf.num_tags), -2000.0, dtype=torch.float64)
    emissions[0, 0, 2] = 0.0
    emissions[0, 1, 0] = 0.0
    mask = torch.ones(1, 2, dtype=torch.bool)
    marginals = crf.marginals(emissions, mask)
    assert torch.isfinite(marginals).all()
    torch.testing.assert_close(marginals, crf._log_space_marginals(emissions, mask))
    torch.testing.assert_close(marginals.sum(dim=2), torch.ones(1, 2, dtype=torch.float64))


@pytest.mark.parametrize("lengths", LENGTHS)
@pytest.mark.parametrize("constraints", ["bio", None])
def test_viterbi_matches_brute_force(lengths, constraints):
    crf = make_crf(constraints=constraints)
    emissions, mask = random_batch(crf.num_tags, lengths)
    tags, best_scores = crf.viterbi_decode(emissions, mask)
    for b, length in enumerate(lengths):
        scores = brute_force_scores(crf, emissions[b], length)
        best_path = max(scores, key=lambda path: float(scores[path]))
        assert tuple(tags[b, :length].tolist()) == best_path
        assert torch.all(tags[b, length:] == -1)
        torch.testing.assert_close(best_scores[b], scores[best_path])


def test_viterbi_never_produces_forbidden_transitions():
    crf = make_crf(seed=5)
    generator = torch.Generator().manual_seed(11)
    # Emissions that strongly prefer the I- tags, which are the constrained ones.
    emissions = torch.randn(64, 6, crf.num_tags, generator=generator, dtype=torch.float64) * 5
    emissions[..., [2, 4]] += 20.0
    lengths = torch.randint(1, 7, (64,), generator=generator)
    mask = torch.arange(6).unsqueeze(0) < lengths.unsqueeze(1)
    tags, _ = crf.viterbi_decode(emissions, mask)
    for b in range(64):
        path = tags[b, : lengths[b]].tolist()
        assert is_permitted(crf, path), path
    # Without constraints the same emissions do produce I- tags after O or at the start.
    free = make_crf(constraints=None, seed=5)
    free_tags, _ = free.viterbi_decode(emissions, mask)
    assert any(not is_permitted(crf, free_tags[b, : lengths[b]].tolist()) for b in range(64))


def test_gradients_are_finite_with_constraints():
    crf = make_crf().float()
    emissions = torch.randn(2, 4, crf.num_tags, requires_grad=True)
    mask = torch.tensor([[True] * 4, [True, True, False, False]])
    allowed = torch.zeros(2, 4, crf.num_tags, dtype=torch.bool)
    allowed[..., 2] = True  # only I-PROBLEM allowed: no permitted path at all
    loss = -crf.partial_log_likelihood(emissions, allowed, mask).sum()
    loss = loss - crf.log_likelihood(emissions, torch.zeros(2, 4, dtype=torch.long), mask).sum()
    loss.backward()
    assert torch.isfinite(emissions.grad).all()
    assert all(torch.isfinite(p.grad).all() for p in crf.parameters())


def test_half_precision_emissions_are_upcast():
    crf = make_crf().float()
    emissions, mask = random_batch(crf.num_tags, [3, 2])
    log_z = crf.log_partition(emissions.half(), mask)
    assert log_z.dtype == torch.float32
    torch.testing.assert_close(log_z, crf.log_partition(emissions.half().float(), mask))


def test_input_validation():
    crf = make_crf()
    emissions, mask = random_batch(crf.num_tags, [2, 1])
    with pytest.raises(ValueError, match="at least one token"):
        crf.log_partition(emissions, torch.tensor([[True, True], [False, False]]))
    with pytest.raises(ValueError, match="emissions"):
        crf.log_partition(emissions[..., :3], mask)
    with pytest.raises(ValueError, match="constraints"):
        ConstrainedCrf(LABELS, constraints="bioes")


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device")
def test_cuda_matches_cpu():
    crf = make_crf()
    emissions, mask = random_batch(crf.num_tags, [4, 2, 1, 3])
    tags = torch.tensor([[0, 1, 2, 0], [3, 4, 0, 0], [1, 0, 0, 0], [0, 0, 3, 0]])
    allowed = partial_label_mask(tags, LABELS, ["PROBLEM"])
    cuda_crf = make_crf().to("cuda")
    on_cuda = [t.to("cuda") for t in (emissions, mask, tags, allowed)]
    e, m, t, a = on_cuda
    torch.testing.assert_close(
        cuda_crf.log_likelihood(e, t, m).cpu(), crf.log_likelihood(emissions, tags, mask)
    )
    torch.testing.assert_close(
        cuda_crf.partial_log_likelihood(e, a, m).cpu(),
        crf.partial_log_likelihood(emissions, allowed, mask),
    )
    torch.testing.assert_close(cuda_crf.marginals(e, m).cpu(), crf.marginals(emissions, mask))
    assert torch.equal(
        cuda_crf.viterbi_decode(e, m)[0].cpu(), crf.viterbi_decode(emissions, mask)[0]
    )
