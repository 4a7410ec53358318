"""Facebook Graph API (Pages) as the sandbox speaks it: nodes, edges, cursors, insights and errors."""

from __future__ import annotations

import base64
import functools
import hashlib
import json
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from connectors.emulator.core import Sandbox, SandboxInputError
from connectors.emulator.state import SandboxAccount
from connectors.emulator.wire import BadBody, Reply, Request, json_reply

__all__ = ["handle"]

CONTENT_TYPE = "application/json; charset=UTF-8"
DEFAULT_VERSION = "v21.0"
_VERSION = re.compile(r"^v\d+\.\d+$")
INSIGHT_METRICS = {
    "post_media_view": ("Media views", "The number of times your post was on screen."),
    "post_clicks": ("Post clicks", "The number of times people clicked on anywhere in your post."),
    "post_reactions_by_type_total": ("Reactions by type", "Total post reactions by type."),
    "post_reactions_like_total": ("Like reactions", "Total 'like' reactions of a post."),
}
PAGE_FIELDS = frozenset(
    {"id", "name", "username", "category", "fan_count", "followers_count", "link", "about"}
)
POST_FIELDS = frozenset(
    {
        "id",
        "message",
        "created_time",
        "updated_time",
        "permalink_url",
        "from",
        "link",
        "is_published",
        "shares",
        "comments",
        "reactions",
        "status_type",
        "full_picture",
        "scheduled_publish_time",
    }
)
COMMENT_FIELDS = frozenset(
    {
        "id",
        "message",
        "created_time",
        "from",
        "parent",
        "is_hidden",
        "can_hide",
        "can_remove",
        "like_count",
        "comment_count",
        "permalink_url",
        "comments",
    }
)
PHOTO_FIELDS = frozenset({"id", "name", "created_time", "from", "link"})


class GraphError(Exception):
    """A Graph error answer, raised inside handlers and rendered by `handle`."""

    def __init__(
        self,
        message: str,
        code: int,
        status: int = 400,
        subcode: int | None = None,
        kind: str = "OAuthException",
        **extra: Any,
    ) -> None:
        super().__init__(message)
        error: dict[str, Any] = {"message": message, "type": kind, "code": code}
        if subcode is not None:
            error["error_subcode"] = subcode
        error.update(extra)
        error["fbtrace_id"] = "A" + secrets.token_urlsafe(15)
        self.status = status
        self.document = {"error": error}


def no_object(object_id: str, verb: str = "get") -> GraphError:
    """Graph's answer for an id that does not exist (or that this token may not see)."""
    return GraphError(
        f"Unsupported {verb} request. Object with ID '{object_id}' does not exist, cannot be loaded "
        "due to missing permissions, or does not support this operation. Please read the Graph API "
        "documentation at https://developers.facebook.com/docs/graph-api",
        100,
        subcode=33,
        kind="GraphMethodException",
    )


def permission_error() -> GraphError:
    """Graph's (#200) for an action on something the Page does not own."""
    return GraphError("(#200) Permissions error", 200, status=403)


def stamp(t: float) -> str:
    """Graph's timestamp format."""
    return datetime.fromtimestamp(t, UTC).strftime("%Y-%m-%dT%H:%M:%S+0000")


def unix_param(name: str, value: str) -> float:
    """A since/until parameter: unix seconds or an ISO date. Raises GraphError otherwise."""
    if re.fullmatch(r"\d{1,12}", value):
        return float(value)
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00").replace("+0000", "+00:00"))
    except ValueError as e:
        raise GraphError(f"(#100) The parameter {name} is not a valid time", 100) from e
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).timestamp()


# --- field syntax ---------------------------------------------------------------------------------


@dataclass
class FieldSpec:
    """One entry of a `fields` parameter: name, modifiers like limit(0), and nested fields."""

    name: str
    modifiers: dict[str, str] = field(default_factory=dict)
    children: list[FieldSpec] | None = None


