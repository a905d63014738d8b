"""The base classes of every pipeline stage and their parameters.

Each stage declares its parameters ONCE, as :class:`Param` entries in ``PARAMS``; the local
engine, ``save``/``load`` and the Spark adapter all read that one declaration. Setters keep
Spark NLP's names (``setInputCols``, ``setOutputCol``, ...) and return ``self`` so calls chain.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from clinical_ner.annotation import Annotation
from clinical_ner.errors import ConfigurationError

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


class Stage:
    """A pipeline stage with Spark NLP-style parameters.

    Subclasses set ``PARAMS`` (their own parameters), ``INPUT_TYPES`` (annotator types of
    the input columns, in order), ``OPTIONAL_INPUT_TYPES`` (columns that may follow them)
    and ``OUTPUT_TYPE``. Stages that hold learned state (model
    weights, vocabularies) override :meth:`save_state` and :meth:`load_state`.
    """

    PARAMS: ClassVar[tuple[Param, ...]] = ()
    INPUT_TYPES: ClassVar[tuple[str, ...]] = ()
    #: Input columns a stage may read after the required ones (the ``section`` column).
    OPTIONAL_INPUT_TYPES: ClassVar[tuple[str, ...]] = ()
    OUTPUT_TYPE: ClassVar[str] = ""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
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

    def _set(self, **values: Any) -> Stage:
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

    def copy(self) -> Stage:
        """A deep copy of this stage (parameters and state)."""
        return copy.deepcopy(self)

    # ----- columns ----------------------------------------------------------------------
    def setInputCols(self, *cols: str | Sequence[str]) -> Stage:
        """Columns to read, in the order of ``INPUT_TYPES``; a list or varargs."""
        if len(cols) == 1 and not isinstance(cols[0], str):
            cols = tuple(cols[0])
        required, optional = self.INPUT_TYPES, self.OPTIONAL_INPUT_TYPES
        if required and not len(required) <= len(cols) <= len(required) + len(optional):
            expected = list(required) + [f"{t} (optional)" for t in optional]
            raise ConfigurationError(
                f"{type(self).__name__} reads {len(required)}"
                f"{f' or {len(required) + len(optional)}' if optional else ''} columns of "
                f"types {expected}, in that order; got {len(cols)}: {[str(c) for c in cols]}"
            )
        return self._set(inputCols=[str(c) for c in cols])

    def setInputCol(self, col: str) -> Stage:
        """Single-input form of :meth:`setInputCols`."""
        return self.setInputCols([col])

    def setOutputCol(self, col: str) -> Stage:
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

    def fit(self, texts: Iterable[str] | None = None) -> Transformer:
        raise NotImplementedError


def _column(row: Row, col: str, stage: Stage) -> list[Annotation]:
    try:
        return row[col]
    except KeyError:
        raise ConfigurationError(
            f"{type(stage).__name__} reads column {col!r}, but no earlier stage writes it; "
            f"columns available: {', '.join(sorted(row))}"
        ) from None
