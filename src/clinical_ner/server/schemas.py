"""The request, response and error bodies of the REST service (pydantic models).

They drive request validation (:class:`AnnotateRequest`) and the OpenAPI schema behind
``/docs``; the routes answer with plain JSON built by :func:`clinical_ner.records.text_record`
in the shape of :class:`AnnotateResponse`.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictStr,
    WithJsonSchema,
    model_validator,
)

from clinical_ner.labels import ASSERTION_CLASSES


def _known_status(value: str) -> str:
    if value not in ASSERTION_CLASSES:
        raise ValueError(f"an assertion status is one of {list(ASSERTION_CLASSES)}")
    return value


#: The statuses of :class:`~clinical_ner.ContextualAssertion` (the i2b2 2010 classes), an
#: enum in the schema.
AssertionStatus = Annotated[
    str,
    AfterValidator(_known_status),
    WithJsonSchema({"enum": list(ASSERTION_CLASSES), "type": "string"}),
]


class AnnotateRequest(BaseModel):
    """One text (``text``) or several (``texts``), and what to return."""

    # Strict types: "include_tokens": "yes" or "text": 5 is a schema error, not coerced.
    model_config = ConfigDict(
        extra="forbid",
        strict=True,
        json_schema_extra={"examples": [{"text": "Started aspirin for chest pain.",
                                         "labels": ["PROBLEM", "TREATMENT"]}]},
    )
    text: StrictStr | None = Field(None, description="one note")
    texts: list[StrictStr] | None = Field(None, description="several notes, answered in order")
    labels: list[StrictStr] | None = Field(None, description="keep only these entity labels")
    include_tokens: StrictBool = Field(False, description="also return every token's span")
    include_sentences: StrictBool = Field(False, description="also return every sentence's span")
    include_confidence: StrictBool = Field(True, description="each entity's confidence (0..1)")
    include_assertion: StrictBool = Field(True, description="each entity's assertion status")

    @model_validator(mode="after")
    def _one_of_text_texts(self) -> AnnotateRequest:
        if (self.text is None) == (self.texts is None):
            raise ValueError('give exactly one of "text" (a string) or "texts" (a list of strings)')
        return self


class Span(BaseModel):
    begin: int = Field(description="offset of the first character")
    end: int = Field(description="offset of the last character (inclusive)")
    text: str


class Entity(Span):
    label: str
    confidence: float | None = Field(None, description="the model's confidence (0..1)")
    assertion: AssertionStatus | None = Field(
        None,
        description="assertion status (i2b2 2010 classes): is the problem present, absent "
        '("no chest pain"), possible ("possible pneumonia"), conditional ("pain with '
        'exertion"), hypothetical ("return if fever develops"), or about someone else '
        '("mother had diabetes")? Labels the service does not assess (see '
        "`assertion_labels` in GET /v1/models; PROBLEM by default) are `present`; null when "
        "the pipeline has no assertion stage. Left out with `include_assertion: false`.",
    )
    section: str | None = Field(
        None,
        description="the canonical name of the note section the entity is in "
        '("history_of_present_illness", "medications", "family_history", "allergies", ...; '
        '"unknown" before the first header, "other" under an unlisted header); null when '
        "the pipeline has no section stage",
    )


class TextResult(BaseModel):
    entities: list[Entity]
    tokens: list[Span] | None = None
    sentences: list[Span] | None = None


class AnnotateResponse(BaseModel):
    model: str
    results: list[TextResult] = Field(description="one per text, in request order")


class ErrorResponse(BaseModel):
    error: str
    message: str


#: The error answers of ``POST /v1/annotate`` as the OpenAPI schema lists them.
ANNOTATE_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorResponse, "description": "the body is not JSON"},
    413: {"model": ErrorResponse, "description": "the body is too large"},
    415: {"model": ErrorResponse, "description": "the body is not sent as application/json"},
    422: {"model": ErrorResponse, "description": "schema error, too many texts, unknown label"},
    503: {"model": ErrorResponse, "description": "model not loaded yet, or queue full"},
    504: {"model": ErrorResponse, "description": "no answer within the timeout"},
}
