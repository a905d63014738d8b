"""Model folders: checksums are required, and a folder whose checksums match but whose
content is wrong fails with CorruptModelError naming the file, never a raw torch,
safetensors or JSON error."""

from __future__ import annotations

import json
import shutil

import pytest

from clinical_ner.annotators.ner_dl import NerDLModel
from clinical_ner.annotators.word_embeddings import WordEmbeddingsModel
from clinical_ner.errors import ClinicalNerError
from clinical_ner.resources import CorruptModelError, file_sha256


@pytest.fixture
def toy(toy_model_dir):
    """The shared toy model (the tests below only read it: they change copies)."""
    return toy_model_dir


def copy_with(folder, tmp_path, name, content: bytes | None = None, checksums: bool = True):
    """A copy of ``folder`` where ``name`` holds ``content``, its checksum updated to match."""
    target = tmp_path / folder.name
    shutil.copytree(folder, target)
    meta = json.loads((target / "metadata.json").read_text())
    if content is not None:
        (target / name).write_bytes(content)
        meta["files"][name] = file_sha256(target / name)
    if not checksums:
        meta.pop("files")
    (target / "metadata.json").write_text(json.dumps(meta))
    return target


def test_a_folder_without_checksums_is_refused_unless_asked(toy, tmp_path):
    folder = copy_with(toy, tmp_path, "", checksums=False)
    with pytest.raises(CorruptModelError, match=r"lists no file checksums.*verify=False"):
        NerDLModel.load(folder)
    assert NerDLModel.load(folder, verify=False).getClasses()[0] == "O"
    vectors = copy_with(toy.parent / "embeddings_clinical", tmp_path, "", checksums=False)
    with pytest.raises(CorruptModelError, match="lists no file checksums"):
        WordEmbeddingsModel.load(vectors)


@pytest.mark.parametrize(("name", "content", "message"), [
    ("config.json", b"{not json", r"config\.json: cannot be read as JSON"),
    ("config.json", b'{"network": {"labels": []}}', r"labels\.json disagrees|config\.json: not a tagger"),
    ("labels.json", b'["O", "B-X"]', r"labels\.json disagrees"),
    ("weights.safetensors", b"\x00" * 64, r"weights\.safetensors: the weights do not fit"),
])
def test_verified_but_wrong_content_names_the_file(toy, tmp_path, name, content, message):
    folder = copy_with(toy, tmp_path, name, content)
    with pytest.raises(CorruptModelError, match=message):
        NerDLModel.load(folder)


def test_a_damaged_file_fails_its_checksum(toy, tmp_path):
    folder = tmp_path / "damaged"
    shutil.copytree(toy, folder)
    with open(folder / "weights.safetensors", "r+b") as handle:
        handle.seek(100)
        handle.write(b"\xff\xff")
    with pytest.raises(CorruptModelError, match="does not match its checksum"):
        NerDLModel.load(folder)
    assert issubclass(CorruptModelError, ClinicalNerError)
