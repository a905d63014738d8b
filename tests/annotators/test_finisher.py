from clinical_ner import Annotation, Finisher


def row():
    return {
        "text": "x",
        "token": [
            Annotation("token", 0, 1, "No", {"sentence": "0"}),
            Annotation("token", 3, 7, "fever", {"sentence": "0"}),
        ],
    }


def test_array_output_and_cleanup():
    (out,) = Finisher().setInputCols(["token"]).transform_rows([row()])
    assert out["finished_token"] == ["No", "fever"]
    assert "token" not in out and out["text"] == "x"


def test_string_output_with_metadata_and_named_columns():
    finisher = (
        Finisher().setInputCols(["token"]).setOutputCols(["words"]).setOutputAsArray(False)
        .setIncludeMetadata(True).setCleanAnnotations(False)
    )
    (out,) = finisher.transform_rows([row()])
    assert out["words"] == "No@fever"
    assert out["words_metadata"] == "sentence#0@sentence#0"
    assert "token" in out
