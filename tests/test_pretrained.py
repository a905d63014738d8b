"""The shipped pretrained resources: offline lookup by name, the model card's pipeline,
and the CLI's default model. These load the real model folders inside the package."""

import io
import json

import pytest

from clinical_ner import (
    DocumentAssembler,
    LightPipeline,
    NerConverter,
    Pipeline,
    SentenceDetector,
    Tokenizer,
)
from clinical_ner.annotators.ner_dl import NerDLModel
from clinical_ner.annotators.word_embeddings import WordEmbeddingsModel
from clinical_ner.cli import main
from clinical_ner.resources import PACKAGE_MODELS, available

NOTE = (
    "HISTORY OF PRESENT ILLNESS: The patient is a 67-year-old man with hypertension who "
    "presents with chest pain and shortness of breath. An ECG showed ST elevation. "
    "He was given aspirin 325 mg and started on heparin."
)


@pytest.fixture(scope="module")
def card_pipeline():
    clinical_ner = (
        NerDLModel.pretrained("ner_clinical", "en", "clinical/models")
        .setInputCols(["sentence", "token", "embeddings"])
        .setOutputCol("ner")
    )
    embeddings = (
        WordEmbeddingsModel.pretrained("embeddings_clinical", "en", "clinical/models")
        .setInputCols(["sentence", "token"])
        .setOutputCol("embeddings")
    )
    return Pipeline(
        stages=[
            DocumentAssembler().setInputCol("text").setOutputCol("document"),
            SentenceDetector().setInputCols(["document"]).setOutputCol("sentence"),
            Tokenizer().setInputCols(["sentence"]).setOutputCol("token"),
            embeddings,
            clinical_ner,
            NerConverter().setInputCols(["sentence", "token", "ner"]).setOutputCol("ner_chunk"),
        ]
    ).fit()


def test_resources_are_shipped_in_the_package():
    names = {(r["name"], r["kind"]) for r in available() if r["path"].startswith(str(PACKAGE_MODELS))}
    assert {("ner_clinical", "ner_dl"), ("embeddings_clinical", "word_embeddings")} <= names
    size = sum(p.stat().st_size for p in PACKAGE_MODELS.rglob("*") if p.is_file())
    assert size < 30 * 1024 * 1024


def test_model_card_pipeline_finds_the_clinical_entities(card_pipeline):
    (row,) = LightPipeline(card_pipeline).fullAnnotate(NOTE)
    found = {(c.result, c.metadata["entity"]) for c in row["ner_chunk"]}
    for c in row["ner_chunk"]:
        assert NOTE[c.begin : c.end + 1] == c.result
    assert ("chest pain", "PROBLEM") in found
    assert ("hypertension", "PROBLEM") in found
    assert any(label == "TREATMENT" and "aspirin" in text for text, label in found)
    assert any(label == "TEST" and "ECG" in text for text, label in found)
    assert row["ner"][0].metadata["confidence"]
    assert set(card_pipeline.stages[4].getClasses()) == {
        "O", "B-PROBLEM", "I-PROBLEM", "B-TEST", "I-TEST", "B-TREATMENT", "I-TREATMENT",
    }


def test_metadata_states_data_recipe_and_scores():
    meta = json.loads((PACKAGE_MODELS / "ner_clinical_en" / "metadata.json").read_text())
    assert "MACCROBAT" in meta["training_data"] and meta["recipe"]["name"] == "ner_clinical"
    assert 0.0 < meta["test_scores"]["combined"]["strict_micro_f1"] <= 1.0


def test_cli_annotate_uses_the_shipped_model():
    out = io.StringIO()
    assert main(["annotate", NOTE], stdin=io.StringIO(), stdout=out) == 0
    record = json.loads(out.getvalue())
    labels = {e["label"] for e in record["entities"]}
    assert {"PROBLEM", "TREATMENT"} <= labels
    assert all(NOTE[e["begin"] : e["end"] + 1] == e["text"] for e in record["entities"])
    assert all(0.0 <= e["confidence"] <= 1.0 for e in record["entities"])
