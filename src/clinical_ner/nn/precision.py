"""Which arithmetic the tagger runs in when its precision is ``auto``: measured, not guessed.

bfloat16 halves the memory traffic of the BiLSTM and, on CPUs with native bfloat16 units
(AVX512-BF16, AMX) or a GPU, runs its matrix products several times faster; on a CPU
without them torch emulates it and it is slower than float32. A CPU flag does not say
which, for this network at this thread count, so `measured_precision` times both on a
synthetic batch the size of a real one and picks bfloat16 only when it is at least
`MIN_SPEEDUP` times faster. The result is cached per machine, torch version, thread count,
device and network in ``$CLINICAL_NER_HOME/calibration/precision.json``, so the measurement
(well under a second) runs once per machine, not once per process.

What bfloat16 changes: entity tags agree with float32 on the notes' dev sentences and
confidences differ by at most a few hundredths (a test checks both on the shipped model),
but its rounding depends on the shapes of the batch, so the same text in a different
batch may get confidences that differ in the last digits. ``setPrecision("float32")``
gives bit-identical results whatever shares the batch; ``CLINICAL_NER_PRECISION=float32``
in the environment does the same for every ``auto`` model of a process and its children (a
Spark executor, the REST service, a test suite).
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import os
import platform
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch

from clinical_ner.errors import ConfigurationError
from clinical_ner.io import atomic_write_text
from clinical_ner.nn.features import Casing, TaggerBatch
from clinical_ner.nn.tagger import BiLstmCnnCrf
from clinical_ner.resources import cache_dir

logger = logging.getLogger(__name__)

#: bfloat16 must be at least this much faster than float32 to be chosen: below it, the
#: speed is not worth results that depend on batch shapes.
MIN_SPEEDUP = 1.2
#: The synthetic batch: sentences x words, about one LightPipeline batch of note sentences.
CALIBRATION_SENTENCES = 64
CALIBRATION_WORDS = 24
ROUNDS = 5

_measured: dict[str, dict[str, Any]] = {}
_measuring = threading.Lock()

#: Environment variable that settles ``auto`` without measuring: ``float32`` or ``bfloat16``.
ENVIRONMENT_VARIABLE = "CLINICAL_NER_PRECISION"


def environment_precision() -> str | None:
    """``float32`` or ``bfloat16`` from `ENVIRONMENT_VARIABLE`, or None when it is unset
    (or ``auto``)."""
    value = os.environ.get(ENVIRONMENT_VARIABLE, "").strip().lower()
    if value in ("", "auto"):
        return None
    if value not in ("float32", "bfloat16"):
        raise ConfigurationError(
            f"{ENVIRONMENT_VARIABLE}={value!r}: use float32, bfloat16 or auto"
        )
    return value


def cache_file() -> Path:
    """Where measurements are kept: ``$CLINICAL_NER_HOME/calibration/precision.json``."""
    return cache_dir() / "calibration" / "precision.json"


@functools.cache
def _cpu_name() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            for line in handle:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def calibration_key(network: BiLstmCnnCrf, device: torch.device) -> str:
    """What the measurement depends on: the device (CPU model or GPU name), torch's version
    and thread count, and the network's architecture (not its weights)."""
    hardware = torch.cuda.get_device_name(device) if device.type == "cuda" else _cpu_name()
    architecture = hashlib.sha256(
        json.dumps(network.to_config(), sort_keys=True).encode()
    ).hexdigest()[:16]
    return f"{device.type}|{hardware}|torch {torch.__version__}|{torch.get_num_threads()} threads|{architecture}"


