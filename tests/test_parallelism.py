"""The one place that plans parallelism: CPUs from affinity and cgroup quota, the override,
and what LightPipeline does with the plan."""

import os

import pytest

from clinical_ner import parallelism
from clinical_ner.errors import ConfigurationError


def test_cgroup_v2_quota_in_cpus(tmp_path):
    cpu_max = tmp_path / "cpu.max"
    cpu_max.write_text("150000 100000\n")
    assert parallelism.quota_cpus(cpu_max, (tmp_path / "none", tmp_path / "none")) == 1.5
    cpu_max.write_text("max 100000\n")
    assert parallelism.quota_cpus(cpu_max, (tmp_path / "none", tmp_path / "none")) is None


def test_cgroup_v1_quota_and_unlimited(tmp_path):
    quota, period = tmp_path / "quota", tmp_path / "period"
    quota.write_text("200000\n")
    period.write_text("100000\n")
    assert parallelism.quota_cpus(tmp_path / "absent", (quota, period)) == 2.0
    quota.write_text("-1\n")
    assert parallelism.quota_cpus(tmp_path / "absent", (quota, period)) is None
    assert parallelism.quota_cpus(tmp_path / "absent", (tmp_path / "x", tmp_path / "y")) is None


def test_usable_cpus_is_the_smaller_of_affinity_and_rounded_up_quota(monkeypatch):
    monkeypatch.delenv(parallelism.THREADS_ENV, raising=False)
    monkeypatch.setattr(parallelism, "affinity_cpus", lambda: 8)
    monkeypatch.setattr(parallelism, "quota_cpus", lambda: 2.5)
    assert parallelism.usable_cpus() == 3
    monkeypatch.setattr(parallelism, "quota_cpus", lambda: 0.2)
    assert parallelism.usable_cpus() == 1
    monkeypatch.setattr(parallelism, "quota_cpus", lambda: None)
    assert parallelism.usable_cpus() == 8
    plan = parallelism.default_plan()
    assert (plan.cpus, plan.workers, plan.torch_threads) == (8, 8, 1)
    assert "8 CPUs in the affinity mask" in plan.reason


def test_affinity_is_what_this_process_may_use():
    if not hasattr(os, "sched_getaffinity"):
        pytest.skip("no sched_getaffinity on this OS")
    assert parallelism.affinity_cpus() == len(os.sched_getaffinity(0))


def test_environment_override_and_its_errors(monkeypatch):
    monkeypatch.setenv(parallelism.THREADS_ENV, "3")
    plan = parallelism.default_plan()
    assert (plan.cpus, plan.workers) == (3, 3) and plan.reason == "CLINICAL_NER_THREADS=3"
    for bad in ("0", "two", "-1"):
        monkeypatch.setenv(parallelism.THREADS_ENV, bad)
        with pytest.raises(ConfigurationError, match="CLINICAL_NER_THREADS must be"):
            parallelism.usable_cpus()


def test_workers_are_capped(monkeypatch):
    monkeypatch.setenv(parallelism.THREADS_ENV, "64")
    assert parallelism.default_plan().workers == parallelism.MAX_WORKERS


def test_spark_task_threads_follow_task_cpus():
    assert parallelism.spark_task_threads(1) == 1
    assert parallelism.spark_task_threads(4) == 4
    assert parallelism.spark_task_threads(0) == 1


def test_light_pipeline_default_follows_the_plan(monkeypatch):
    import torch

    from clinical_ner import LightPipeline, clinical_pipeline

    monkeypatch.setenv(parallelism.THREADS_ENV, "2")
    before = torch.get_num_threads()
    try:
        monkeypatch.setattr(parallelism, "_TORCH_THREADS", None)
        light = LightPipeline(clinical_pipeline())
        assert light.workers == 2 and light.plan is not None
        assert torch.get_num_threads() == 1
        explicit = LightPipeline(clinical_pipeline(), workers=1)
        assert explicit.workers == 1 and explicit.plan is None
        assert light.annotate("The patient denies chest pain.")["ner_chunk"] == ["chest pain"]
    finally:
        torch.set_num_threads(before)


def test_light_pipeline_workers_give_the_same_result_as_one(toy_model_dir):
    # Same batches (batch_size 2) run by 3 worker threads or by 1: the NER model's tags,
    # chunks and confidences must not depend on which thread ran a batch, nor on order.
    from clinical_ner import LightPipeline, clinical_pipeline

    from .helpers.toy import EXPECTED, NOTE

    texts = [NOTE, "No rash after metformin .", "", "We ordered troponin today .",
             "CBC showed no cough .\nStarted lisinopril for shortness of breath ."] * 4
    model = clinical_pipeline(toy_model_dir, assertion=False, sections=False)
    one = LightPipeline(model, batch_size=2, workers=1).fullAnnotate(texts)
    three = LightPipeline(model, batch_size=2, workers=3).fullAnnotate(texts)

    def chunks(rows):
        return [[(c.begin, c.end, c.result, dict(c.metadata)) for c in row["ner_chunk"]]
                for row in rows]

    assert chunks(three) == chunks(one)
    assert [[t.result for t in row["ner"]] for row in three] == [
        [t.result for t in row["ner"]] for row in one]
    # and the result is the model's, not an empty agreement: the note's spans are found
    for row in (one[0], three[0], three[-5]):
        assert {(c.result, c.metadata["entity"]) for c in row["ner_chunk"]} >= EXPECTED
