"""X API v2 as the sandbox speaks it: the endpoints smtool uses, with X's shapes, headers and errors."""

from __future__ import annotations

import base64
import hashlib
import re
import shlex
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from connectors.emulator.core import Sandbox, SandboxInputError
from connectors.emulator.state import SandboxAccount
from connectors.emulator.wire import BadBody, Reply, Request, json_reply

__all__ = ["handle"]

PROBLEM = "application/problem+json"
INVALID = "https://api.x.com/2/problems/invalid-request"
NOT_FOUND = "https://api.x.com/2/problems/resource-not-found"
FIELD_AUTH = "https://api.x.com/2/problems/not-authorized-for-field"
DUPLICATE = "You are not allowed to create a Tweet with duplicate content."
TWEET_FIELDS = frozenset(
    {
        "attachments",
        "author_id",
        "context_annotations",
        "conversation_id",
        "created_at",
        "edit_controls",
        "entities",
        "geo",
        "id",
        "in_reply_to_user_id",
        "lang",
        "non_public_metrics",
        "organic_metrics",
        "possibly_sensitive",
        "promoted_metrics",
        "public_metrics",
        "referenced_tweets",
        "reply_settings",
        "source",
        "text",
        "withheld",
        "edit_history_tweet_ids",
        "note_tweet",
    }
)
USER_FIELDS = frozenset(
    {
        "created_at",
        "description",
        "entities",
        "id",
        "location",
        "name",
        "pinned_tweet_id",
        "profile_image_url",
        "protected",
        "public_metrics",
        "url",
        "username",
        "verified",
        "verified_type",
        "withheld",
    }
)
EXPANSIONS = frozenset(
    {
        "author_id",
        "in_reply_to_user_id",
        "referenced_tweets.id",
        "referenced_tweets.id.author_id",
        "attachments.media_keys",
        "entities.mentions.username",
        "geo.place_id",
        "attachments.poll_ids",
        "edit_history_tweet_ids",
        "pinned_tweet_id",
    }
)
# Private metrics are only served on the owner's own posts younger than this (X's rule).
PRIVATE_METRICS_AGE = 30 * 86400
URL = re.compile(r"https?://\S+")
TCO_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"


def rendered_text(tweet: dict[str, Any]) -> tuple[str, list[dict[str, Any]]]:
    """A tweet's `text` as X serves it, and its `entities.urls`: every link wrapped as a 23-character
    https://t.co/ address (the entity keeps the original as `expanded_url`), and `&`, `<`, `>`
    escaped as `&amp;`, `&lt;`, `&gt;` (X escapes these three and no other). Offsets are in
    characters of the served text. The sandbox stores what was posted; this is only its rendering.
    """
    served, urls, position = [], [], 0
    original: str = tweet["text"]
    for n, match in enumerate(URL.finditer(original)):
        served.append(_escape(original[position : match.start()]))
        seed = hashlib.sha256(f"{tweet['id']}:{n}:{match.group()}".encode()).digest()
        short = "https://t.co/" + "".join(TCO_ALPHABET[b % len(TCO_ALPHABET)] for b in seed[:10])
        start = sum(len(part) for part in served)
        served.append(short)
        expanded = match.group()
        display = expanded.split("://", 1)[1]
        urls.append(
            {
                "start": start,
                "end": start + len(short),
                "url": short,
                "expanded_url": expanded,
                "display_url": display if len(display) <= 26 else display[:25] + "…",
            }
        )
        position = match.end()
    served.append(_escape(original[position:]))
    return "".join(served), urls


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class XError(Exception):
    """An X error answer, raised inside handlers and rendered by `handle`."""

    def __init__(self, reply: Reply) -> None:
        super().__init__(reply.status)
        self.reply = reply


def problem(status: int, title: str, detail: str, kind: str = "about:blank", **extra: Any) -> Reply:
    """An RFC 7807 problem the way X sends it."""
    return json_reply(
        status, {"title": title, "detail": detail, "type": kind, "status": status, **extra}, PROBLEM
    )


