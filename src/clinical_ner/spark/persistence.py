"""``write().save(path)`` / ``load(path)`` for the Spark stages, models included.

Parameters go through pyspark's :class:`DefaultParamsWriter` (``<path>/metadata``, the
format ``pyspark.ml.PipelineModel`` expects of Python stages); a model stage also writes its
model folder (the local format, with checksums) to ``<path>/model``. Loading reverses both,
so ``PipelineModel.write().overwrite().save(p)`` then ``PipelineModel.load(p)`` round-trips.
Model folders are written with local file I/O, so ``path`` must be a local or mounted
file-system path (``/dbfs/...``, NFS, a local disk; ``file:`` URIs are accepted).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from pyspark.ml.util import DefaultParamsReader, DefaultParamsWriter, MLReadable, MLWritable

from clinical_ner.errors import ConfigurationError
from clinical_ner.resources import METADATA_FILE

MODEL_FOLDER = "model"


def local_path(path: str) -> Path:
    """A local path from a path or ``file:`` URI; other schemes are a clear error."""
    parsed = urlparse(str(path))
    if parsed.scheme in ("", "file"):
        return Path(parsed.path if parsed.scheme else str(path))
    if len(parsed.scheme) == 1:  # a Windows drive letter
        return Path(str(path))
    raise ConfigurationError(
        f"{path}: clinical-ner Spark stages save models with local file I/O; use a local or "
        "mounted path (e.g. /dbfs/..., an NFS mount) rather than a "
        f"{parsed.scheme}:// URI"
    )


class StageWriter(DefaultParamsWriter):
    """Saves the parameters, then the model folder of model stages."""

    def saveImpl(self, path: str) -> None:
        super().saveImpl(path)
        save_model = getattr(self.instance, "_save_model_folder", None)
        if save_model is not None:
            save_model(local_path(path) / MODEL_FOLDER)


class StageReader(DefaultParamsReader):
    """Loads what :class:`StageWriter` wrote; for model stages also a plain model folder
    (one with ``metadata.json``, as ``pretrained`` resources are)."""

    def load(self, path: str) -> Any:
        folder = local_path(path)
        from_folder = getattr(self.cls, "from_folder", None)
        if from_folder is not None and (folder / METADATA_FILE).is_file():
            return from_folder(folder)
        instance = super().load(path)
        attach = getattr(instance, "_attach_model_folder", None)
        if attach is not None:
            attach(folder / MODEL_FOLDER)
        return instance


class Persistable(MLWritable, MLReadable):
    """Mixin: pyspark persistence through :class:`StageWriter` / :class:`StageReader`."""

    def write(self) -> StageWriter:
        return StageWriter(self)  # type: ignore[arg-type]

    @classmethod
    def read(cls) -> StageReader:
        return StageReader(cls)  # type: ignore[arg-type]
