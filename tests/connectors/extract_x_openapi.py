"""Regenerate x_openapi_subset.json from X's published OpenAPI description of API v2.

The full description is ~800 kB; the tests need only the operations the sandbox serves and the
components they reference, so the repository carries that subset and a fresh clone works offline.

    python tests/connectors/extract_x_openapi.py PATH/TO/x-api-v2-openapi.json
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

OPERATIONS = {
    "/2/tweets": ("get", "post"),
    "/2/tweets/{id}": ("get", "delete"),
    "/2/tweets/{tweet_id}/hidden": ("put",),
    "/2/users/me": ("get",),
    "/2/users/{id}/mentions": ("get",),
    "/2/users/{id}/tweets": ("get",),
    "/2/tweets/search/recent": ("get",),
    "/2/media/upload": ("post",),
}
OUT = Path(__file__).with_name("x_openapi_subset.json")


def _refs(node: Any, found: set[str]) -> None:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/components/"):
            found.add(ref)
        for value in node.values():
            _refs(value, found)
    elif isinstance(node, list):
        for value in node:
            _refs(value, found)


def main(source: str) -> None:
    spec = json.loads(Path(source).read_text(encoding="utf-8"))
    paths = {p: {m: spec["paths"][p][m] for m in methods} for p, methods in OPERATIONS.items()}
    subset: dict[str, Any] = {
        "openapi": spec["openapi"],
        "info": spec["info"],
        "paths": paths,
        "components": {},
    }
    seen: set[str] = set()
    todo: set[str] = set()
    _refs(paths, todo)
    while todo:
        ref = todo.pop()
        if ref in seen:
            continue
        seen.add(ref)
        _, _, kind, name = ref.split("/", 3)
        node = spec["components"][kind][name]
        subset["components"].setdefault(kind, {})[name] = node
        _refs(node, todo)
    OUT.write_text(json.dumps(subset, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    print(f"{OUT.name}: {len(paths)} paths, {len(seen)} components, {OUT.stat().st_size} bytes")


if __name__ == "__main__":
    main(sys.argv[1])
