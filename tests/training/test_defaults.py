"""Training defaults have one home, TrainingConfig: NerDLApproach's parameters follow it."""

from clinical_ner.annotators.ner_dl_approach import NerDLApproach
from clinical_ner.training.trainer import TrainingConfig


def test_an_unconfigured_approach_trains_with_the_training_config_defaults():
    assert NerDLApproach().training_config() == TrainingConfig()


def test_the_defaults_are_the_documented_general_purpose_ones():
    # Values written here, not read from the code: a changed default is a visible decision.
    approach = NerDLApproach()
    expected = {"lr": 0.001, "po": 0.005, "batchSize": 32, "dropout": 0.5, "maxEpochs": 30,
                "minEpochs": 0, "earlyStoppingPatience": 5, "gradientClip": 5.0,
                "hiddenSize": 200, "lstmLayers": 1, "randomSeed": 13, "useBestModel": True,
                "bestModelMetric": "f1_micro", "threads": None}
    assert {name: approach.getOrDefault(name) for name in expected} == expected
