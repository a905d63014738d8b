"""Pipeline stages, one module each, with Spark NLP's names and setters."""

from clinical_ner.annotators.assertion import ContextualAssertion
from clinical_ner.annotators.document_assembler import DocumentAssembler
from clinical_ner.annotators.finisher import Finisher
from clinical_ner.annotators.ner_converter import NerConverter
from clinical_ner.annotators.section_detector import SectionDetector
from clinical_ner.annotators.sentence_detector import SentenceDetector
from clinical_ner.annotators.tokenizer import Tokenizer, TokenizerModel

__all__ = [
    "ContextualAssertion",
    "DocumentAssembler", "Finisher", "NerConverter", "SectionDetector", "SentenceDetector", "Tokenizer",
    "TokenizerModel"]
