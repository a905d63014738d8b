"""Linear-chain conditional random field over tag ids, with BIO transition constraints.

Shapes used throughout (``B`` sentences, ``S`` padded sentence length, ``T`` tags):

- ``emissions``: float ``[B, S, T]``, unnormalised log-potentials per token and tag
  (the output of the tagger's linear layer).
- ``mask``: bool ``[B, S]``, True for real tokens. Sentences are left-aligned: every row
  is a run of True followed by a run of False, and every sentence has at least one token.
- ``tags``: long ``[B, S]`` gold tag ids (values at padded positions are ignored).
- ``allowed_tags``: bool ``[B, S, T]``, for the partial-label objective: the set of tags a
  token may take (values at padded positions are ignored).

All scores are natural-log potentials. The CRF always computes in float32 or wider
(emissions in half precision are upcast) because the forward algorithm sums many terms.

Constraints are applied as a large finite penalty (``FORBIDDEN_SCORE``) rather than
``-inf``: ``logsumexp`` over only ``-inf`` terms has a NaN gradient, and a finite penalty
of -1e4 is still ``exp(-1e4) == 0`` in float32, so forbidden paths carry no probability
mass and are never chosen by Viterbi while any permitted path exists (one always does:
``O`` and ``B-X`` may follow anything and may start a sentence).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import torch
from torch import nn

from clinical_ner.labels import OUTSIDE as OUTSIDE_LABEL

FORBIDDEN_SCORE = -1.0e4
"""Log-potential added to forbidden transitions and to tags outside a token's allowed set."""


def split_bio_label(label: str) -> tuple[str, str | None]:
    """Split a BIO label into ``(prefix, entity_type)``.

    ``"B-PROBLEM" -> ("B", "PROBLEM")``, ``"I-TEST" -> ("I", "TEST")``,
    ``"O" -> ("O", None)``. Raises ValueError for anything else, so that a typo in a
    label list (``"I_PROBLEM"``) fails loudly instead of silently losing its constraints.
    """
    if label == OUTSIDE_LABEL:
        return OUTSIDE_LABEL, None
    prefix, sep, entity_type = label.partition("-")
    if sep and prefix in ("B", "I") and entity_type:
        return prefix, entity_type
    raise ValueError(
        f"label {label!r} is not BIO: use 'O', 'B-<TYPE>' or 'I-<TYPE>' "
        "(or build the CRF with constraints=None for a free tag set)"
    )


def bio_constraints(labels: Sequence[str]) -> tuple[torch.Tensor, torch.Tensor]:
    """Allowed starts and transitions for a BIO label list.

    Rule: ``I-X`` may only follow ``B-X`` or ``I-X``, and may not start a sentence. Every
    other tag (``O``, ``B-*``) may start a sentence and follow any tag. Any tag may end a
    sentence (an entity ends where the sentence ends).

    Returns ``(start_allowed [T] bool, transition_allowed [T, T] bool)`` where
    ``transition_allowed[i, j]`` says whether tag ``j`` may follow tag ``i``.
    Raises ValueError for duplicate labels, non-BIO labels, or an ``I-X`` without ``B-X``.
    """
    if len(set(labels)) != len(labels):
        raise ValueError(f"duplicate labels in {list(labels)}")
    parsed = [split_bio_label(label) for label in labels]
    begin_types = {entity_type for prefix, entity_type in parsed if prefix == "B"}
    for label, (prefix, entity_type) in zip(labels, parsed, strict=True):
        if prefix == "I" and entity_type not in begin_types:
            raise ValueError(f"label {label!r} has no matching 'B-{entity_type}' in the label list")
    num_tags = len(labels)
    start_allowed = torch.ones(num_tags, dtype=torch.bool)
    transition_allowed = torch.ones(num_tags, num_tags, dtype=torch.bool)
    for j, (prefix_j, type_j) in enumerate(parsed):
        if prefix_j != "I":
            continue
        start_allowed[j] = False
        for i, (prefix_i, type_i) in enumerate(parsed):
            transition_allowed[i, j] = prefix_i in ("B", "I") and type_i == type_j
    return start_allowed, transition_allowed


