"""A real standalone Spark cluster (a master and two one-core workers on loopback).

The driver program (``cluster_job.py``) runs in a subprocess with a time limit; the test
compares what it saw with LightPipeline in this process. Default settings throughout, so
the models travel the default way on a cluster master (one archive per model folder).
"""

import json
import random
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.spark, pytest.mark.slow]

HERE = Path(__file__).resolve().parent
NOTES = 240

PROBLEMS = ["chest pain", "shortness of breath", "hypertension", "type 2 diabetes", "fever",
            "a productive cough", "nausea and vomiting", "atrial fibrillation", "pneumonia",
            "acute kidney injury", "worsening edema", "a right lower lobe infiltrate"]
TESTS = ["an ECG", "a chest x-ray", "troponin", "a CBC", "a CT of the abdomen", "blood cultures",
         "her hemoglobin", "an echocardiogram", "a urinalysis", "the basic metabolic panel"]
TREATMENTS = ["aspirin 81 mg daily", "metoprolol", "IV fluids", "Coumadin", "lisinopril 10 mg",
              "insulin", "a cardiac catheterization", "vancomycin", "Lasix 40 mg IV", "oxygen"]


def synthetic_notes(count: int, seed: int = 7) -> list[str]:
    """Clinical-style notes with headers, negations, family history and hypotheticals."""
    rng = random.Random(seed)
    notes = []
    for _ in range(count):
        p, t, r = rng.sample(PROBLEMS, 3), rng.sample(TESTS, 2), rng.sample(TREATMENTS, 3)
        age = rng.randint(19, 92)
        notes.append(
            f"HISTORY OF PRESENT ILLNESS: The patient is a {age}-year-old with {p[0]} who "
            f"presents with {p[1]}. She denies {p[2]}.\n\n"
            f"FAMILY HISTORY: Mother had {rng.choice(PROBLEMS)}.\n\n"
            f"MEDICATIONS: {r[0]}, {r[1]}.\n\n"
            f"HOSPITAL COURSE: {t[0][0].upper() + t[0][1:]} was done and showed no "
            f"{rng.choice(PROBLEMS)}. {t[1][0].upper() + t[1][1:]} was within normal limits. She was started on {r[2]}.\n\n"
            f"DISCHARGE INSTRUCTIONS: Return if {rng.choice(PROBLEMS)} develops."
        )
    return notes


@pytest.fixture(scope="module")
def cluster_report(spark_installed, tmp_path_factory):
    work = tmp_path_factory.mktemp("cluster")
    notes_path, out_path = work / "notes.json", work / "report.json"
    notes_path.write_text(json.dumps(synthetic_notes(NOTES)), encoding="utf-8")
    try:
        done = subprocess.run(
            [sys.executable, str(HERE / "cluster_job.py"), str(out_path), str(notes_path)],
            capture_output=True, text=True, timeout=900)
    except subprocess.TimeoutExpired as exc:
        pytest.fail(f"the cluster job ran past 900 s; its output ended with {str(exc.stdout)[-3000:]}")
    assert done.returncode == 0, done.stderr[-5000:]
    return json.loads(out_path.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def expected():
    from clinical_ner import LightPipeline, clinical_pipeline

    light = LightPipeline(clinical_pipeline())
    out = {}
    for i, result in enumerate(light.fullAnnotate(synthetic_notes(NOTES))):
        statuses = {(a.begin, a.end): a.result for a in result["assertion"]}
        out[str(i)] = [[c.begin, c.end, c.result, c.metadata["entity"], c.metadata.get("section"),
                        statuses.get((c.begin, c.end))] for c in result["ner_chunk"]]
    return out


def test_cluster_defaults_ship_models_and_match_light_pipeline(cluster_report, expected):
    assert cluster_report["master"].startswith("spark://127.0.0.1:")
    assert cluster_report["distribution"] == "auto"
    clean = cluster_report["clean"]
    assert set(clean) == set(expected)
    differing = [i for i in expected if clean[i] != expected[i]]
    assert not differing, f"{len(differing)} of {NOTES} rows differ, e.g. {differing[:3]}"
    # The workload exercises every stage: entities of all three types, sections, statuses.
    chunks = [c for row in clean.values() for c in row]
    assert {c[3] for c in chunks} == {"PROBLEM", "TEST", "TREATMENT"}
    assert {"history_of_present_illness", "family_history", "medications"} <= {c[4] for c in chunks}
    assert {"present", "absent", "associated_with_someone_else", "hypothetical"} <= {c[5] for c in chunks}


def test_saved_pipeline_reloads_and_runs_on_the_cluster(cluster_report, expected):
    assert cluster_report["reloaded"] == expected


def test_killed_worker_mid_job_every_row_once_and_equal(cluster_report, expected):
    assert cluster_report["killed"], "the worker was not killed while the job ran"
    assert cluster_report["alive_workers_after_fault"] == 1
    # results() refuses a row that comes back twice; every row is here, equal to clean.
    assert cluster_report["fault"] == expected


def test_executor_that_cannot_load_a_model_names_it_and_the_executor(cluster_report):
    message = cluster_report["load_error"]
    assert "ModelLoadError" in message
    assert "NerDLModel 'ner_clinical_damaged'" in message
    assert "could not be loaded on executor" in message
    assert "weights.safetensors" in message  # the cause: the damaged file, by name
    assert message.count("\n") < 80, "the driver's error should not be a page of Java frames"
