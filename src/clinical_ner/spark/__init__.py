"""clinical-ner on Apache Spark: the same stages as ``pyspark.ml`` stages.

    from clinical_ner.spark import start, DocumentAssembler, SectionDetector, \\
        SentenceDetector, Tokenizer, WordEmbeddingsModel, NerDLModel, NerConverter, \\
        ContextualAssertion
    from pyspark.ml import Pipeline

Needs the ``spark`` extra (``pip install "clinical-ner[spark]"``: pyspark, pandas,
pyarrow) and Java 17+. The core package never imports this module.
"""

from pyspark.ml import Pipeline, PipelineModel

from clinical_ner.spark.annotators import (
    ContextualAssertion,
    DocumentAssembler,
    NerConverter,
    NerDLModel,
    SectionDetector,
    SentenceDetector,
    Tokenizer,
    TokenizerModel,
    WordEmbeddingsModel,
)
from clinical_ner.spark.approach import NerDLApproach
from clinical_ner.spark.conll import CoNLL
from clinical_ner.spark.finisher import Finisher
from clinical_ner.spark.light_pipeline import LightPipeline, to_local
from clinical_ner.spark.pretrained_pipeline import PretrainedPipeline, ResourceDownloader
from clinical_ner.spark.schema import ANNOTATION_TYPE
from clinical_ner.spark.session import start

__all__ = [
    "ANNOTATION_TYPE",
    "CoNLL",
    "ContextualAssertion",
    "DocumentAssembler",
    "Finisher",
    "LightPipeline",
    "NerConverter",
    "NerDLApproach",
    "NerDLModel",
    "Pipeline",
    "PipelineModel",
    "PretrainedPipeline",
    "ResourceDownloader",
    "SectionDetector",
    "SentenceDetector",
    "Tokenizer",
    "TokenizerModel",
    "WordEmbeddingsModel",
    "start",
    "to_local",
]
