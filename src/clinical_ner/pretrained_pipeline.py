"""``PretrainedPipeline`` and ``ResourceDownloader``: Spark NLP's one-line pipelines, offline.

    from clinical_ner import PretrainedPipeline
    pipeline = PretrainedPipeline("ner_clinical_pipeline", "en", "clinical/models")
    pipeline.annotate("The patient has chest pain.")["ner_chunk"]

A pipeline name resolves, in order, to

1. a pipeline saved with :meth:`PipelineModel.save` in ``$CLINICAL_NER_HOME`` (a folder named
   ``<name>_<lang>`` or ``<name>``; a path to a saved pipeline folder also works), so a user
   can ship their own pipeline by name;
2. a pipeline built from the models shipped in the package (:data:`RECIPES`):
   ``ner_clinical_pipeline`` is :func:`clinical_ner.recipes.clinical_pipeline`, the model
   card's pipeline with sections and assertion status.

Nothing is downloaded (``remote_loc`` is accepted for Spark NLP compatibility and ignored,
as in ``pretrained()``); an unknown name is a :class:`ResourceNotFoundError` that lists
every pipeline and model available. ``ResourceDownloader.showPublicModels()`` and
``showPublicPipelines()`` print the same lists as Spark NLP's tables.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from clinical_ner.errors import ConfigurationError, InputError, ResourceNotFoundError
from clinical_ner.pipeline import LightPipeline, PipelineModel
from clinical_ner.recipes import clinical_pipeline
from clinical_ner.resources import available, cache_dir, read_metadata, resolve

#: Model kinds (``metadata.json`` ``kind``) listed by ``showPublicModels``, and the
#: annotator class that loads each (Spark NLP's "annotator" filter).
MODEL_ANNOTATORS: dict[str, str] = {"ner_dl": "NerDLModel", "word_embeddings": "WordEmbeddingsModel"}
PIPELINE_KIND = "pipeline"


@dataclass
class ResolvedPipeline:
    """A pipeline found by name: the fitted local model, and for each model stage (by index
    in ``model.stages``) the resource folder it was loaded from, when there is one (the
    Spark twin references those folders instead of writing copies)."""

    model: PipelineModel
    folders: dict[int, Path] = field(default_factory=dict)


@dataclass(frozen=True)
class PipelineRecipe:
    """A pipeline built from shipped models. ``ner_model`` names the NER resource it is
    built on; its version is the pipeline's version in the listings."""

    name: str
    lang: str
    description: str
    build: Callable[[str], ResolvedPipeline]
    ner_model: str


def _clinical_pipeline(lang: str) -> ResolvedPipeline:
    """The model card's pipeline, sections and assertion included, with the folders of its
    NER model and of the embeddings that model was trained with (resolved as the recipe
    resolves them)."""
    model = clinical_pipeline()
    folders: dict[int, Path] = {}
    for index, stage in enumerate(model.stages):
        kind = type(stage).__name__
        if kind == "NerDLModel":
            folders[index] = resolve("ner_clinical", lang, kind="ner_dl")
        elif kind == "WordEmbeddingsModel":
            folders[index] = resolve(stage.getOrDefault("storageRef"), lang, kind="word_embeddings")
    return ResolvedPipeline(model, folders)


#: The pipelines built from shipped models, by ``(name, lang)``.
RECIPES: dict[tuple[str, str], PipelineRecipe] = {
    ("ner_clinical_pipeline", "en"): PipelineRecipe(
        "ner_clinical_pipeline",
        "en",
        "document, section, sentence, token, embeddings, ner, ner_chunk, assertion",
        _clinical_pipeline,
        "ner_clinical",
    ),
}


