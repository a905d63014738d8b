"""The library's exceptions: each message says what went wrong and what to do."""

from __future__ import annotations


class ClinicalNerError(Exception):
    """Base of every error this library raises on purpose."""


class ConfigurationError(ClinicalNerError, ValueError):
    """A stage or pipeline is set up wrongly (missing column, unknown parameter...)."""


class InputError(ClinicalNerError, ValueError):
    """The input data cannot be processed (wrong type, unreadable file...)."""


class ResourceNotFoundError(ClinicalNerError, FileNotFoundError):
    """A file or folder the library was pointed at does not exist: a pretrained resource,
    a model folder, an input data file."""


class ModelLoadError(ClinicalNerError, RuntimeError):
    """A Spark executor could not load a model stage's folder (the message names the model,
    its fingerprint and the executor, then the cause)."""
