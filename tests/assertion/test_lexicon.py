"""The lexicon file: format, replacement, extension, errors, persistence."""

from __future__ import annotations

import pytest

from clinical_ner import ContextualAssertion, DocumentAssembler, Pipeline
from clinical_ner.annotation import Annotation, AnnotatorType
from clinical_ner.annotators import SentenceDetector, Tokenizer
from clinical_ner.annotators.assertion_lexicon import (
    CATEGORIES,
    LexiconFormatError,
    bundled_lexicon_path,
    format_lexicon,
    load_lexicon,
    parse_lexicon,
)
from clinical_ner.pipeline import PipelineModel


def test_bundled_lexicon_is_package_data_and_valid():
    rules = load_lexicon()
    assert bundled_lexicon_path().is_file()
    assert {r.category for r in rules} == set(CATEGORIES)
    assert parse_lexicon(format_lexicon(rules)) == rules


def test_replacement_lexicon(status, tmp_path):
    path = tmp_path / "mine.tsv"
    path.write_text("# my rules\nnada de\tabsent\tforward\npero\tterminate\tboth\n", encoding="utf-8")
    stage = ContextualAssertion().setLexicon(path)
    assert status("Nada de fiebre.", "fiebre", stage) == "absent"
    assert status("No fever.", "fever", stage) == "present"  # the bundled rules are gone
    assert status("No fever.", "fever", stage.setLexicon(None)) == "absent"


def test_add_triggers(status):
    stage = ContextualAssertion().addTriggers(["nil"], "absent", "forward")
    assert status("Nil dysuria.", "dysuria", stage) == "absent"
    stage.addTriggers("was excluded by CT", "pseudo")
    assert stage.getLexicon()[-1].category == "pseudo"


@pytest.mark.parametrize(
    "content",
    ["no\tabsent\n", "no\tnegated\tforward\n", "no\tabsent\tsideways\n", "no\tabsent\tforward\tx\n"],
)
def test_bad_lexicon_lines_are_clear_errors(tmp_path, content):
    path = tmp_path / "bad.tsv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(LexiconFormatError, match="line 1"):
        ContextualAssertion().setLexicon(path)


def test_missing_lexicon_is_a_clear_error(tmp_path):
    with pytest.raises(LexiconFormatError, match="cannot read"):
        ContextualAssertion().setLexicon(tmp_path / "missing.tsv")


def test_pipeline_save_load_keeps_custom_rules(tmp_path):
    stage = ContextualAssertion().addTriggers("nil", "absent").setScopeWindow(4)
    model = Pipeline([
        DocumentAssembler().setInputCol("text").setOutputCol("document"),
        SentenceDetector().setInputCols(["document"]).setOutputCol("sentence"),
        Tokenizer().setInputCols(["sentence"]).setOutputCol("token"),
        stage.setInputCols(["sentence", "chunk"]).setOutputCol("assertion"),
    ]).fit()
    model.save(tmp_path / "p")
    loaded = PipelineModel.load(tmp_path / "p")
    again = loaded.stages[-1]
    assert again.getOrDefault("scopeWindow") == 4
    assert again.getLexicon()[-1].phrase == "nil"
    # A chunk column given by hand (no NER model in this test).
    rows = loaded.stages[1].transform_rows(loaded.stages[0].transform_rows([{"text": "Nil dysuria."}]))
    rows[0]["chunk"] = [Annotation(AnnotatorType.CHUNK, 4, 10, "dysuria", {"entity": "PROBLEM"})]
    assert again.transform_rows(rows)[0]["assertion"][0].result == "absent"
