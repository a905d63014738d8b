"""The recipe: its choice of training and selection sentences (in-domain weighting and the
dev split that picks the best epoch), the shipped recipe as package data, and the checks
that stop a typo before any work starts."""

from pathlib import Path

import pytest

from clinical_ner.cli_models import default_recipe
from clinical_ner.errors import ClinicalNerError
from clinical_ner.training.recipe import (
    load_recipe,
    train_recipe,
    training_sentences,
    validate_recipe,
)


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


# ----- the shipped recipe and its validation ----------------------------------------------
ROOT = Path(__file__).resolve().parents[2]


def small_recipe(**changes):
    recipe = {"name": "toy", "corpus": {"seed": 13},
              "embeddings": {"name": "toy_vectors", "dim": 8, "texts": ["train_split"]},
              "training": {"lr": 0.01, "max_epochs": 1},
              "corpus_weights": {"mtsamples": 2}, "selection_dev": "maccrobat",
              "partial_label_corpora": ["bc5cdr"]}
    recipe.update(changes)
    return recipe


def test_the_shipped_recipe_is_package_data_and_the_same_as_the_documented_copy():
    shipped = default_recipe()
    assert shipped.parts[-3:] == ("clinical_ner", "configs", "ner_clinical.json")
    assert shipped.read_bytes() == (ROOT / "configs" / "ner_clinical.json").read_bytes()
    recipe = load_recipe(shipped)  # valid
    assert recipe["name"] == "ner_clinical"


@pytest.mark.parametrize(("changes", "key", "a_known_key"), [
    ({"trainig": {}}, "trainig", "training"),
    ({"corpus": {"sed": 13}}, "sed", "conll_dir"),
    ({"embeddings": {"dims": 8}}, "dims", "min_count"),
    ({"embeddings": {"texts": ["train-split"]}}, "train-split", "train_split"),
    ({"training": {"lstm_hiden": 64}}, "lstm_hiden", "lstm_hidden"),
    ({"corpus_weights": {"mtsample": 2}}, "mtsample", "mtsamples"),
    ({"selection_dev": "maccrobot"}, "maccrobot", "maccrobat"),
    ({"partial_label_corpora": ["ncbi_disease"]}, "ncbi_disease", "ncbi-disease"),
])
def test_an_unknown_key_is_one_line_naming_it_and_the_known_ones(changes, key, a_known_key):
    with pytest.raises(ClinicalNerError) as caught:
        validate_recipe(small_recipe(**changes))
    message = str(caught.value)
    assert "\n" not in message
    assert f"unknown key {key!r}" in message
    assert a_known_key in message.split("known: ")[1].split(", ")


@pytest.mark.parametrize("weight", [0, 2.5, "3", True])
def test_corpus_weights_are_whole_numbers_from_one(weight):
    with pytest.raises(ClinicalNerError, match="whole number >= 1"):
        validate_recipe(small_recipe(corpus_weights={"mtsamples": weight}))


def test_a_missing_section_or_a_wrong_shape_is_an_error():
    recipe = small_recipe()
    del recipe["training"]
    with pytest.raises(ClinicalNerError, match="no 'training' section"):
        validate_recipe(recipe)
    with pytest.raises(ClinicalNerError, match='"corpus" must be a JSON object'):
        validate_recipe(small_recipe(corpus=[13]))


def test_with_a_conll_dir_corpus_names_are_its_files(corpus):
    conll = {"conll_dir": str(corpus)}
    validate_recipe(small_recipe(corpus=conll, partial_label_corpora=[],
                                 selection_dev="mtsamples"))  # mtsamples.{train,dev}.conll exist
    with pytest.raises(ClinicalNerError, match=r"has no chia\.dev\.conll"):
        validate_recipe(small_recipe(corpus=conll, partial_label_corpora=[], selection_dev="chia"))


def test_a_typo_stops_train_recipe_before_any_work(tmp_path):
    out = tmp_path / "out"
    with pytest.raises(ClinicalNerError, match="'max_epoch'"):
        train_recipe(small_recipe(training={"max_epoch": 1}), tmp_path / "no_data", out)
    assert not out.exists()  # no corpus build, no embeddings, no folder


def test_load_recipe_names_the_file_of_a_typo_and_of_bad_json(tmp_path):
    path = tmp_path / "recipe.json"
    path.write_text('{"training": {}, "embeddings": {}, "corpus_weight": {}}')
    with pytest.raises(ClinicalNerError, match=r"recipe .*recipe\.json: unknown key 'corpus_weight'"):
        load_recipe(path)
    path.write_text('{"training": ')
    with pytest.raises(ClinicalNerError, match="is not valid JSON"):
        load_recipe(path)


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
