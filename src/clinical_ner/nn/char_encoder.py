"""Character-level word encoder: a CNN over each word's characters, optionally plus a BiLSTM.

Input ``char_ids``: long ``[..., C]`` (any leading shape of words, e.g. ``[U]`` distinct
words or ``[B, W]``; ``C`` characters per word, ``pad_id`` after a word's last character and
for padded words).
Output: float ``[..., output_dim]``, zeros for words without characters (padding).

The CNN follows Chiu & Nichols (2016): character embeddings, one 1-D convolution, then a
max over the characters of the word. Spark NLP's NerDL graph also runs a character
BiLSTM; ``lstm_hidden > 0`` adds one, and its final forward and backward states are
concatenated after the CNN features.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence


class CharCnnEncoder(nn.Module):
    """Word representations from characters.

    Args:
        num_chars: size of the character vocabulary (reserved ids included).
        char_dim: character embedding size.
        num_filters: convolution output channels (the CNN part of ``output_dim``).
        kernel_size: convolution width in characters (odd, so "same" padding is symmetric).
        lstm_hidden: hidden size per direction of the optional character BiLSTM; 0 = none.
        dropout: dropout on the character embeddings (Chiu & Nichols apply it there).
        pad_id: the padding character id (its embedding stays zero).

    ``output_dim = num_filters + 2 * lstm_hidden``.
    """

    def __init__(
        self,
        num_chars: int,
        char_dim: int = 25,
        num_filters: int = 50,
        kernel_size: int = 3,
        lstm_hidden: int = 0,
        dropout: float = 0.0,
        pad_id: int = 0,
    ) -> None:
        super().__init__()
        if kernel_size < 1 or kernel_size % 2 == 0:
            raise ValueError(f"kernel_size must be a positive odd number, got {kernel_size}")
        if lstm_hidden < 0:
            raise ValueError("lstm_hidden must be >= 0")
        self.pad_id = pad_id
        self.embedding = nn.Embedding(num_chars, char_dim, padding_idx=pad_id)
        self.dropout = nn.Dropout(dropout)
        self.conv = nn.Conv1d(char_dim, num_filters, kernel_size, padding=kernel_size // 2)
        self.lstm = (
            nn.LSTM(char_dim, lstm_hidden, batch_first=True, bidirectional=True)
            if lstm_hidden > 0
            else None
        )
        self.output_dim = num_filters + 2 * lstm_hidden

    def forward(self, char_ids: torch.Tensor) -> torch.Tensor:
        """``[..., C]`` long -> ``[..., output_dim]`` float."""
        if char_ids.dim() < 2:
            raise ValueError(f"char_ids must be [..., words, chars], got {tuple(char_ids.shape)}")
        leading, num_chars = char_ids.shape[:-1], char_ids.size(-1)
        flat_ids = char_ids.reshape(-1, num_chars)
        char_mask = flat_ids != self.pad_id  # [N, C]
        word_has_chars = char_mask.any(dim=1)  # [N]
        embedded = self.dropout(self.embedding(flat_ids))  # [N, C, char_dim]

        # Only real words go through the convolution (padded words of short sentences
        # would be wasted work); padded words get zeros.
        real = word_has_chars.nonzero(as_tuple=True)[0]
        pooled = embedded.new_zeros(embedded.size(0), self.conv.out_channels)
        if real.numel():
            conv_out = self.conv(embedded[real].transpose(1, 2))  # [n_real, filters, C]
            # Padding positions must not win the max: a conv window over padding still has
            # a bias and neighbouring characters, so without the mask word length would leak.
            conv_out = conv_out.masked_fill(
                ~char_mask[real].unsqueeze(1), torch.finfo(conv_out.dtype).min
            )
            pooled = pooled.index_copy(0, real, conv_out.max(dim=2).values)
        features = [pooled]

        if self.lstm is not None:
            features.append(self._lstm_states(embedded, char_mask, word_has_chars))
        return torch.cat(features, dim=1).reshape(*leading, self.output_dim)

    def _lstm_states(
        self, embedded: torch.Tensor, char_mask: torch.Tensor, word_has_chars: torch.Tensor
    ) -> torch.Tensor:
        """Final forward/backward BiLSTM states per word, ``[N, 2 * lstm_hidden]``."""
        assert self.lstm is not None
        states = embedded.new_zeros(embedded.size(0), 2 * self.lstm.hidden_size)
        real = word_has_chars.nonzero(as_tuple=True)[0]
        if real.numel() == 0:
            return states
        # Only real words go through the LSTM: packing needs lengths >= 1, and skipping
        # padded words saves most of the work in padded batches.
        lengths = char_mask[real].sum(dim=1).cpu()
        packed = pack_padded_sequence(
            embedded[real], lengths, batch_first=True, enforce_sorted=False
        )
        _, (hidden, _) = self.lstm(packed)  # hidden: [2, n_real, hidden]
        final = torch.cat([hidden[0], hidden[1]], dim=1)
        return states.index_copy(0, real, final.to(states.dtype))
