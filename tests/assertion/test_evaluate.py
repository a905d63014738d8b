"""`clinical-ner evaluate --task assertion`, the scores, records and the recipe."""

from __future__ import annotations

import io
import json
import os
from pathlib import Path

import pytest

from clinical_ner.annotation import Annotation, AnnotatorType
from clinical_ner.cli import main
from clinical_ner.evaluation.assertion import assertion_scores
from clinical_ner.records import text_record

from .test_gold import maccrobat_folder

REPO = Path(__file__).resolve().parents[2]
DATA_DIR = Path(os.environ.get("CLINICAL_NER_DATA", REPO.parent / "shared" / "data"))
MODEL_DIR = REPO / "src" / "clinical_ner" / "models" / "ner_clinical_en"


def run(argv):
    out = io.StringIO()
    code = main(argv, stdin=io.StringIO(""), stdout=out)
    return code, out.getvalue()


def test_scores():
    s = assertion_scores(["absent", "present", "present", "possible"],
                         ["absent", "absent", "present", "present"])
    assert s["accuracy"] == 0.5
    assert s["absent"] == {"precision": 0.5, "recall": 1.0, "f1": pytest.approx(2 / 3), "support": 1}
    assert s["possible"]["f1"] == 0.0 and s["hypothetical"]["support"] == 0
    assert s["macro_f1"] == pytest.approx((2 / 3 + 0.5 + 0.0) / 3)


def test_evaluate_command_json(tmp_path):
    code, out = run(["evaluate", "--task", "assertion", "--corpus", "maccrobat",
                     "--data", str(maccrobat_folder(tmp_path)), "--json"])
    assert code == 0
    scores = json.loads(out)
    assert scores["chunks"] == 5 and scores["documents"] == 1
    assert scores["absent"]["support"] == 1 and scores["possible"]["support"] == 2 and scores["absent"]["recall"] == 1.0
    assert set(scores) >= {"accuracy", "macro_f1", "present", "possible", "conditional",
                           "hypothetical", "associated_with_someone_else"}


def test_evaluate_command_table(tmp_path):
    code, out = run(["evaluate", "--task", "assertion", "--corpus", "maccrobat",
                     "--data", str(maccrobat_folder(tmp_path))])
    assert code == 0 and "accuracy" in out and "absent" in out


def test_records_carry_the_assertion():
    text = "No fever."
    row = {
        "ner_chunk": [Annotation(AnnotatorType.CHUNK, 3, 7, "fever", {"entity": "PROBLEM"})],
        "assertion": [Annotation(AnnotatorType.ASSERTION, 3, 7, "absent", {})],
    }
    record = text_record(row)
    assert record["entities"][0]["assertion"] == "absent"
    assert "assertion" not in text_record({"ner_chunk": row["ner_chunk"]})["entities"][0]
    assert text[3:8] == "fever"


@pytest.mark.skipif(not (DATA_DIR / "maccrobat").is_dir(),
                    reason="../shared/data/maccrobat is absent: the real corpus is not here")
def test_maccrobat_test_split_gold_chunks():
    code, out = run(["evaluate", "--task", "assertion", "--corpus", "maccrobat",
                     "--data", str(DATA_DIR / "maccrobat"), "--split", "test", "--json"])
    scores = json.loads(out)
    assert code == 0 and scores["documents"] == 16
    assert scores["accuracy"] > 0.93 and scores["absent"]["f1"] > 0.85


@pytest.mark.skipif(not MODEL_DIR.is_dir() or not (DATA_DIR / "maccrobat").is_dir(),
                    reason="the shipped model or ../shared/data/maccrobat is absent")
def test_maccrobat_predicted_chunks():
    code, out = run(["evaluate", "--task", "assertion", "--corpus", "maccrobat",
                     "--data", str(DATA_DIR / "maccrobat"), "--split", "test",
                     "--chunks", "predicted", "--json"])
    scores = json.loads(out)
    assert code == 0 and scores["matched"] > 0 and scores["accuracy"] > 0.8
