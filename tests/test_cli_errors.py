"""Every ``clinical-ner`` command answers a user error with ONE line on stderr,
``clinical-ner: error: ...``, and exit status 2: never a traceback, never a usage block.

Each case runs the real command in a subprocess (what a user sees) with one bad argument,
and checks a fragment of the message that names what is wrong. Log lines (``INFO ...``)
may come before the error line; nothing else may.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"
LOG_PREFIXES = ("DEBUG ", "INFO ", "WARNING ")


def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    paths = [str(SRC), os.environ.get("PYTHONPATH", "")]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in paths if p)}
    return subprocess.run(
        [sys.executable, "-m", "clinical_ner.cli", *args], cwd=cwd, env=env,
        stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=120,
    )


@pytest.fixture(scope="module")
def work(tmp_path_factory) -> Path:
    """A folder with a recipe that is not JSON, two recipes with a bad training setting, a
    one-document brat corpus, an empty folder, and a plain file where a folder is expected."""
    root = tmp_path_factory.mktemp("cli-errors")
    (root / "recipe.json").write_text("{ not json", encoding="utf-8")
    (root / "bad_metric.json").write_text(
        '{"embeddings": {}, "training": {"best_model_metric": "median"}}', encoding="utf-8")
    (root / "bad_setting.json").write_text(
        '{"embeddings": {}, "training": {"epochs": 3}}', encoding="utf-8")
    brat = root / "brat"
    brat.mkdir()
    (brat / "note.txt").write_text("Chest pain.\n", encoding="utf-8")
    (brat / "note.ann").write_text("T1\tPROBLEM 0 10\tChest pain\n", encoding="utf-8")
    (root / "empty").mkdir()
    (root / "a_file").write_text("x", encoding="utf-8")
    return root


# (command line, a fragment the error line must hold); "{w}" is the work folder.
CASES = {
    "annotate, missing file": (["annotate", "-f", "{w}/missing.txt"], "cannot read"),
    "annotate, unknown model": (["annotate", "--model", "no_such_model", "text"],
                                "no pretrained resource 'no_such_model'"),
    "annotate, bad window": (["annotate", "--model", "none", "--window-chars", "5", "text"],
                             "window_chars"),
    "evaluate, unknown corpus": (["evaluate", "--corpus", "foo", "--data", "{w}/empty"],
                                 "unknown corpus 'foo'"),
    "evaluate, missing data folder": (
        ["evaluate", "--corpus", "maccrobat", "--data", "/nonexistent"], "/nonexistent"),
    "evaluate, unknown task": (["evaluate", "--corpus", "brat", "--data", "{w}/brat",
                                "--task", "relations"], "invalid choice: 'relations'"),
    "train, missing recipe": (["train", "--config", "/nonexistent/recipe.json", "--data",
                               "{w}/empty", "--out", "{w}/out"], "recipe /nonexistent/recipe.json"),
    "train, recipe not JSON": (["train", "--config", "{w}/recipe.json", "--data", "{w}/empty",
                                "--out", "{w}/out"], "is not valid JSON"),
    "train, bad best_model_metric": (["train", "--config", "{w}/bad_metric.json", "--data",
                                      "{w}/empty", "--out", "{w}/out"],
                                     "best_model_metric must be 'micro' or 'macro', not 'median'"),
    "train, unknown training setting": (["train", "--config", "{w}/bad_setting.json", "--data",
                                         "{w}/empty", "--out", "{w}/out"],
                                        "unknown key 'epochs' in \"training\""),
    "annotate, unknown convention": (["annotate", "fever", "--convention", "foo"],
                                     "unknown convention 'foo'"),
    "models, unknown flag": (["models", "--bogus"], "unrecognized arguments: --bogus"),
    "corpus build, missing data": (["corpus", "build", "--data", "/nonexistent", "--out",
                                    "{w}/build"], "/nonexistent"),
    "corpus convert, unknown corpus": (["corpus", "convert", "--corpus", "foo", "--data",
                                        "{w}/brat", "--out", "{w}/x.conll"], "unknown corpus 'foo'"),
    "corpus convert, empty folder": (["corpus", "convert", "--corpus", "brat", "--data",
                                      "{w}/empty", "--out", "{w}/x.conll"], "{w}/empty"),
    "corpus convert, output under a file": (["corpus", "convert", "--corpus", "brat", "--data",
                                             "{w}/brat", "--out", "{w}/a_file/x.conll"], "a_file"),
    "embeddings train, missing texts": (["embeddings", "train", "--data", "/nonexistent",
                                         "--corpus", "{w}/empty", "--out", "{w}/emb"],
                                        "mtsamples.csv not found"),
    "serve, port not a number": (["serve", "--port", "http"], "argument --port"),
    "serve, no texts allowed": (["serve", "--max-texts", "0"], "argument --max-texts"),
    "serve, negative timeout": (["serve", "--timeout", "-1"], "argument --timeout"),
    "no command": ([], "required: command"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_user_error_is_one_line_and_status_2(case, work):
    argv, fragment = CASES[case]
    result = run_cli(*(a.format(w=work) for a in argv), cwd=work)
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert result.returncode == 2, result.stderr[-2000:]
    assert "Traceback" not in result.stderr
    assert lines, "nothing on stderr"
    *before, last = lines
    assert last.startswith("clinical-ner: error: "), lines
    assert all(line.startswith(LOG_PREFIXES) for line in before), before
    assert fragment.format(w=work) in last


def test_the_argument_errors_name_the_subcommand(work):
    result = run_cli("serve", "--max-texts", "0", cwd=work)
    assert result.stderr.strip() == (
        "clinical-ner: error: serve: argument --max-texts: must be at least 1, not 0 "
        "(see clinical-ner serve --help)"
    )
