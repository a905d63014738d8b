"""Every benchmark script still starts after the code moved under it (`--help` exits 0), so
a broken import shows here and not on the next benchmark day. The peers' own scripts need
the `bench` extra (spaCy, sklearn-crfsuite), which the test environment does not install;
`run_peers.py` and `peer_data.py`, which drive and score them, are checked."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"
NEEDS_BENCH_EXTRA = {"crf_baseline.py", "spacy_ner.py"}
SCRIPTS = sorted(
    p for p in [*BENCHMARKS.glob("*.py"), *BENCHMARKS.glob("peers/*.py")]
    if p.name not in NEEDS_BENCH_EXTRA
)


def test_the_list_is_not_empty():
    assert {"speed.py", "spark.py", "accuracy.py", "gpu.py"} <= {p.name for p in SCRIPTS}


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: str(p.relative_to(BENCHMARKS)))
def test_benchmark_starts(script):
    result = subprocess.run([sys.executable, str(script), "--help"], capture_output=True,
                            text=True, timeout=120, cwd=BENCHMARKS.parent)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "Traceback" not in result.stderr
