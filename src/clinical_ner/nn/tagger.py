"""BiLSTM-CNN-CRF sequence tagger (Chiu & Nichols 2016; the network behind Spark NLP's NerDL).

Per word: a frozen pre-trained word vector ``[E]`` (looked up outside the network, see
`clinical_ner.embeddings.store`), character features from `CharCnnEncoder`, and a small
learned embedding of its `Casing`. These are concatenated, passed through dropout, a stacked
BiLSTM, dropout again, and a linear layer that gives per-tag emission scores; a
`ConstrainedCrf` scores whole tag paths.

The network is fully described by `to_config()`, a JSON-able dict; `from_config()`
rebuilds it and `load_weights()` fills it from a safetensors file. Nothing is pickled.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from safetensors.torch import load_file, save_file
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from clinical_ner.io import atomic_write_file
from clinical_ner.nn.char_encoder import CharCnnEncoder
from clinical_ner.nn.crf import ConstrainedCrf
from clinical_ner.nn.features import Casing, TaggerBatch

CONFIG_VERSION = 2


@dataclass
class TaggerOutput:
    """Decoded tags for ``B`` sentences; every list has one entry per real token.

    ``tags``: label strings; ``tag_ids``: their ids; ``confidences``: the CRF marginal
    probability of the chosen tag at each token (in [0, 1]); ``all_scores``: when requested,
    the marginal of every tag, ``[len(sentence), T]`` per sentence, columns in label order.
    """

    tags: list[list[str]]
    tag_ids: list[list[int]]
    confidences: list[list[float]]
    all_scores: list[torch.Tensor] | None = None


class BiLstmCnnCrf(nn.Module):
    """The tagger.

    Args:
        labels: tag names in id order (BIO, e.g. ``["O", "B-PROBLEM", "I-PROBLEM", ...]``).
        word_dim: size ``E`` of the pre-computed word vectors.
        num_chars: size of the character vocabulary (`CharVocabulary.__len__`).
        char_dim, char_filters, char_kernel_size, char_lstm_hidden: see `CharCnnEncoder`.
        casing_dim: size of the casing-feature embedding.
        lstm_hidden: hidden size per direction of the word BiLSTM.
        lstm_layers: number of stacked BiLSTM layers.
        dropout: dropout rate on the BiLSTM input and output (and between stacked layers).
        crf_constraints: ``"bio"`` or ``None``, see `ConstrainedCrf`.
        conventions: names of the annotation conventions the network can follow (one per
            training corpus whose span rules differ, e.g. ``["mtsamples", "maccrobat"]``);
            the first is the default. With them, a learned ``[convention_dim]`` vector of
            the sentence's convention joins every word's features and a per-convention
            bias joins the emission scores, so corpora whose guidelines disagree on span
            boundaries stop pulling the shared layers two ways. None: no conventions.
        convention_dim: size of the convention embedding.

    The keyword defaults are the network's own, not the training defaults (those live in
    ``clinical_ner.training.trainer.TrainingConfig``, which passes every size explicitly). They
    stay fixed because `from_config()` fills a key missing from an older model's
    ``config.json`` with them.
    """

    def __init__(
        self,
        labels: Sequence[str],
        word_dim: int,
        num_chars: int,
        char_dim: int = 25,
        char_filters: int = 50,
        char_kernel_size: int = 3,
        char_lstm_hidden: int = 0,
        casing_dim: int = 8,
        lstm_hidden: int = 200,
        lstm_layers: int = 1,
        dropout: float = 0.5,
        crf_constraints: str | None = "bio",
        conventions: Sequence[str] | None = None,
        convention_dim: int = 8,
    ) -> None:
        super().__init__()
        self._config: dict[str, Any] = {
            "labels": list(labels),
            "word_dim": word_dim,
            "num_chars": num_chars,
            "char_dim": char_dim,
            "char_filters": char_filters,
            "char_kernel_size": char_kernel_size,
            "char_lstm_hidden": char_lstm_hidden,
            "casing_dim": casing_dim,
            "lstm_hidden": lstm_hidden,
            "lstm_layers": lstm_layers,
            "dropout": dropout,
            "crf_constraints": crf_constraints,
        }
        self.conventions = list(conventions or [])
        if self.conventions:
            if len(set(self.conventions)) != len(self.conventions):
                raise ValueError(f"conventions repeat a name: {self.conventions}")
            self._config.update(conventions=self.conventions, convention_dim=convention_dim)
        self.labels = list(labels)
        self.char_encoder = CharCnnEncoder(
            num_chars,
            char_dim=char_dim,
            num_filters=char_filters,
            kernel_size=char_kernel_size,
            lstm_hidden=char_lstm_hidden,
            dropout=dropout,
        )
        self.casing_embedding = nn.Embedding(len(Casing), casing_dim, padding_idx=int(Casing.PAD))
        input_dim = word_dim + self.char_encoder.output_dim + casing_dim
        if self.conventions:
            self.convention_embedding = nn.Embedding(len(self.conventions), convention_dim)
            self.convention_bias = nn.Embedding(len(self.conventions), len(self.labels))
            nn.init.zeros_(self.convention_bias.weight)
            input_dim += convention_dim
        self.input_dropout = nn.Dropout(dropout)
        self.lstm = nn.LSTM(
            input_dim,
            lstm_hidden,
            num_layers=lstm_layers,
            batch_first=True,
            bidirectional=True,
            dropout=dropout if lstm_layers > 1 else 0.0,
        )
        self.output_dropout = nn.Dropout(dropout)
        self.emission = nn.Linear(2 * lstm_hidden, len(self.labels))
        self.crf = ConstrainedCrf(self.labels, constraints=crf_constraints)

    # ----------------------------------------------------------------- config and weights
    def to_config(self) -> dict[str, Any]:
        """Everything needed to rebuild this network (JSON-able; weights not included)."""
        # Version 2 only when conventions are used, so other models stay loadable by
        # releases that predate conventions.
        version = CONFIG_VERSION if self.conventions else 1
        return {"type": type(self).__name__, "version": version, **self._config}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> BiLstmCnnCrf:
        """Rebuild an untrained network of the same architecture from `to_config()` output."""
        config = dict(config)
        kind = config.pop("type", cls.__name__)
        version = config.pop("version", CONFIG_VERSION)
        if kind != cls.__name__:
            raise ValueError(f"config describes a {kind!r}, not a {cls.__name__}")
        if version > CONFIG_VERSION:
            raise ValueError(
                f"config version {version} is newer than this code understands "
                f"({CONFIG_VERSION}); upgrade clinical-ner"
            )
        return cls(**config)

    def save_weights(self, path: str | os.PathLike) -> None:
        """Write the weights to a safetensors file (atomically: temp file, then rename)."""
        path = Path(path)
        tensors = {
            name: tensor.detach().cpu().contiguous() for name, tensor in self.state_dict().items()
        }
        atomic_write_file(
            path, lambda temp: save_file(tensors, str(temp), metadata={"format": "pt"})
        )

    def load_weights(self, path: str | os.PathLike, strict: bool = True) -> None:
        """Fill this network from a safetensors file written by `save_weights`."""
        device = next(self.parameters()).device
        state = load_file(str(path), device=str(device))
        self.load_state_dict(state, strict=strict)

    @property
    def word_dim(self) -> int:
        """Size ``E`` of the word vectors this network expects."""
        return int(self._config["word_dim"])

    @property
    def device(self) -> torch.device:
        return next(self.parameters()).device

    # ----------------------------------------------------------------- network
    def emissions(self, batch: TaggerBatch) -> torch.Tensor:
        """Per-tag emission scores ``[B, W, T]`` for a batch (padded positions are junk)."""
        word_vectors = batch.word_vectors.to(self.emission.weight.dtype)
        # Each distinct word's characters are encoded once ([U, F]), then gathered into
        # place; the extra zero row U is what padded positions point at.
        distinct = self.char_encoder(batch.char_ids)
        distinct = torch.cat([distinct, distinct.new_zeros(1, distinct.size(1))])
        char_features = distinct[batch.word_index]  # [B, W, F]
        parts = [word_vectors, char_features, self.casing_embedding(batch.casing_ids)]
        convention_ids = self._convention_ids(batch)
        if convention_ids is not None:
            convention = self.convention_embedding(convention_ids)  # [B, C]
            parts.append(convention[:, None, :].expand(-1, word_vectors.size(1), -1))
        features = self.input_dropout(torch.cat(parts, dim=2))
        packed = pack_padded_sequence(
            features, batch.lengths.cpu(), batch_first=True, enforce_sorted=False
        )
        hidden, _ = self.lstm(packed)
        hidden, _ = pad_packed_sequence(hidden, batch_first=True, total_length=features.size(1))
        emissions = self.emission(self.output_dropout(hidden))
        if convention_ids is not None:
            emissions = emissions + self.convention_bias(convention_ids)[:, None, :]
        return emissions

    def _convention_ids(self, batch: TaggerBatch) -> torch.Tensor | None:
        """``[B]`` convention ids of a batch (the default, 0, when it has none), or None
        for a network without conventions."""
        if not self.conventions:
            return None
        if batch.convention_ids is None:
            return torch.zeros(batch.batch_size, dtype=torch.long, device=batch.mask.device)
        ids = batch.convention_ids
        if ids.numel() and (int(ids.min()) < 0 or int(ids.max()) >= len(self.conventions)):
            raise ValueError(f"convention id out of range for {len(self.conventions)} conventions")
        return ids

    def convention_id(self, name: str | None) -> int:
        """The id of convention ``name`` (None or "" is the default, 0)."""
        if not name:
            return 0
        if name not in self.conventions:
            known = ", ".join(self.conventions) or "none"
            raise ValueError(f"unknown convention {name!r}; this model knows: {known}")
        return self.conventions.index(name)

    def loss(self, batch: TaggerBatch) -> torch.Tensor:
        """Mean negative log-likelihood per sentence (a scalar).

        Uses ``batch.allowed_tags`` (partial-label objective) when present, else
        ``batch.tag_ids``. Averaging over sentences rather than tokens keeps the scale of
        the gradient independent of sentence length, as in pytorch-crf and flair.
        """
        emissions = self.emissions(batch)
        if batch.allowed_tags is not None:
            log_likelihood = self.crf.partial_log_likelihood(
                emissions, batch.allowed_tags, batch.mask
            )
        elif batch.tag_ids is not None:
            log_likelihood = self.crf.log_likelihood(emissions, batch.tag_ids, batch.mask)
        else:
            raise ValueError("loss() needs a batch with tag_ids or allowed_tags")
        return -log_likelihood.mean()

    @torch.no_grad()
    def decode(self, batch: TaggerBatch, include_all_scores: bool = False) -> TaggerOutput:
        """Viterbi tags and per-token confidences for a batch.

        Runs in eval mode (no dropout) whatever the current mode, and restores the mode
        afterwards, so it is safe to call in the middle of training for validation.
        """
        was_training = self.training
        self.eval()
        try:
            emissions = self.emissions(batch)
        finally:
            self.train(was_training)
        return self.decode_emissions(emissions, batch.mask, include_all_scores)

    @torch.no_grad()
    def decode_emissions(
        self, emissions: torch.Tensor, mask: torch.Tensor, include_all_scores: bool = False
    ) -> TaggerOutput:
        """CRF decoding of emission scores ``[B, W, T]`` with real-token ``mask [B, W]``.

        Separate from `decode` so a caller can compute emissions in small batches (what the
        BiLSTM runs best at) and decode many sentences at once: the CRF walks the positions
        one by one, so its cost grows with the number of batches times their length.
        """
        tag_ids, _ = self.crf.viterbi_decode(emissions, mask, pad_tag=0)
        marginals = self.crf.marginals(emissions, mask)
        confidences = marginals.gather(2, tag_ids.unsqueeze(2)).squeeze(2)
        tag_rows = tag_ids.cpu().tolist()
        confidence_rows = confidences.float().cpu().tolist()
        lengths = mask.sum(dim=1).tolist()
        output = TaggerOutput(
            tags=[
                [self.labels[i] for i in row[:n]] for row, n in zip(tag_rows, lengths, strict=True)
            ],
            tag_ids=[row[:n] for row, n in zip(tag_rows, lengths, strict=True)],
            confidences=[row[:n] for row, n in zip(confidence_rows, lengths, strict=True)],
        )
        if include_all_scores:
            cpu_marginals = marginals.float().cpu()
            output.all_scores = [cpu_marginals[b, :n] for b, n in enumerate(lengths)]
        return output