# ----- lookup ----------------------------------------------------------------------------
def resolve_pipeline(name: str, lang: str = "en", remote_loc: str | None = None) -> ResolvedPipeline:
    """The pipeline ``name`` in ``lang``: a saved one in the cache folder (or at path
    ``name``) first, then a shipped recipe. Offline; ``remote_loc`` is ignored.

    Raises:
        ResourceNotFoundError: no such pipeline; the message lists what exists.
    """
    saved = _saved_pipeline_folder(name, lang, remote_loc)
    if saved is not None:
        return ResolvedPipeline(PipelineModel.load(saved))
    recipe = RECIPES.get((name, lang))
    if recipe is not None:
        return recipe.build(lang)
    raise ResourceNotFoundError(_unknown_pipeline_message(name, lang))


def load_pipeline(name: str, lang: str = "en", remote_loc: str | None = None) -> PipelineModel:
    """The fitted local :class:`PipelineModel` of pipeline ``name`` (see
    :func:`resolve_pipeline`)."""
    return resolve_pipeline(name, lang, remote_loc).model


def _saved_pipeline_folder(name: str, lang: str, remote_loc: str | None) -> Path | None:
    try:
        folder = resolve(name, lang, remote_loc, kind=PIPELINE_KIND)
    except ResourceNotFoundError:
        return None
    # resolve() returns a path given as the name whatever its kind: only a pipeline counts.
    return folder if read_metadata(folder).get("kind") == PIPELINE_KIND else None


def _unknown_pipeline_message(name: str, lang: str) -> str:
    pipelines = ", ".join(f"{n} ({lg})" for n, lg, _ in public_pipelines()) or "none"
    models = _model_rows()
    message = f"no pretrained pipeline {name!r} for language {lang!r}. Pipelines available: {pipelines}."
    for model_name, model_lang, _, annotator in models:
        if model_name == name:
            message += (
                f" {name!r} is a model, not a pipeline: load it with "
                f"{annotator}.pretrained({name!r}, {model_lang!r}) inside a Pipeline."
            )
            break
    listed = ", ".join(f"{n} ({lg})" for n, lg, _, _ in models) or "none"
    return message + (
        f" Models available: {listed}. A pipeline saved with PipelineModel.save() into "
        f"{cache_dir()} (set CLINICAL_NER_HOME to change it) is found by its folder name; "
        "nothing is downloaded. ResourceDownloader.showPublicPipelines() prints this list."
    )


# ----- listings --------------------------------------------------------------------------
def _model_rows() -> list[tuple[str, str, str, str]]:
    """``(name, lang, version, annotator)`` of every model found offline."""
    rows = {
        (r["name"], r["lang"], str(r["version"] or "-"), MODEL_ANNOTATORS[r["kind"]])
        for r in available()
        if r["kind"] in MODEL_ANNOTATORS
    }
    return sorted(rows)


def public_models(
    annotator: str | None = None, lang: str | None = None, version: str | None = None
) -> list[tuple[str, str, str]]:
    """``(name, lang, version)`` of the models ``pretrained()`` finds offline (shipped and in
    the cache folder); ``annotator`` (a class name such as ``"NerDLModel"``, any case),
    ``lang`` and ``version`` filter as in Spark NLP."""
    return [
        (name, model_lang, model_version)
        for name, model_lang, model_version, model_annotator in _model_rows()
        if (annotator is None or model_annotator.lower() == annotator.lower())
        and _matches(model_lang, model_version, lang, version)
    ]


def public_pipelines(lang: str | None = None, version: str | None = None) -> list[tuple[str, str, str]]:
    """``(name, lang, version)`` of the pipelines :class:`PretrainedPipeline` finds: the
    shipped recipes (version: that of their NER model) and pipelines saved in the cache."""
    rows: set[tuple[str, str, str]] = set()
    for recipe in RECIPES.values():
        try:
            ner = read_metadata(resolve(recipe.ner_model, recipe.lang, kind="ner_dl"))
        except ResourceNotFoundError:
            continue  # its model is not installed: the recipe cannot be built
        rows.add((recipe.name, recipe.lang, str(ner.get("version", "-"))))
    for saved in available(PIPELINE_KIND):
        name = Path(saved["path"]).name
        suffix = f"_{saved['lang']}"
        if saved["name"] == name and name.endswith(suffix):
            name = name[: -len(suffix)]  # resolve() finds <name>_<lang> by <name>
        else:
            name = saved["name"]
        rows.add((name, saved["lang"], str(saved["version"] or "-")))
    return sorted(row for row in rows if _matches(row[1], row[2], lang, version))


