"""Micro-batching: concurrent requests share one pipeline call.

Each request puts a job (its texts, and how to turn the rows into its answer) on a queue.
One consumer task takes the first job, then everything already queued, waits ``max_wait_ms``
for more while the batch holds fewer than ``max_batch_texts`` texts, and runs ONE pipeline
call over all their texts in a single worker thread (the model is never run by two threads at
once, and the event loop stays free to accept requests meanwhile). Each job's slice of the
rows is converted in that thread too, then its future is resolved. While a batch runs, new
requests queue up, so under load batches fill without waiting.

A job whose request timed out (its future is cancelled) is dropped before it reaches the
model; the queue is bounded (``max_queue_texts``) so overload is a clear 503, not a backlog
that grows without limit.
"""

from __future__ import annotations

import asyncio
import contextlib
import queue
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from clinical_ner.errors import ClinicalNerError, ConfigurationError

RunBatch = Callable[[list[str]], list[Any]]


class QueueFullError(ClinicalNerError, RuntimeError):
    """More texts are waiting than ``max_queue_texts``."""


@dataclass
class _Job:
    texts: list[str]
    convert: Callable[[list[Any]], Any]
    future: asyncio.Future


@dataclass
class BatchStats:
    """Counters for /v1/models and the load test: batches run, texts, requests."""

    batches: int = 0
    texts: int = 0
    requests: int = 0
    dropped_timed_out: int = 0
    largest_batch: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "batches": self.batches,
            "texts": self.texts,
            "requests": self.requests,
            "dropped_timed_out": self.dropped_timed_out,
            "largest_batch_texts": self.largest_batch,
            "mean_requests_per_batch": round(self.requests / self.batches, 3) if self.batches else 0.0,
        }


#: The batcher's defaults, which are also the service's (`server.holder.ServiceLimits`).
DEFAULT_MAX_BATCH_TEXTS = 32
DEFAULT_MAX_WAIT_MS = 5.0
DEFAULT_MAX_QUEUE_TEXTS = 4096


class MicroBatcher:
    """Collects jobs for up to ``max_wait_ms`` or ``max_batch_texts`` texts and runs them
    through ``run_batch(texts) -> rows`` (one row per text, in order) in a worker thread."""

    def __init__(
        self,
        run_batch: RunBatch,
        max_batch_texts: int = DEFAULT_MAX_BATCH_TEXTS,
        max_wait_ms: float = DEFAULT_MAX_WAIT_MS,
        max_queue_texts: int = DEFAULT_MAX_QUEUE_TEXTS,
    ) -> None:
        if max_batch_texts < 1 or max_wait_ms < 0 or max_queue_texts < 1:
            raise ConfigurationError("max_batch_texts and max_queue_texts >= 1, max_wait_ms >= 0")
        self.run_batch = run_batch
        self.max_batch_texts = max_batch_texts
        self.max_wait = max_wait_ms / 1000.0
        self.max_queue_texts = max_queue_texts
        self.stats = BatchStats()
        self._queue: asyncio.Queue[_Job] | None = None
        self._task: asyncio.Task | None = None
        self._executor: ModelThread | None = None
        self._queued_texts = 0

    async def start(self) -> None:
        self._queue = asyncio.Queue()
        self._executor = ModelThread()
        self._task = asyncio.create_task(self._consume(), name="clinical-ner-batcher")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._queue is not None:
            while not self._queue.empty():
                job = self._queue.get_nowait()
                if not job.future.done():
                    job.future.set_exception(RuntimeError("the service is shutting down"))
        if self._executor is not None:
            # Never wait for a pipeline call in progress: SIGTERM must end the process in
            # seconds even while a large batch is being annotated.
            self._executor.stop()
        self._task = self._queue = self._executor = None

    @property
    def queued_texts(self) -> int:
        return self._queued_texts

    async def submit(self, texts: Sequence[str], convert: Callable[[list[Any]], Any]) -> Any:
        """Queue ``texts``; returns ``convert(rows)`` once their batch has run. Cancelling
        the caller (a timeout) drops the job if it has not reached the model yet."""
        if self._queue is None:
            raise RuntimeError("the batcher is not started")
        if self._queued_texts + len(texts) > self.max_queue_texts:
            raise QueueFullError(
                f"{self._queued_texts} texts are already waiting (limit {self.max_queue_texts})"
            )
        future: asyncio.Future = asyncio.get_running_loop().create_future()
        self._queued_texts += len(texts)
        self._queue.put_nowait(_Job(list(texts), convert, future))
        return await future

    def _take_queued(self, batch: list[_Job], size: int) -> int:
        assert self._queue is not None
        while size < self.max_batch_texts and not self._queue.empty():
            job = self._queue.get_nowait()
            batch.append(job)
            size += len(job.texts)
        return size

    async def _consume(self) -> None:
        assert self._queue is not None
        while True:
            first = await self._queue.get()
            batch = [first]
            size = self._take_queued(batch, len(first.texts))
            if size < self.max_batch_texts and self.max_wait > 0:
                await asyncio.sleep(self.max_wait)
                size = self._take_queued(batch, size)
            self._queued_texts -= size
            live = [job for job in batch if not job.future.done()]
            self.stats.dropped_timed_out += len(batch) - len(live)
            if not live:
                continue
            texts = [text for job in live for text in job.texts]
            try:
                answers = await self._executor.run(self._run, live, texts)  # type: ignore[union-attr]  # set by start(), which runs first
            except Exception as exc:  # the model failed: every request of the batch learns it
                for job in live:
                    if not job.future.done():
                        job.future.set_exception(exc)
                continue
            self.stats.batches += 1
            self.stats.texts += len(texts)
            self.stats.requests += len(live)
            self.stats.largest_batch = max(self.stats.largest_batch, len(texts))
            for job, answer in zip(live, answers, strict=True):
                if not job.future.done():
                    job.future.set_result(answer)

    def _run(self, jobs: list[_Job], texts: list[str]) -> list[Any]:
        """In the worker thread: one pipeline call, then each job's conversion."""
        rows = self.run_batch(texts)
        answers, start = [], 0
        for job in jobs:
            answers.append(job.convert(rows[start : start + len(job.texts)]))
            start += len(job.texts)
        return answers


class ModelThread:
    """The one thread that runs pipeline calls, off the event loop.

    Unlike a ``ThreadPoolExecutor`` (whose workers the interpreter joins at exit) it is a
    daemon thread, so a shutdown never waits for a batch in progress: the process ends
    and the batch's requests were already answered 503 or are cut off with the
    connection."""

    def __init__(self) -> None:
        self._calls: queue.SimpleQueue = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._serve, name="clinical-ner-model", daemon=True)
        self._thread.start()

    async def run(self, function: Callable[..., Any], *args: Any) -> Any:
        """``function(*args)`` on the model thread; its result or exception."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future = loop.create_future()
        self._calls.put((loop, future, function, args))
        return await future

    def stop(self) -> None:
        self._calls.put(None)

    def _serve(self) -> None:
        while True:
            call = self._calls.get()
            if call is None:
                return
            loop, future, function, args = call
            try:
                result, error = function(*args), None
            except BaseException as exc:  # handed to the awaiting coroutine
                result, error = None, exc
            try:
                loop.call_soon_threadsafe(_settle, future, result, error)
            except RuntimeError:  # the loop closed while the call ran: nobody waits
                return


def _settle(future: asyncio.Future, result: Any, error: BaseException | None) -> None:
    if future.done():
        return
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(result)