def synthetic_batch(network: BiLstmCnnCrf, device: torch.device, seed: int = 0) -> TaggerBatch:
    """A random batch in the shapes `make_batch` produces for real notes: `CALIBRATION_SENTENCES`
    sentences of `CALIBRATION_WORDS` / 2 to `CALIBRATION_WORDS` words (similar lengths, as
    `length_sorted_batches` groups them), a third as many distinct words, 8 characters each.
    The values do not matter for timing; the shapes and the packing of lengths do."""
    generator = torch.Generator().manual_seed(seed)
    sentences, words = CALIBRATION_SENTENCES, CALIBRATION_WORDS
    distinct = sentences * words // 3
    num_chars = int(network.to_config()["num_chars"])
    lengths = torch.randint(words // 2, words + 1, (sentences,), generator=generator)
    lengths[0] = words
    batch = TaggerBatch(
        word_vectors=torch.randn(sentences, words, network.word_dim, generator=generator),
        char_ids=torch.randint(2, max(num_chars, 3), (distinct, 8), generator=generator),
        word_index=torch.randint(0, distinct, (sentences, words), generator=generator),
        casing_ids=torch.randint(1, len(Casing), (sentences, words), generator=generator),
        mask=torch.arange(words)[None, :] < lengths[:, None],
        lengths=lengths,
    )
    return batch.to(device)


def _seconds(network: BiLstmCnnCrf, batch: TaggerBatch) -> float:
    started = time.perf_counter()
    network.decode(batch)
    if batch.mask.device.type == "cuda":
        torch.cuda.synchronize()
    return time.perf_counter() - started


def measure(network: BiLstmCnnCrf, low: BiLstmCnnCrf, device: torch.device) -> dict[str, Any]:
    """Time float32 ``network`` against its bfloat16 copy ``low`` on one synthetic batch:
    one warm-up each, then `ROUNDS` interleaved rounds; the fastest round of each (in
    milliseconds: on a shared machine the fastest is the one least disturbed by other
    processes, so it measures the arithmetic, not the neighbours) and the choice."""
    batch = synthetic_batch(network, device)
    with torch.inference_mode():
        _seconds(network, batch), _seconds(low, batch)
        times: dict[str, list[float]] = {"float32": [], "bfloat16": []}
        for _ in range(ROUNDS):
            times["float32"].append(_seconds(network, batch))
            times["bfloat16"].append(_seconds(low, batch))
    float32_ms = 1000 * min(times["float32"])
    bfloat16_ms = 1000 * min(times["bfloat16"])
    speedup = float32_ms / bfloat16_ms if bfloat16_ms > 0 else 0.0
    return {
        "choice": "bfloat16" if speedup >= MIN_SPEEDUP else "float32",
        "float32_ms": round(float32_ms, 3),
        "bfloat16_ms": round(bfloat16_ms, 3),
        "speedup": round(speedup, 3),
        "measured": time.strftime("%Y-%m-%dT%H:%M:%S"),
    }


def _read_cache(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _write_cache(path: Path, key: str, entry: dict[str, Any]) -> None:
    """Add ``entry`` under ``key`` (read-modify-write, then an atomic rename: processes
    calibrating at once lose nothing worse than one another's entry, which they remeasure)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        data = _read_cache(path)
        data[key] = entry
        atomic_write_text(path, json.dumps(data, indent=2, sort_keys=True))
    except OSError as exc:  # a read-only home: the choice still holds for this process
        logger.info("precision calibration not cached (%s)", type(exc).__name__)


def measured_precision(
    network: BiLstmCnnCrf, device: torch.device, make_low: Callable[[], BiLstmCnnCrf]
) -> dict[str, Any]:
    """The cached (or freshly measured) calibration entry for float32 ``network`` on
    ``device``: ``{"choice": "float32" | "bfloat16", "float32_ms", "bfloat16_ms",
    "speedup", ...}``. ``make_low()`` gives its bfloat16 copy, called only to measure."""
    key = calibration_key(network, device)
    if key in _measured:
        return _measured[key]
    # LightPipeline's worker threads reach their first batch together: one measures (alone,
    # so the timing is not of two threads fighting for the cores), the others wait for it.
    with _measuring:
        if key in _measured:
            return _measured[key]
        path = cache_file()
        entry = _read_cache(path).get(key)
        if not (isinstance(entry, dict) and entry.get("choice") in ("float32", "bfloat16")):
            entry = measure(network, make_low(), device)
            _write_cache(path, key, entry)
            logger.info("precision auto: %s (float32 %.1f ms, bfloat16 %.1f ms per batch)",
                        entry["choice"], entry["float32_ms"], entry["bfloat16_ms"])
        _measured[key] = entry
    return entry