def invalid(parameter: str, value: str, message: str) -> XError:
    """X's 400 for a bad parameter."""
    return XError(
        json_reply(
            400,
            {
                "errors": [{"parameters": {parameter: [value]}, "message": message}],
                "title": "Invalid Request",
                "detail": "One or more parameters to your request was invalid.",
                "type": INVALID,
            },
            PROBLEM,
        )
    )


def stamp(t: float) -> str:
    """X's timestamp format: ISO 8601 UTC with milliseconds."""
    return datetime.fromtimestamp(t, UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{int(t % 1 * 1000):03d}Z"


def parse_stamp(name: str, value: str) -> float:
    """An RFC 3339 query parameter as epoch seconds. Raises XError for a malformed one."""
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as e:
        raise invalid(name, value, f"Invalid '{name}':'{value}'. '{name}' must be RFC 3339") from e
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.timestamp()


def field_set(req: Request, name: str, allowed: frozenset[str]) -> set[str]:
    """A comma-separated field list parameter. Raises XError for a name X does not know."""
    raw = req.query.get(name, "")
    values = {v for v in raw.split(",") if v}
    for value in values:
        if value not in allowed:
            raise invalid(
                name,
                value,
                f"The `{name}` query parameter value [{value}] is not one of [{','.join(sorted(allowed))}]",
            )
    return values


def max_results(req: Request, low: int, high: int, default: int) -> int:
    """The max_results parameter within X's bounds. Raises XError outside them."""
    raw = req.query.get("max_results")
    if raw is None:
        return default
    if not raw.isdigit() or not low <= int(raw) <= high:
        raise invalid(
            "max_results",
            raw,
            f"The `max_results` query parameter value [{raw}] is not between {low} and {high}",
        )
    return int(raw)


def id_param(req: Request, name: str) -> int | None:
    """A numeric id parameter. Raises XError if it is not one."""
    raw = req.query.get(name)
    if raw is None:
        return None
    if not raw.isdigit() or len(raw) > 19:
        raise invalid(name, raw, f"The `{name}` query parameter value [{raw}] is not valid")
    return int(raw)


# --- rendering ------------------------------------------------------------------------------------


def render_user(sb: Sandbox, user: dict[str, Any], fields: set[str]) -> dict[str, Any]:
    """A user object with the requested fields."""
    out: dict[str, Any] = {"id": user["id"], "name": user["name"], "username": user["username"]}
    # Counted only when asked for: a scan of every tweet per user made long timelines slow.
    posts = (
        sum(1 for t in sb.state.tweets.values() if t["author_id"] == user["id"] and not t["deleted"])
        if "public_metrics" in fields
        else 0
    )
    extras: dict[str, Any] = {
        "created_at": "2012-03-01T09:00:00.000Z",
        "description": "",
        "protected": False,
        "verified": False,
        "verified_type": "none",
        "profile_image_url": "https://pbs.twimg.com/profile_images/sandbox_normal.png",
        "location": "Latvija",
        "url": "",
        "public_metrics": {
            "followers_count": 0,
            "following_count": 0,
            # X sends tweet_count; its current API description requires post_count. Both.
            "tweet_count": posts,
            "post_count": posts,
            "listed_count": 0,
            "like_count": 0,
        },
    }
    for name in fields:
        if name in extras:
            out[name] = extras[name]
    return out


def tweet_metrics(sb: Sandbox, tweet: dict[str, Any]) -> dict[str, int]:
    """Grown engagement for institution tweets, replies counted from the sandbox for everyone."""
    replies = len(sb.x_replies(tweet["id"]))
    own = {a.id for a in sb.state.accounts if a.platform == "x"}
    grown = sb.metrics(tweet["id"], tweet["t"]) if tweet["author_id"] in own else {}
    return {"replies": replies, **{k: grown.get(k, 0) for k in _METRIC_KEYS}}


_METRIC_KEYS = (
    "impressions",
    "likes",
    "shares",
    "quotes",
    "bookmarks",
    "link_clicks",
    "profile_clicks",
)


def render_tweet(  # noqa: PLR0912 (one branch per field)
    sb: Sandbox,
    tweet: dict[str, Any],
    fields: set[str],
    viewer: SandboxAccount,
    errors: list[dict[str, Any]],
) -> dict[str, Any]:
    """A tweet object with the requested fields; unauthorised private metrics go to `errors`."""
    text, urls = rendered_text(tweet)
    out: dict[str, Any] = {
        "id": tweet["id"],
        "text": text,
        "edit_history_tweet_ids": [tweet["id"]],
    }
    if "entities" in fields and urls:
        out["entities"] = {"urls": urls}
    if "created_at" in fields:
        out["created_at"] = stamp(tweet["t"])
    if "author_id" in fields:
        out["author_id"] = tweet["author_id"]
    if "conversation_id" in fields:
        out["conversation_id"] = tweet["conversation_id"]
    if "in_reply_to_user_id" in fields and tweet["in_reply_to_user_id"]:
        out["in_reply_to_user_id"] = tweet["in_reply_to_user_id"]
    if "referenced_tweets" in fields and tweet["in_reply_to_tweet_id"]:
        out["referenced_tweets"] = [{"type": "replied_to", "id": tweet["in_reply_to_tweet_id"]}]
    if "lang" in fields:
        out["lang"] = tweet["lang"]
    if "reply_settings" in fields:
        out["reply_settings"] = "everyone"
    if "possibly_sensitive" in fields:
        out["possibly_sensitive"] = False
    if "attachments" in fields and tweet["media_ids"]:
        out["attachments"] = {"media_keys": [f"3_{m}" for m in tweet["media_ids"]]}
    wants_private = fields & {"non_public_metrics", "organic_metrics"}
    if "public_metrics" in fields or wants_private:
        m = tweet_metrics(sb, tweet)
        if "public_metrics" in fields:
            out["public_metrics"] = {
                # X's wire still says retweet_count; its current API description requires
                # repost_count. Both carry the same figure.
                "retweet_count": m["shares"],
                "repost_count": m["shares"],
                "reply_count": m["replies"],
                "like_count": m["likes"],
                "quote_count": m["quotes"],
                "bookmark_count": m["bookmarks"],
                "impression_count": m["impressions"],
            }
        private_ok = tweet["author_id"] == viewer.id and sb.now() - tweet["t"] < PRIVATE_METRICS_AGE
        for name in sorted(wants_private):
            if not private_ok:
                errors.append(
                    {
                        "value": tweet["id"],
                        "detail": f"Sorry, you are not authorized to access '{name}' on the "
                        f"Tweet with ids [{tweet['id']}].",
                        "title": "Field Authorization Error",
                        "resource_type": "tweet",
                        "parameter": "tweet.fields",
                        "resource_id": tweet["id"],
                        "field": name,
                        "section": "data",
                        "type": FIELD_AUTH,
                    }
                )
            elif name == "non_public_metrics":
                out[name] = {
                    "impression_count": m["impressions"],
                    "url_link_clicks": m["link_clicks"],
                    "user_profile_clicks": m["profile_clicks"],
                }
            else:
                out[name] = {
                    "impression_count": m["impressions"],
                    "like_count": m["likes"],
                    "reply_count": m["replies"],
                    "retweet_count": m["shares"],
                    "url_link_clicks": m["link_clicks"],
                    "user_profile_clicks": m["profile_clicks"],
                }
    return out


def timeline(
    sb: Sandbox,
    req: Request,
    viewer: SandboxAccount,
    candidates: list[dict[str, Any]],
    low: int,
    default: int,
    token_param: str,
) -> Reply:
    """A paged list of tweets (newest first) with includes and meta, as X's timelines answer."""
    limit = max_results(req, low, 100, default)
    fields = field_set(req, "tweet.fields", TWEET_FIELDS)
    user_fields = field_set(req, "user.fields", USER_FIELDS)
    expansions = field_set(req, "expansions", EXPANSIONS)
    since_id = id_param(req, "since_id")
    until_id = id_param(req, "until_id")
    start = parse_stamp("start_time", req.query["start_time"]) if "start_time" in req.query else None
    end = parse_stamp("end_time", req.query["end_time"]) if "end_time" in req.query else None
    token = req.query.get(token_param) or req.query.get("pagination_token")
    before: int | None = None
    after: int | None = None
    if token:
        try:
            value = int(token[1:], 36)
        except ValueError:
            value = -1
        if token[:1] not in ("n", "p") or value < 0:
            raise invalid(
                token_param, token, f"The `{token_param}` query parameter value [{token}] is not valid"
            )
        before, after = (value, None) if token[0] == "n" else (None, value)
    selected = [
        t
        for t in candidates
        if (since_id is None or int(t["id"]) > since_id)
        and (until_id is None or int(t["id"]) < until_id)
        and (start is None or t["t"] >= start)
        and (end is None or t["t"] < end)
    ]
    # X serves at most the 800 newest matches through mentions and timelines.
    selected = selected[:800]
    if before is not None:
        selected = [t for t in selected if int(t["id"]) < before]
        page = selected[:limit]
    elif after is not None:
        newer = [t for t in selected if int(t["id"]) > after]
        page = newer[-limit:]
        selected = newer[-limit:] + [t for t in selected if int(t["id"]) <= after]
    else:
        page = selected[:limit]
    errors: list[dict[str, Any]] = []
    document: dict[str, Any] = {}
    if page:
        document["data"] = [render_tweet(sb, t, fields, viewer, errors) for t in page]
        includes = expand(sb, page, expansions, user_fields, fields, viewer, errors)
        if includes:
            document["includes"] = includes
    if errors:
        document["errors"] = errors
    meta: dict[str, Any] = {"result_count": len(page)}
    if page:
        meta["newest_id"] = page[0]["id"]
        meta["oldest_id"] = page[-1]["id"]
        if len(selected) > selected.index(page[-1]) + 1:
            meta["next_token"] = "n" + _base36(int(page[-1]["id"]))
        if token:
            meta["previous_token"] = "p" + _base36(int(page[0]["id"]))
    document["meta"] = meta
    return json_reply(200, document)


def _base36(value: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while value:
        value, rest = divmod(value, 36)
        out = digits[rest] + out
    return out or "0"


def expand(
    sb: Sandbox,
    tweets: list[dict[str, Any]],
    expansions: set[str],
    user_fields: set[str],
    fields: set[str],
    viewer: SandboxAccount,
    errors: list[dict[str, Any]],
) -> dict[str, Any]:
    """The includes object for `expansions` (users and referenced tweets)."""
    includes: dict[str, Any] = {}
    user_ids: list[str] = []
    for tweet in tweets:
        if "author_id" in expansions:
            user_ids.append(tweet["author_id"])
        if "in_reply_to_user_id" in expansions and tweet["in_reply_to_user_id"]:
            user_ids.append(tweet["in_reply_to_user_id"])
    users = [sb.x_user(u) for u in dict.fromkeys(user_ids)]
    if any(users):
        includes["users"] = [render_user(sb, u, user_fields) for u in users if u]
    if "referenced_tweets.id" in expansions:
        referenced = [
            sb.state.tweets[t["in_reply_to_tweet_id"]]
            for t in tweets
            if t["in_reply_to_tweet_id"] in sb.state.tweets
            and not sb.state.tweets[t["in_reply_to_tweet_id"]]["deleted"]
        ]
        if referenced:
            includes["tweets"] = [render_tweet(sb, t, fields, viewer, errors) for t in referenced]
    return includes


# --- endpoints ------------------------------------------------------------------------------------

Handler = Callable[[Sandbox, Request, SandboxAccount, "re.Match[str]"], Reply]


def create_tweet(sb: Sandbox, req: Request, viewer: SandboxAccount, _: re.Match[str]) -> Reply:
    try:
        body = req.json()
    except BadBody as e:
        raise invalid("body", "", str(e)) from e
    if not isinstance(body, dict):
        raise invalid("body", "", "Request body must be a JSON object")
    known = {
        "text",
        "reply",
        "media",
        "quote_tweet_id",
        "reply_settings",
        "poll",
        "for_super_followers_only",
        "nullcast",
        "direct_message_deep_link",
        "geo",
    }
    for key in body:
        if key not in known:
            raise invalid(
                key,
                "",
                f"$.{key}: is not defined in the schema and the schema does not allow additional properties",
            )
    text = body.get("text")
    media_ids: list[str] = list((body.get("media") or {}).get("media_ids") or [])
    if text is not None and not isinstance(text, str):
        raise invalid("text", "", "$.text: is not a string")
    if not text and not media_ids:
        raise invalid("text", "", "$.text: Tweet text is required unless media is attached")
    text = text or ""
    if len(URL.sub("x" * 23, text)) > 280:
        raise XError(
            problem(
                403,
                "Forbidden",
                "Your Tweet text is too long. For more information on how X determines text length see https://github.com/twitter/twitter-text.",
            )
        )
    for media_id in media_ids:
        if str(media_id) not in sb.state.media:
            raise invalid("media.media_ids", str(media_id), "Your media IDs are invalid.")
    reply_to = (body.get("reply") or {}).get("in_reply_to_tweet_id")
    if sb.x_duplicate_of(viewer.id, text) is not None and text:
        raise XError(problem(403, "Forbidden", DUPLICATE))
    try:
        tweet = sb.x_create(viewer.id, text, in_reply_to=reply_to, media_ids=[str(m) for m in media_ids])
    except SandboxInputError as e:
        raise XError(
            problem(
                403, "Forbidden", "You attempted to reply to a Tweet that is deleted or not visible to you."
            )
        ) from e
    sb.persist()
    served = rendered_text(tweet)[0]
    return json_reply(
        201, {"data": {"id": tweet["id"], "text": served, "edit_history_tweet_ids": [tweet["id"]]}}
    )


def _tweet_or_404(sb: Sandbox, tweet_id: str) -> dict[str, Any]:
    tweet = sb.state.tweets.get(tweet_id)
    if tweet is None or tweet["deleted"]:
        raise XError(
            problem(
                404,
                "Not Found Error",
                f"Could not find tweet with id: [{tweet_id}].",
                NOT_FOUND,
                resource_type="tweet",
                resource_id=tweet_id,
                parameter="id",
                value=tweet_id,
            )
        )
    return tweet


def delete_tweet(sb: Sandbox, req: Request, viewer: SandboxAccount, match: re.Match[str]) -> Reply:
    tweet = _tweet_or_404(sb, match.group(1))
    if tweet["author_id"] != viewer.id:
        raise XError(problem(403, "Forbidden", "You are not allowed to delete a Tweet you did not create."))
    tweet["deleted"] = True
    sb.persist()
    return json_reply(200, {"data": {"deleted": True}})


def hide_reply(sb: Sandbox, req: Request, viewer: SandboxAccount, match: re.Match[str]) -> Reply:
    try:
        body = req.json()
    except BadBody as e:
        raise invalid("body", "", str(e)) from e
    if not isinstance(body, dict) or not isinstance(body.get("hidden"), bool):
        raise invalid("hidden", "", "$.hidden: is missing but it is required")
    tweet = _tweet_or_404(sb, match.group(1))
    root = sb.state.tweets.get(tweet["conversation_id"])
    if tweet["in_reply_to_tweet_id"] is None or root is None or root["author_id"] != viewer.id:
        raise XError(
            problem(403, "Forbidden", "You can only hide or unhide replies to conversations you started.")
        )
    tweet["hidden"] = body["hidden"]
    sb.persist()
    return json_reply(200, {"data": {"hidden": body["hidden"]}})


def get_me(sb: Sandbox, req: Request, viewer: SandboxAccount, _: re.Match[str]) -> Reply:
    user = sb.x_user(viewer.id)
    assert user is not None  # the viewer is always an X account
    return json_reply(200, {"data": render_user(sb, user, field_set(req, "user.fields", USER_FIELDS))})


def get_tweets(sb: Sandbox, req: Request, viewer: SandboxAccount, _: re.Match[str]) -> Reply:
    raw = req.query.get("ids", "")
    ids = [i for i in raw.split(",") if i]
    if not ids or len(ids) > 100 or not all(i.isdigit() and len(i) <= 19 for i in ids):
        raise invalid(
            "ids", raw, f"The `ids` query parameter value [{raw}] must be 1 to 100 comma-separated tweet ids"
        )
    return json_reply(200, _lookup(sb, req, viewer, ids, "ids"))


def get_tweet(sb: Sandbox, req: Request, viewer: SandboxAccount, match: re.Match[str]) -> Reply:
    """GET /2/tweets/:id (tweepy's get_tweet): `data` is the one tweet, not a list; a missing or
    deleted one is 200 with only `errors`, as X answers."""
    return json_reply(200, _lookup(sb, req, viewer, [match.group(1)], "id"))


def _lookup(
    sb: Sandbox, req: Request, viewer: SandboxAccount, ids: list[str], parameter: str
) -> dict[str, Any]:
    """The lookup document for `ids` (`parameter` "ids": data is a list; "id": one object)."""
    fields = field_set(req, "tweet.fields", TWEET_FIELDS)
    user_fields = field_set(req, "user.fields", USER_FIELDS)
    expansions = field_set(req, "expansions", EXPANSIONS)
    errors: list[dict[str, Any]] = []
    found = []
    for tweet_id in ids:
        tweet = sb.state.tweets.get(tweet_id)
        if tweet is None or tweet["deleted"]:
            errors.append(
                {
                    "value": tweet_id,
                    "detail": f"Could not find tweet with {parameter}: [{tweet_id}].",
                    "title": "Not Found Error",
                    "resource_type": "tweet",
                    "parameter": parameter,
                    "resource_id": tweet_id,
                    "type": NOT_FOUND,
                }
            )
        else:
            found.append(tweet)
    document: dict[str, Any] = {}
    if found:
        data = [render_tweet(sb, t, fields, viewer, errors) for t in found]
        document["data"] = data if parameter == "ids" else data[0]
        includes = expand(sb, found, expansions, user_fields, fields, viewer, errors)
        if includes:
            document["includes"] = includes
    if errors:
        document["errors"] = errors
    return document


def mentions(sb: Sandbox, req: Request, viewer: SandboxAccount, match: re.Match[str]) -> Reply:
    user_id = match.group(1)
    if sb.x_user(user_id) is None:
        return json_reply(200, {"errors": [_user_not_found(user_id)]})
    return timeline(sb, req, viewer, sb.x_mentions(user_id), 5, 10, "pagination_token")


def user_tweets(sb: Sandbox, req: Request, viewer: SandboxAccount, match: re.Match[str]) -> Reply:
    user_id = match.group(1)
    if sb.x_user(user_id) is None:
        return json_reply(200, {"errors": [_user_not_found(user_id)]})
    own = sorted(
        (t for t in sb.state.tweets.values() if t["author_id"] == user_id and not t["deleted"]),
        key=lambda t: int(t["id"]),
        reverse=True,
    )
    excluded = field_set(req, "exclude", frozenset({"replies", "retweets"}))
    if "replies" in excluded:
        own = [t for t in own if t["in_reply_to_tweet_id"] is None]
    return timeline(sb, req, viewer, own, 5, 10, "pagination_token")


def _user_not_found(user_id: str) -> dict[str, Any]:
    return {
        "value": user_id,
        "detail": f"Could not find user with id: [{user_id}].",
        "title": "Not Found Error",
        "resource_type": "user",
        "parameter": "id",
        "resource_id": user_id,
        "type": NOT_FOUND,
    }


def search_recent(sb: Sandbox, req: Request, viewer: SandboxAccount, _: re.Match[str]) -> Reply:
    query = req.query.get("query", "")
    if not query.strip() or len(query) > 512:
        raise invalid("query", query, "The `query` parameter must be 1 to 512 characters long")
    try:
        matcher = compile_query(sb, query)
    except ValueError as e:
        raise invalid("query", query, f"There were errors processing your request: {e}") from e
    week_ago = sb.now() - 7 * 86400
    candidates = sorted(
        (t for t in sb.state.tweets.values() if not t["deleted"] and t["t"] >= week_ago and matcher(t)),
        key=lambda t: int(t["id"]),
        reverse=True,
    )
    return timeline(sb, req, viewer, candidates, 10, 10, "next_token")


def compile_query(sb: Sandbox, query: str) -> Callable[[dict[str, Any]], bool]:
    """A small subset of X's search syntax: terms, "phrases", OR, -negation, from:, lang:, is:reply.

    Parentheses group nothing here; terms are ANDed and OR splits alternatives. Raises ValueError for
    unbalanced quotes.
    """
    tokens = [t for t in shlex.split(query.replace("(", " ").replace(")", " ")) if t]
    groups: list[list[tuple[bool, str]]] = [[]]
    for token in tokens:
        if token == "OR":
            groups.append([])
            continue
        negate = token.startswith("-") and len(token) > 1
        groups[-1].append((negate, token[1:] if negate else token))

    def clause(tweet: dict[str, Any], term: str) -> bool:
        lowered = term.lower()
        if lowered.startswith("from:"):
            author = sb.x_user(tweet["author_id"])
            return (
                bool(author) and author is not None and author["username"].lower() == lowered[5:].lstrip("@")
            )
        if lowered.startswith("lang:"):
            return bool(tweet["lang"] == lowered[5:])
        if lowered == "is:reply":
            return tweet["in_reply_to_tweet_id"] is not None
        if lowered in ("is:retweet", "is:quote"):
            return False
        if ":" in lowered and not lowered.startswith(("http", "@", "#")):
            return True  # an operator the sandbox does not model matches everything
        return lowered in tweet["text"].lower()

    def matches(tweet: dict[str, Any]) -> bool:
        return any(group and all(clause(tweet, term) != negate for negate, term in group) for group in groups)

    return matches


def upload_media(sb: Sandbox, req: Request, viewer: SandboxAccount, _: re.Match[str]) -> Reply:
    data: bytes | None = None
    category: str | None = None
    if req.content_type == "application/json":
        try:
            body = req.json()
        except BadBody as e:
            raise invalid("body", "", str(e)) from e
        if isinstance(body, dict) and isinstance(body.get("media"), str):
            try:
                data = base64.b64decode(body["media"], validate=True)
            except ValueError as e:
                raise invalid("media", "", "$.media: is not valid base64") from e
            category = body.get("media_category")
    else:
        try:
            req.parse_form()
        except BadBody as e:
            raise invalid("body", "", str(e)) from e
        data = req.files.get("media")
        category = req.form.get("media_category")
    if not data:
        raise invalid("media", "", "$.media: is missing but it is required")
    if category not in (
        "tweet_image",
        "tweet_gif",
        "tweet_video",
        "dm_image",
        "dm_video",
        "dm_gif",
        "subtitles",
    ):
        raise invalid("media_category", str(category), "$.media_category: must be a valid media category")
    media_id = str(X_MEDIA_BASE + sb.new_number())
    # The digest lets a test see exactly which bytes arrived (the real API keeps them, we need not).
    sb.state.media[media_id] = {
        "id": media_id,
        "size": len(data),
        "sha256": hashlib.sha256(data).hexdigest(),
        "owner": viewer.id,
        "category": category,
    }
    sb.persist()
    return json_reply(
        200,
        {
            "data": {
                "id": media_id,
                "media_key": f"3_{media_id}",
                "size": len(data),
                "expires_after_secs": 86400,
                "image": {"image_type": "image/png", "w": 1, "h": 1},
            }
        },
    )


X_MEDIA_BASE = 1_800_000_000_000_000_000

ROUTES: list[tuple[str, re.Pattern[str], str, Handler]] = [
    ("POST", re.compile(r"^/2/tweets$"), "POST /2/tweets", create_tweet),
    ("GET", re.compile(r"^/2/tweets$"), "GET /2/tweets", get_tweets),
    ("GET", re.compile(r"^/2/tweets/search/recent$"), "GET /2/tweets/search/recent", search_recent),
    ("GET", re.compile(r"^/2/tweets/(\d{1,19})$"), "GET /2/tweets/:id", get_tweet),
    ("DELETE", re.compile(r"^/2/tweets/(\d{1,19})$"), "DELETE /2/tweets/:id", delete_tweet),
    ("PUT", re.compile(r"^/2/tweets/(\d{1,19})/hidden$"), "PUT /2/tweets/:id/hidden", hide_reply),
    ("GET", re.compile(r"^/2/users/me$"), "GET /2/users/me", get_me),
    ("GET", re.compile(r"^/2/users/(\d{1,19})/mentions$"), "GET /2/users/:id/mentions", mentions),
    ("GET", re.compile(r"^/2/users/(\d{1,19})/tweets$"), "GET /2/users/:id/tweets", user_tweets),
    ("POST", re.compile(r"^/2/media/upload$"), "POST /2/media/upload", upload_media),
]


def _rate_headers(limit: int, remaining: int, reset: int) -> dict[str, str]:
    return {
        "x-rate-limit-limit": str(limit),
        "x-rate-limit-remaining": str(remaining),
        "x-rate-limit-reset": str(reset),
    }


def _route(req: Request) -> tuple[str, Handler, re.Match[str]] | None:
    for method, pattern, template, handler in ROUTES:
        match = pattern.match(req.path)
        if match and method == req.method:
            return template, handler, match
    return None


def handle(sb: Sandbox, req: Request) -> Reply:
    """Answer one X API request: route, token, injected fault, rate limit, then the endpoint."""
    route = _route(req)
    if route is None:
        return problem(404, "Not Found Error", "Sorry, that page does not exist.")
    template, handler, match = route
    auth = req.headers.get("authorization", "")
    scheme, _, token = auth.partition(" ")
    viewer = sb.account_by_token("x", token.strip()) if scheme.lower() == "bearer" else None
    if viewer is None or sb.token_expired(viewer):
        return problem(401, "Unauthorized", "Unauthorized")
    key = f"x {template}"
    fault = sb.take_fault("x", req.method, req.path)
    with sb.lock:
        allowed, limit, remaining, reset = sb.limiter.hit(key, viewer.id, sb.now())
    if fault is not None and fault.kind == "rate_limit":
        # An injected limit answers like an exhausted window, for this request only.
        allowed, remaining = False, 0
    headers = _rate_headers(limit, remaining, reset)
    if template == "POST /2/tweets":
        # Posting also carries X's 24-hour caps; the sandbox has one app, so user and app agree.
        with sb.lock:
            daily_ok, daily, daily_left, daily_reset = sb.limiter.hit(
                "x POST /2/tweets 24h", viewer.id, sb.now()
            )
        allowed = allowed and daily_ok
        for scope in ("user", "app"):
            headers[f"x-{scope}-limit-24hour-limit"] = str(daily)
            headers[f"x-{scope}-limit-24hour-remaining"] = str(daily_left)
            headers[f"x-{scope}-limit-24hour-reset"] = str(daily_reset)
    if not allowed:
        reply = problem(429, "Too Many Requests", "Too Many Requests")
    elif fault is not None and fault.kind == "server_error":
        reply = problem(503, "Service Unavailable", "Service Unavailable")
    elif fault is not None and fault.kind == "expired_token":
        reply = problem(401, "Unauthorized", "Unauthorized")
    elif fault is not None and fault.kind == "duplicate":
        reply = problem(403, "Forbidden", DUPLICATE)
    else:
        try:
            with sb.lock:
                reply = handler(sb, req, viewer, match)
        except XError as e:
            reply = e.reply
    reply.headers.update(headers)
    if fault is not None and fault.kind == "timeout_after_store":
        reply.drop = True
        reply.stall_seconds = fault.stall_seconds
    return reply
