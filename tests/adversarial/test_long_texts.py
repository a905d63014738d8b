"""Long texts in windows: the same annotations as in one piece (offsets, sentence and
chunk numbers, sections), for LightPipeline and for the CLI's streamed JSON lines. (A
section whose assertion rule applies, such as FAMILY HISTORY, cut by a window boundary is
the documented exception: the part after the cut is not seen as that section by the
assertion stage.)"""

from __future__ import annotations

import io
import itertools
import json
import random

import pytest

from clinical_ner import LightPipeline, clinical_pipeline
from clinical_ner.cli import main
from clinical_ner.windows import window_bounds

PIECES = ["CHIEF COMPLAINT: Chest pain.", "HISTORY: He has CHF and COPD.", "No fever or chills.",
          "MEDICATIONS: Lasix 40 mg daily.", "\n\n", "\n", "Blood pressure 150/90.",
          "PLAN: Mother had diabetes.", "Started aspirin for chest pain.",
          "Café ✓ 😀 résumé", "\r\n"]


def long_text(n, seed=1):
    rng = random.Random(seed)
    return " ".join(rng.choice(PIECES) for _ in range(n))


def keys(row):
    return {col: [(a.begin, a.end, a.result, sorted(a.metadata.items())) for a in value]
            for col, value in row.items()}


@pytest.fixture(scope="module")
def model():
    # float32: bfloat16 (which precision="auto" picks where it is faster) rounds by batch
    # shapes, so its confidences may differ in the last digits between windowings.
    return clinical_pipeline(precision="float32")


def test_windows_cover_the_text_and_cut_at_line_or_sentence_ends():
    text = long_text(3000)
    bounds = window_bounds(text, 4000)
    assert bounds[0][0] == 0 and bounds[-1][1] == len(text)
    assert all(a[1] == b[0] for a, b in itertools.pairwise(bounds))
    assert all(stop - start <= 4000 for start, stop in bounds)
    assert all(text[stop - 1] in "\n " for _, stop in bounds[:-1])
    assert window_bounds("x" * 10_000, 3000) == [(0, 3000), (3000, 6000), (6000, 9000), (9000, 10000)]


def test_a_long_text_in_windows_equals_the_text_in_one_piece(model):
    text = long_text(1500)
    whole = LightPipeline(model, window_chars=10**7).fullAnnotate(text)[0]
    windowed = LightPipeline(model, window_chars=3000).fullAnnotate([text, "Fever.", None])
    assert keys(windowed[0]) == keys(whole)
    assert [c.result for c in windowed[1]["ner_chunk"]] == ["Fever"]
    assert windowed[2]["document"] == []


def test_the_cli_streams_the_same_json_line(tmp_path):
    text = long_text(800, seed=5)
    path = tmp_path / "long.txt"
    path.write_text(text, encoding="utf-8", newline="")
    outputs = []
    for window in ("1000", "1000000"):
        out = io.StringIO()
        assert main(["annotate", "-f", str(path), "--window-chars", window,
                     "--precision", "float32"], stdout=out) == 0
        outputs.append(out.getvalue())
    assert outputs[0] == outputs[1]
    record = json.loads(outputs[0])
    assert all(text[e["begin"] : e["end"] + 1] == e["text"] for e in record["entities"])
