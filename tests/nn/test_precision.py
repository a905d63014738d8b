"""precision="auto": bfloat16 only where it measured faster, the measurement cached per
machine; and what bfloat16 costs on the shipped model (tags agree, confidences close)."""

from __future__ import annotations

import json
import os
import random
from pathlib import Path

import pytest
import torch

from clinical_ner import LightPipeline, clinical_pipeline
from clinical_ner.annotators.ner_dl import NerDLModel
from clinical_ner.nn import precision

from ..helpers.notes import PIECES


@pytest.fixture(autouse=True)
def auto_measures(monkeypatch):
    """The suite settles auto to float32 (tests/conftest.py); here auto measures."""
    monkeypatch.delenv("CLINICAL_NER_PRECISION", raising=False)


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("CLINICAL_NER_HOME", str(tmp_path))
    monkeypatch.setattr(precision, "_measured", {})
    return tmp_path


def fake_timings(monkeypatch, float32_s, bfloat16_s):
    """Make every float32 decode take ``float32_s`` and every bfloat16 one ``bfloat16_s``."""
    calls = []

    def seconds(network, batch):
        dtype = network.emission.weight.dtype
        calls.append(dtype)
        return bfloat16_s if dtype == torch.bfloat16 else float32_s

    monkeypatch.setattr(precision, "_seconds", seconds)
    return calls


@pytest.mark.parametrize(
    ("float32_s", "bfloat16_s", "expected"),
    [(0.04, 0.02, "bfloat16"),   # 2x faster: chosen
     (0.04, 0.035, "float32"),   # 1.14x: below MIN_SPEEDUP (1.2), not worth it
     (0.04, 0.40, "float32")],   # emulated bfloat16 on a CPU without it
)
def test_auto_follows_the_measurement_and_caches_it(home, monkeypatch, float32_s, bfloat16_s, expected):
    calls = fake_timings(monkeypatch, float32_s, bfloat16_s)
    model = NerDLModel.pretrained()
    assert model.getResolvedPrecision() == expected
    # One warm-up and five rounds per dtype, interleaved.
    assert calls.count(torch.float32) == 6 and calls.count(torch.bfloat16) == 6
    cached = json.loads((home / "calibration" / "precision.json").read_text())
    (key, entry), = cached.items()
    assert f"torch {torch.__version__}" in key and "threads" in key
    assert entry["choice"] == expected
    assert entry["float32_ms"] == pytest.approx(1000 * float32_s)
    # A new process (empty memo) reads the cache and measures nothing.
    monkeypatch.setattr(precision, "_measured", {})
    calls.clear()
    assert NerDLModel.pretrained().getResolvedPrecision() == expected
    assert calls == []


def test_threads_that_start_together_measure_once(home, monkeypatch):
    import threading

    calls = fake_timings(monkeypatch, 0.04, 0.02)
    model = NerDLModel.pretrained()
    start = threading.Barrier(4)
    results = []

    def resolve():
        start.wait(10)
        results.append(model.getResolvedPrecision())

    threads = [threading.Thread(target=resolve) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert results == ["bfloat16"] * 4
    assert len(calls) == 12  # one measurement: 1 warm-up + 5 rounds per dtype


def test_explicit_precisions_are_not_measured(home, monkeypatch):
    calls = fake_timings(monkeypatch, 0.04, 0.01)
    model = NerDLModel.pretrained()
    assert model.copy().setPrecision("float32").getResolvedPrecision() == "float32"
    assert model.copy().setPrecision("bfloat16").getResolvedPrecision() == "bfloat16"
    assert calls == [] and not (home / "calibration").exists()


@pytest.mark.parametrize("value", ["float32", "bfloat16", "BFLOAT16 "])
def test_the_environment_settles_auto_without_measuring(home, monkeypatch, value):
    calls = fake_timings(monkeypatch, 0.04, 0.01)
    monkeypatch.setenv("CLINICAL_NER_PRECISION", value)
    assert NerDLModel.pretrained().getResolvedPrecision() == value.strip().lower()
    assert calls == [] and not (home / "calibration").exists()
    # An explicit precision still wins over the environment.
    assert NerDLModel.pretrained().setPrecision("float32").getResolvedPrecision() == "float32"


def test_a_bad_environment_value_is_a_clear_error(home, monkeypatch):
    from clinical_ner.errors import ConfigurationError

    monkeypatch.setenv("CLINICAL_NER_PRECISION", "fp8")
    with pytest.raises(ConfigurationError, match="CLINICAL_NER_PRECISION='fp8': use float32"):
        NerDLModel.pretrained().getResolvedPrecision()


def test_an_unwritable_home_still_decides(tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("CLINICAL_NER_HOME", str(blocker))
    monkeypatch.setattr(precision, "_measured", {})
    fake_timings(monkeypatch, 0.04, 0.02)
    assert NerDLModel.pretrained().getResolvedPrecision() == "bfloat16"


def test_a_damaged_cache_is_remeasured(home, monkeypatch):
    (home / "calibration").mkdir()
    (home / "calibration" / "precision.json").write_text("{not json")
    fake_timings(monkeypatch, 0.04, 0.02)
    assert NerDLModel.pretrained().getResolvedPrecision() == "bfloat16"
    assert len(json.loads((home / "calibration" / "precision.json").read_text())) == 1


def compare(texts):
    """Per text, the float32 and bfloat16 chunks ((begin, end, entity), confidence)."""
    out = {}
    for name in ("float32", "bfloat16"):
        light = LightPipeline(clinical_pipeline(precision=name, assertion=False), workers=1)
        out[name] = [[((c.begin, c.end, c.metadata["entity"]), float(c.metadata["confidence"]))
                      for c in row["ner_chunk"]] for row in light.fullAnnotate(texts)]
    return out["float32"], out["bfloat16"]


def assert_close(full, low, min_agreement=1.0, tolerance=0.02):
    """At least ``min_agreement`` of the float32 chunks are found by bfloat16 too (same
    offsets and label), and their confidences differ by at most ``tolerance``."""
    full_chunks = [dict(row) for row in full]
    low_chunks = [dict(row) for row in low]
    total = sum(len(row) for row in full_chunks)
    shared = [(row[span], other[span]) for row, other in zip(full_chunks, low_chunks, strict=True)
              for span in row if span in other]
    extra = sum(len(set(other) - set(row)) for row, other in zip(full_chunks, low_chunks, strict=True))
    assert total and len(shared) >= min_agreement * total, f"{len(shared)}/{total} chunks agree"
    assert extra <= (1 - min_agreement) * total, f"{extra} chunks only in bfloat16"
    assert max(abs(a - b) for a, b in shared) <= tolerance


def test_bfloat16_agrees_with_float32_on_notes():
    rng = random.Random(5)
    texts = [" ".join(rng.choices(PIECES, k=rng.randint(2, 12))) for _ in range(40)]
    full, low = compare(texts)
    assert_close(full, low)


def test_bfloat16_agrees_with_float32_on_the_notes_dev_split():
    data = Path(os.environ.get("CLINICAL_NER_DATA",
                               Path(__file__).resolve().parents[2].parent / "shared" / "data"))
    if not (data / "mtsamples" / "mtsamples.csv").is_file():
        pytest.skip(f"{data}/mtsamples is absent: the annotated notes cannot be read")
    from clinical_ner.corpora import read

    texts = [d.text for d in read("mtsamples", data / "mtsamples") if d.split == "dev"]
    assert len(texts) >= 30
    full, low = compare(texts)
    assert_close(full, low, min_agreement=0.99)
