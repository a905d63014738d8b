"""``start()``: a SparkSession set up for clinical-ner, like ``sparknlp.start()``."""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from typing import Any

from pyspark import SparkContext
from pyspark.sql import SparkSession

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
    master: str | None = None,
    app_name: str = "clinical-ner",
    memory: str = "8G",
    params: Mapping[str, Any] | None = None,
) -> SparkSession:
    """A SparkSession (or the running one, reconfigured where Spark allows).

    Args:
        master: ``local[*]`` by default (every core of this machine); ``local[2]``, or a
            cluster URL. Under ``spark-submit`` leave it unset so the submit's master wins.
        app_name: the application name shown in the Spark UI.
        memory: driver memory (``spark.driver.memory``); NerDLApproach trains on the driver.
        params: any other Spark settings, which override :data:`DEFAULTS`.

    The Python workers use this interpreter (``spark.pyspark.python``, and
    ``PYSPARK_PYTHON`` in this process when no SparkContext runs yet) unless
    ``PYSPARK_PYTHON`` says otherwise, so local runs see the same installed packages.
    """
    builder = SparkSession.builder.appName(app_name)
    if master is not None or not _submitted():
        builder = builder.master(master or "local[*]")
    settings = {**DEFAULTS, "spark.driver.memory": memory}
    if "PYSPARK_PYTHON" not in os.environ:
        settings["spark.pyspark.python"] = sys.executable
        # A driver started in this process launches its workers with $PYSPARK_PYTHON (else
        # "python3" on PATH, which may lack pyarrow and this package), read when the
        # SparkContext is created: the setting above alone does not reach them.
        if SparkContext._active_spark_context is None:
            os.environ["PYSPARK_PYTHON"] = sys.executable
    settings.update({k: str(v) for k, v in (params or {}).items()})
    for key, value in settings.items():
        builder = builder.config(key, value)
    return builder.getOrCreate()


def _submitted() -> bool:
    """Whether this driver was launched by spark-submit (which sets the master itself)."""
    return "PYSPARK_GATEWAY_PORT" in os.environ