def _matches(row_lang: str, row_version: str, lang: str | None, version: str | None) -> bool:
    return (lang is None or row_lang.lower() == lang.lower()) and (
        version is None or row_version == str(version)
    )


def resource_table(title: str, rows: Sequence[tuple[str, str, str]]) -> str:
    """Spark NLP's listing table: a ``title`` (``Model`` or ``Pipeline``), ``lang`` and
    ``version`` column, bordered with ``+---+`` lines (name column at least 14 characters
    wide, version at least 7, as Spark NLP prints them)."""
    name_width = max([14, len(title), *(len(r[0]) for r in rows)])
    lang_width = max([4, *(len(r[1]) for r in rows)])
    version_width = max([7, *(len(r[2]) for r in rows)])
    border = f"+{'-' * (name_width + 2)}+{'-' * (lang_width + 2)}+{'-' * (version_width + 2)}+"
    lines = [
        border,
        f"| {title:<{name_width}} | {'lang':<{lang_width}} | {'version':<{version_width}} |",
        border,
        *(
            f"| {name:<{name_width}} | {row_lang:^{lang_width}} | {row_version:<{version_width}} |"
            for name, row_lang, row_version in rows
        ),
        border,
    ]
    return "\n".join(lines)


class ResourceDownloader:
    """Spark NLP's ``ResourceDownloader``, offline: it lists what ``pretrained()`` and
    :class:`PretrainedPipeline` find (the package's models and pipelines, and what is in
    the cache folder) and loads by name; it never downloads."""

    @staticmethod
    def showPublicModels(
        annotator: str | None = None, lang: str | None = None, version: str | None = None
    ) -> None:
        """Print the models as a table (``annotator`` e.g. ``"NerDLModel"``)."""
        print(resource_table("Model", public_models(annotator, lang, version)))

    @staticmethod
    def showPublicPipelines(lang: str | None = None, version: str | None = None) -> None:
        """Print the pipelines as a table."""
        print(resource_table("Pipeline", public_pipelines(lang, version)))

    @staticmethod
    def showAvailableAnnotators() -> None:
        """Print the annotator classes that load pretrained models, one a line."""
        print("\n".join(sorted(set(MODEL_ANNOTATORS.values()))))

    @staticmethod
    def downloadModel(reader: Any, name: str, language: str = "en", remote_loc: str | None = None):
        """``reader.pretrained(name, language)``: the model from the package or the cache."""
        return reader.pretrained(name, language, remote_loc)

    @staticmethod
    def downloadPipeline(name: str, language: str = "en", remote_loc: str | None = None) -> PipelineModel:
        """The fitted pipeline ``name`` (see :func:`resolve_pipeline`)."""
        return load_pipeline(name, language, remote_loc)


