"""Ready-made pipelines, so a user gets a working pipeline in one call."""

from __future__ import annotations

from pathlib import Path

from clinical_ner.annotators import (
    ContextualAssertion,
    DocumentAssembler,
    NerConverter,
    SectionDetector,
    SentenceDetector,
    Tokenizer,
)
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


def clinical_pipeline(
    model: str | Path = "ner_clinical",
    embeddings: str | Path | None = None,
    device: str = "auto",
    batch_size: int = 64,
    assertion: bool = True,
    sections: bool = True,
    precision: str = "auto",
    convention: str = "",
) -> PipelineModel:
    """The model card's pipeline: document -> sentence -> token -> embeddings -> ner ->
    ner_chunk, with a pretrained model by name (or a model folder path). The embeddings
    default to the ones the model was trained with (its ``storage_ref``), found beside a
    model folder or as a pretrained resource. With ``sections`` (default) a
    :class:`SectionDetector` adds the ``section`` column after the document: sentences
    never join a header to its body, header tokens are tagged ``O`` and every chunk's
    metadata names its ``section``. With ``assertion`` (default) a
    :class:`ContextualAssertion` stage adds the ``assertion`` column (one status per chunk).
    ``precision`` is the tagger's (`NerDLModel.setPrecision`): ``auto`` measures whether
    bfloat16 is faster on this machine; ``float32`` makes results independent of batching.
    ``convention`` picks the span rules of one of the model's training corpora
    (`NerDLModel.setConvention`; ``""``, the default, is the clinical notes')."""
    from clinical_ner.annotators.ner_dl import NerDLModel  # torch loads only when needed
    from clinical_ner.annotators.word_embeddings import WordEmbeddingsModel

    ner = NerDLModel.pretrained(str(model)) if not Path(model).is_dir() else NerDLModel.load(model)
    embeddings_name = embeddings or ner.getOrDefault("storageRef")
    beside = Path(model).parent / str(embeddings_name)
    if embeddings is None and Path(model).is_dir() and beside.is_dir():
        embeddings_name = beside  # the layout `clinical-ner train --out DIR` writes
    vectors = (
        WordEmbeddingsModel.load(embeddings_name)
        if Path(embeddings_name).is_dir()
        else WordEmbeddingsModel.pretrained(str(embeddings_name))
    )
    section = ["section"] if sections else []
    return Pipeline(
        [
            DocumentAssembler().setInputCol("text").setOutputCol("document"),
            *([SectionDetector().setInputCols(["document"]).setOutputCol("section")]
              if sections else []),
            SentenceDetector().setInputCols(["document", *section]).setOutputCol("sentence"),
            Tokenizer().setInputCols(["sentence"]).setOutputCol("token"),
            vectors.setInputCols(["sentence", "token"]).setOutputCol("embeddings"),
            ner.setInputCols(["sentence", "token", "embeddings", *section]).setOutputCol("ner")
            .setDevice(device).setBatchSize(batch_size).setPrecision(precision)
            .setConvention(convention),
            NerConverter().setInputCols(["sentence", "token", "ner", *section])
            .setOutputCol("ner_chunk"),
            *([ContextualAssertion().setInputCols(["sentence", "ner_chunk"])
               .setOutputCol("assertion")] if assertion else []),
        ]
    ).fit()
