"""The card's notebook (examples/ner_clinical.ipynb) runs top to bottom, offline."""

import pytest

pytestmark = [pytest.mark.spark, pytest.mark.slow]


def test_the_notebook_runs_top_to_bottom(spark_installed, tmp_path):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    from pathlib import Path

    path = Path(__file__).resolve().parents[2] / "examples" / "ner_clinical.ipynb"
    notebook = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(notebook, timeout=900, kernel_name="python3",
                                     resources={"metadata": {"path": str(tmp_path)}})
    client.execute()  # raises CellExecutionError naming the failing cell
    outputs = {i: cell.outputs for i, cell in enumerate(notebook.cells) if cell.cell_type == "code"}
    text = "\n".join(str(o.get("text", "")) + str(o.get("data", {}).get("text/plain", ""))
                     for cell_outputs in outputs.values() for o in cell_outputs)
    # What each part of the flow must show: chunks, the table, a row per sentence,
    # statuses, the pretrained pipeline, scores on the toy folder, trained classes.
    for expected in ("gestational diabetes mellitus", "ner_label", "Her HbA1c was 10%.",
                     "associated_with_someone_else", "'strict': ", "B-TREATMENT"):
        assert expected in text, expected