def partial_label_mask(
    tag_ids: torch.Tensor, labels: Sequence[str], annotated_types: Iterable[str]
) -> torch.Tensor:
    """Allowed-tag sets for a corpus that annotates only some entity types.

    A token whose gold tag belongs to an annotated type keeps exactly that tag. A token
    tagged ``O`` only tells us it is not part of an annotated entity, so it may take ``O``
    or any tag of an unannotated type. Example: NCBI-disease annotates PROBLEM only, so an
    ``O`` token there may be ``O``, ``B-TEST``, ``I-TEST``, ``B-TREATMENT`` or
    ``I-TREATMENT``, but not ``B-PROBLEM`` / ``I-PROBLEM``.

    ``tag_ids``: long ``[B, S]`` (or any shape ``[...]``); returns bool ``[..., T]``.
    Gold tags of unannotated types are kept as they are (treated as known).
    """
    annotated = set(annotated_types)
    parsed = [split_bio_label(label) for label in labels]
    unknown = annotated - {entity_type for _, entity_type in parsed if entity_type}
    if unknown:
        raise ValueError(f"annotated types {sorted(unknown)} are not in the labels {list(labels)}")
    outside_id = list(labels).index(OUTSIDE_LABEL)
    # Tags an 'O' token may really have: O itself and every tag of an unannotated type.
    outside_alternatives = torch.tensor(
        [entity_type is None or entity_type not in annotated for _, entity_type in parsed],
        dtype=torch.bool,
        device=tag_ids.device,
    )
    allowed = torch.nn.functional.one_hot(tag_ids.clamp(min=0), len(labels)).bool()
    is_outside = (tag_ids == outside_id).unsqueeze(-1)
    return torch.where(is_outside, outside_alternatives, allowed)


