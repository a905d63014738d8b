"""BiLstmCnnCrf: config and safetensors round trips, losses, decoding, and a toy overfit."""

from __future__ import annotations

import json
import random
import zlib

import numpy as np
import pytest
import torch
from safetensors import safe_open

from clinical_ner.nn.crf import partial_label_mask
from clinical_ner.nn.features import CharVocabulary, make_batch
from clinical_ner.nn.tagger import BiLstmCnnCrf

LABELS = ["O", "B-PROBLEM", "I-PROBLEM", "B-TEST", "I-TEST", "B-TREATMENT", "I-TREATMENT"]
WORD_DIM = 12

PROBLEMS = [["fever"], ["chest", "pain"], ["pneumonia"], ["shortness", "of", "breath"]]
TESTS = [["CBC"], ["chest", "x-ray"], ["MRI"], ["blood", "cultures"]]
TREATMENTS = [["aspirin"], ["insulin"], ["IV", "fluids"], ["metoprolol"]]
TEMPLATES = [
    "The patient reports {P} .",
    "{T} showed {P} .",
    "She was given {R} for {P} .",
    "We ordered {T} and started {R} .",
    "No {P} after {R} .",
]


def word_vectors(tokens):
    """A fixed pseudo-random vector per lowercased token (a stand-in for a vector store)."""
    rows = []
    for token in tokens:
        generator = np.random.default_rng(zlib.crc32(token.lower().encode()))
        rows.append(generator.standard_normal(WORD_DIM).astype(np.float32))
    return np.stack(rows)


def toy_corpus(num_sentences=20, seed=0):
    """Synthetic sentences with PROBLEM / TEST / TREATMENT mentions and their BIO tags."""
    rng = random.Random(seed)
    sentences, tags = [], []
    for index in range(num_sentences):
        template = TEMPLATES[index % len(TEMPLATES)]
        tokens, labels = [], []
        for piece in template.split():
            kind = {"{P}": "PROBLEM", "{T}": "TEST", "{R}": "TREATMENT"}.get(piece)
            if kind is None:
                tokens.append(piece)
                labels.append("O")
                continue
            pool = {"PROBLEM": PROBLEMS, "TEST": TESTS, "TREATMENT": TREATMENTS}[kind]
            mention = rng.choice(pool)
            tokens.extend(mention)
            labels.extend([f"B-{kind}"] + [f"I-{kind}"] * (len(mention) - 1))
        sentences.append(tokens)
        tags.append([LABELS.index(label) for label in labels])
    return sentences, tags


def small_tagger(vocab, **overrides):
    config = {
        "labels": LABELS,
        "word_dim": WORD_DIM,
        "num_chars": len(vocab),
        "char_dim": 8,
        "char_filters": 12,
        "char_lstm_hidden": 0,
        "casing_dim": 4,
        "lstm_hidden": 16,
        "lstm_layers": 1,
        "dropout": 0.1,
    }
    config.update(overrides)
    return BiLstmCnnCrf(**config)


@pytest.fixture
def corpus():
    sentences, tags = toy_corpus()
    vocab = CharVocabulary.build(sentences)
    return sentences, tags, vocab


def test_config_round_trip_is_json_and_weights_reload(tmp_path, corpus):
    sentences, tags, vocab = corpus
    torch.manual_seed(0)
    tagger = small_tagger(vocab, char_lstm_hidden=5, lstm_layers=2)
    config = json.loads(json.dumps(tagger.to_config()))
    assert config["type"] == "BiLstmCnnCrf"
    assert config["labels"] == LABELS

    weights = tmp_path / "weights.safetensors"
    tagger.save_weights(weights)
    assert [p.name for p in tmp_path.iterdir()] == ["weights.safetensors"]  # no temp left over
    with safe_open(str(weights), framework="pt") as handle:
        assert set(handle.keys()) == set(tagger.state_dict())

    torch.manual_seed(123)  # a different init, to prove the weights really get loaded
    rebuilt = BiLstmCnnCrf.from_config(config)
    rebuilt.load_weights(weights)
    batch = make_batch(sentences[:5], vocab, word_vectors, tag_ids=tags[:5])
    tagger.eval()
    rebuilt.eval()
    torch.testing.assert_close(rebuilt.emissions(batch), tagger.emissions(batch))
    assert rebuilt.decode(batch).tags == tagger.decode(batch).tags


def test_from_config_rejects_other_types_and_newer_versions(corpus):
    _, _, vocab = corpus
    config = small_tagger(vocab).to_config()
    with pytest.raises(ValueError, match="not a BiLstmCnnCrf"):
        BiLstmCnnCrf.from_config({**config, "type": "Transformer"})
    with pytest.raises(ValueError, match="newer"):
        BiLstmCnnCrf.from_config({**config, "version": 99})


def test_load_weights_rejects_another_architecture(tmp_path, corpus):
    _, _, vocab = corpus
    small_tagger(vocab).save_weights(tmp_path / "w.safetensors")
    with pytest.raises(RuntimeError):
        small_tagger(vocab, lstm_hidden=8).load_weights(tmp_path / "w.safetensors")


