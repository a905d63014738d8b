"""``start()``: a SparkSession set up for clinical-ner, like ``sparknlp.start()``.

It takes Spark NLP's keyword arguments (``gpu``, ``apple_silicon``, ``aarch64``, ``memory``,
``cache_folder``, ``log_folder``, ``cluster_tmp_dir``, ``params``, ``real_time_output``,
``output_level``), so ``start(gpu=False)`` and the rest of a Spark NLP notebook's first cell
run unchanged; ``master`` and ``app_name`` are keywords too (``start("local[2]")``, the
master first, keeps working).
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import IO, Any

from pyspark import SparkConf, SparkContext
from pyspark.sql import SparkSession

from clinical_ner.errors import ConfigurationError

logger = logging.getLogger(__name__)

#: The environment variable of the model cache folder (see :mod:`clinical_ner.resources`).
CACHE_ENV = "CLINICAL_NER_HOME"

#: Settings every clinical-ner session gets unless the caller overrides them.
DEFAULTS: dict[str, str] = {
    # Arrow moves batches between the JVM and the Python workers.
    "spark.sql.execution.arrow.pyspark.enabled": "true",
    "spark.sql.execution.arrow.maxRecordsPerBatch": "1000",
    # Small shuffles for local use; a cluster job should size this to its data.
    "spark.sql.shuffle.partitions": "8",
    "spark.serializer": "org.apache.spark.serializer.KryoSerializer",
    "spark.kryoserializer.buffer.max": "2000M",
    "spark.driver.maxResultSize": "0",
    # One loaded model per worker process, reused across tasks.
    "spark.python.worker.reuse": "true",
    "spark.ui.showConsoleProgress": "false",
}


def start(
    gpu: bool | str = False,
    apple_silicon: bool = False,
    aarch64: bool = False,
    memory: str = "8G",
    cache_folder: str = "",
    log_folder: str = "",
    cluster_tmp_dir: str = "",
    params: Mapping[str, Any] | None = None,
    real_time_output: bool = False,
    output_level: int = 1,
    *,
    master: str | None = None,
    app_name: str = "clinical-ner",
) -> SparkSession:
    """A SparkSession (or the running one, reconfigured where Spark allows).

    Args:
        gpu: run the NER on CUDA. The Python workers' ``NerDLModel`` uses device ``auto``
            by default, i.e. CUDA wherever that worker's torch sees a GPU, so nothing has to
            be switched (Spark NLP swaps in a GPU jar instead); ``gpu=True`` checks that
            torch sees a CUDA device here and logs a note when it does not (the session
            still starts, on CPU). Workers need a CUDA build of torch; on a cluster, ask
            Spark to place tasks on GPUs with ``params`` (``spark.executor.resource.gpu.amount``,
            ``spark.task.resource.gpu.amount`` and a discovery script). ``gpu=False`` keeps
            the stages' own choice (``NerDLModel.setDevice("cpu")`` forces the CPU). A
            string here is the master (the former first argument): ``start("local[2]")``.
        apple_silicon, aarch64: accepted for Spark NLP compatibility: they pick a platform
            jar there; clinical-ner is pure Python (torch's wheel fits the platform), so
            they change nothing (logged).
        memory: driver memory (``spark.driver.memory``); NerDLApproach trains on the driver.
        cache_folder: the model cache folder, ``$CLINICAL_NER_HOME``, set in this process
            and on the executors (``spark.executorEnv.CLINICAL_NER_HOME``); ``~`` and a
            relative path are expanded on the driver.
        log_folder: Spark's event log folder (``spark.eventLog.enabled`` and
            ``spark.eventLog.dir``; a local folder is created), read by the history server.
        cluster_tmp_dir: Spark's scratch folder (``spark.local.dir``: shuffle files, and
            where the executors unpack shipped model archives); a cluster manager's own
            setting (``SPARK_LOCAL_DIRS``, YARN's folders) wins over it.
        params: any other Spark settings, which override :data:`DEFAULTS` and the above.
        real_time_output: launch the JVM with its output piped to this process and printed
            as it comes (in a notebook, Spark's JVM output otherwise goes to the terminal
            that started it); only when this call starts the JVM.
        output_level: with ``real_time_output``, 0 also prints the JVM's stderr (Spark's
            log); 1 (default) prints its stdout only, as in Spark NLP.
        master: ``local[*]`` by default (every core of this machine); ``local[2]``, or a
            cluster URL. Under ``spark-submit`` leave it unset so the submit's master wins.
        app_name: the application name shown in the Spark UI.

    The Python workers use this interpreter (``spark.pyspark.python``, and
    ``PYSPARK_PYTHON`` in this process when no SparkContext runs yet) unless
    ``PYSPARK_PYTHON`` says otherwise, so local runs see the same installed packages.

    Raises:
        ConfigurationError: a master given twice, a flag that is not a bool, or ``params``
            that is not a mapping.
    """
    master, use_gpu = _master_and_gpu(gpu, master)
    _check_flags(apple_silicon=apple_silicon, aarch64=aarch64, real_time_output=real_time_output)
    if params is not None and not isinstance(params, Mapping):
        raise ConfigurationError(
            'params must be a dict of Spark settings, like {"spark.executor.memory": "8G"}'
        )
    running = SparkContext._active_spark_context is not None
    if running:
        logger.warning(
            "a SparkContext is already running: start() returns its session, and settings "
            "fixed when its JVM started (memory, folders, executor environment, "
            "real_time_output) keep their running values; call spark.stop() first to change them"
        )
    if use_gpu:
        _note_gpu()
    if apple_silicon or aarch64:
        logger.info("apple_silicon / aarch64 choose Spark NLP's platform jars; clinical-ner "
                    "is pure Python and needs no switch, so they change nothing")
    settings = session_settings(memory, cache_folder, log_folder, cluster_tmp_dir, params)
    if cache_folder:
        os.environ[CACHE_ENV] = settings[f"spark.executorEnv.{CACHE_ENV}"]
    if "PYSPARK_PYTHON" not in os.environ and not running:
        # A driver started in this process launches its workers with $PYSPARK_PYTHON (else
        # "python3" on PATH, which may lack pyarrow and this package), read when the
        # SparkContext is created: the spark.pyspark.python setting alone does not reach them.
        os.environ["PYSPARK_PYTHON"] = sys.executable
    if master is None and not _submitted():
        master = "local[*]"
    if real_time_output and not running:
        if _submitted():
            logger.warning("real_time_output has no effect under spark-submit, which started the JVM")
        else:
            _start_with_real_time_output(settings, master, app_name, output_level)
    builder = SparkSession.builder.appName(app_name)
    if master is not None:
        builder = builder.master(master)
    for key, value in settings.items():
        builder = builder.config(key, value)
    return builder.getOrCreate()


def session_settings(
    memory: str = "8G",
    cache_folder: str = "",
    log_folder: str = "",
    cluster_tmp_dir: str = "",
    params: Mapping[str, Any] | None = None,
) -> dict[str, str]:
    """The Spark settings :func:`start` gives a session: :data:`DEFAULTS`, then the driver
    memory, folders and Python interpreter, then ``params`` (which win)."""
    settings = {**DEFAULTS, "spark.driver.memory": str(memory)}
    if cache_folder:
        settings[f"spark.executorEnv.{CACHE_ENV}"] = _local_folder(cache_folder, create=False)
    if log_folder:
        settings["spark.eventLog.enabled"] = "true"
        # Spark refuses to start when the event log folder does not exist.
        settings["spark.eventLog.dir"] = _local_folder(log_folder, create=True)
    if cluster_tmp_dir:
        settings["spark.local.dir"] = _local_folder(cluster_tmp_dir, create=True)
    if "PYSPARK_PYTHON" not in os.environ:
        settings["spark.pyspark.python"] = sys.executable
    settings.update({k: str(v) for k, v in (params or {}).items()})
    return settings


def _local_folder(folder: str | os.PathLike[str], create: bool) -> str:
    """An absolute path (``~`` expanded); a URI (``hdfs://``, ``file:``...) as it is.
    ``create`` makes a local folder that does not exist yet."""
    text = os.fspath(folder)
    if "://" in text or text.startswith("file:"):
        return text
    path = Path(text).expanduser().absolute()
    if create:
        path.mkdir(parents=True, exist_ok=True)
    return str(path)


def _master_and_gpu(gpu: Any, master: str | None) -> tuple[str | None, bool]:
    """``(master, gpu)`` from ``start()``'s first argument, which is ``gpu`` as in Spark
    NLP or, as before, the master (a string)."""
    if isinstance(gpu, str):
        if master is not None:
            raise ConfigurationError(
                f"start() got the master twice ({gpu!r} and master={master!r}); pass one"
            )
        return gpu, False
    if not isinstance(gpu, bool | int):
        raise ConfigurationError(f"gpu must be True or False, got {type(gpu).__name__}")
    return master, bool(gpu)


def _check_flags(**flags: Any) -> None:
    """Spark NLP's boolean arguments must be booleans: a string there is most likely an
    argument of the former ``start(master, app_name, memory)`` order."""
    for name, value in flags.items():
        if not isinstance(value, bool | int):
            raise ConfigurationError(
                f"start()'s {name} must be True or False, got {value!r}; start() takes Spark "
                "NLP's arguments in Spark NLP's order (gpu, apple_silicon, aarch64, memory, "
                "...): pass app_name=, memory=, master= by keyword"
            )


def _note_gpu() -> None:
    """``gpu=True``: log whether torch sees a CUDA device on this machine (the workers'
    NerDLModel, device ``auto``, uses one where it sees one)."""
    try:
        import torch

        devices = torch.cuda.device_count() if torch.cuda.is_available() else 0
    except ImportError:  # torch is a core dependency; be safe on a broken install
        devices = 0
    if devices:
        logger.info("gpu=True: torch sees %d CUDA device(s); the Python workers' NerDLModel "
                    "(device 'auto') runs on CUDA", devices)
    else:
        logger.warning(
            "gpu=True, but torch sees no CUDA device on this machine: the NER runs on the CPU "
            "here (workers on machines with a GPU and a CUDA build of torch still use it)"
        )


def _start_with_real_time_output(
    settings: Mapping[str, str], master: str | None, app_name: str, output_level: int
) -> None:
    """Launch the JVM with its stdout and stderr piped to this process, echoed line by line
    by two daemon threads (stderr only with ``output_level`` 0), and create the
    SparkContext on it; the caller's ``getOrCreate()`` then uses that context."""
    from pyspark.java_gateway import launch_gateway

    conf = SparkConf().setAppName(app_name)
    if master is not None:
        conf.setMaster(master)
    for key, value in settings.items():
        conf.set(key, value)
    gateway = launch_gateway(
        conf=conf,
        popen_kwargs={"stdout": subprocess.PIPE, "stderr": subprocess.PIPE, "bufsize": 0},
    )
    _echo(gateway.proc.stdout, "stdout")
    _echo(gateway.proc.stderr, "stderr" if output_level == 0 else None)
    SparkContext(gateway=gateway, conf=conf)


def _echo(pipe: IO[bytes], target: str | None) -> None:
    """Copy ``pipe`` line by line to ``sys.<target>`` (looked up per line, so a notebook's
    stream is used) in a daemon thread; ``None`` drains it silently (an unread pipe would
    block the JVM once its buffer is full)."""

    def copy() -> None:
        for line in iter(pipe.readline, b""):
            if target is not None:
                stream = getattr(sys, target)
                stream.write(line.decode("utf-8", errors="replace"))
                stream.flush()

    threading.Thread(target=copy, name=f"clinical-ner-jvm-{target or 'drain'}", daemon=True).start()


def _submitted() -> bool:
    """Whether this driver was launched by spark-submit (which sets the master itself)."""
    return "PYSPARK_GATEWAY_PORT" in os.environ
