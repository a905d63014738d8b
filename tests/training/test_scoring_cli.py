"""End-to-end scoring of a model folder on raw brat files, through the CLI."""

import io
import json

from clinical_ner.annotation import Annotation
from clinical_ner.cli import main
from clinical_ner.evaluation.ner import _gold_tags


def test_gold_tags_projection():
    tokens = [Annotation("token", b, e, "x") for b, e in [(0, 3), (5, 9), (11, 14), (16, 19)]]
    assert _gold_tags(tokens, [(5, 14, "PROBLEM"), (16, 19, "PROBLEM")]) == [
        "O", "B-PROBLEM", "I-PROBLEM", "B-PROBLEM",
    ]


def test_evaluate_command_on_brat_folder(tmp_path, toy_model_dir):
    brat = tmp_path / "brat"
    brat.mkdir()
    text = "Patient reports chest pain .\r\nWe ordered ECG today ."
    (brat / "doc1.txt").write_bytes(text.encode())
    (brat / "doc1.ann").write_text(
        "T1\tPROBLEM 16 26\tchest pain\nT2\tTEST 41 44\tECG\n", encoding="utf-8"
    )
    out = io.StringIO()
    code = main(["evaluate", "--model", str(toy_model_dir), "--corpus",
                 "brat", "--data", str(brat), "--json"], stdout=out)
    assert code == 0
    scores = json.loads(out.getvalue())
    assert scores["documents"] == 1 and scores["gold"] == 2
    assert scores["strict"]["micro"]["f1"] == 1.0
    assert set(scores["strict"]) >= {"PROBLEM", "TEST", "TREATMENT", "micro", "macro"}
    assert 0.0 <= scores["token"]["micro"]["f1"] <= 1.0