def test_loss_is_positive_and_partial_labels_with_all_types_match(corpus):
    sentences, tags, vocab = corpus
    torch.manual_seed(0)
    tagger = small_tagger(vocab, dropout=0.0)
    full = make_batch(sentences, vocab, word_vectors, tag_ids=tags)
    loss = tagger.loss(full)
    assert loss.ndim == 0
    assert loss.item() > 0
    allowed = [
        partial_label_mask(torch.tensor(t), LABELS, ["PROBLEM", "TEST", "TREATMENT"]).numpy()
        for t in tags
    ]
    partial_all = make_batch(sentences, vocab, word_vectors, allowed_tags=allowed)
    torch.testing.assert_close(tagger.loss(partial_all), loss)
    # Knowing only PROBLEM is less information, so the partial loss must be smaller.
    problem_only = [partial_label_mask(torch.tensor(t), LABELS, ["PROBLEM"]).numpy() for t in tags]
    partial = make_batch(sentences, vocab, word_vectors, allowed_tags=problem_only)
    assert tagger.loss(partial).item() < loss.item()
    with pytest.raises(ValueError, match="tag_ids or allowed_tags"):
        tagger.loss(make_batch(sentences, vocab, word_vectors))


def test_decode_output_shapes_and_mode(corpus):
    sentences, _, vocab = corpus
    torch.manual_seed(0)
    tagger = small_tagger(vocab)
    tagger.train()
    batch = make_batch(sentences[:4], vocab, word_vectors)
    first = tagger.decode(batch, include_all_scores=True)
    assert tagger.training  # mode restored
    assert tagger.decode(batch).tags == first.tags  # no dropout while decoding
    for sentence, tags, ids, confidences, scores in zip(
        sentences[:4], first.tags, first.tag_ids, first.confidences, first.all_scores, strict=True
    ):
        assert len(tags) == len(ids) == len(confidences) == len(sentence)
        assert all(LABELS[i] == tag for i, tag in zip(ids, tags, strict=True))
        assert all(0.0 <= c <= 1.0 for c in confidences)
        assert scores.shape == (len(sentence), len(LABELS))
        torch.testing.assert_close(scores.sum(dim=1), torch.ones(len(sentence)))
        chosen = scores[torch.arange(len(sentence)), torch.tensor(ids)]
        torch.testing.assert_close(chosen, torch.tensor(confidences))
        assert not tags[0].startswith("I-")


def train_toy(steps=60, seed=0, device="cpu"):
    sentences, tags = toy_corpus()
    vocab = CharVocabulary.build(sentences)
    torch.manual_seed(seed)
    tagger = small_tagger(vocab).to(device)
    batch = make_batch(sentences, vocab, word_vectors, tag_ids=tags, device=device)
    optimizer = torch.optim.Adam(tagger.parameters(), lr=0.02)
    tagger.train()
    losses = []
    for _ in range(steps):
        optimizer.zero_grad()
        loss = tagger.loss(batch)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(tagger.parameters(), 5.0)
        optimizer.step()
        losses.append(loss.item())
    return tagger, batch, tags, losses


@pytest.fixture
def one_cpu_thread():
    """Tiny matrices: extra threads only add overhead (4-5x slower on a 16-core machine)."""
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(previous)


def test_overfits_a_toy_task_deterministically(one_cpu_thread):
    tagger, batch, gold, losses = train_toy()
    predicted = tagger.decode(batch).tag_ids
    correct = sum(
        p == g for ps, gs in zip(predicted, gold, strict=True) for p, g in zip(ps, gs, strict=True)
    )
    total = sum(len(g) for g in gold)
    assert correct / total >= 0.98, (correct, total)
    assert losses[-1] < 0.1 * losses[0]
    # Same seed, same data, same code: bit-identical training on CPU.
    _, _, _, again = train_toy(steps=5)
    assert again == losses[:5]


requires_cuda = pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device")


@requires_cuda
def test_cuda_matches_cpu_and_weights_move_between_devices(tmp_path, corpus):
    sentences, tags, vocab = corpus
    torch.manual_seed(0)
    cpu_tagger = small_tagger(vocab, char_lstm_hidden=5, lstm_layers=2).eval()
    cpu_tagger.save_weights(tmp_path / "cpu.safetensors")
    cuda_tagger = BiLstmCnnCrf.from_config(cpu_tagger.to_config()).to("cuda").eval()
    cuda_tagger.load_weights(tmp_path / "cpu.safetensors")
    assert cuda_tagger.device.type == "cuda"
    batch = make_batch(sentences, vocab, word_vectors, tag_ids=tags)
    cuda_batch = batch.to("cuda")
    assert cuda_batch.char_ids.is_cuda and cuda_batch.lengths.is_cuda
    torch.testing.assert_close(
        cuda_tagger.emissions(cuda_batch).cpu(), cpu_tagger.emissions(batch), atol=1e-4, rtol=1e-4
    )
    cpu_output, cuda_output = cpu_tagger.decode(batch), cuda_tagger.decode(cuda_batch)
    assert cuda_output.tags == cpu_output.tags
    np.testing.assert_allclose(
        np.concatenate(cuda_output.confidences), np.concatenate(cpu_output.confidences), atol=1e-4
    )
    cuda_tagger.train()
    cuda_tagger.loss(cuda_batch).backward()
    assert all(p.grad is None or torch.isfinite(p.grad).all() for p in cuda_tagger.parameters())
    cuda_tagger.save_weights(tmp_path / "cuda.safetensors")
    back = BiLstmCnnCrf.from_config(cpu_tagger.to_config())
    back.load_weights(tmp_path / "cuda.safetensors")
    assert back.device.type == "cpu"
    assert back.decode(batch).tags == cpu_output.tags


@requires_cuda
def test_overfits_on_cuda():
    tagger, batch, gold, _ = train_toy(device="cuda")
    predicted = tagger.decode(batch).tag_ids
    correct = sum(
        p == g for ps, gs in zip(predicted, gold, strict=True) for p, g in zip(ps, gs, strict=True)
    )
    assert correct / sum(len(g) for g in gold) >= 0.98
