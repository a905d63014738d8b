"""Shared helpers of the benchmark scripts: the MTSamples workload and machine facts."""

from __future__ import annotations

import json
import os
import platform
import statistics
from pathlib import Path
from typing import Any

from clinical_ner.embeddings.train import mtsamples_texts

DEFAULT_DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data"


def mtsamples_notes(data_dir: Path, limit: int | None = None) -> list[str]:
    """Deduplicated MTSamples transcriptions in note-id order (the file's order), the
    first ``limit`` of them: the library's own reader, so benchmarks and embedding
    training see the same notes."""
    path = Path(data_dir) / "mtsamples" / "mtsamples.csv"
    if not path.is_file():
        raise SystemExit(f"MTSamples not found at {path}; pass --data PATH/TO/shared/data")
    notes = list(mtsamples_texts(path))
    return notes[:limit] if limit else notes


def machine() -> dict[str, Any]:
    """What ran the benchmark: CPU, cores, Python and library versions."""
    cpu = platform.processor()
    flags: set[str] = set()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
            elif line.startswith("flags") and not flags:
                flags = set(line.split(":", 1)[1].split())
    except OSError:
        pass
    import torch  # imported here: only for its version

    import clinical_ner

    return {
        "cpu": cpu,
        "logical_cores": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "clinical_ner": clinical_ner.__version__,
        "torch": torch.__version__,
        # Which bfloat16 units the CPU has (the precision="auto" measurement decides).
        "bfloat16_cpu_flags": sorted(flags & {"avx512_bf16", "amx_bf16", "amx_tile"}),
    }


def summary(values: list[float]) -> dict[str, float]:
    return {"median": statistics.median(values), "min": min(values), "max": max(values)}


def write_json(path: Path, payload: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {path}")
