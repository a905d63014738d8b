"""Training is reproducible across processes (Python's per-process string hashing must not
reach the weights) and the learning rate follows the documented ``lr / (1 + po * epoch)``."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

from clinical_ner.training.trainer import Trainer

from ..helpers.toy import toy_config

REPO = Path(__file__).resolve().parents[2]

# Runs in a fresh interpreter from the repository root, so ``tests.helpers`` imports as a
# package: trains the toy model for 2 epochs and writes it to the folder in argv[1].
TRAIN_SCRIPT = """
import sys
from pathlib import Path
from tests.helpers.toy import build_toy_model
build_toy_model(Path(sys.argv[1]), epochs=2)
"""


@pytest.mark.slow
def test_weights_are_identical_under_two_hash_seeds(tmp_path):
    digests = []
    for seed in ("1", "4242"):
        env = {**os.environ, "PYTHONHASHSEED": seed,
               "PYTHONPATH": os.pathsep.join([str(REPO / "src"), os.environ.get("PYTHONPATH", "")])}
        out = tmp_path / f"seed{seed}"
        done = subprocess.run([sys.executable, "-c", TRAIN_SCRIPT, str(out)], cwd=REPO, env=env,
                              capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr[-2000:]
        weights = (out / "ner_clinical" / "weights.safetensors").read_bytes()
        digests.append(hashlib.sha256(weights).hexdigest())
    assert digests[0] == digests[1]


def test_learning_rate_per_epoch(toy_data):
    train, dev, store = toy_data
    trainer = Trainer(toy_config(lr=0.01, po=0.5, max_epochs=4), train[:16], store, dev=dev[:4],
                      progress=False)
    logged, used = [], []
    for log in trainer.run():
        logged.append(log.lr)
        used.append(trainer.optimizer.param_groups[0]["lr"])
    # 0.01 / (1 + 0.5 * epoch) for epochs 0..3, by hand
    expected = [0.01, 0.01 / 1.5, 0.005, 0.004]
    assert logged == pytest.approx(expected, rel=1e-12)
    assert used == pytest.approx(expected, rel=1e-12)
