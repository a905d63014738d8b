"""The stage contract: the base classes of every pipeline stage, their parameters and rows.

The pipeline engine, the annotators and the Spark adapter all build on these classes, so
they sit in the core layer (docs/ARCHITECTURE.md); ``clinical_ner.annotators.base`` re-exports
them for code written against their old home.

Each stage declares its parameters ONCE, as :class:`Param` entries in ``PARAMS``; the local
engine, ``save``/``load`` and the Spark adapter all read that one declaration. Setters keep
Spark NLP's names (``setInputCols``, ``setOutputCol``, ...) and return ``self`` so calls chain.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, TypeVar

from clinical_ner.annotation import Annotation
from clinical_ner.errors import ConfigurationError

# The setters return the stage they were called on, typed as its own class, so chains keep it.
_S = TypeVar("_S", bound="Stage")

#: A row flowing through the local engine: column name -> value (raw text for the input
#: column, a list of :class:`Annotation` for annotation columns).
Row = dict[str, Any]


@dataclass(frozen=True)
class Param:
    """A stage parameter: its name (Spark NLP's camelCase), default value and meaning."""

    name: str
    default: Any
    doc: str


COMMON_PARAMS = (
    Param("inputCols", None, "columns this stage reads"),
    Param("outputCol", None, "column this stage writes"),
)


#: Every concrete stage class by name, so that a saved pipeline can be rebuilt.
STAGE_CLASSES: dict[str, type[Stage]] = {}


class InputColumnsError(ConfigurationError, TypeError):
    """Input columns of the wrong number or annotator type. Also a ``TypeError``, the
    exception Spark NLP's Python ``setInputCols`` raises, so code written for it still
    catches this one."""


class Stage:
    """A pipeline stage with Spark NLP-style parameters.

    Subclasses set ``PARAMS`` (their own parameters), ``INPUT_TYPES`` (annotator types of
    the input columns, in order), ``OPTIONAL_INPUT_TYPES`` (columns that may follow them),
    ``ALTERNATIVE_INPUT_TYPES`` (other accepted column lists) and ``OUTPUT_TYPE``. A stage
    with ``INPUT_TYPES`` checks the number of columns in :meth:`setInputCols`, and
    :func:`check_pipeline_columns` checks their annotator types against the stages that
    write them. Stages that hold learned state (model weights, vocabularies) override
    :meth:`save_state` and :meth:`load_state`.
    """

    PARAMS: ClassVar[tuple[Param, ...]] = ()
    INPUT_TYPES: ClassVar[tuple[str, ...]] = ()
    #: Input columns a stage may read after the required ones (the ``section`` column).
    OPTIONAL_INPUT_TYPES: ClassVar[tuple[str, ...]] = ()
    #: Whole other column lists a stage accepts (Spark NLP healthcare's forms).
    ALTERNATIVE_INPUT_TYPES: ClassVar[tuple[tuple[str, ...], ...]] = ()
    OUTPUT_TYPE: ClassVar[str] = ""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        # A private base (``_TokenizerRules``) is never a stage of a saved pipeline.
        if not cls.__name__.startswith("_"):
            STAGE_CLASSES[cls.__name__] = cls

    def __init__(self) -> None:
        self._values: dict[str, Any] = {}

    def save_state(self, directory: Path) -> None:
        """Write learned state into ``directory`` (exists, empty); parameters are saved
        by the pipeline."""

    def load_state(self, directory: Path) -> None:
        """Read what :meth:`save_state` wrote."""

    # ----- parameter access -------------------------------------------------------------
    @classmethod
    def all_params(cls) -> dict[str, Param]:
        """Every parameter of this stage, by name."""
        params = {p.name: p for p in COMMON_PARAMS}
        for klass in reversed(cls.__mro__):
            for p in klass.__dict__.get("PARAMS", ()):
                params[p.name] = p
        return params

    def _set(self: _S, **values: Any) -> _S:
        known = self.all_params()
        for name, value in values.items():
            if name not in known:
                raise ConfigurationError(
                    f"{type(self).__name__} has no parameter {name!r}; "
                    f"known parameters: {', '.join(sorted(known))}"
                )
            self._values[name] = value
        self._on_params_changed()
        return self

    def _on_params_changed(self) -> None:
        """Hook for stages that cache derived state (compiled patterns)."""

    def getOrDefault(self, name: str) -> Any:
        """The value of parameter ``name``, or its default when unset."""
        if name in self._values:
            return self._values[name]
        known = self.all_params()
        if name not in known:
            raise ConfigurationError(f"{type(self).__name__} has no parameter {name!r}")
        return copy.deepcopy(known[name].default)

    def isSet(self, name: str) -> bool:
        """Whether parameter ``name`` was set explicitly."""
        return name in self._values

    def params_dict(self) -> dict[str, Any]:
        """Every parameter's current value (explicit or default), JSON-ready."""
        return {name: self.getOrDefault(name) for name in self.all_params()}

    def explicit_params(self) -> dict[str, Any]:
        """Only the parameters set explicitly (what save() needs)."""
        return copy.deepcopy(self._values)

    def copy(self: _S) -> _S:
        """A deep copy of this stage (parameters and state)."""
        return copy.deepcopy(self)

    # ----- columns ----------------------------------------------------------------------
    def setInputCols(self: _S, *cols: str | Sequence[str]) -> _S:
        """Columns to read, in the order of ``INPUT_TYPES``; a list or varargs.

        Raises :class:`InputColumnsError` at once when their number fits none of the
        stage's forms (:meth:`input_forms`); their annotator types are checked when the
        pipeline is built (:func:`check_pipeline_columns`).
        """
        if len(cols) == 1 and not isinstance(cols[0], str):
            cols = tuple(cols[0])
        names = [str(c) for c in cols]
        self.input_form(names)
        return self._set(inputCols=names)

    @classmethod
    def input_forms(cls) -> list[tuple[str, ...]]:
        """Every accepted list of input annotator types: the required ones, each longer
        list with the optional ones after them, then the alternatives. Empty when the
        stage reads any columns (``Finisher``)."""
        if not cls.INPUT_TYPES:
            return []
        optional = cls.OPTIONAL_INPUT_TYPES
        forms = [cls.INPUT_TYPES + optional[:k] for k in range(len(optional) + 1)]
        return forms + [tuple(f) for f in cls.ALTERNATIVE_INPUT_TYPES]

    def input_form(self, cols: Sequence[str]) -> list[tuple[str, ...]]:
        """The forms with as many columns as ``cols`` (all of them for a stage without
        ``INPUT_TYPES``); raises :class:`InputColumnsError` when there is none."""
        forms = self.input_forms()
        if not forms:
            return []
        fitting = [f for f in forms if len(f) == len(cols)]
        if not fitting:
            counts = sorted({len(f) for f in forms})
            raise InputColumnsError(
                f"{type(self).__name__} reads {' or '.join(map(str, counts))} columns, of "
                f"annotator types {_describe_forms(forms)} in that order; setInputCols got "
                f"{len(cols)}: {list(cols)}"
            )
        return fitting

    def check_input_types(self, written: Mapping[str, tuple[str, str]], where: str = "") -> None:
        """Check this stage's input columns against ``written``: column -> (annotator
        type, where that type comes from, e.g. ``"written by SentenceDetector (stage
        2)"``). Columns not in ``written`` (raw input, written elsewhere) are not checked.

        Raises :class:`InputColumnsError` naming this stage (``where`` says where it is),
        the column, the type expected and the type found.
        """
        cols = self.getOrDefault("inputCols")
        if cols is None:
            return
        forms = self.input_form(cols)
        if not forms or any(_form_matches(f, cols, written) for f in forms):
            return
        form = forms[0]
        position, col = next((i, c) for i, c in enumerate(cols)
                             if c in written and written[c][0] != form[i])
        found, source = written[col]
        raise InputColumnsError(
            f"{type(self).__name__}{f' ({where})' if where else ''} reads column {col!r} as "
            f"input {position + 1} of {len(cols)}, which must be of annotator type "
            f"{form[position]!r}, but it is of type {found!r} ({source}); set "
            f".setInputCols(...) to columns of types {_describe_forms(forms)}"
        )

    def setInputCol(self: _S, col: str) -> _S:
        """Single-input form of :meth:`setInputCols`."""
        return self.setInputCols([col])

    def setOutputCol(self: _S, col: str) -> _S:
        """Column to write."""
        return self._set(outputCol=str(col))

    def getInputCols(self) -> list[str]:
        cols = self.getOrDefault("inputCols")
        if cols is None:
            raise ConfigurationError(
                f"{type(self).__name__}: input columns are not set; call "
                f".setInputCols({list(self.INPUT_TYPES) or ['...']})"
            )
        return list(cols)

    def getOutputCol(self) -> str:
        col = self.getOrDefault("outputCol")
        if col is None:
            raise ConfigurationError(
                f"{type(self).__name__}: output column is not set; call .setOutputCol('...')"
            )
        return col

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.explicit_params()!r})"


