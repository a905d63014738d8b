"""clinical_ner.io: atomic writes leave the old content or the new one, never a half, and
no temporary entry behind; checksums against digests computed by hand with hashlib's
published test vector."""

import stat

import pytest

from clinical_ner.io import atomic_write_file, atomic_write_folder, atomic_write_text, file_sha256

# sha256("abc"), FIPS 180-2 appendix B.1.
ABC_SHA256 = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"


def test_file_sha256_matches_the_published_vector_at_any_chunk_size(tmp_path):
    path = tmp_path / "abc"
    path.write_bytes(b"abc")
    assert file_sha256(path) == ABC_SHA256
    assert file_sha256(path, chunk_size=1) == ABC_SHA256


def test_atomic_write_text_replaces_and_leaves_no_temporary_file(tmp_path):
    path = tmp_path / "out.txt"
    path.write_text("old", encoding="utf-8")
    atomic_write_text(path, "new\r\nline")
    assert path.read_bytes() == b"new\r\nline"  # newlines written as given
    assert stat.S_IMODE(path.stat().st_mode) == 0o644
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.txt"]


def test_a_file_write_failing_midway_keeps_the_old_file(tmp_path):
    path = tmp_path / "weights.bin"
    path.write_bytes(b"old")

    def write(temp):
        temp.write_bytes(b"half")
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        atomic_write_file(path, write)
    assert path.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["weights.bin"]


def test_atomic_write_folder_replaces_only_with_overwrite(tmp_path):
    target = tmp_path / "model"
    assert atomic_write_folder(target, lambda d: (d / "a").write_text("1") and "done") == "done"
    with pytest.raises(FileExistsError):
        atomic_write_folder(target, lambda d: None)
    atomic_write_folder(target, lambda d: (d / "b").write_text("2"), overwrite=True)
    assert sorted(p.name for p in target.iterdir()) == ["b"]
    assert stat.S_IMODE(target.stat().st_mode) == 0o755
    assert stat.S_IMODE((target / "b").stat().st_mode) == 0o644
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model"]


def test_a_folder_write_failing_midway_keeps_the_old_folder(tmp_path):
    target = tmp_path / "model"
    target.mkdir()
    (target / "weights").write_text("old")

    def write(staging):
        (staging / "weights").write_text("half")
        raise KeyboardInterrupt  # even an interrupt must not leave the half folder

    with pytest.raises(KeyboardInterrupt):
        atomic_write_folder(target, write, overwrite=True)
    assert (target / "weights").read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model"]
