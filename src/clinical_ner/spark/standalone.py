"""A Spark standalone cluster on this machine: one master and N workers on loopback.

For trying cluster mode without a cluster: the cluster test, ``benchmarks/spark.py
--workers N`` and a user checking a job before submitting it. Each daemon is the process
``spark-class org.apache.spark.deploy.master.Master`` / ``...deploy.worker.Worker`` (the
commands of the README's "Running on a cluster"), run from PySpark's own Spark home, each
in its own process group so that stopping it also stops the executors it launched.

    with StandaloneCluster(workers=2, cores=1, memory="2g") as cluster:
        spark = start(cluster.master_url)
        ...

Every wait is bounded (``timeout`` seconds) and the daemons are stopped on the way out,
also when the block raises.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path
from types import TracebackType

from clinical_ner.errors import ConfigurationError

MASTER_CLASS = "org.apache.spark.deploy.master.Master"
WORKER_CLASS = "org.apache.spark.deploy.worker.Worker"
HOST = "127.0.0.1"


def spark_home() -> Path:
    """The Spark home that the installed PySpark brings (jars and ``bin/spark-class``)."""
    from pyspark.find_spark_home import _find_spark_home

    return Path(_find_spark_home())


def free_port() -> int:
    """A TCP port on loopback that nothing listens on now."""
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


class StandaloneCluster:
    """A master and ``workers`` workers of ``cores`` cores and ``memory`` each.

    Attributes once started: ``master_url`` (``spark://127.0.0.1:PORT``), ``web_url`` (the
    master's UI, whose ``/json`` lists the workers) and ``log_dir`` (each daemon's output).
    """

    def __init__(self, workers: int = 2, cores: int = 1, memory: str = "2g",
                 timeout: float = 90.0, log_dir: str | os.PathLike[str] | None = None) -> None:
        if workers < 1 or cores < 1:
            raise ConfigurationError("a standalone cluster needs at least one worker of one core")
        self.workers, self.cores, self.memory, self.timeout = workers, cores, memory, timeout
        self.log_dir = Path(log_dir or tempfile.mkdtemp(prefix="clinical-ner-cluster-"))
        self.log_dir.mkdir(parents=True, exist_ok=True)
        self.master_url = ""
        self.web_url = ""
        self._master: subprocess.Popen | None = None
        self._workers: list[subprocess.Popen] = []

    # ----------------------------------------------------------------- life cycle
    def __enter__(self) -> StandaloneCluster:
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.stop()

    def start(self) -> None:
        """Start the master, then the workers; return once every worker is registered."""
        port, web_port = free_port(), free_port()
        self.master_url, self.web_url = f"spark://{HOST}:{port}", f"http://{HOST}:{web_port}"
        self._master = self._daemon(
            "master", MASTER_CLASS, "--host", HOST, "--port", str(port), "--webui-port", str(web_port))
        self._wait(lambda: self._alive_workers() is not None, "the master to answer")
        for index in range(self.workers):
            self.add_worker(index)
        self._wait(lambda: (self._alive_workers() or 0) >= self.workers,
                   f"{self.workers} workers to register")

    def add_worker(self, index: int | None = None) -> subprocess.Popen:
        """Start one more worker (the fault test starts a replacement this way)."""
        index = len(self._workers) if index is None else index
        worker = self._daemon(
            f"worker-{index}", WORKER_CLASS, "--host", HOST, "--cores", str(self.cores),
            "--memory", self.memory, "--webui-port", str(free_port()),
            "--work-dir", str(self.log_dir / f"work-{index}"), self.master_url)
        self._workers.append(worker)
        return worker

    def kill_worker(self, index: int) -> None:
        """SIGKILL worker ``index`` and the executors it launched (its process group)."""
        _kill_group(self._workers[index])

    def stop(self) -> None:
        """Stop every worker, then the master (SIGTERM, SIGKILL after 10 s)."""
        for process in [*self._workers, self._master]:
            if process is not None and process.poll() is None:
                _terminate_group(process)
        self._workers, self._master = [], None

    # ----------------------------------------------------------------- helpers
    def alive_workers(self) -> int:
        """How many workers the master lists as ALIVE now (0 when it does not answer)."""
        return self._alive_workers() or 0

    def _alive_workers(self) -> int | None:
        try:
            with urllib.request.urlopen(f"{self.web_url}/json/", timeout=2) as answer:
                state = json.load(answer)
        except (OSError, ValueError):
            return None
        return sum(1 for worker in state.get("workers", []) if worker.get("state") == "ALIVE")

    def _daemon(self, name: str, klass: str, *args: str) -> subprocess.Popen:
        home = spark_home()
        env = {**os.environ, "SPARK_HOME": str(home), "SPARK_NO_DAEMONIZE": "1",
               "SPARK_LOG_DIR": str(self.log_dir)}
        log = open(self.log_dir / f"{name}.log", "wb")  # noqa: SIM115 (owned by the child)
        try:
            return subprocess.Popen(
                [str(home / "bin" / "spark-class"), klass, *args],
                stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True)
        finally:
            log.close()

    def _wait(self, ready, what: str) -> None:
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            if ready():
                return
            if self._master is not None and self._master.poll() is not None:
                break
            time.sleep(0.5)
        raise ConfigurationError(
            f"the standalone cluster did not start: waited {self.timeout:.0f} s for {what}; "
            f"daemon logs in {self.log_dir}")


def _kill_group(process: subprocess.Popen) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=30)


def _terminate_group(process: subprocess.Popen) -> None:
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=10)
    except ProcessLookupError:
        return
    except subprocess.TimeoutExpired:
        _kill_group(process)