class Transformer(Stage):
    """A stage that adds one annotation column to each row."""

    def annotate(self, inputs: Sequence[list[Annotation]]) -> list[Annotation]:
        """Annotations of one row from its input columns (in ``inputCols`` order)."""
        raise NotImplementedError

    def transform_rows(self, rows: list[Row]) -> list[Row]:
        """Add this stage's output column to every row, in place; returns ``rows``.

        The default runs :meth:`annotate` row by row; model stages override it to batch
        across rows.
        """
        in_cols = self.getInputCols()
        out_col = self.getOutputCol()
        for row in rows:
            row[out_col] = self.annotate([_column(row, c, self) for c in in_cols])
        return rows


class Estimator(Stage):
    """A stage that must be fitted on data to become a :class:`Transformer`."""

    def fit(self, texts: Any = None) -> Transformer:
        raise NotImplementedError


def check_pipeline_columns(stages: Sequence[Stage]) -> None:
    """Check, stage by stage, that every input column an earlier stage writes has the
    annotator type the reading stage expects (what Spark NLP checks when a pipeline is
    fitted); columns no earlier stage writes (raw input columns) are left alone.

    Raises :class:`InputColumnsError` naming the stage, the column, the expected and the
    found annotator types.
    """
    written: dict[str, tuple[str, str]] = {}
    for index, stage in enumerate(stages):
        where = f"stage {index + 1}"
        stage.check_input_types(written, where)
        output = stage.getOrDefault("outputCol")
        if stage.OUTPUT_TYPE and output is not None:
            written[output] = (stage.OUTPUT_TYPE, f"written by {type(stage).__name__} ({where})")


def _form_matches(form: Sequence[str], cols: Sequence[str],
                  written: Mapping[str, tuple[str, str]]) -> bool:
    return all(c not in written or written[c][0] == t for c, t in zip(cols, form, strict=True))


def _describe_forms(forms: Sequence[Sequence[str]]) -> str:
    """``[document, chunk] or [document, token, chunk]``."""
    return " or ".join("[" + ", ".join(form) + "]" for form in forms)


def _column(row: Row, col: str, stage: Stage) -> list[Annotation]:
    try:
        return row[col]
    except KeyError:
        raise ConfigurationError(
            f"{type(stage).__name__} reads column {col!r}, but no earlier stage writes it; "
            f"columns available: {', '.join(sorted(row))}"
        ) from None
