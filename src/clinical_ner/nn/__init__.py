"""Torch building blocks of the tagger: features, character encoder, CRF, BiLSTM-CNN-CRF."""

from clinical_ner.nn.char_encoder import CharCnnEncoder
from clinical_ner.nn.crf import ConstrainedCrf, bio_constraints, partial_label_mask
from clinical_ner.nn.features import (
    Casing,
    CharVocabulary,
    TaggerBatch,
    casing_of,
    length_sorted_batches,
    make_batch,
)
from clinical_ner.nn.tagger import BiLstmCnnCrf, TaggerOutput

__all__ = [
    "BiLstmCnnCrf",
    "Casing",
    "CharCnnEncoder",
    "CharVocabulary",
    "ConstrainedCrf",
    "TaggerBatch",
    "TaggerOutput",
    "bio_constraints",
    "casing_of",
    "length_sorted_batches",
    "make_batch",
    "partial_label_mask",
]
