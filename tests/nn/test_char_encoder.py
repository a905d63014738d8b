"""CharCnnEncoder: shapes, padding invariance, the optional char BiLSTM."""

from __future__ import annotations

import pytest
import torch

from clinical_ner.nn.char_encoder import CharCnnEncoder


@pytest.fixture
def char_ids():
    # Two sentences: [ "abc", "de", <pad word> ] and [ "f", <pad>, <pad> ] (ids 2..7).
    return torch.tensor(
        [
            [[2, 3, 4, 0], [5, 6, 0, 0], [0, 0, 0, 0]],
            [[7, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0]],
        ]
    )


@pytest.mark.parametrize("lstm_hidden", [0, 6])
def test_output_shape_and_padding_words_are_zero(char_ids, lstm_hidden):
    torch.manual_seed(0)
    encoder = CharCnnEncoder(num_chars=10, char_dim=5, num_filters=7, lstm_hidden=lstm_hidden)
    out = encoder(char_ids)
    assert encoder.output_dim == 7 + 2 * lstm_hidden
    assert out.shape == (2, 3, encoder.output_dim)
    assert torch.all(out[0, 2] == 0)
    assert torch.all(out[1, 1:] == 0)
    assert torch.all(out[0, :2].abs().sum(dim=1) > 0)


@pytest.mark.parametrize("lstm_hidden", [0, 4])
def test_word_encoding_does_not_depend_on_padding(char_ids, lstm_hidden):
    torch.manual_seed(0)
    encoder = CharCnnEncoder(num_chars=10, char_dim=5, num_filters=7, lstm_hidden=lstm_hidden)
    encoder.eval()
    out = encoder(char_ids)
    # "de" alone, with no extra padding columns and in a batch of one.
    alone = encoder(torch.tensor([[[5, 6]]]))
    torch.testing.assert_close(out[0, 1], alone[0, 0])
    # "f" padded to 8 characters.
    wide = encoder(torch.tensor([[[7, 0, 0, 0, 0, 0, 0, 0]]]))
    torch.testing.assert_close(out[1, 0], wide[0, 0])


def test_lstm_states_are_final_forward_and_backward_states():
    torch.manual_seed(0)
    encoder = CharCnnEncoder(num_chars=10, char_dim=5, num_filters=3, lstm_hidden=4)
    word = torch.tensor([[[2, 3, 4, 0, 0]]])
    out = encoder(word)[0, 0, 3:]
    embedded = encoder.embedding(torch.tensor([[2, 3, 4]]))
    outputs, _ = encoder.lstm(embedded)
    forward_last = outputs[0, -1, :4]
    backward_first = outputs[0, 0, 4:]
    torch.testing.assert_close(out, torch.cat([forward_last, backward_first]))


def test_gradients_reach_embeddings_but_not_padding(char_ids):
    torch.manual_seed(0)
    encoder = CharCnnEncoder(num_chars=10, char_dim=5, num_filters=7, lstm_hidden=3)
    encoder(char_ids).sum().backward()
    grad = encoder.embedding.weight.grad
    assert torch.all(grad[0] == 0)
    assert torch.all(grad[2:8].abs().sum(dim=1) > 0)


def test_rejects_bad_arguments():
    with pytest.raises(ValueError, match="odd"):
        CharCnnEncoder(num_chars=5, kernel_size=4)
    with pytest.raises(ValueError, match="chars"):
        CharCnnEncoder(num_chars=5)(torch.zeros(3, dtype=torch.long))


def test_flat_word_list_gives_the_same_features_as_a_padded_batch(char_ids):
    encoder = CharCnnEncoder(num_chars=10, char_dim=5, num_filters=7).eval()
    batched = encoder(char_ids)
    flat = encoder(char_ids.reshape(-1, char_ids.size(-1)))
    assert flat.shape == (char_ids.size(0) * char_ids.size(1), 7)
    assert torch.allclose(flat.reshape(batched.shape), batched)