# ----- PretrainedPipeline ----------------------------------------------------------------
class PretrainedPipeline:
    """Spark NLP's ``PretrainedPipeline(name, lang, remote_loc)``, in-process.

    ``model`` is the fitted :class:`PipelineModel`, ``light_model`` a :class:`LightPipeline`
    over it (made on first use). ``annotate`` / ``fullAnnotate`` take a text or a list of
    texts (as ``LightPipeline``), or a DataFrame, which goes through :meth:`transform` with
    its ``column`` renamed to the pipeline's text column. ``disk_location`` (or
    :meth:`from_disk`) loads a pipeline folder saved with ``PipelineModel.save``.
    """

    def __init__(
        self,
        name: str | None,
        lang: str = "en",
        remote_loc: str | None = None,
        parse_embeddings: bool = False,
        disk_location: str | os.PathLike[str] | None = None,
    ) -> None:
        self.name = name
        self.lang = lang
        self.parse_embeddings = parse_embeddings
        if disk_location is not None:
            self.model = self._load_from_disk(disk_location)
        elif isinstance(name, str) and name:
            self.model = self._load(name, lang or "en", remote_loc)
        else:
            raise ConfigurationError(
                "PretrainedPipeline needs a pipeline name such as 'ner_clinical_pipeline' "
                "(ResourceDownloader.showPublicPipelines() lists them) or disk_location=..."
            )
        self._light_model: Any = None

    @classmethod
    def from_disk(cls, path: str | os.PathLike[str], parse_embeddings: bool = False):
        """The pipeline saved in folder ``path``."""
        return cls(None, None, None, parse_embeddings, path)  # type: ignore[arg-type]

    # ----- what the Spark twin overrides --------------------------------------------------
    def _load(self, name: str, lang: str, remote_loc: str | None) -> Any:
        return load_pipeline(name, lang, remote_loc)

    def _load_from_disk(self, path: str | os.PathLike[str]) -> Any:
        return PipelineModel.load(path)

    def _make_light_model(self) -> Any:
        return LightPipeline(self.model, parse_embeddings=self.parse_embeddings)

    @staticmethod
    def _is_dataframe(target: Any) -> bool:
        """A pandas DataFrame (checked without importing pandas)."""
        return type(target).__module__.startswith("pandas") and hasattr(target, "columns")

    @staticmethod
    def _rename(frame: Any, column: str, text_column: str) -> Any:
        return frame.rename(columns={column: text_column})

    # ----- the API ------------------------------------------------------------------------
    @property
    def light_model(self) -> Any:
        """A LightPipeline over :attr:`model` (built on first use)."""
        if self._light_model is None:
            self._light_model = self._make_light_model()
        return self._light_model

    def transform(self, data: Any) -> Any:
        """``model.transform(data)``: every stage's output column added."""
        return self.model.transform(data)

    def annotate(self, target: Any, column: str | None = None) -> Any:
        """Column -> ``result`` strings: a dict for one text, a list of dicts for a list of
        texts; a DataFrame is transformed (``column``: its text column)."""
        if self._is_dataframe(target):
            return self.transform(self._with_text_column(target, column))
        return self.light_model.annotate(self._texts(target, "annotate"))

    def fullAnnotate(self, target: Any, column: str | None = None) -> Any:
        """Column -> :class:`Annotation` objects, one dict per text (a list even for one
        text, as in Spark NLP); a DataFrame is transformed (``column``: its text column)."""
        if self._is_dataframe(target):
            return self.transform(self._with_text_column(target, column))
        return self.light_model.fullAnnotate(self._texts(target, "fullAnnotate"))

    def _texts(self, target: Any, method: str) -> str | list[Any]:
        if isinstance(target, str):
            return target
        if isinstance(target, list | tuple):
            return list(target)
        raise InputError(
            f"PretrainedPipeline.{method} takes a text, a list of texts or a DataFrame (with "
            f"column= naming its text column); got {type(target).__name__}"
        )

    def _with_text_column(self, frame: Any, column: str | None) -> Any:
        """``frame`` with ``column`` renamed to the column the pipeline reads the text from
        (Spark NLP renames it to ``text``); ``None`` keeps the frame as it is."""
        text_column = _text_column(self.model.stages)
        if column is None or column == text_column:
            return frame
        if column not in list(frame.columns):
            raise InputError(
                f"the DataFrame has no column {column!r}; its columns: {', '.join(map(str, frame.columns))}"
            )
        return self._rename(frame, column, text_column)


def _text_column(stages: Sequence[Any]) -> str:
    """The first DocumentAssembler's input column (local or Spark stage), else ``text``."""
    for stage in stages:
        if type(stage).__name__ == "DocumentAssembler":
            return stage.getOrDefault("inputCol")
    return "text"
