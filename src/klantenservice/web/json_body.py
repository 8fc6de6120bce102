"""Reading a JSON request body by hand, with the same refusals as FastAPI's own parsing.

For a route that takes the bare ``Request`` (the intake hot path): malformed JSON is a 400
naming the character, a body that is not JSON a 415, a body that breaks the model a 422
listing the fields — the same ``RequestValidationError`` problems FastAPI raises, answered by
the same handler in ``web/errors.py``. ``openapi_of`` documents such a body in OpenAPI.
"""

from __future__ import annotations

import json
from typing import Any, TypeVar

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel
from pydantic import ValidationError as ModelInvalid

JSON = "application/json"
Model = TypeVar("Model", bound=BaseModel)


_MISSING = {"type": "missing", "loc": ("body",), "msg": "Field required", "input": None}


async def parse(request: Request, model: type[Model]) -> Model:
    raw = await request.body()
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if not raw.strip() or not (media == JSON or media.endswith("+json")):
        raise RequestValidationError([_MISSING])  # answered 415 when not JSON, else 422
    try:
        data = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        position = error.pos if isinstance(error, json.JSONDecodeError) else error.start
        reason = error.msg if isinstance(error, json.JSONDecodeError) else "not UTF-8"
        problem = {
            "type": "json_invalid",
            "loc": ("body", position),
            "msg": "JSON decode error",
            "input": {},
            "ctx": {"error": reason},
        }
        raise RequestValidationError([problem]) from None
    try:
        return model.model_validate(data)
    except ModelInvalid as error:
        problems = [
            {**problem, "loc": ("body", *problem["loc"])}
            for problem in error.errors(include_url=False)
        ]
        raise RequestValidationError(problems) from None


def openapi_of(model: type[BaseModel]) -> dict[str, Any]:
    """The OpenAPI ``requestBody`` of a route that parses ``model`` with ``parse``."""
    schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
    schema.pop("$defs", None)  # nested models are components of the app's other routes
    return {"required": True, "content": {JSON: {"schema": schema}}}
