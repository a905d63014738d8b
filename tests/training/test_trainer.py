"""The trainer learns, is deterministic, logs per epoch, and resumes from checkpoints."""

import pytest
import torch

from clinical_ner.errors import ConfigurationError, InputError
from clinical_ner.training.data import TaggedSentence, labels_for, to_iob2
from clinical_ner.training.trainer import Trainer, TrainingConfig

SMALL = dict(lstm_hidden=16, char_filters=8, char_dim=8, batch_size=8, lr=0.01, dropout=0.1,
             patience=100, threads=1)


def trainer(toy_data, checkpoint=None, **overrides):
    train, dev, store = toy_data
    config = TrainingConfig(**{**SMALL, "max_epochs": 12, **overrides})
    return Trainer(config, train, store, dev=dev, checkpoint_dir=checkpoint, progress=False)


def test_learns_the_toy_task_and_logs_each_epoch(toy_data):
    t = trainer(toy_data)
    logs = list(t.run())
    assert [log.epoch for log in logs] == list(range(1, 13))
    assert logs[-1].loss < logs[0].loss
    best = max(log.validation["strict"]["micro"]["f1"] for log in logs)
    assert best > 0.9
    assert set(logs[0].validation["strict"]) >= {"PROBLEM", "TEST", "TREATMENT", "micro", "macro"}
    assert "dev strict micro-F1" in logs[-1].summary()


def test_deterministic_for_a_seed(toy_data):
    a = [log.loss for log in trainer(toy_data, max_epochs=3).run()]
    b = [log.loss for log in trainer(toy_data, max_epochs=3).run()]
    assert a == b


def test_early_stopping(toy_data):
    logs = list(trainer(toy_data, max_epochs=30, patience=1, lr=0.0).run())
    assert len(logs) == 2 and logs[-1].stopped_early


def test_resume_after_interruption_matches_an_uninterrupted_run(toy_data, tmp_path):
    full = trainer(toy_data, max_epochs=4, use_best_model=False)
    full_losses = [log.loss for log in full.run()]
    interrupted = trainer(toy_data, tmp_path / "ckpt", max_epochs=4, use_best_model=False)
    for log in interrupted.run():
        if log.epoch == 2:
            break  # the process "dies" after epoch 2's checkpoint
    resumed = trainer(toy_data, tmp_path / "ckpt", max_epochs=4, use_best_model=False)
    resumed_logs = list(resumed.run())
    assert [log.epoch for log in resumed_logs] == [3, 4]
    assert [log.loss for log in resumed.history] == full_losses
    for key, value in full.network.state_dict().items():
        assert torch.equal(value, resumed.network.state_dict()[key]), key


def test_other_run_in_checkpoint_folder_is_refused(toy_data, tmp_path):
    list(trainer(toy_data, tmp_path / "ckpt", max_epochs=1).run())
    other = trainer(toy_data, tmp_path / "ckpt", max_epochs=1, lstm_hidden=8)
    with pytest.raises(ConfigurationError, match="holds a checkpoint of a different run"):
        list(other.run())


def test_user_errors_are_library_errors(toy_data):
    """Each is a ``ClinicalNerError`` (one line from the CLI) and still a ``ValueError``."""
    _, _, store = toy_data
    with pytest.raises(ConfigurationError, match=r"unknown training settings \['epochs'\]"):
        TrainingConfig.from_dict({"lr": 0.1, "epochs": 3})
    with pytest.raises(InputError, match="no training sentences"):
        Trainer(TrainingConfig(), [], store)
    assert issubclass(ConfigurationError, ValueError) and issubclass(InputError, ValueError)


def test_partial_labels_do_not_teach_o_for_unknown_types(toy_data):
    train, dev, store = toy_data
    # A PROBLEM-only copy of the data: its TEST/TREATMENT mentions are tagged O.
    problem_only = [
        TaggedSentence(s.tokens, [t if t.endswith("PROBLEM") else "O" for t in s.tags],
                       frozenset({"PROBLEM"}))
        for s in train
    ]
    config = TrainingConfig(**{**SMALL, "max_epochs": 12})
    t = Trainer(config, train[:20] + problem_only, store, dev=dev, progress=False)
    list(t.run())
    scores = t.evaluate(dev)
    assert scores["strict"]["TEST"]["recall"] > 0.8


def test_tag_helpers():
    assert to_iob2(["I-X", "I-X", "O", "I-Y", "B-Y", "I-Y"]) == ["B-X", "I-X", "O", "B-Y", "B-Y", "I-Y"]
    assert labels_for({"TEST", "PROBLEM"}) == ["O", "B-PROBLEM", "I-PROBLEM", "B-TEST", "I-TEST"]
