"""Re-export of the stage contract, kept so that ``clinical_ner.annotators.base`` imports
written before it moved keep working; it lives in :mod:`clinical_ner.stage`."""

from clinical_ner.stage import (
    COMMON_PARAMS,
    STAGE_CLASSES,
    Estimator,
    InputColumnsError,
    Param,
    Row,
    Stage,
    Transformer,
    check_pipeline_columns,
)

__all__ = [
    "COMMON_PARAMS", "STAGE_CLASSES", "Estimator", "InputColumnsError", "Param", "Row", "Stage",
    "Transformer", "check_pipeline_columns",
]