def parse_fields(text: str) -> list[FieldSpec]:
    """Parse Graph's field syntax, e.g. ``id,comments.limit(0).summary(true){from,message}``.

    Raises GraphError for unbalanced brackets.
    """
    specs: list[FieldSpec] = []
    depth = 0
    start = 0
    parts: list[str] = []
    for index, char in enumerate(text):
        if char in "({":
            depth += 1
        elif char in ")}":
            depth -= 1
            if depth < 0:
                raise GraphError("(#100) Syntax error in fields", 100)
        elif char == "," and depth == 0:
            parts.append(text[start:index])
            start = index + 1
    if depth != 0:
        raise GraphError("(#100) Syntax error in fields", 100)
    parts.append(text[start:])
    for raw in (p.strip() for p in parts):
        if not raw:
            continue
        children = None
        part = raw
        if "{" in raw and raw.endswith("}"):
            brace = raw.index("{")
            children = parse_fields(raw[brace + 1 : -1])
            part = raw[:brace]
        name, *rest = part.split(".")
        modifiers = {}
        for modifier in rest:
            match = re.fullmatch(r"(\w+)\(([^)]*)\)", modifier)
            if not match:
                raise GraphError(
                    f"(#100) Syntax error in field {part!r}",
                    100,
                )
            modifiers[match.group(1)] = match.group(2)
        specs.append(FieldSpec(name, modifiers, children))
    return specs


