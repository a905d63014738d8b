"""Annotation conventions: one network, span rules chosen per sentence."""

from __future__ import annotations

import pytest
import torch

from clinical_ner.nn.features import CharVocabulary, make_batch
from clinical_ner.nn.tagger import BiLstmCnnCrf

LABELS = ["O", "B-PROBLEM", "I-PROBLEM"]
SENTENCES = [["no", "chest", "pain"], ["fever"]]


def vectors(tokens):
    return torch.ones(len(tokens), 4).numpy()


def network(conventions=("notes", "reports")):
    torch.manual_seed(0)
    chars = CharVocabulary.build(SENTENCES)
    return BiLstmCnnCrf(LABELS, word_dim=4, num_chars=len(chars), lstm_hidden=6,
                        conventions=list(conventions) if conventions else None), chars


def test_the_convention_changes_the_emissions_and_the_default_is_the_first():
    net, chars = network()
    net.eval()
    with torch.no_grad():
        net.convention_bias.weight[1] = torch.tensor([0.0, 5.0, 0.0])
        default = net.emissions(make_batch(SENTENCES, chars, vectors))
        first = net.emissions(make_batch(SENTENCES, chars, vectors, convention_ids=[0, 0]))
        second = net.emissions(make_batch(SENTENCES, chars, vectors, convention_ids=[1, 1]))
    assert torch.equal(default, first)
    assert not torch.allclose(first, second)
    # The bias alone cannot explain the difference: the embedding feeds the BiLSTM too.
    assert not torch.allclose(second - first, torch.tensor([0.0, 5.0, 0.0]).expand_as(first))


def test_config_round_trip_and_version():
    net, _ = network()
    config = net.to_config()
    assert config["version"] == 2 and config["conventions"] == ["notes", "reports"]
    rebuilt = BiLstmCnnCrf.from_config(config)
    rebuilt.load_state_dict(net.state_dict())
    assert rebuilt.conventions == ["notes", "reports"]
    plain, _ = network(conventions=None)
    assert plain.to_config()["version"] == 1 and "conventions" not in plain.to_config()


def test_names_are_checked():
    net, chars = network()
    assert net.convention_id("") == 0 and net.convention_id("reports") == 1
    with pytest.raises(ValueError, match="unknown convention 'chia'; this model knows: notes, reports"):
        net.convention_id("chia")
    with pytest.raises(ValueError, match="out of range"):
        net.emissions(make_batch(SENTENCES, chars, vectors, convention_ids=[0, 2]))
    with pytest.raises(ValueError, match="repeat"):
        network(conventions=("notes", "notes"))
