"""The recipe's choice of training and selection sentences: in-domain weighting and the
dev split that picks the best epoch."""

import pytest

from clinical_ner.errors import ClinicalNerError
from clinical_ner.training.recipe import training_sentences


def write(path, sentences):
    path.write_text("".join("".join(f"{w} {t}\n" for w, t in s) + "\n" for s in sentences))


@pytest.fixture
def corpus(tmp_path):
    write(tmp_path / "train.conll", [[("Fever", "B-PROBLEM")], [("Aspirin", "B-TREATMENT")]])
    write(tmp_path / "mtsamples.train.conll", [[("Aspirin", "B-TREATMENT")]])
    write(tmp_path / "dev.conll", [[("CBC", "B-TEST")], [("Cough", "B-PROBLEM")]])
    write(tmp_path / "mtsamples.dev.conll", [[("CBC", "B-TEST")]])
    return tmp_path


def words(sentences):
    return [s.tokens[0] for s in sentences]


def test_defaults_are_the_combined_splits(corpus):
    train, dev = training_sentences({}, corpus)
    assert words(train) == ["Fever", "Aspirin"] and words(dev) == ["CBC", "Cough"]


def test_weights_repeat_a_corpus_and_selection_uses_its_dev(corpus):
    recipe = {"corpus_weights": {"mtsamples": 3}, "selection_dev": "mtsamples"}
    train, dev = training_sentences(recipe, corpus)
    assert words(train) == ["Fever", "Aspirin", "Aspirin", "Aspirin"]
    assert words(dev) == ["CBC"]
    with pytest.raises(ClinicalNerError, match="whole number >= 1"):
        training_sentences({"corpus_weights": {"mtsamples": 0}}, corpus)


def test_conventions_tag_each_sentence_with_its_corpus(corpus):
    write(corpus / "maccrobat.train.conll", [[("Fever", "B-PROBLEM")]])
    write(corpus / "maccrobat.dev.conll", [[("Cough", "B-PROBLEM")]])
    recipe = {"training": {"conventions": ["mtsamples", "maccrobat"]},
              "corpus_weights": {"mtsamples": 2}, "selection_dev": "mtsamples"}
    train, dev = training_sentences(recipe, corpus)
    # The combined train.conll is not read: each corpus's own file, in convention order.
    assert [(s.tokens[0], s.convention) for s in train] == [
        ("Aspirin", "mtsamples"), ("Fever", "maccrobat"), ("Aspirin", "mtsamples")]
    assert [(s.tokens[0], s.convention) for s in dev] == [("CBC", "mtsamples")]
