"""The service's state: the model (loaded in a background thread), the micro-batcher that
feeds it, and the limits the routes enforce.

No FastAPI here: the routes (:mod:`clinical_ner.server.routes`) read a :class:`Service`
from the app's state.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from clinical_ner.pipeline import LightPipeline, PipelineModel
from clinical_ner.server.batching import (
    DEFAULT_MAX_BATCH_TEXTS,
    DEFAULT_MAX_QUEUE_TEXTS,
    DEFAULT_MAX_WAIT_MS,
    MicroBatcher,
)
from clinical_ner.server.limits import safe_log_field

logger = logging.getLogger("clinical_ner.server")

DEFAULT_MAX_BODY_BYTES = 1_000_000
DEFAULT_MAX_TEXTS = 64
DEFAULT_TIMEOUT_S = 30.0


@dataclass(frozen=True)
class ServiceLimits:
    """The limits of one service, as ``GET /v1/models`` reports them."""

    #: larger request bodies get 413
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    #: most texts in one request (422 beyond)
    max_texts: int = DEFAULT_MAX_TEXTS
    #: seconds after which a request without an answer gets 504
    timeout_s: float = DEFAULT_TIMEOUT_S
    #: most texts in one pipeline call (concurrent requests share calls)
    batch_size: int = DEFAULT_MAX_BATCH_TEXTS
    #: milliseconds a batch waits for more requests when the model is idle
    batch_wait_ms: float = DEFAULT_MAX_WAIT_MS
    #: most texts waiting for the model; more gets 503
    max_queue_texts: int = DEFAULT_MAX_QUEUE_TEXTS

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class ModelHolder:
    """The pipeline and what /readyz and /v1/models report about it."""

    def __init__(self, model: str | Path | PipelineModel, batch_size: int) -> None:
        self.name = model.__class__.__name__ if isinstance(model, PipelineModel) else str(model)
        self.source = model
        self.batch_size = batch_size
        self.light: LightPipeline | None = None
        self.error: str | None = None
        self.labels: list[str] = []
        self.info: dict[str, Any] = {}
        self.loaded = threading.Event()

    def load(self) -> None:
        started = time.perf_counter()
        try:
            if isinstance(self.source, PipelineModel):
                pipeline = self.source
            else:
                from clinical_ner.recipes import clinical_pipeline

                pipeline = clinical_pipeline(self.source, batch_size=self.batch_size)
            self._describe(pipeline)
            self.light = LightPipeline(pipeline, batch_size=self.batch_size)
            logger.info("model %s loaded in %.1f s", self.name, time.perf_counter() - started)
        except Exception as exc:  # reported by /readyz and every annotate call
            # Clients see what failed, never server paths; the log has the detail.
            self.error = f"{type(exc).__name__}: {_without_paths(str(exc))}"
            logger.error("model %s failed to load: %s: %s", self.name, type(exc).__name__,
                         safe_log_field(str(exc), 500))
        finally:
            self.loaded.set()

    def _describe(self, pipeline: PipelineModel) -> None:
        ner = next((s for s in pipeline.stages if type(s).__name__ == "NerDLModel"), None)
        if ner is not None:
            classes = ner.getClasses()  # type: ignore[attr-defined]  # a NerDLModel, found by name
            self.labels = sorted({c.split("-", 1)[1] for c in classes if "-" in c})
            meta = getattr(ner, "metadata", {}) or {}
            self.info = {
                "storage_ref": ner.getOrDefault("storageRef"),
                **{k: meta[k] for k in ("name", "version", "lang", "kind") if k in meta},
            }
        self.info["stages"] = [type(s).__name__ for s in pipeline.stages]
        assertion = next((s for s in pipeline.stages if type(s).__name__ == "ContextualAssertion"),
                         None)
        if assertion is not None:
            # An empty list means every label is assessed.
            self.info["assertion_labels"] = list(assertion.getOrDefault("entityLabels"))

    @property
    def ready(self) -> bool:
        return self.light is not None

    def run(self, texts: list[str]) -> list[dict[str, Any]]:
        assert self.light is not None
        return self.light.fullAnnotate(texts)


class Service:
    """What the routes share: the model holder, the batcher in front of it, the limits and
    the offline docs files (name -> (bytes, media type); empty without ``fastapi-offline``)."""

    def __init__(self, holder: ModelHolder, limits: ServiceLimits,
                 docs_assets: dict[str, tuple[bytes, str]]) -> None:
        self.holder = holder
        self.limits = limits
        self.docs_assets = docs_assets
        self.batcher = MicroBatcher(holder.run, max_batch_texts=limits.batch_size,
                                    max_wait_ms=limits.batch_wait_ms,
                                    max_queue_texts=limits.max_queue_texts)

    async def start(self) -> None:
        """Start the batcher, then load the model on a daemon thread (so a SIGTERM during a
        slow load still ends the process)."""
        await self.batcher.start()
        loader = threading.Thread(target=self.holder.load, name="clinical-ner-load", daemon=True)
        loader.start()

    async def stop(self) -> None:
        await self.batcher.stop()


_SERVER_PATH = re.compile(r"(?:[A-Za-z]:)?(?:[\\/][^\\/\s'\"(),;:]+)+[\\/]?")


def _without_paths(message: str) -> str:
    """``message`` with file-system paths replaced by ``<path>`` (a client must not learn
    the server's layout) and cut to 300 characters."""
    return _SERVER_PATH.sub("<path>", message)[:300]
