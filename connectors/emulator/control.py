"""The control API under /_sandbox/: how scripts and trainers drive the sandbox (JSON in, JSON out)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from connectors.emulator.core import Sandbox, SandboxInputError
from connectors.emulator.wire import BadBody, Reply, Request, json_reply

__all__ = ["handle"]


def _body(
    req: Request, required: dict[str, type | tuple[type, ...]], optional: dict[str, type | tuple[type, ...]]
) -> dict[str, Any]:
    """The JSON object body with exactly these fields. Raises SandboxInputError naming the problem."""
    try:
        body = req.json() if req.body.strip() else {}
    except BadBody as e:
        raise SandboxInputError(f"malformed JSON: {e}") from e
    if not isinstance(body, dict):
        raise SandboxInputError("the body must be a JSON object")
    allowed = {**required, **optional}
    for key in body:
        if key not in allowed:
            raise SandboxInputError(f"unknown field {key!r}; expected {', '.join(sorted(allowed))}")
    for key in required:
        if key not in body:
            raise SandboxInputError(f"missing field {key!r}")
    for key, value in body.items():
        kind = allowed[key]
        if value is None and key in optional:
            continue
        # bool is an int in Python; a count of `true` is a mistake, not 1.
        if not isinstance(value, kind) or (isinstance(value, bool) and kind in (int, (int, float))):
            raise SandboxInputError(f"field {key!r} has the wrong type")
    return body


def _text(value: str, name: str = "text") -> str:
    if not value.strip():
        raise SandboxInputError(f"{name} must not be empty")
    return value


def mentions(sb: Sandbox, req: Request) -> Reply:
    body = _body(req, {"account": str, "text": str}, {"author": str, "in_reply_to": str})
    item_id = sb.inject_mention(
        body["account"], _text(body["text"]), body.get("author"), body.get("in_reply_to")
    )
    return json_reply(201, {"id": item_id})


def comments(sb: Sandbox, req: Request) -> Reply:
    body = _body(req, {"post_id": str, "text": str}, {"author": str})
    return json_reply(
        201, {"id": sb.inject_comment(body["post_id"], _text(body["text"]), body.get("author"))}
    )


def posts(sb: Sandbox, req: Request) -> Reply:
    body = _body(req, {"account": str, "text": str}, {})
    platform, post_id = sb.inject_post(body["account"], _text(body["text"]))
    return json_reply(201, {"id": post_id, "platform": platform})


def faults(sb: Sandbox, req: Request) -> Reply:
    if req.method == "GET":
        return json_reply(200, [_fault_json(f) for f in sb.faults])
    body = _body(
        req,
        {"platform": str, "kind": str},
        {"endpoint": str, "count": int, "stall_seconds": (int, float)},
    )
    stall = float(body.get("stall_seconds") or 0.0)
    if not 0 <= stall <= 60:
        raise SandboxInputError("stall_seconds must be between 0 and 60")
    fault = sb.add_fault(
        body["platform"], body.get("endpoint"), body["kind"], int(body.get("count") or 1), stall
    )
    return json_reply(201, _fault_json(fault))


def _fault_json(fault: Any) -> dict[str, Any]:
    endpoint = None
    if fault.method is not None:
        endpoint = f"{fault.method} /{'/'.join(fault.segments or ())}"
    return {"platform": fault.platform, "endpoint": endpoint, "kind": fault.kind, "count": fault.count}


def published(sb: Sandbox, req: Request) -> Reply:
    platform = req.query.get("platform", "")
    if platform not in ("x", "facebook"):
        raise SandboxInputError("query parameter platform must be 'x' or 'facebook'")
    for key in req.query:
        if key != "platform":
            raise SandboxInputError(f"unknown query parameter {key!r}")
    return json_reply(200, sb.published(platform))


def reset(sb: Sandbox, req: Request) -> Reply:
    _body(req, {}, {})
    sb.reset()
    return json_reply(200, {"reset": True})


def simulate(sb: Sandbox, req: Request) -> Reply:
    body = _body(req, {"count": int}, {"platform": str})
    if not 1 <= body["count"] <= 10_000:
        raise SandboxInputError("count must be between 1 and 10000")
    if body.get("platform") not in (None, "x", "facebook"):
        raise SandboxInputError("platform must be 'x' or 'facebook'")
    return json_reply(201, {"items": sb.simulate(body["count"], body.get("platform"))})


def clock(sb: Sandbox, req: Request) -> Reply:
    if req.method == "GET":
        now = sb.now()
    else:
        body = _body(req, {"advance_seconds": (int, float)}, {})
        now = sb.advance_clock(float(body["advance_seconds"]))
    stamp = datetime.fromtimestamp(now, UTC).isoformat().replace("+00:00", "Z")
    return json_reply(200, {"now": stamp, "offset_seconds": sb.state.clock_offset})


def accounts(sb: Sandbox, req: Request) -> Reply:
    return json_reply(200, [a.public() for a in sb.state.accounts])


def limits(sb: Sandbox, req: Request) -> Reply:
    if req.method == "GET":
        return json_reply(
            200, {k: {"limit": v[0], "window_seconds": v[1]} for k, v in sb.limiter.limits.items()}
        )
    body = _body(req, {"platform": str, "limit": int}, {"endpoint": str, "window_seconds": (int, float)})
    if body["platform"] not in ("x", "facebook"):
        raise SandboxInputError("platform must be 'x' or 'facebook'")
    if body["limit"] < 0:
        raise SandboxInputError("limit must not be negative")
    key = f"{body['platform']} {body.get('endpoint') or '*'}"
    if key not in sb.limiter.limits:
        known = ", ".join(k.split(" ", 1)[1] for k in sb.limiter.limits if k.startswith(body["platform"]))
        raise SandboxInputError(f"no rate limit for {key!r}; known endpoints: {known}")
    window = float(body.get("window_seconds") or sb.limiter.limits[key][1])
    with sb.lock:
        sb.limiter.limits[key] = (body["limit"], window)
        sb.limiter.reset()
    return json_reply(200, {"endpoint": key, "limit": body["limit"], "window_seconds": window})


ROUTES: dict[tuple[str, str], Callable[[Sandbox, Request], Reply]] = {
    ("POST", "mentions"): mentions,
    ("POST", "comments"): comments,
    ("POST", "posts"): posts,
    ("POST", "faults"): faults,
    ("GET", "faults"): faults,
    ("GET", "published"): published,
    ("POST", "reset"): reset,
    ("POST", "simulate"): simulate,
    ("POST", "clock"): clock,
    ("GET", "clock"): clock,
    ("GET", "accounts"): accounts,
    ("POST", "limits"): limits,
    ("GET", "limits"): limits,
}


def handle(sb: Sandbox, req: Request) -> Reply:
    """Answer a /_sandbox/ request; bad input gets 400 {"error": reason}."""
    name = req.path.removeprefix("/_sandbox/").strip("/")
    route = ROUTES.get((req.method, name))
    if route is None:
        known = sorted({f"{m} /_sandbox/{n}" for m, n in ROUTES})
        return json_reply(404, {"error": f"no control endpoint {req.method} {req.path}", "endpoints": known})
    if req.method == "POST" and req.body.strip() and req.content_type not in ("application/json", ""):
        return json_reply(400, {"error": "send JSON with Content-Type: application/json"})
    try:
        return route(sb, req)
    except SandboxInputError as e:
        return json_reply(400, {"error": str(e)})