class ConstrainedCrf(nn.Module):
    """Linear-chain CRF with learned start/transition/end scores and fixed BIO constraints.

    Args:
        labels: tag names in id order, e.g. ``["O", "B-PROBLEM", "I-PROBLEM", ...]``.
        constraints: ``"bio"`` to forbid ill-formed BIO sequences (see `bio_constraints`),
            or ``None`` for an unconstrained CRF over arbitrary tag names.

    Parameters (log-potentials): ``start_transitions [T]``, ``transitions [T, T]``
    (``transitions[i, j]``: score of tag ``j`` following tag ``i``), ``end_transitions [T]``.
    """

    # Buffers (registered in __init__), typed for the checker: nn.Module's __getattr__ says
    # Tensor | Module.
    start_allowed: torch.Tensor
    transition_allowed: torch.Tensor

    def __init__(self, labels: Sequence[str], constraints: str | None = "bio") -> None:
        super().__init__()
        if not labels:
            raise ValueError("a CRF needs at least one label")
        self.labels = list(labels)
        self.constraints = constraints
        num_tags = len(self.labels)
        if constraints == "bio":
            start_allowed, transition_allowed = bio_constraints(self.labels)
        elif constraints is None:
            if len(set(self.labels)) != num_tags:
                raise ValueError(f"duplicate labels in {self.labels}")
            start_allowed = torch.ones(num_tags, dtype=torch.bool)
            transition_allowed = torch.ones(num_tags, num_tags, dtype=torch.bool)
        else:
            raise ValueError(f"constraints must be 'bio' or None, not {constraints!r}")
        # Buffers, not parameters: they move with .to(device) but are never trained, and
        # they are rebuilt from the labels, so they are kept out of saved weights.
        self.register_buffer("start_allowed", start_allowed, persistent=False)
        self.register_buffer("transition_allowed", transition_allowed, persistent=False)
        # Small uniform init as in pytorch-crf: no initial preference between tags.
        self.start_transitions = nn.Parameter(torch.empty(num_tags).uniform_(-0.1, 0.1))
        self.transitions = nn.Parameter(torch.empty(num_tags, num_tags).uniform_(-0.1, 0.1))
        self.end_transitions = nn.Parameter(torch.empty(num_tags).uniform_(-0.1, 0.1))

    @property
    def num_tags(self) -> int:
        return len(self.labels)

    def extra_repr(self) -> str:
        return f"num_tags={self.num_tags}, constraints={self.constraints!r}"

    # ----------------------------------------------------------------- potentials
    def _potentials(self, dtype: torch.dtype) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Constrained ``(start [T], transitions [T, T], end [T])`` log-potentials."""
        penalty = torch.tensor(FORBIDDEN_SCORE, dtype=dtype, device=self.transitions.device)
        start = torch.where(self.start_allowed, self.start_transitions.to(dtype), penalty)
        transitions = torch.where(self.transition_allowed, self.transitions.to(dtype), penalty)
        return start, transitions, self.end_transitions.to(dtype)

    def _check_inputs(self, emissions: torch.Tensor, mask: torch.Tensor | None) -> torch.Tensor:
        if emissions.dim() != 3 or emissions.size(2) != self.num_tags:
            raise ValueError(
                f"emissions must be [batch, seq, {self.num_tags}], got {tuple(emissions.shape)}"
            )
        if mask is None:
            return torch.ones(emissions.shape[:2], dtype=torch.bool, device=emissions.device)
        if mask.shape != emissions.shape[:2]:
            raise ValueError(
                f"mask shape {tuple(mask.shape)} does not match emissions {tuple(emissions.shape[:2])}"
            )
        mask = mask.bool()
        if emissions.size(1) == 0 or not bool(mask[:, 0].all()):
            raise ValueError("every sentence needs at least one token (mask[:, 0] must be True)")
        return mask

    @staticmethod
    def _working_dtype(emissions: torch.Tensor) -> torch.dtype:
        return torch.float64 if emissions.dtype == torch.float64 else torch.float32

    # ----------------------------------------------------------------- scores
    def _forward_alphas(
        self, emissions: torch.Tensor, mask: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Forward algorithm. Returns ``(alphas [B, S, T], log_partition [B])``.

        ``alphas[b, t, j]``: log-sum of the scores of all prefixes ending in tag ``j`` at
        position ``t`` (emission at ``t`` included). At padded positions it repeats the
        last real position, so ``alphas[:, -1]`` is the final alpha of every sentence.
        """
        start, transitions, end = self._potentials(emissions.dtype)
        alpha = start + emissions[:, 0]
        alphas = [alpha]
        for t in range(1, emissions.size(1)):
            # [B, T_prev, 1] + [T_prev, T_next] + [B, 1, T_next] -> sum out T_prev
            step = torch.logsumexp(
                alpha.unsqueeze(2) + transitions + emissions[:, t].unsqueeze(1), dim=1
            )
            alpha = torch.where(mask[:, t].unsqueeze(1), step, alpha)
            alphas.append(alpha)
        log_partition = torch.logsumexp(alpha + end, dim=1)
        return torch.stack(alphas, dim=1), log_partition

    def log_partition(
        self, emissions: torch.Tensor, mask: torch.Tensor | None = None
    ) -> torch.Tensor:
        """``log Z`` per sentence: log-sum over all permitted tag paths. Returns ``[B]``."""
        mask = self._check_inputs(emissions, mask)
        emissions = emissions.to(self._working_dtype(emissions))
        return self._forward_alphas(emissions, mask)[1]

    def path_score(
        self, emissions: torch.Tensor, tags: torch.Tensor, mask: torch.Tensor | None = None
    ) -> torch.Tensor:
        """Unnormalised log-score of the given tag paths (constraints included). Returns ``[B]``."""
        mask = self._check_inputs(emissions, mask)
        emissions = emissions.to(self._working_dtype(emissions))
        start, transitions, end = self._potentials(emissions.dtype)
        tags = tags.long().masked_fill(~mask, 0)
        emission_scores = emissions.gather(2, tags.unsqueeze(2)).squeeze(2)
        score = start[tags[:, 0]] + (emission_scores * mask).sum(dim=1)
        if tags.size(1) > 1:
            step_scores = transitions[tags[:, :-1], tags[:, 1:]]
            score = score + (step_scores * mask[:, 1:]).sum(dim=1)
        last_index = mask.sum(dim=1) - 1
        last_tags = tags.gather(1, last_index.unsqueeze(1)).squeeze(1)
        return score + end[last_tags]

    def log_likelihood(
        self, emissions: torch.Tensor, tags: torch.Tensor, mask: torch.Tensor | None = None
    ) -> torch.Tensor:
        """``log p(tags | emissions)`` per sentence, ``[B]`` (<= 0). Loss = ``-mean()``."""
        return self.path_score(emissions, tags, mask) - self.log_partition(emissions, mask)

    def partial_log_likelihood(
        self,
        emissions: torch.Tensor,
        allowed_tags: torch.Tensor,
        mask: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """Log-probability of the set of paths consistent with ``allowed_tags``, ``[B]``.

        ``log sum_{y: y_t in allowed_tags[t] for all t} p(y | x)``: the numerator is the
        forward algorithm with every tag outside a token's allowed set penalised, the
        denominator is ``log Z``. With one allowed tag per token this equals
        `log_likelihood`; with all tags allowed it is 0. Loss = ``-mean()``.
        """
        mask = self._check_inputs(emissions, mask)
        if allowed_tags.shape != emissions.shape:
            raise ValueError(
                f"allowed_tags must be {tuple(emissions.shape)}, got {tuple(allowed_tags.shape)}"
            )
        emissions = emissions.to(self._working_dtype(emissions))
        penalty = torch.tensor(FORBIDDEN_SCORE, dtype=emissions.dtype, device=emissions.device)
        restricted = torch.where(allowed_tags.bool(), emissions, emissions + penalty)
        numerator = self._forward_alphas(restricted, mask)[1]
        return numerator - self._forward_alphas(emissions, mask)[1]

    # ----------------------------------------------------------------- inference
    def marginals(self, emissions: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        """Per-token tag posteriors ``p(y_t = j | x)`` by forward-backward, ``[B, S, T]``.

        Rows sum to 1 at real tokens and are all zeros at padded positions. These are the
        confidence scores: the probability of a tag at a token summed over all paths.

        Runs in probability space in float64, rescaling every position, so each step is a
        ``[B, T] @ [T, T]`` product instead of a log-sum-exp over ``[B, T, T]`` (several
        times faster at inference); if that ever underflows it falls back to log space.
        """
        mask = self._check_inputs(emissions, mask)
        out_dtype = self._working_dtype(emissions)
        start, transitions, end = self._potentials(torch.float64)
        work = emissions.to(torch.float64)
        # Any positive factor per position cancels when that position's marginals are
        # normalised, so emissions are shifted by their max (no overflow in exp).
        scaled = (work - work.amax(dim=2, keepdim=True)).exp()  # [B, S, T]
        transition_p = transitions.exp()  # forbidden moves are exactly 0
        end_p = (end - end.max()).exp()
        seq_len = emissions.size(1)
        alpha = (start - start.max()).exp() * scaled[:, 0]
        alpha = alpha / alpha.sum(dim=1, keepdim=True)
        alphas = [alpha]
        for t in range(1, seq_len):
            step = (alpha @ transition_p) * scaled[:, t]
            step = step / step.sum(dim=1, keepdim=True)
            alpha = torch.where(mask[:, t].unsqueeze(1), step, alpha)
            alphas.append(alpha)
        # beta[t, i] is proportional to the score of all suffixes after t given tag i at t;
        # past a sentence's last token it is the end score alone.
        beta = end_p.expand(emissions.size(0), -1)
        betas = [beta]
        for t in range(seq_len - 2, -1, -1):
            step = (scaled[:, t + 1] * beta) @ transition_p.T
            step = step / step.sum(dim=1, keepdim=True)
            beta = torch.where(mask[:, t + 1].unsqueeze(1), step, end_p)
            betas.append(beta)
        product = torch.stack(alphas, dim=1) * torch.stack(betas[::-1], dim=1)
        marginals = product / product.sum(dim=2, keepdim=True) * mask.unsqueeze(2)
        if not bool(torch.isfinite(marginals).all()):
            return self._log_space_marginals(emissions.to(out_dtype), mask)
        return marginals.to(out_dtype)

    def _log_space_marginals(self, emissions: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """`marginals` by log-space forward-backward (robust to any score range)."""
        _, transitions, end = self._potentials(emissions.dtype)
        alphas, log_partition = self._forward_alphas(emissions, mask)
        seq_len = emissions.size(1)
        beta = end.expand(emissions.size(0), -1)
        betas = [beta]
        for t in range(seq_len - 2, -1, -1):
            step = torch.logsumexp(transitions + (emissions[:, t + 1] + beta).unsqueeze(1), dim=2)
            beta = torch.where(mask[:, t + 1].unsqueeze(1), step, end)
            betas.append(beta)
        betas_tensor = torch.stack(betas[::-1], dim=1)
        log_marginals = alphas + betas_tensor - log_partition.view(-1, 1, 1)
        return log_marginals.exp() * mask.unsqueeze(2)

    def viterbi_decode(
        self, emissions: torch.Tensor, mask: torch.Tensor | None = None, pad_tag: int = -1
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Best permitted tag path per sentence.

        Returns ``(tags [B, S] long, best_scores [B])``; padded positions hold ``pad_tag``.
        """
        mask = self._check_inputs(emissions, mask)
        emissions = emissions.to(self._working_dtype(emissions))
        start, transitions, end = self._potentials(emissions.dtype)
        batch_size, seq_len, num_tags = emissions.shape
        identity = torch.arange(num_tags, device=emissions.device).expand(batch_size, -1)
        score = start + emissions[:, 0]
        backpointers = []
        for t in range(1, seq_len):
            # The emission at t does not depend on the previous tag: add it after the max.
            best_score, best_previous = (score.unsqueeze(2) + transitions).max(dim=1)
            best_score = best_score + emissions[:, t]
            keep = mask[:, t].unsqueeze(1)
            score = torch.where(keep, best_score, score)
            # Through padding the path stays on its tag, so one backtrack from the last
            # column recovers every sentence whatever its length.
            backpointers.append(torch.where(keep, best_previous, identity))
        score = score + end
        best_scores, best_last = score.max(dim=1)
        path = [best_last]
        for pointers in reversed(backpointers):
            best_last = pointers.gather(1, best_last.unsqueeze(1)).squeeze(1)
            path.append(best_last)
        tags = torch.stack(path[::-1], dim=1)
        return tags.masked_fill(~mask, pad_tag), best_scores
