"""FastAPI writes OpenAPI 3.1; GDAL, QGIS and OGC clients read 3.0. This rewrites the document
to 3.0.3 (nullable instead of null types, one example, no const) and documents every error as
problem details."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from geogrid.api.errors import PROBLEM_JSON, PROBLEM_SCHEMA

_ERRORS = {
    "400": "Bad request: a parameter, filter or body is invalid",
    "401": "No API key, or an unknown or revoked one",
    "403": "The key's role may not do this",
    "404": "Not found",
}


def _schema_30(node: Any) -> Any:
    if isinstance(node, list):
        return [_schema_30(v) for v in node]
    if not isinstance(node, dict):
        return node
    out = {k: _schema_30(v) for k, v in node.items() if k not in ("$schema", "contentMediaType")}
    for key in ("anyOf", "oneOf"):
        options = out.get(key)
        if isinstance(options, list) and {"type": "null"} in options:
            rest = [o for o in options if o != {"type": "null"}]
            del out[key]
            if len(rest) == 1:
                only = rest[0]
                out |= {"allOf": [only]} if "$ref" in only else only
            else:
                out[key] = rest
            out["nullable"] = True
    kind = out.get("type")
    if isinstance(kind, list):
        kinds = [k for k in kind if k != "null"]
        if "null" in kind:
            out["nullable"] = True
        if len(kinds) == 1:
            out["type"] = kinds[0]
        else:
            del out["type"]
            out["anyOf"] = [{"type": k} for k in kinds]
    if "const" in out:
        out["enum"] = [out.pop("const")]
    if isinstance(out.get("examples"), list) and "properties" not in out.get("examples", {}):
        examples = out.pop("examples")
        if examples:
            out["example"] = examples[0]
    for bound, flag in (("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")):
        if isinstance(out.get(bound), (int, float)) and not isinstance(out.get(bound), bool):
            out[flag] = out.pop(bound)
            out[bound] = True
    return out


def _problem_responses(operation: dict[str, Any]) -> None:
    responses = operation.setdefault("responses", {})
    if "requestBody" not in operation:
        responses.pop("422", None)
    content = {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}}
    for status, description in _ERRORS.items():
        responses.setdefault(status, {"description": description, "content": content})
    responses.setdefault(
        "default", {"description": "An error (problem details)", "content": content}
    )


def openapi_30(app: FastAPI) -> dict[str, Any]:
    """The app's OpenAPI document as 3.0.3 (built once, then cached on the app)."""
    if app.openapi_schema:
        return app.openapi_schema
    document = get_openapi(
        title=app.title,
        version=app.version,
        description=app.description,
        routes=app.routes,
    )
    document = _schema_30(document)
    document["openapi"] = "3.0.3"
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    schemas["Problem"] = _schema_30(PROBLEM_SCHEMA)
    for path in document.get("paths", {}).values():
        for operation in path.values():
            if isinstance(operation, dict) and "responses" in operation:
                _problem_responses(operation)
    app.openapi_schema = document
    return document


def install_openapi_30(app: FastAPI) -> None:
    """Serve the 3.0 document from ``app.openapi()`` (and so from /openapi.json and /api)."""
    app.openapi = lambda: openapi_30(app)  # type: ignore[method-assign]
