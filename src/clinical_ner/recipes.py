"""Ready-made pipelines, so a user gets a working pipeline in one call."""

from __future__ import annotations

from clinical_ner.annotators import DocumentAssembler, SentenceDetector, Tokenizer
from clinical_ner.pipeline import Pipeline, PipelineModel


def text_pipeline() -> PipelineModel:
    """document -> sentence -> token, with the default clinical rules."""
    return Pipeline(
        [
            DocumentAssembler().setInputCol("text").setOutputCol("document"),
            SentenceDetector().setInputCols(["document"]).setOutputCol("sentence"),
            Tokenizer().setInputCols(["sentence"]).setOutputCol("token"),
        ]
    ).fit()
