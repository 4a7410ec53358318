"""Validate sandbox X answers against X's OpenAPI description (the subset in x_openapi_subset.json).

X documents success bodies per operation and errors as `Error` (application/json) or `Problem`
(application/problem+json, one of its typed problems). X's generic HTTP problems (401, 403, 429, 503
with "type": "about:blank", as X actually sends them) are RFC 7807 problems that the description's
typed `Problem` union does not list; those are checked against RFC 7807's shape instead.
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jsonschema
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

SPEC_PATH = Path(__file__).with_name("x_openapi_subset.json")
RFC7807 = {
    "type": "object",
    "required": ["type", "title", "status"],
    "properties": {
        "type": {"const": "about:blank"},
        "title": {"type": "string"},
        "detail": {"type": "string"},
        "status": {"type": "integer"},
    },
}


@cache
def spec() -> dict[str, Any]:
    return json.loads(SPEC_PATH.read_text(encoding="utf-8"))


@cache
def _registry() -> Registry:
    return Registry().with_resource("urn:x-openapi", Resource(spec(), DRAFT4))


@cache
def _path_patterns() -> list[tuple[re.Pattern[str], str]]:
    patterns = []
    for template in spec()["paths"]:
        regex = "^" + re.sub(r"\{[^}]+\}", r"[^/]+", template) + "$"
        patterns.append((re.compile(regex), template))
    # Literal paths first, so /2/tweets/search/recent is not taken for /2/tweets/{id}.
    return sorted(patterns, key=lambda p: p[1].count("{"))


def operation_for(method: str, path: str) -> tuple[str, dict[str, Any]] | None:
    for pattern, template in _path_patterns():
        if pattern.match(path):
            operation = spec()["paths"][template].get(method.lower())
            if operation is not None:
                return template, operation
    return None


def _rewrite_refs(node: Any) -> Any:
    if isinstance(node, dict):
        return {
            k: ("urn:x-openapi" + v if k == "$ref" and v.startswith("#") else _rewrite_refs(v))
            for k, v in node.items()
        }
    if isinstance(node, list):
        return [_rewrite_refs(v) for v in node]
    return node


def validate_x_exchange(exchange: Any) -> str | None:
    """None if the recorded answer matches the description, else what is wrong."""
    path = urlsplit(exchange.path).path
    where = f"{exchange.method} {path} -> {exchange.status}"
    found = operation_for(exchange.method, path)
    if found is None:
        return f"{where}: no such operation in X's API description"
    _, operation = found
    responses = operation["responses"]
    response = responses.get(str(exchange.status))
    if response is None:
        if 200 <= exchange.status < 300:
            return f"{where}: X documents {sorted(responses)} for this operation"
        response = responses.get("default")
    media_type = exchange.content_type.split(";")[0].strip()
    content = (response or {}).get("content", {})
    try:
        body = exchange.json()
    except ValueError:
        return f"{where}: body is not JSON"
    if media_type == "application/problem+json" and body.get("type") == "about:blank":
        schema: Any = RFC7807
    elif media_type in content:
        schema = _rewrite_refs(content[media_type]["schema"])
    else:
        return f"{where}: content type {media_type} not documented ({sorted(content)})"
    validator = jsonschema.Draft4Validator(schema, registry=_registry())
    errors = sorted(validator.iter_errors(body), key=lambda e: list(e.path))
    if errors:
        return f"{where}: {errors[0].message} at {list(errors[0].path)}"
    return None
