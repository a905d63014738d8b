"""How much parallelism the defaults use: the one place that decides.

The CPUs this process may use are the smaller of its CPU affinity (``taskset``, container
cpusets) and its cgroup CPU quota (``docker --cpus``, Kubernetes limits), not
``os.cpu_count()``, which counts the whole machine. ``CLINICAL_NER_THREADS`` overrides both.

The plan for those ``N`` CPUs: ``N`` pipeline workers (threads of ``LightPipeline``, each
running whole batches) with ONE torch intra-op thread each. Why not one pipeline with
``N`` torch threads: the network's matrices are small (a 128-unit BiLSTM), so an OpenMP
team splits each step into pieces too small to pay for the barrier between them (two
threads bought 7% over one), and when another process takes a core, every barrier waits
for the descheduled thread (the defaults fell to 0.15x of their idle speed with one core
busy elsewhere). Independent workers of one thread each scale with the cores and, on a
shared machine, each slows down by its own share only.

For the same reason OpenMP threads are told not to spin while they wait
(``OMP_WAIT_POLICY=PASSIVE``, set by ``import clinical_ner`` unless the user set it; it
takes effect when torch has not been imported before).

Spark: a Python worker runs one task at a time with ``spark.task.cpus`` cores; its torch
threads are that number (``spark_task_threads``), so the tasks sharing an executor's
cores never oversubscribe them.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path

from clinical_ner.errors import ConfigurationError

#: Environment variable that sets the CPU count the defaults plan for.
THREADS_ENV = "CLINICAL_NER_THREADS"
#: More workers than this buy nothing for one pipeline (the GIL-held text stages).
MAX_WORKERS = 8
_CGROUP_V2 = Path("/sys/fs/cgroup/cpu.max")
_CGROUP_V1 = (Path("/sys/fs/cgroup/cpu/cpu.cfs_quota_us"), Path("/sys/fs/cgroup/cpu/cpu.cfs_period_us"))


def affinity_cpus() -> int:
    """CPUs in this process's affinity mask (all CPUs where the OS has no such call)."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def quota_cpus(v2: Path = _CGROUP_V2, v1: tuple[Path, Path] = _CGROUP_V1) -> float | None:
    """The cgroup CPU quota in CPUs (``2.5`` for ``--cpus 2.5``), or None when unlimited."""
    try:
        quota, period = v2.read_text().split()[:2]
        if quota != "max":
            return int(quota) / int(period)
        return None
    except (OSError, ValueError):
        pass
    try:
        quota_us, period_us = (int(p.read_text()) for p in v1)
    except (OSError, ValueError):
        return None
    return quota_us / period_us if quota_us > 0 and period_us > 0 else None


def usable_cpus() -> int:
    """The CPU count the defaults plan for: ``CLINICAL_NER_THREADS`` if set, else the
    smaller of the affinity and the (rounded up) cgroup quota; at least 1."""
    value = os.environ.get(THREADS_ENV)
    if value:
        try:
            count = int(value)
        except ValueError:
            count = 0
        if count < 1:
            raise ConfigurationError(f"{THREADS_ENV} must be a whole number >= 1, got {value!r}")
        return count
    cpus = affinity_cpus()
    quota = quota_cpus()
    if quota is not None:
        cpus = min(cpus, max(1, math.ceil(quota)))
    return max(1, cpus)


@dataclass(frozen=True)
class ParallelPlan:
    """``workers`` pipeline threads of ``torch_threads`` torch threads each; ``cpus`` is
    what the plan was made for and ``reason`` says where that number came from."""

    cpus: int
    workers: int
    torch_threads: int
    reason: str


def default_plan() -> ParallelPlan:
    """The plan for this process's CPUs (see the module docstring)."""
    cpus = usable_cpus()
    if os.environ.get(THREADS_ENV):
        reason = f"{THREADS_ENV}={cpus}"
    else:
        quota = quota_cpus()
        reason = f"{affinity_cpus()} CPUs in the affinity mask" + (
            f", cgroup quota {quota:g} CPUs" if quota is not None else ", no cgroup quota")
    return ParallelPlan(cpus=cpus, workers=min(cpus, MAX_WORKERS), torch_threads=1, reason=reason)


def spark_task_threads(task_cpus: int) -> int:
    """Torch threads of a Spark Python worker: the cores its task holds (``spark.task.cpus``)."""
    return max(1, int(task_cpus))


_TORCH_THREADS: int | None = None


def set_torch_threads(count: int) -> None:
    """``torch.set_num_threads(count)`` once per process for the defaults (a later, different
    explicit call by the user still wins; torch's setting is process-wide)."""
    global _TORCH_THREADS
    if count == _TORCH_THREADS:
        return
    import torch

    torch.set_num_threads(count)
    _TORCH_THREADS = count
