"""pyspark.ml parameters generated from a local stage's one ``PARAMS`` declaration.

A Spark stage class names its local twin (``LOCAL = clinical_ner...Tokenizer``); when the
class is defined, :class:`LocalParams` adds one ``pyspark.ml.param.Param`` per entry of
``LOCAL.all_params()``, sets their defaults from a freshly built local stage (so defaults,
including the default input and output columns, are the local ones), and adds

- one setter per local setter (``setInputCols``, ``setBatchSize``, ``setWhiteList``, ...):
  it runs the LOCAL setter on a parameter-only local stage, so validation and value
  normalisation are the local code, then copies the values that changed into the Spark
  param map; parameters without a local setter get a plain ``set<Name>``;
- one getter per parameter (``getBatchSize``...).

The Spark param map is the source of truth (it is what pyspark's ``copy``, ``Pipeline`` and
``DefaultParamsReader`` read and write); :meth:`LocalParams.local_params_stage` rebuilds a
local stage from it whenever local code needs to run.
"""

from __future__ import annotations

import copy
from typing import Any, ClassVar

from pyspark.ml.param import Param, Params

from clinical_ner.stage import Stage

#: pyspark names a Spark stage must not shadow.
_RESERVED = frozenset(dir(Params)) | {"transform", "fit", "write", "read", "save", "load"}


def _capitalize(name: str) -> str:
    return name[0].upper() + name[1:]


def _delegating_setter(method_name: str):
    def setter(self: LocalParams, *args: Any, **kwargs: Any) -> LocalParams:
        probe = self.local_params_stage()
        before = probe.params_dict()
        getattr(probe, method_name)(*args, **kwargs)
        self._copy_from_local(probe, before)
        return self

    setter.__name__ = method_name
    setter.__doc__ = f"Same as the local stage's ``{method_name}`` (validated by it)."
    return setter


def _plain_setter(param_name: str):
    def setter(self: LocalParams, value: Any) -> LocalParams:
        probe = self.local_params_stage()
        before = probe.params_dict()
        probe._set(**{param_name: value})
        self._copy_from_local(probe, before)
        return self

    setter.__name__ = f"set{_capitalize(param_name)}"
    return setter


def _getter(param_name: str):
    def getter(self: LocalParams) -> Any:
        return self.getOrDefault(param_name)

    getter.__name__ = f"get{_capitalize(param_name)}"
    return getter


class LocalParams(Params):
    """Mixin of every Spark stage: parameters, setters and getters from ``LOCAL``."""

    LOCAL: ClassVar[type[Stage]]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        local = cls.__dict__.get("LOCAL")
        if local is None:
            return
        for name, spec in local.all_params().items():
            if name in _RESERVED:
                raise TypeError(f"{local.__name__} parameter {name!r} clashes with pyspark")
            setattr(cls, name, Param(Params._dummy(), name, spec.doc))
            getter = f"get{_capitalize(name)}"
            if getter not in cls.__dict__ and not hasattr(Params, getter):
                setattr(cls, getter, _getter(name))
        for attr in dir(local):
            is_setter = attr.startswith(("set", "add")) and len(attr) > 3
            if is_setter and callable(getattr(local, attr)) and attr not in cls.__dict__:
                setattr(cls, attr, _delegating_setter(attr))
        for name in local.all_params():
            setter = f"set{_capitalize(name)}"
            if not hasattr(cls, setter):
                setattr(cls, setter, _plain_setter(name))

    def _init_local_params(self) -> None:
        """Set the Spark defaults from a freshly built local stage."""
        fresh = self.LOCAL()
        self._setDefault(**{k: _jsonable(v) for k, v in fresh.params_dict().items()})

    def local_params_stage(self) -> Stage:
        """A local stage carrying this stage's parameters (no learned state)."""
        stage = self.LOCAL()
        values = self.explicit_local_params()
        if values:
            stage._set(**values)
        return stage

    def explicit_local_params(self) -> dict[str, Any]:
        """The explicitly set parameters, as local ``_set`` keywords (JSON-ready)."""
        return {p.name: copy.deepcopy(v) for p, v in self._paramMap.items()}

    def _copy_from_local(self, stage: Stage, before: dict[str, Any] | None = None) -> None:
        after = stage.params_dict()
        changed = {
            k: _jsonable(v) for k, v in after.items() if before is None or before.get(k) != v
        }
        if changed:
            self._set(**changed)


def _jsonable(value: Any) -> Any:
    """Tuples become lists (pyspark saves param maps as JSON)."""
    if isinstance(value, tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    return value
