"""Saving over an existing model folder is atomic: a write that fails mid-way leaves the old
model loadable and unchanged, and no temporary folder behind."""

from __future__ import annotations

import hashlib
import os
import shutil

import pytest

from clinical_ner.annotators.ner_dl import NerDLModel


def _digests(folder):
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


@pytest.fixture
def old_and_new(toy_model_dir, tmp_path):
    """``(target, model)``: a copy of the toy model at ``target`` and a second model (the
    same network, other metadata) to save over it."""
    target = tmp_path / "ner"
    shutil.copytree(toy_model_dir, target)
    model = NerDLModel.load(toy_model_dir)
    model.metadata = {**model.metadata, "version": "new"}
    return target, model


def _assert_old_model_intact(target, before):
    assert _digests(target) == before
    assert NerDLModel.load(target).metadata["version"] == "toy"
    assert [p.name for p in target.parent.iterdir()] == ["ner"]  # no temp or backup left


def test_a_failure_while_writing_files_leaves_the_old_model(old_and_new, monkeypatch):
    target, model = old_and_new
    before = _digests(target)
    original = NerDLModel._write_files

    def write_then_fail(self, folder):
        original(self, folder)  # every file written, then the disk fills up
        raise OSError("No space left on device")

    monkeypatch.setattr(NerDLModel, "_write_files", write_then_fail)
    with pytest.raises(OSError, match="No space left"):
        model.save(target, overwrite=True)
    _assert_old_model_intact(target, before)


def test_a_failure_at_the_final_rename_leaves_the_old_model(old_and_new, monkeypatch):
    target, model = old_and_new
    before = _digests(target)
    real_replace = os.replace

    def replace(src, dst):
        # Only the step that puts the new (staging) folder in place fails; putting the old
        # folder back must still work.
        if os.fspath(dst) == os.fspath(target) and ".tmp-" in os.path.basename(os.fspath(src)):
            raise OSError("rename failed")
        return real_replace(src, dst)

    monkeypatch.setattr(os, "replace", replace)
    with pytest.raises(OSError, match="rename failed"):
        model.save(target, overwrite=True)
    monkeypatch.undo()
    _assert_old_model_intact(target, before)


def test_a_save_that_succeeds_replaces_the_model(old_and_new):
    target, model = old_and_new
    model.save(target, overwrite=True)
    assert NerDLModel.load(target).metadata["version"] == "new"
    assert [p.name for p in target.parent.iterdir()] == ["ner"]
