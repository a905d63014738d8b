"""Shared helpers of the benchmark scripts: the MTSamples workload and machine facts."""

from __future__ import annotations

import csv
import json
import os
import platform
import statistics
import sys
from pathlib import Path
from typing import Any

DEFAULT_DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data"


def mtsamples_notes(data_dir: Path, limit: int | None = None) -> list[str]:
    """Deduplicated MTSamples transcriptions, ordered by note id (first occurrence kept).

    2,641 rows repeat another row's transcription (one sample listed under several
    specialties); they are dropped so no note is counted twice.
    """
    path = Path(data_dir) / "mtsamples" / "mtsamples.csv"
    if not path.is_file():
        raise SystemExit(f"MTSamples not found at {path}; pass --data PATH/TO/shared/data")
    csv.field_size_limit(sys.maxsize)
    with open(path, encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    rows.sort(key=lambda r: int(r["note_id"]))
    seen: set[str] = set()
    notes: list[str] = []
    for row in rows:
        text = (row.get("transcription") or "").strip()
        if text and text not in seen:
            seen.add(text)
            notes.append(text)
    return notes[:limit] if limit else notes


def machine() -> dict[str, Any]:
    """What ran the benchmark: CPU, cores, Python and library versions."""
    cpu = platform.processor()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
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
    }


def summary(values: list[float]) -> dict[str, float]:
    return {"median": statistics.median(values), "min": min(values), "max": max(values)}


def write_json(path: Path, payload: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {path}")