def _cursor(record: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(f"{record['t']!r}|{record['id']}".encode()).decode().rstrip("=")


def _cursor_key(cursor: str) -> tuple[float, str]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        t, _, record_id = raw.partition("|")
        return float(t), record_id
    except (ValueError, UnicodeDecodeError) as e:
        raise GraphError("(#100) The after/before cursor is invalid", 100) from e


# --- the context of one request -------------------------------------------------------------------


@dataclass
class Call:
    """One Graph request after authentication."""

    sb: Sandbox
    req: Request
    viewer: SandboxAccount
    version: str
    params: dict[str, str]

    def limit(self, default: int = 25, high: int = 100) -> int:
        raw = self.params.get("limit", str(default))
        if not raw.isdigit():
            raise GraphError("(#100) Param limit must be a number", 100)
        return min(int(raw), high)

    def fields(self, default: str) -> list[FieldSpec]:
        return parse_fields(self.params.get("fields") or default)

    def page_url(self, path: str, **overrides: str) -> str:
        """A paging URL as Graph sends it: absolute, with the access token."""
        query = {k: v for k, v in self.params.items() if k not in ("after", "before")}
        query.update(overrides)
        query["access_token"] = self.viewer.token
        return f"{self.req.base_url}/{self.version}/{path}?{urlencode(query)}"


def page_of(
    call: Call, path: str, records: list[dict[str, Any]], render: Callable[[dict[str, Any]], Any]
) -> dict[str, Any]:
    """A cursor-paged edge answer: data, paging.cursors and next/previous URLs."""
    limit = call.limit()
    start = 0
    if "after" in call.params:
        key = _cursor_key(call.params["after"])
        start = next(
            (i + 1 for i, r in enumerate(records) if (r["t"], r["id"]) == key),
            len(records),
        )
    elif "before" in call.params:
        key = _cursor_key(call.params["before"])
        end = next((i for i, r in enumerate(records) if (r["t"], r["id"]) == key), 0)
        start = max(0, end - limit)
    chunk = records[start : start + limit]
    return _paged(call, path, chunk, render, limit, more=start + limit < len(records), earlier=start > 0)


def _paged(
    call: Call,
    path: str,
    chunk: list[dict[str, Any]],
    render: Callable[[dict[str, Any]], Any],
    limit: int,
    *,
    more: bool,
    earlier: bool,
) -> dict[str, Any]:
    """One page of an edge: its records rendered, cursors, and next/previous URLs when there are
    records after (`more`) or before (`earlier`) it."""
    document: dict[str, Any] = {"data": [render(r) for r in chunk]}
    if chunk:
        paging: dict[str, Any] = {"cursors": {"before": _cursor(chunk[0]), "after": _cursor(chunk[-1])}}
        if more:
            paging["next"] = call.page_url(path, after=_cursor(chunk[-1]), limit=str(limit))
        if earlier:
            paging["previous"] = call.page_url(path, before=_cursor(chunk[0]), limit=str(limit))
        document["paging"] = paging
    return document


def time_window(call: Call, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Records within the since/until parameters."""
    since = unix_param("since", call.params["since"]) if "since" in call.params else None
    until = unix_param("until", call.params["until"]) if "until" in call.params else None
    return [r for r in records if (since is None or r["t"] >= since) and (until is None or r["t"] <= until)]


# --- node rendering -------------------------------------------------------------------------------


def _check(specs: list[FieldSpec], allowed: frozenset[str], node_type: str) -> None:
    for spec in specs:
        if spec.name not in allowed:
            raise GraphError(
                f"(#100) Tried accessing nonexisting field ({spec.name}) on node type ({node_type})",
                100,
            )


def _with_id(fields: dict[str, Any], node_id: str) -> dict[str, Any]:
    """The rendered fields plus the node's `id`: Graph returns every node's id whether `fields`
    names it or not, and clients (facebook-sdk's callers, paging) key on it."""
    return {**fields, "id": node_id}


def render_page(call: Call, page: SandboxAccount, specs: list[FieldSpec]) -> dict[str, Any]:
    _check(specs, PAGE_FIELDS, "Page")
    values: dict[str, Any] = {
        "id": page.id,
        "name": page.name,
        "username": page.handle.lstrip("@"),
        "category": "Government organization",
        "fan_count": 1200,
        "followers_count": 1350,
        "link": f"https://www.facebook.com/{page.handle.lstrip('@')}",
        "about": "Sandbox institution Page",
    }
    return _with_id({s.name: values[s.name] for s in specs}, page.id)


def comments_of(
    call: Call, target: dict[str, Any], is_post: bool, stream: bool = False
) -> list[dict[str, Any]]:
    """Live comments under a post (top level, or all with stream) or replies to a comment, oldest first."""
    comments = call.sb.state.fb_comments.values()
    if is_post:
        found = [
            c
            for c in comments
            if c["post_id"] == target["id"] and not c["deleted"] and (stream or c["parent_id"] is None)
        ]
    else:
        found = [c for c in comments if c["parent_id"] == target["id"] and not c["deleted"]]
    return sorted(found, key=lambda c: (c["t"], c["id"]))


def _edge_summary(
    call: Call,
    spec: FieldSpec,
    owner_id: str,
    records: list[dict[str, Any]],
    render: Callable[[dict[str, Any]], Any],
) -> dict[str, Any]:
    """A nested comments edge (field expansion) with its modifiers, summary and paging."""
    raw_limit = spec.modifiers.get("limit", "25") or "25"
    if not raw_limit.isdigit():
        raise GraphError("(#100) limit() takes a number", 100)
    limit = min(int(raw_limit), 100)
    if "since" in spec.modifiers:
        since = unix_param("since", spec.modifiers["since"])
        records = [r for r in records if r["t"] >= since]
    chunk = records[:limit]
    out: dict[str, Any] = {"data": [render(r) for r in chunk]}
    if chunk:
        paging: dict[str, Any] = {"cursors": {"before": _cursor(chunk[0]), "after": _cursor(chunk[-1])}}
        if len(records) > limit:
            query = {"limit": str(limit), "after": _cursor(chunk[-1]), "access_token": call.viewer.token}
            for key in ("filter", "since"):
                if key in spec.modifiers:
                    query[key] = spec.modifiers[key]
            paging["next"] = f"{call.req.base_url}/{call.version}/{owner_id}/comments?{urlencode(query)}"
        out["paging"] = paging
    if spec.modifiers.get("summary") == "true":
        out["summary"] = {"order": "chronological", "total_count": len(records), "can_comment": True}
    return out


def reactions(call: Call, post: dict[str, Any]) -> dict[str, int]:
    m = call.sb.metrics(post["id"], post["t"])
    return {"like": m["likes"], "love": m["loves"]}


def render_post(  # noqa: PLR0912 (one branch per field)
    call: Call, post: dict[str, Any], specs: list[FieldSpec]
) -> dict[str, Any]:
    _check(specs, POST_FIELDS, "Post")
    page = call.sb.state.account("facebook", post["page_id"])
    out: dict[str, Any] = {}
    for spec in specs:
        name = spec.name
        if name == "id":
            out["id"] = post["id"]
        elif name == "message" and post["message"]:
            out["message"] = post["message"]
        elif name in ("created_time", "updated_time"):
            out[name] = stamp(post["t"])
        elif name == "permalink_url":
            out[name] = f"https://www.facebook.com/{post['id'].replace('_', '/posts/')}"
        elif name == "from" and page is not None:
            out["from"] = {"name": page.name, "id": page.id}
        elif name == "link" and post["link"]:
            out["link"] = post["link"]
        elif name == "is_published":
            out[name] = not post["scheduled"] or post["t"] <= call.sb.now()
        elif name == "status_type":
            out[name] = "added_photos" if post["photo_ids"] else "mobile_status_update"
        elif name == "full_picture" and post["photo_ids"]:
            out[name] = f"https://scontent.xx.fbcdn.net/v/{post['photo_ids'][0]}.jpg"
        elif name == "scheduled_publish_time" and post["scheduled"]:
            out[name] = int(post["t"])
        elif name == "shares":
            count = call.sb.metrics(post["id"], post["t"])["shares"]
            if count:  # Graph leaves `shares` out entirely while nobody has shared
                out["shares"] = {"count": count}
        elif name == "comments":
            stream = spec.modifiers.get("filter") == "stream"
            children = spec.children or parse_fields("id,message,created_time,from")
            out["comments"] = _edge_summary(
                call,
                spec,
                post["id"],
                comments_of(call, post, True, stream),
                functools.partial(render_comment, call, specs=children),
            )
        elif name == "reactions":
            total = sum(reactions(call, post).values())
            out["reactions"] = {"data": []}
            if spec.modifiers.get("summary") == "true":
                out["reactions"]["summary"] = {"total_count": total, "viewer_reaction": "NONE"}
    return _with_id(out, post["id"])


def render_comment(  # noqa: PLR0912 (one branch per field)
    call: Call, comment: dict[str, Any], specs: list[FieldSpec]
) -> dict[str, Any]:
    _check(specs, COMMENT_FIELDS, "Comment")
    out: dict[str, Any] = {}
    for spec in specs:
        name = spec.name
        if name == "id":
            out["id"] = comment["id"]
        elif name == "message":
            out["message"] = comment["message"]
        elif name == "created_time":
            out[name] = stamp(comment["t"])
        elif name == "from":
            out["from"] = dict(comment["from"])
        elif name == "parent" and comment["parent_id"]:
            parent = call.sb.state.fb_comments.get(comment["parent_id"])
            if parent is not None:
                out["parent"] = {
                    "created_time": stamp(parent["t"]),
                    "from": dict(parent["from"]),
                    "message": parent["message"],
                    "id": parent["id"],
                }
        elif name == "is_hidden":
            out[name] = comment["is_hidden"]
        elif name in ("can_hide", "can_remove"):
            out[name] = comment["from"]["id"] != call.viewer.id
        elif name == "like_count":
            out[name] = 0
        elif name == "comment_count":
            out[name] = len(comments_of(call, comment, False))
        elif name == "permalink_url":
            out[name] = f"https://www.facebook.com/{comment['post_id']}?comment_id={comment['id']}"
        elif name == "comments":
            children = spec.children or parse_fields("id,message,created_time,from")
            out["comments"] = _edge_summary(
                call,
                spec,
                comment["id"],
                comments_of(call, comment, False),
                functools.partial(render_comment, call, specs=children),
            )
    return _with_id(out, comment["id"])


def render_photo(call: Call, photo: dict[str, Any], specs: list[FieldSpec]) -> dict[str, Any]:
    _check(specs, PHOTO_FIELDS, "Photo")
    page = call.sb.state.account("facebook", photo["page_id"])
    values: dict[str, Any] = {
        "id": photo["id"],
        "name": photo.get("caption") or "",
        "created_time": stamp(photo["t"]),
        "from": {"name": page.name if page else "", "id": photo["page_id"]},
        "link": f"https://www.facebook.com/photo/?fbid={photo['id']}",
    }
    return _with_id({s.name: values[s.name] for s in specs}, photo["id"])


# --- nodes ----------------------------------------------------------------------------------------


def find(call: Call, object_id: str) -> tuple[str, Any]:
    """The node with this id as (type, record). Raises GraphError if there is none."""
    sb = call.sb
    if object_id == "me":
        return "page", call.viewer
    page = sb.state.account("facebook", object_id)
    if page is not None and page.id == object_id:
        return "page", page
    post = sb.state.fb_posts.get(object_id)
    if (
        post is not None
        and not post["deleted"]
        and (post["t"] <= sb.now() or post["page_id"] == call.viewer.id)
    ):
        return "post", post
    comment = sb.state.fb_comments.get(object_id)
    if comment is not None and not comment["deleted"]:
        return "comment", comment
    photo = sb.state.fb_photos.get(object_id)
    if photo is not None:
        return "photo", photo
    raise no_object(object_id)


def render_node(call: Call, kind: str, record: Any) -> dict[str, Any]:
    if kind == "page":
        return render_page(call, record, call.fields("name,id"))
    if kind == "post":
        return render_post(call, record, call.fields("created_time,message,id"))
    if kind == "comment":
        return render_comment(call, record, call.fields("created_time,from,message,id"))
    return render_photo(call, record, call.fields("created_time,name,id"))


def owned_by_viewer(call: Call, kind: str, record: Any) -> bool:
    """Whether the viewer's Page owns the node (its post, or a comment under its post)."""
    if kind == "post":
        return bool(record["page_id"] == call.viewer.id)
    if kind == "comment":
        post = call.sb.state.fb_posts.get(record["post_id"])
        return post is not None and post["page_id"] == call.viewer.id
    if kind == "photo":
        return bool(record["page_id"] == call.viewer.id)
    return bool(kind == "page" and record.id == call.viewer.id)


def get_node(call: Call, object_id: str) -> Any:
    kind, record = find(call, object_id)
    return render_node(call, kind, record)


def get_many(call: Call) -> Any:
    ids = [i for i in call.params.get("ids", "").split(",") if i]
    if not ids:
        raise GraphError(
            "Unsupported get request. Please read the Graph API documentation at https://developers.facebook.com/docs/graph-api",
            100,
        )
    missing = []
    out = {}
    for object_id in ids:
        try:
            out[object_id] = get_node(call, object_id)
        except GraphError:
            missing.append(object_id)
    if missing:
        raise GraphError(f"(#803) Some of the aliases you requested do not exist: {','.join(missing)}", 803)
    return out


def update_node(call: Call, object_id: str) -> Any:
    kind, record = find(call, object_id)
    if not owned_by_viewer(call, kind, record):
        raise permission_error()
    changed = False
    if "is_hidden" in call.params:
        if kind != "comment":
            raise GraphError("(#100) Param is_hidden is not supported on this node", 100)
        record["is_hidden"] = call.params["is_hidden"].lower() in ("true", "1")
        changed = True
    if "message" in call.params and kind in ("post", "comment"):
        record["message"] = call.params["message"]
        if kind == "post":
            call.sb.fb_message_changed(record["id"])
        changed = True
    if not changed:
        raise GraphError("(#100) No valid parameters to update", 100)
    call.sb.persist()
    return {"success": True}


def delete_node(call: Call, object_id: str) -> Any:
    try:
        kind, record = find(call, object_id)
    except GraphError:
        raise no_object(object_id, "delete") from None
    if kind == "page" or not owned_by_viewer(call, kind, record):
        raise permission_error()
    if kind == "photo":
        del call.sb.state.fb_photos[object_id]
    else:
        record["deleted"] = True
    call.sb.persist()
    return {"success": True}


def me_accounts(call: Call) -> Any:
    page = call.viewer

    def render(_: Any) -> dict[str, Any]:
        return {
            "access_token": page.token,
            "category": "Government organization",
            "category_list": [{"id": "2235", "name": "Government organization"}],
            "name": page.name,
            "id": page.id,
            "tasks": ["ADVERTISE", "ANALYZE", "CREATE_CONTENT", "MESSAGING", "MODERATE", "MANAGE"],
        }

    return page_of(call, "me/accounts", [{"t": 0.0, "id": page.id}], render)


def get_feed(call: Call, page_id: str) -> Any:
    kind, page = find(call, page_id)
    if kind != "page":
        raise GraphError("(#100) Tried accessing nonexisting field (feed)", 100)
    specs = call.fields("created_time,message,id")
    path = f"{page.id}/feed"
    if not any(key in call.params for key in ("since", "until", "before")):
        # Newest first, perhaps after a cursor (how clients read a feed): read from the Page's
        # index, one page's worth, the same answer page_of gives from the whole list.
        limit = call.limit()
        after = _cursor_key(call.params["after"]) if "after" in call.params else None
        found = call.sb.fb_feed(page.id, after, limit + 1) or []
        return _paged(
            call,
            path,
            found[:limit],
            lambda p: render_post(call, p, specs),
            limit,
            more=len(found) > limit,
            earlier=after is not None,
        )
    posts = time_window(call, call.sb.fb_visible_posts(page.id))
    return page_of(call, path, posts, lambda p: render_post(call, p, specs))


def _attached_media(call: Call) -> list[str]:
    ids: list[str] = []
    raw = call.params.get("attached_media")
    if raw:
        try:
            entries = json.loads(raw)
        except json.JSONDecodeError as e:
            raise GraphError("(#100) param attached_media must be an array", 100) from e
        if not isinstance(entries, list):
            raise GraphError("(#100) param attached_media must be an array", 100)
        for entry in entries:
            if not isinstance(entry, dict) or "media_fbid" not in entry:
                raise GraphError("(#100) attached_media entries need media_fbid", 100)
            ids.append(str(entry["media_fbid"]))
    for key in sorted(k for k in call.params if k.startswith("attached_media[")):
        try:
            ids.append(str(json.loads(call.params[key])["media_fbid"]))
        except (json.JSONDecodeError, KeyError, TypeError) as e:
            raise GraphError(f'(#100) param {key} must be {{"media_fbid": ID}}', 100) from e
    for photo_id in ids:
        photo = call.sb.state.fb_photos.get(photo_id)
        if photo is None or photo["page_id"] != call.viewer.id:
            raise GraphError(f"(#10) Media {photo_id} is not available to this Page", 10)
    return ids


def _check_duplicate(call: Call, message: str, link: str | None) -> None:
    if message and call.sb.fb_duplicate_of(call.viewer.id, message, link, since=call.sb.now() - 86400):
        raise duplicate_error()


def duplicate_error() -> GraphError:
    return GraphError(
        "(#506) Duplicate status message",
        506,
        subcode=1455006,
        is_transient=False,
        error_user_title="Duplicate Status Update",
        error_user_msg="This status update is identical to the last one you posted. Try posting "
        "something different, or delete your previous update.",
    )


def create_post(call: Call, page_id: str) -> Any:
    kind, page = find(call, page_id)
    if kind != "page":
        raise GraphError("(#100) Tried accessing nonexisting field (feed)", 100)
    if page.id != call.viewer.id:
        raise permission_error()
    message = call.params.get("message", "")
    link = call.params.get("link") or None
    photos = _attached_media(call)
    if not message and not link and not photos:
        raise GraphError("(#100) Missing message or attachment", 100)
    scheduled = None
    if call.params.get("published", "true").lower() == "false":
        raw = call.params.get("scheduled_publish_time")
        if raw is None:
            raise GraphError("(#100) Unpublished posts need scheduled_publish_time in the sandbox", 100)
        scheduled = unix_param("scheduled_publish_time", raw)
        if not call.sb.now() + 600 <= scheduled <= call.sb.now() + 75 * 86400:
            raise GraphError("(#100) The specified scheduled publish time is invalid.", 100, subcode=1501234)
    _check_duplicate(call, message, link)
    post = call.sb.fb_create_post(page, message, link, photos, scheduled_t=scheduled)
    for photo_id in photos:
        call.sb.state.fb_photos[photo_id]["post_id"] = post["id"]
    call.sb.persist()
    return {"id": post["id"]}


def create_photo(call: Call, page_id: str) -> Any:
    kind, page = find(call, page_id)
    if kind != "page":
        raise GraphError("(#100) Tried accessing nonexisting field (photos)", 100)
    if page.id != call.viewer.id:
        raise permission_error()
    data = call.req.files.get("source")
    if not data and not call.params.get("url"):
        raise GraphError("(#324) Requires upload file", 324)
    caption = call.params.get("message") or call.params.get("caption") or ""
    photo_id = str(call.sb.new_number() + 200_000_000_000_000)
    photo = {
        "id": photo_id,
        "page_id": page.id,
        "caption": caption,
        "t": call.sb.now(),
        "size": len(data or b""),
        "sha256": hashlib.sha256(data or b"").hexdigest(),  # which bytes arrived, for tests
        "post_id": None,
    }
    call.sb.state.fb_photos[photo_id] = photo
    if call.params.get("published", "true").lower() == "false":
        call.sb.persist()
        return {"id": photo_id}
    _check_duplicate(call, caption, None)
    post = call.sb.fb_create_post(page, caption, None, [photo_id])
    photo["post_id"] = post["id"]
    call.sb.persist()
    return {"id": photo_id, "post_id": post["id"]}


def get_comments(call: Call, object_id: str) -> Any:
    kind, record = find(call, object_id)
    if kind not in ("post", "comment"):
        raise GraphError("(#100) Tried accessing nonexisting field (comments)", 100)
    stream = call.params.get("filter") == "stream"
    records = time_window(call, comments_of(call, record, kind == "post", stream))
    if call.params.get("order") == "reverse_chronological":
        records.reverse()
    specs = call.fields("created_time,from,message,id")
    document = page_of(call, f"{object_id}/comments", records, lambda c: render_comment(call, c, specs))
    if call.params.get("summary") in ("true", "1", "total_count"):
        document["summary"] = {
            "order": "chronological",
            "total_count": len(records),
            "can_comment": True,
        }
    return document


def create_comment(call: Call, object_id: str) -> Any:
    kind, record = find(call, object_id)
    if kind not in ("post", "comment"):
        raise GraphError("(#100) Tried accessing nonexisting field (comments)", 100)
    if not owned_by_viewer(call, kind, record):
        raise permission_error()
    message = call.params.get("message", "")
    if not message and not call.params.get("attachment_url"):
        raise GraphError("(#100) Missing message or attachment", 100)
    try:
        comment = call.sb.fb_create_comment(
            object_id, message, {"name": call.viewer.name, "id": call.viewer.id}
        )
    except SandboxInputError as e:
        raise no_object(object_id, "post") from e
    call.sb.persist()
    return {"id": comment["id"]}


DEPRECATED_METRICS = frozenset(
    {
        "post_impressions",
        "post_impressions_unique",
        "post_impressions_organic",
        "post_impressions_organic_unique",
        "post_impressions_paid",
        "post_impressions_paid_unique",
        "post_impressions_fan",
        "post_engaged_users",
        "post_clicks_unique",
    }
)


def get_insights(call: Call, object_id: str) -> Any:
    kind, post = find(call, object_id)
    if kind != "post":
        raise GraphError("(#100) The value must be a valid insights metric", 100)
    if not owned_by_viewer(call, kind, post):
        raise permission_error()
    raw = call.params.get("metric", "")
    if raw.startswith("["):
        try:
            names = [str(n) for n in json.loads(raw)]
        except json.JSONDecodeError as e:
            raise GraphError("(#100) metric must be a list", 100) from e
    else:
        names = [n.strip() for n in raw.split(",") if n.strip()] or list(INSIGHT_METRICS)
    # One unknown or deprecated name fails the whole call, as Graph does.
    for name in names:
        if name not in INSIGHT_METRICS:
            raise GraphError("(#100) The value must be a valid insights metric", 100)
    period = call.params.get("period", "lifetime")
    if period != "lifetime":
        raise GraphError("(#100) Post insights only support period=lifetime", 100)
    m = call.sb.metrics(post["id"], post["t"])
    values: dict[str, Any] = {
        "post_media_view": m["impressions"],
        "post_clicks": m["link_clicks"] + m["profile_clicks"],
        "post_reactions_by_type_total": reactions(call, post),
        "post_reactions_like_total": m["likes"],
    }
    return {
        "data": [
            {
                "name": name,
                "period": "lifetime",
                "values": [{"value": values[name]}],
                "title": INSIGHT_METRICS[name][0],
                "description": INSIGHT_METRICS[name][1],
                "id": f"{post['id']}/insights/{name}/lifetime",
            }
            for name in names
        ]
    }


def dispatch(call: Call, segments: tuple[str, ...]) -> Any:
    """Route a Graph path (version already removed) to its node or edge."""
    method = call.req.method
    if not segments:
        if method == "GET":
            return get_many(call)
    elif len(segments) == 1:
        object_id = segments[0]
        if method == "GET":
            return get_node(call, object_id)
        if method == "POST":
            return update_node(call, object_id)
        if method == "DELETE":
            return delete_node(call, object_id)
    elif len(segments) == 2:
        object_id, edge = segments
        if object_id == "me":
            object_id = call.viewer.id
        routes: dict[tuple[str, str], Callable[[Call, str], Any]] = {
            ("GET", "feed"): get_feed,
            ("GET", "posts"): get_feed,
            ("GET", "published_posts"): get_feed,
            ("POST", "feed"): create_post,
            ("POST", "photos"): create_photo,
            ("GET", "comments"): get_comments,
            ("POST", "comments"): create_comment,
            ("GET", "insights"): get_insights,
        }
        if (method, edge) == ("GET", "accounts") and segments[0] == "me":
            return me_accounts(call)
        route = routes.get((method, edge))
        if route is not None:
            return route(call, object_id)
    raise GraphError(f"Unknown path components: /{'/'.join(segments[1:] or segments)}", 2500)


def _usage_headers(call_share: int, minutes: int, page_id: str) -> dict[str, str]:
    usage = {
        "call_count": call_share,
        "total_cputime": min(call_share, 100),
        "total_time": min(call_share, 100),
    }
    business = {
        page_id: [
            {
                "type": "pages",
                **usage,
                "estimated_time_to_regain_access": minutes,
            }
        ]
    }
    return {
        "x-app-usage": json.dumps(usage, separators=(",", ":")),
        "x-business-use-case-usage": json.dumps(business, separators=(",", ":")),
    }


def _error_reply(error: GraphError, version: str, headers: dict[str, str] | None = None) -> Reply:
    reply = json_reply(error.status, error.document, CONTENT_TYPE, headers)
    reply.headers.setdefault("facebook-api-version", version)
    reply.headers["x-fb-trace-id"] = error.document["error"]["fbtrace_id"]
    if error.document["error"]["code"] == 190:
        reply.headers["www-authenticate"] = (
            'OAuth "Facebook Platform" "invalid_token" "'
            + error.document["error"]["message"].replace('"', "'")
            + '"'
        )
    return reply


def expired_error(account: SandboxAccount, now: float) -> GraphError:
    """Graph's 190/463 for an expired token."""
    expired = account.token_expires_at or now
    return GraphError(
        f"Error validating access token: Session has expired on "
        f"{datetime.fromtimestamp(expired, UTC):%A, %d-%b-%y %H:%M:%S} UTC. The current time is "
        f"{datetime.fromtimestamp(now, UTC):%A, %d-%b-%y %H:%M:%S} UTC.",
        190,
        subcode=463,
    )


def handle(sb: Sandbox, req: Request) -> Reply:  # noqa: PLR0912 (one flat pipeline)
    """Answer one Graph request: version, token, injected fault, rate limit, then the node or edge."""
    segments = tuple(s for s in req.path.split("/") if s)
    version = DEFAULT_VERSION
    if segments and _VERSION.match(segments[0]):
        version, segments = segments[0], segments[1:]
    try:
        if req.method in ("POST", "DELETE"):
            req.parse_form()
        if req.content_type == "application/json" and req.body:
            body = req.json()
            if isinstance(body, dict):
                req.form.update({k: v if isinstance(v, str) else json.dumps(v) for k, v in body.items()})
    except BadBody as e:
        return _error_reply(GraphError(f"(#100) {e}", 100), version)
    params = {**req.query, **req.form}
    method_override = params.pop("method", "").upper()
    if method_override in ("DELETE", "POST", "GET"):
        req.method = method_override
    auth_scheme, _, header_token = req.headers.get("authorization", "").partition(" ")
    token = params.pop("access_token", "") or (
        header_token.strip() if auth_scheme.lower() in ("oauth", "bearer") else ""
    )
    if not token:
        return _error_reply(GraphError("An access token is required to request this resource.", 104), version)
    viewer = sb.account_by_token("facebook", token)
    if viewer is None:
        return _error_reply(
            GraphError("Invalid OAuth access token - Cannot parse access token", 190, status=401), version
        )
    if sb.token_expired(viewer):
        return _error_reply(expired_error(viewer, sb.now()), version)
    fault = sb.take_fault("facebook", req.method, req.path)
    with sb.lock:
        allowed, limit, remaining, reset = sb.limiter.hit("facebook *", viewer.id, sb.now())
    if fault is not None and fault.kind == "rate_limit":
        # An injected limit answers like an exhausted window, for this request only.
        allowed, remaining = False, 0
    share = min(100, int(100 * (limit - remaining) / max(limit, 1)))
    minutes = 0 if allowed else max(1, int((reset - sb.now() + 59) // 60))
    headers = _usage_headers(share, minutes, viewer.id)
    headers["facebook-api-version"] = version
    call = Call(sb, req, viewer, version, params)
    try:
        if not allowed:
            raise GraphError(
                "(#80001) There have been too many calls to this Page account. Wait a bit and try "
                "again. For more info, please refer to "
                "https://developers.facebook.com/docs/graph-api/overview/rate-limiting.",
                80001,
            )
        if fault is not None and fault.kind == "server_error":
            raise GraphError(
                "An unexpected error has occurred. Please retry your request later.",
                2,
                status=500,
                is_transient=True,
            )
        if fault is not None and fault.kind == "expired_token":
            raise expired_error(viewer, sb.now())
        if fault is not None and fault.kind == "duplicate":
            raise duplicate_error()
        with sb.lock:
            document = dispatch(call, segments)
        reply = json_reply(200, document, CONTENT_TYPE, headers)
    except GraphError as e:
        reply = _error_reply(e, version, headers)
    if fault is not None and fault.kind == "timeout_after_store":
        reply.drop = True
        reply.stall_seconds = fault.stall_seconds
    return reply
