"""Facebook Pages through facebook-sdk's GraphAPI with a Page access token.

facebook-sdk 3.1 only knows Graph versions up to 3.1 (long retired), so the connector sets a modern
version after construction, as its attribute allows. The host redirect lives on the session passed
in (connectors.http). facebook-sdk ignores HTTP status and raises GraphAPIError for any error body;
the connector maps Graph error codes to `connectors.base` errors and quotes the platform's text when
the answer is not a Graph body at all (an HTML error page, an empty body).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import facebook
import requests

from connectors.base import (
    AccountRef,
    AuthExpired,
    ConnectorError,
    Credentials,
    DuplicateContent,
    IncomingItem,
    IncomingPage,
    MediaFile,
    MetricSnapshot,
    OutgoingPost,
    OwnPost,
    PublishedRef,
    RateLimited,
    Rejected,
    Transient,
)
from connectors.http import (
    classify_transport_error,
    make_session,
    parse_time,
    unexpected_answer,
    utc_now,
)
from connectors.oauth import FacebookOAuth

__all__ = ["GRAPH_VERSION", "FacebookConnector"]

PLATFORM = "facebook"
GRAPH_VERSION = "v21.0"
# Current post insights (post_impressions went in November 2025, *_unique in June 2026).
INSIGHT_METRICS = "post_media_view,post_clicks,post_reactions_by_type_total"
AUTH_CODES = frozenset({102, 190, 463, 467})
RATE_CODES = frozenset({4, 17, 32, 613, *range(80001, 80015)})
TRANSIENT_CODES = frozenset({1, 2})
DUPLICATE_CODE = 506
PAGE_SIZE = 100
OBJECT_BATCH = 50
MAX_PAGES = 200
# Comments on posts older than this are not polled (one call per post per poll keeps it cheap).
POST_LOOKBACK = timedelta(days=28)
DEFAULT_RATE_WAIT = timedelta(hours=1)
COMMENT_FIELDS = "id,message,created_time,from,parent"


class FacebookConnector:
    """One Facebook Page. See `connectors.base.Connector` for what each method promises and raises."""

    platform = PLATFORM
    # How a Page gets its token (connectors.base.oauth_app_for).
    oauth_app = FacebookOAuth

    def __init__(
        self, account: AccountRef, token: str, base_url: str | None = None, timeout: float = 10.0
    ) -> None:
        self.account = account
        self._session, self._adapter = make_session(base_url, timeout)
        self._graph = facebook.GraphAPI(access_token=token, timeout=timeout, session=self._session)
        self._graph.version = GRAPH_VERSION
        self._page_id = account.remote_id

    @property
    def api_calls(self) -> int:
        """HTTP requests this connector has sent (benchmarks report calls per item with it)."""
        return self._adapter.calls

    # --- the call boundary ------------------------------------------------------------------------

    def _call(
        self,
        write: bool,
        path: str,
        args: dict[str, Any] | None = None,
        post_args: dict[str, Any] | None = None,
        files: dict[str, tuple[str, bytes, str]] | None = None,
        method: str | None = None,
    ) -> dict[str, Any]:
        try:
            result = self._graph.request(
                f"{GRAPH_VERSION}/{path}", args, post_args, files=files, method=method
            )
        except facebook.GraphAPIError as e:
            raise self._graph_error(e, write) from e
        except requests.RequestException as e:
            raise classify_transport_error(e, write=write) from e
        except (ValueError, TypeError, KeyError, AttributeError) as e:
            # facebook-sdk choked: no content-type header, a JSON content type with a non-JSON body.
            raise self._not_graph(type(e).__name__, write) from e
        if not isinstance(result, dict):
            raise self._not_graph("not a JSON object", write)
        return result

    def _not_graph(self, detail: str, write: bool) -> ConnectorError:
        return unexpected_answer(detail, self._adapter.last_response, write=write)

    def _graph_error(self, error: facebook.GraphAPIError, write: bool) -> ConnectorError:
        body = error.result.get("error") if isinstance(error.result, dict) else None
        if not isinstance(body, dict) or error.code is None:
            return self._not_graph(str(error.message), write)
        message = str(body.get("message") or error.message)
        code = error.code
        subcode = body.get("error_subcode")
        if code in AUTH_CODES or subcode in AUTH_CODES:
            return AuthExpired(message)
        if code in RATE_CODES:
            return RateLimited(message, self._retry_at())
        if code == DUPLICATE_CODE:
            return DuplicateContent(message)
        if code in TRANSIENT_CODES or body.get("is_transient") is True:
            return Transient(message)
        platform_code = f"{code}/{subcode}" if subcode is not None else str(code)
        return Rejected(message, reason=message, platform_code=platform_code)

    def _retry_at(self) -> datetime:
        """When Graph says access comes back (usage headers), else an hour from now."""
        response = self._adapter.last_response
        minutes = 0
        header = response.headers.get("x-business-use-case-usage") if response is not None else None
        if header:
            try:
                usage = json.loads(header)
                minutes = max(
                    int(entry.get("estimated_time_to_regain_access", 0))
                    for entries in usage.values()
                    for entry in entries
                )
            except (ValueError, TypeError, AttributeError):
                minutes = 0
        return utc_now() + (timedelta(minutes=minutes) if minutes else DEFAULT_RATE_WAIT)

    def _id(self, result: dict[str, Any], key: str, write: bool) -> str:
        value = result.get(key)
        if not isinstance(value, str) or not value:
            raise unexpected_answer(f"no {key}", self._adapter.last_response, write=write)
        return value

    def _pages(self, path: str, args: dict[str, Any]) -> Iterator[dict[str, Any]]:
        for answer in self._answers(path, args):
            yield from answer

    def _answers(self, path: str, args: dict[str, Any]) -> Iterator[list[dict[str, Any]]]:
        """Each answer's entries, following `after` cursors (at most MAX_PAGES calls)."""
        args = dict(args)
        for _ in range(MAX_PAGES):
            result = self._call(False, path, args)
            data = result.get("data")
            if not isinstance(data, list):
                raise unexpected_answer("no data list", self._adapter.last_response, write=False)
            for entry in data:
                if not isinstance(entry, dict):
                    raise unexpected_answer("entry is not an object", None, write=False)
            yield data
            after = _next_cursor(result)
            if after is None:
                return
            args["after"] = after

    # --- identity ---------------------------------------------------------------------------------

    def verify_credentials(self) -> Credentials:
        """The Page this token speaks for (GET /me). Raises AuthExpired for a bad token."""
        result = self._call(False, "me", {"fields": "id,name,username"})
        page_id = self._id(result, "id", write=False)
        self._page_id = page_id
        name = str(result.get("name") or "")
        return Credentials(remote_id=page_id, handle=str(result.get("username") or name), name=name)

    def _page(self) -> str:
        if self._page_id is None:
            self.verify_credentials()
        assert self._page_id is not None  # set by verify_credentials or it raised
        return self._page_id

    # --- publishing -------------------------------------------------------------------------------

    def publish(self, post: OutgoingPost) -> PublishedRef:
        """Publish on the Page: a status or link post, one photo, or several photos in one post.

        A link with photos goes into the text (photo posts take no link). Raises as
        Connector.publish.
        """
        page = self._page()
        if not post.media:
            args = {"message": post.text}
            if post.link:
                args["link"] = post.link
            result = self._call(True, f"{page}/feed", post_args=args)
            return self._published(self._id(result, "id", write=True), result)
        text = post.text
        if post.link and post.link not in text:
            text = f"{text}\n{post.link}".strip()
        if len(post.media) == 1:
            result = self._upload(page, post.media[0], {"message": text})
            post_id = result.get("post_id") or result.get("id")
            return self._published(self._id({"id": post_id}, "id", write=True), result)
        photo_ids = [
            self._id(self._upload(page, media, {"published": "false"}), "id", write=True)
            for media in post.media
        ]
        attached = json.dumps([{"media_fbid": photo_id} for photo_id in photo_ids])
        result = self._call(True, f"{page}/feed", post_args={"message": text, "attached_media": attached})
        return self._published(self._id(result, "id", write=True), result)

    def _upload(self, page: str, media: MediaFile, args: dict[str, str]) -> dict[str, Any]:
        source = (media.name, media.content, media.media_type)
        return self._call(True, f"{page}/photos", post_args=dict(args), files={"source": source})

    def _published(self, remote_id: str, raw: dict[str, Any]) -> PublishedRef:
        return PublishedRef(PLATFORM, remote_id, self.account.id, utc_now(), raw)

    def reply(self, item: IncomingItem, text: str) -> PublishedRef:
        """Answer a comment in its thread (Facebook threads are two levels deep)."""
        target = item.remote_id
        if item.kind == "reply" and item.parent_remote_id:
            target = item.parent_remote_id
        result = self._call(True, f"{target}/comments", post_args={"message": text})
        return self._published(self._id(result, "id", write=True), result)

    def delete(self, ref: PublishedRef) -> None:
        """Delete our post or comment; one already gone counts as deleted."""
        try:
            result = self._call(True, ref.remote_id, method="DELETE")
        except Rejected as e:
            if e.platform_code == "100/33":
                return
            raise
        if result.get("success") is not True:
            raise unexpected_answer("no success", self._adapter.last_response, write=True)

    def hide(self, item: IncomingItem) -> None:
        """Hide a comment on our Page (its author and friends still see it)."""
        self._set_hidden(item, True)

    def unhide(self, item: IncomingItem) -> None:
        """Show a hidden comment again."""
        self._set_hidden(item, False)

    def _set_hidden(self, item: IncomingItem, hidden: bool) -> None:
        result = self._call(True, item.remote_id, post_args={"is_hidden": "true" if hidden else "false"})
        if result.get("success") is not True:
            raise unexpected_answer("no success", self._adapter.last_response, write=True)

    # --- reading ----------------------------------------------------------------------------------

    def fetch_incoming(self, cursor: str | None) -> tuple[list[IncomingItem], str | None]:
        """New comments and replies on the Page's posts of the last 28 days, oldest first.

        The cursor records the newest created_time seen and the ids seen in that second, so
        comments arriving within the same second are neither repeated nor missed. Raises Rejected
        for a cursor this connector did not make.
        """
        for page in self.incoming_pages(cursor):
            if page.result is not None:
                return page.result
        raise AssertionError("incoming_pages ended without its result")  # pragma: no cover

    def incoming_pages(self, cursor: str | None) -> Iterator[IncomingPage]:
        """fetch_incoming page by page (connectors.base.PagedIncoming); raises as it does."""
        since, seen = _read_cursor(cursor)  # a bad cursor is refused before any call
        return self._incoming_pages(cursor, since, seen)

    def _incoming_pages(self, cursor: str | None, since: int, seen: set[str]) -> Iterator[IncomingPage]:
        page = self._page()
        lookback = int((utc_now() - POST_LOOKBACK).timestamp())
        post_ids = [
            str(p["id"])
            for p in self._pages(f"{page}/posts", {"fields": "id", "limit": PAGE_SIZE, "since": lookback})
            if "id" in p
        ]
        args: dict[str, Any] = {
            "filter": "stream",
            "order": "chronological",
            "fields": COMMENT_FIELDS,
            "limit": PAGE_SIZE,
        }
        if since:
            args["since"] = since
        # Field expansion asks for the first 100 comments of 50 posts in one call; only a post
        # with more new comments than that costs calls of its own.
        expansion = "comments.filter(stream).limit(100)"
        if since:
            expansion += f".since({since})"
        fields = f"{expansion}{{{COMMENT_FIELDS}}}"
        items: dict[str, IncomingItem] = {}

        def new_of(comments: Iterable[object], post_id: str) -> list[IncomingItem]:
            fresh: list[IncomingItem] = []
            for comment in comments:
                if not isinstance(comment, dict):
                    raise unexpected_answer("comment is not an object", None, write=False)
                item = self._item(comment, post_id, page)
                stamp = int(item.created_at.timestamp())
                if item.author_id == page or stamp < since or (stamp == since and item.remote_id in seen):
                    continue
                items[item.remote_id] = item
                fresh.append(item)
            return fresh

        for start in range(0, len(post_ids), OBJECT_BATCH):
            nodes = self._batch(post_ids[start : start + OBJECT_BATCH], fields)
            for post_id, node in nodes.items():
                edge = node.get("comments")
                if not isinstance(edge, dict):
                    continue  # no comments in the window: Graph leaves the edge out
                comments = edge.get("data")
                if not isinstance(comments, list):
                    raise unexpected_answer("comments without data", self._adapter.last_response, write=False)
                yield IncomingPage(new_of(comments, post_id))
                after = _next_cursor(edge)
                if after is not None:
                    for answer in self._answers(f"{post_id}/comments", {**args, "after": after}):
                        yield IncomingPage(new_of(answer, post_id))
        ordered = sorted(items.values(), key=lambda i: (i.created_at, i.remote_id))
        if not ordered:
            yield IncomingPage([], done=True, result=([], cursor))
            return
        newest = int(ordered[-1].created_at.timestamp())
        at_newest = {i.remote_id for i in ordered if int(i.created_at.timestamp()) == newest}
        if newest == since:
            at_newest |= seen
        yield IncomingPage(
            [], done=True, result=(ordered, json.dumps({"since": newest, "seen": sorted(at_newest)}))
        )

    def _item(self, comment: dict[str, Any], post_id: str, page: str) -> IncomingItem:
        comment_id, created = comment.get("id"), parse_time(comment.get("created_time"))
        if not isinstance(comment_id, str) or created is None:
            raise unexpected_answer(
                "comment without id or created_time", self._adapter.last_response, write=False
            )
        author = comment.get("from") if isinstance(comment.get("from"), dict) else {}
        assert isinstance(author, dict)
        parent = comment.get("parent") if isinstance(comment.get("parent"), dict) else None
        parent_id = str(parent["id"]) if parent and "id" in parent else None
        name = str(author.get("name") or "")
        return IncomingItem(
            platform=PLATFORM,
            remote_id=comment_id,
            account_id=self.account.id,
            kind="reply" if parent_id else "comment",
            author_id=str(author.get("id") or ""),
            author_name=name,
            author_handle=name,
            text=str(comment.get("message") or ""),
            created_at=created,
            parent_remote_id=parent_id or post_id,
            thread_remote_id=post_id,
            raw=comment,
        )

    def fetch_metrics(self, refs: Sequence[PublishedRef]) -> list[MetricSnapshot]:
        """Insights (post_media_view, post_clicks, post_reactions_by_type_total) plus comment and
        share counts for our posts; posts Facebook no longer has are left out."""
        ids = list(dict.fromkeys(ref.remote_id for ref in refs))
        counts: dict[str, dict[str, Any]] = {}
        for start in range(0, len(ids), OBJECT_BATCH):
            counts.update(self._counts(ids[start : start + OBJECT_BATCH]))
        snapshots = []
        for post_id in ids:
            if post_id not in counts:
                continue
            try:
                insights = self._call(
                    False, f"{post_id}/insights", {"metric": INSIGHT_METRICS, "period": "lifetime"}
                )
            except Rejected as e:
                if e.platform_code == "100/33":
                    continue
                raise
            snapshots.append(self._snapshot(post_id, insights, counts[post_id]))
        return snapshots

    def _counts(self, ids: list[str]) -> dict[str, dict[str, Any]]:
        return self._batch(ids, "shares,comments.limit(0).summary(true)")

    def _batch(self, ids: list[str], fields: str) -> dict[str, dict[str, Any]]:
        """Several nodes in one call (GET /?ids=...); nodes Facebook no longer has are left out."""
        if not ids:
            return {}
        try:
            result = self._call(False, "", {"ids": ",".join(ids), "fields": fields})
        except Rejected as e:
            if not e.platform_code or not e.platform_code.startswith("803"):
                raise
            # One deleted node fails the whole batch: ask one by one and skip the missing.
            result = {}
            for post_id in ids:
                try:
                    result[post_id] = self._call(False, post_id, {"fields": fields})
                except Rejected as missing:
                    if missing.platform_code != "100/33":
                        raise
        return {k: v for k, v in result.items() if isinstance(v, dict)}

    def _snapshot(self, post_id: str, insights: dict[str, Any], counts: dict[str, Any]) -> MetricSnapshot:
        values: dict[str, Any] = {}
        for entry in insights.get("data") or []:
            if isinstance(entry, dict) and entry.get("values"):
                first = entry["values"][0]
                values[str(entry.get("name"))] = first.get("value") if isinstance(first, dict) else None
        reactions = values.get("post_reactions_by_type_total")
        likes = (
            sum(v for v in reactions.values() if isinstance(v, int)) if isinstance(reactions, dict) else None
        )
        comments = counts.get("comments")
        summary = comments.get("summary") if isinstance(comments, dict) else None
        shares = counts.get("shares")
        return MetricSnapshot(
            platform=PLATFORM,
            remote_id=post_id,
            taken_at=utc_now(),
            impressions=_int(values.get("post_media_view")),
            likes=likes,
            replies=_int(summary.get("total_count")) if isinstance(summary, dict) else None,
            # Graph omits `shares` until someone shares.
            shares=_int(shares.get("count")) if isinstance(shares, dict) else 0,
            clicks=_int(values.get("post_clicks")),
            quotes=None,
            bookmarks=None,
            raw={"insights": insights, "counts": counts},
        )

    def recent_own_posts(self, since: datetime) -> list[OwnPost]:
        """The Page's posts created at or after `since`, newest first."""
        page = self._page()
        posts = []
        args = {
            "fields": "id,message,created_time",
            "limit": PAGE_SIZE,
            "since": int(since.astimezone(UTC).timestamp()),
        }
        for entry in self._pages(f"{page}/posts", args):
            created = parse_time(entry.get("created_time"))
            if created is None or not isinstance(entry.get("id"), str):
                raise unexpected_answer(
                    "post without id or created_time", self._adapter.last_response, write=False
                )
            posts.append(OwnPost(entry["id"], str(entry.get("message") or ""), created, entry))
        return sorted(posts, key=lambda p: p.created_at, reverse=True)


def _next_cursor(edge: dict[str, Any]) -> str | None:
    paging = edge.get("paging")
    if not isinstance(paging, dict) or not paging.get("next"):
        return None
    cursors = paging.get("cursors")
    after = cursors.get("after") if isinstance(cursors, dict) else None
    return after if isinstance(after, str) and after else None


def _read_cursor(cursor: str | None) -> tuple[int, set[str]]:
    if not cursor:
        return 0, set()
    try:
        document = json.loads(cursor)
        since = int(document["since"])
        seen = {str(i) for i in document["seen"]}
    except (ValueError, TypeError, KeyError) as e:
        raise Rejected(
            f"not a Facebook cursor: {cursor[:40]!r}", reason="invalid cursor", platform_code=None
        ) from e
    return since, seen


def _int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None
