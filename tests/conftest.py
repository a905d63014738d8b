"""The suite's shared fixtures and CI strictness.

- ``toy_model_dir``: the one toy model (``tests/helpers/toy.py``), trained once per session.
- ``CLINICAL_NER_REQUIRE_ALL=1`` (set by ``.ci/run``): a test that skips fails instead, so CI
  cannot go green with the real-data, Spark (Java), browser (Chromium) or gensim tests
  skipped. Only skips for a missing CUDA device stay skips: CI machines have no GPU.
- ``CI`` set: hypothesis runs derandomized (the same examples every run), so a CI failure
  reproduces and a CI pass does not depend on luck.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from hypothesis import settings

from .helpers.toy import build_toy_model

# The suite compares results across batchings, windows, workers and Spark: exact in float32.
# precision="auto" may pick bfloat16 on a CPU where it is faster, whose rounding depends on
# batch shapes, so the suite settles auto to float32 (tests/nn/test_precision.py checks auto
# itself, and bfloat16 against float32).
os.environ.setdefault("CLINICAL_NER_PRECISION", "float32")

settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")

REQUIRE_ALL = os.environ.get("CLINICAL_NER_REQUIRE_ALL") == "1"
# Skips that stay skips under REQUIRE_ALL: hardware a CI machine does not have.
_ALLOWED_SKIP = re.compile(r"\bCUDA\b|\bGPU\b")
# The public corpora (``../shared/data`` or $CLINICAL_NER_DATA) are not redistributed with
# the repository. Their skips fail too, unless .ci/run found no data folder beside the
# clone, said so in its log and set CLINICAL_NER_DATA_OPTIONAL=1.
DATA_OPTIONAL = os.environ.get("CLINICAL_NER_DATA_OPTIONAL") == "1"
_DATA_SKIP = re.compile(r"\babsent\b|not available")


def _strict(report) -> None:
    """Turns a skip ``report`` into a failure that names what was missing."""
    if not (REQUIRE_ALL and report.skipped) or hasattr(report, "wasxfail"):
        return
    reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
    if _ALLOWED_SKIP.search(reason) or (DATA_OPTIONAL and _DATA_SKIP.search(reason)):
        return
    report.outcome = "failed"
    report.longrepr = f"skipped under CLINICAL_NER_REQUIRE_ALL=1: {reason}"


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    _strict(report)
    return report


@pytest.hookimpl(wrapper=True)
def pytest_make_collect_report(collector):
    report = yield
    _strict(report)
    return report


@pytest.fixture(scope="session")
def toy_model_dir(tmp_path_factory) -> Path:
    """``.../ner_clinical`` of the toy model; ``embeddings_clinical`` lies beside it. Shared by
    the whole session: copy it before changing anything in it."""
    return build_toy_model(tmp_path_factory.mktemp("toy_model"))


@pytest.fixture(scope="session")
def toy_embeddings_dir(toy_model_dir) -> Path:
    """The toy model's ``embeddings_clinical`` folder."""
    return toy_model_dir.parent / "embeddings_clinical"
