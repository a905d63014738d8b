"""clinical-ner: clinical entities (PROBLEM, TEST, TREATMENT) with exact character offsets.

The public API; everything else is an implementation detail.
"""

import os as _os

# oneDNN (torch's CPU kernels) caches one compiled primitive per input shape, and sentence
# batches come in many shapes: its default cache of 1,024 grew the pipeline's memory by
# 350 MB over 1,000 notes. 64 entries keep memory flat at the same speed
# (benchmarks/results/speed.json). A value the user set wins.
_os.environ.setdefault("ONEDNN_PRIMITIVE_CACHE_CAPACITY", "64")
# OpenMP threads that sleep instead of spinning while they wait: on a machine shared with
# other work a spinning thread burns the core another process needs (see
# clinical_ner.parallelism). A value the user set wins.
_os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

from clinical_ner.annotation import Annotation, AnnotatorType
from clinical_ner.annotators import (
    ContextualAssertion,
    DocumentAssembler,
    Finisher,
    NerConverter,
    SectionDetector,
    SentenceDetector,
    Tokenizer,
    TokenizerModel,
)
from clinical_ner.errors import (
    ClinicalNerError,
    ConfigurationError,
    InputError,
    ModelLoadError,
    ResourceNotFoundError,
)
from clinical_ner.pipeline import LightPipeline, Pipeline, PipelineModel
from clinical_ner.pretrained_pipeline import PretrainedPipeline, ResourceDownloader
from clinical_ner.recipes import clinical_pipeline, text_pipeline

__version__ = "0.1.0"

# Stages that need torch load on first use, so that `import clinical_ner` stays fast for
# the text stages, the CLI's --help and the Spark driver.
_LAZY = {
    "NerDLModel": "clinical_ner.annotators.ner_dl",
    "NerDLApproach": "clinical_ner.training.ner_dl_approach",
    "WordEmbeddingsModel": "clinical_ner.annotators.word_embeddings",
    "CoNLL": "clinical_ner.training.conll_dataset",
}


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'clinical_ner' has no attribute {name!r}")

__all__ = [
    "Annotation",
    "AnnotatorType",
    "ClinicalNerError",
    "CoNLL",
    "ConfigurationError",
    "ContextualAssertion",
    "DocumentAssembler",
    "Finisher",
    "InputError",
    "LightPipeline",
    "ModelLoadError",
    "NerConverter",
    "NerDLApproach",
    "NerDLModel",
    "Pipeline",
    "PipelineModel",
    "PretrainedPipeline",
    "ResourceDownloader",
    "ResourceNotFoundError",
    "SectionDetector",
    "SentenceDetector",
    "Tokenizer",
    "TokenizerModel",
    "WordEmbeddingsModel",
    "__version__",
    "clinical_pipeline",
    "text_pipeline",
]
