"""clinical-ner: clinical entities (PROBLEM, TEST, TREATMENT) with exact character offsets.

The public API; everything else is an implementation detail.
"""

from clinical_ner.annotation import Annotation, AnnotatorType
from clinical_ner.annotators import (
    ContextualAssertion,
    DocumentAssembler,
    Finisher,
    NerConverter,
    SentenceDetector,
    Tokenizer,
)
from clinical_ner.errors import (
    ClinicalNerError,
    ConfigurationError,
    InputError,
    ResourceNotFoundError,
)
from clinical_ner.pipeline import LightPipeline, Pipeline, PipelineModel
from clinical_ner.recipes import text_pipeline

__version__ = "0.1.0"

__all__ = [
    "Annotation",
    "AnnotatorType",
    "ClinicalNerError",
    "ConfigurationError",
    "ContextualAssertion",
    "DocumentAssembler",
    "Finisher",
    "InputError",
    "LightPipeline",
    "NerConverter",
    "Pipeline",
    "PipelineModel",
    "ResourceNotFoundError",
    "SentenceDetector",
    "Tokenizer",
    "__version__",
    "text_pipeline",
]
