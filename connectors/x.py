"""X (Twitter) through tweepy.Client and API v2, with an OAuth 2 user token sent as Bearer.

tweepy is used unmodified: its session gets the host-redirect adapter (connectors.http) and it
returns raw `requests.Response` objects, so the connector reads X's own bodies and rate-limit
headers and turns every failure into a `connectors.base` error. No wait_on_rate_limit: a worker must
never sleep for fifteen minutes inside a call; it gets RateLimited with the reset time instead.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, NoReturn

import requests
import tweepy

from connectors.base import (
    AccountRef,
    AuthExpired,
    ConnectorError,
    Credentials,
    DuplicateContent,
    IncomingItem,
    IncomingKind,
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
    response_text,
    unexpected_answer,
    utc_now,
)
from connectors.oauth import XOAuth

__all__ = ["XConnector"]

PLATFORM = "x"
MEDIA_UPLOAD_URL = "https://api.x.com/2/media/upload"
# X takes at most four images a post and 100 ids per lookup.
MAX_IMAGES = 4


def _category(media_type: str) -> str:
    """X's media_category for a media type (the upload is refused under the wrong one)."""
    if media_type == "image/gif":
        return "tweet_gif"
    return "tweet_video" if media_type.startswith("video/") else "tweet_image"


LOOKUP_BATCH = 100
PAGE_SIZE = 100
# A server that keeps handing out next tokens must not keep a poll running forever.
MAX_PAGES = 100
TWEET_FIELDS = [
    "created_at",
    "author_id",
    "conversation_id",
    "in_reply_to_user_id",
    "referenced_tweets",
    "lang",
    "entities",  # entities.urls: what each t.co link in the text stands for (shown_text)
]
# X's default window when a 429 comes without x-rate-limit-reset.
DEFAULT_WINDOW = timedelta(minutes=15)


class XConnector:
    """One X account. See `connectors.base.Connector` for what each method promises and raises."""

    platform = PLATFORM
    # How an account gets and keeps a token (connectors.base.oauth_app_for).
    oauth_app = XOAuth

    def __init__(
        self, account: AccountRef, token: str, base_url: str | None = None, timeout: float = 10.0
    ) -> None:
        self.account = account
        self._session, self._adapter = make_session(base_url, timeout)
        self._token = token
        self._client = tweepy.Client(
            bearer_token=token, return_type=requests.Response, wait_on_rate_limit=False
        )
        self._client.session = self._session
        self._user_id = account.remote_id

    @property
    def api_calls(self) -> int:
        """HTTP requests this connector has sent (benchmarks report calls per item with it)."""
        return self._adapter.calls

    # --- the call boundary: every vendor failure becomes a connectors.base error ---------------

    def _call(self, write: bool, send: Callable[[], requests.Response]) -> dict[str, Any]:
        try:
            response = send()
        except tweepy.HTTPException as e:
            raise self._http_error(e) from e
        except requests.RequestException as e:
            raise classify_transport_error(e, write=write) from e
        except (ValueError, TypeError, AttributeError, KeyError) as e:
            # tweepy choked on an answer it could not parse (a list body, an odd error shape).
            raise unexpected_answer(type(e).__name__, self._adapter.last_response, write=write) from e
        try:
            body = response.json()
        except ValueError as e:
            raise unexpected_answer("not JSON", response, write=write) from e
        if not isinstance(body, dict):
            raise unexpected_answer("not a JSON object", response, write=write)
        return body

    def _http_error(self, error: tweepy.HTTPException) -> ConnectorError:
        response = error.response
        status = getattr(response, "status_code", 0)
        message = "; ".join(str(m) for m in error.api_messages) or response_text(response)
        if isinstance(error, tweepy.TooManyRequests):
            retry_at = (
                datetime.fromtimestamp(error.reset_time, UTC)
                if error.reset_time
                else utc_now() + DEFAULT_WINDOW
            )
            return RateLimited(message, retry_at)
        if isinstance(error, tweepy.Unauthorized):
            return AuthExpired(message)
        if isinstance(error, tweepy.Forbidden) and "duplicate content" in message.lower():
            return DuplicateContent(message)
        if isinstance(error, tweepy.TwitterServerError):
            return Transient(message)
        return Rejected(message, reason=message, platform_code=str(status))

    @staticmethod
    def _raise_like_tweepy(response: requests.Response) -> requests.Response:
        """Map a raw response's status the way tweepy.Client.request does (for media upload)."""
        status = response.status_code
        if status == 429:
            reset = response.headers.get("x-rate-limit-reset")
            raise tweepy.TooManyRequests(
                response, reset_time=int(reset) if reset and reset.isdigit() else None
            )
        errors: dict[int, type[tweepy.HTTPException]] = {
            400: tweepy.BadRequest,
            401: tweepy.Unauthorized,
            403: tweepy.Forbidden,
            404: tweepy.NotFound,
        }
        if status in errors:
            raise errors[status](response)
        if status >= 500:
            raise tweepy.TwitterServerError(response)
        if not 200 <= status < 300:
            raise tweepy.HTTPException(response)
        return response

    def _data(self, body: dict[str, Any], write: bool) -> dict[str, Any]:
        data = body.get("data")
        if not isinstance(data, dict):
            self._no_data(body, write)
        return data

    def _no_data(self, body: dict[str, Any], write: bool) -> NoReturn:
        errors = body.get("errors")
        if isinstance(errors, list) and errors and not write:
            first = errors[0] if isinstance(errors[0], dict) else {}
            detail = str(first.get("detail") or first.get("message") or errors[0])
            raise Rejected(detail, reason=detail, platform_code=str(first.get("type") or ""))
        raise unexpected_answer("no data", self._adapter.last_response, write=write)

    # --- identity ---------------------------------------------------------------------------------

    def verify_credentials(self) -> Credentials:
        """Who the token speaks for (GET /2/users/me). Raises AuthExpired for a bad token."""
        body = self._call(
            False, lambda: self._client.get_me(user_auth=False, user_fields=["username", "name"])
        )
        data = self._data(body, write=False)
        user_id, username = data.get("id"), data.get("username")
        if not isinstance(user_id, str) or not isinstance(username, str):
            raise unexpected_answer("user without id", self._adapter.last_response, write=False)
        self._user_id = user_id
        return Credentials(remote_id=user_id, handle=f"@{username}", name=str(data.get("name", "")))

    def _me(self) -> str:
        if self._user_id is None:
            self.verify_credentials()
        assert self._user_id is not None  # set by verify_credentials or it raised
        return self._user_id

    # --- publishing -------------------------------------------------------------------------------

    def publish(self, post: OutgoingPost) -> PublishedRef:
        """Publish a post; the link, if any, is appended to the text. Raises as Connector.publish."""
        if len(post.media) > MAX_IMAGES:
            raise Rejected(
                f"X takes at most {MAX_IMAGES} images",
                reason="too many images",
                platform_code=None,
            )
        text = post.text
        if post.link and post.link not in text:
            text = f"{text} {post.link}".strip()
        media_ids = [self._upload(media) for media in post.media]
        return self._create(text, media_ids=media_ids or None)

    def reply(self, item: IncomingItem, text: str) -> PublishedRef:
        """Reply to a mention or reply. Raises as Connector.publish."""
        return self._create(text, in_reply_to=item.remote_id)

    def _create(
        self, text: str, media_ids: list[str] | None = None, in_reply_to: str | None = None
    ) -> PublishedRef:
        body = self._call(
            True,
            lambda: self._client.create_tweet(
                text=text,
                media_ids=media_ids,
                in_reply_to_tweet_id=in_reply_to,
                user_auth=False,
            ),
        )
        data = self._data(body, write=True)
        tweet_id = data.get("id")
        if not isinstance(tweet_id, str):
            raise unexpected_answer("tweet without id", self._adapter.last_response, write=True)
        return PublishedRef(PLATFORM, tweet_id, self.account.id, utc_now(), body)

    def _upload(self, media: MediaFile) -> str:
        body = self._call(
            True,
            lambda: self._raise_like_tweepy(
                self._session.post(
                    MEDIA_UPLOAD_URL,
                    headers={"Authorization": f"Bearer {self._token}"},
                    files={"media": (media.name, media.content, media.media_type)},
                    data={"media_category": _category(media.media_type)},
                )
            ),
        )
        media_id = self._data(body, write=True).get("id")
        if not isinstance(media_id, str):
            raise unexpected_answer("media without id", self._adapter.last_response, write=True)
        return media_id

    def delete(self, ref: PublishedRef) -> None:
        """Delete one of our tweets; a tweet already gone counts as deleted. Raises Rejected if X
        refuses, plus the usual RateLimited, AuthExpired, Transient, UnknownOutcome."""
        try:
            body = self._call(True, lambda: self._client.delete_tweet(ref.remote_id, user_auth=False))
        except Rejected as e:
            if e.platform_code == "404":
                return
            raise
        if self._data(body, write=True).get("deleted") is not True:
            raise Rejected(response_text(self._adapter.last_response), "not deleted", None)

    def hide(self, item: IncomingItem) -> None:
        """Hide a reply in a conversation we started. Raises Rejected for anything else."""
        self._set_hidden(item, True)

    def unhide(self, item: IncomingItem) -> None:
        """Show a hidden reply again."""
        self._set_hidden(item, False)

    def _set_hidden(self, item: IncomingItem, hidden: bool) -> None:
        method = self._client.hide_reply if hidden else self._client.unhide_reply
        body = self._call(True, lambda: method(item.remote_id, user_auth=False))
        if self._data(body, write=True).get("hidden") is not hidden:
            raise unexpected_answer("hidden flag not set", self._adapter.last_response, write=True)

    # --- reading ----------------------------------------------------------------------------------

    def _pages(self, fetch: Callable[[str | None], requests.Response]) -> Iterator[dict[str, Any]]:
        token: str | None = None
        for _ in range(MAX_PAGES):
            body = self._call(False, functools.partial(fetch, token))
            meta = body.get("meta")
            if not isinstance(meta, dict):
                # Every X timeline answer has meta, even an empty one; without it, it is not X.
                self._no_data(body, write=False)
            yield body
            token = meta.get("next_token")
            if not isinstance(token, str) or not token:
                return

    def fetch_incoming(self, cursor: str | None) -> tuple[list[IncomingItem], str | None]:
        """New mentions and replies since `cursor` (an X since_id), oldest first, and the new cursor.

        Raises Rejected for a cursor this connector did not make.
        """
        return _result(self.incoming_pages(cursor))

    def incoming_pages(self, cursor: str | None) -> Iterator[IncomingPage]:
        """fetch_incoming page by page (connectors.base.PagedIncoming); raises as it does."""
        me = self._me()
        since = _since_id(cursor)
        return self._collect_pages(
            lambda token: self._client.get_users_mentions(
                me,
                since_id=since,
                max_results=PAGE_SIZE,
                pagination_token=token,
                expansions=["author_id"],
                tweet_fields=TWEET_FIELDS,
                user_fields=["username", "name"],
                user_auth=False,
            ),
            cursor,
            elsewhere=False,
        )

    def search_recent(self, query: str, since_id: str | None) -> tuple[list[IncomingItem], str | None]:
        """Keyword monitoring: tweets of the last 7 days matching `query` that are not ours, as
        "mention_elsewhere" items, oldest first, and the new since_id. Raises as fetch_incoming."""
        since = _since_id(since_id)
        return self._collect(
            lambda token: self._client.search_recent_tweets(
                query,
                since_id=since,
                max_results=PAGE_SIZE,
                next_token=token,
                expansions=["author_id"],
                tweet_fields=TWEET_FIELDS,
                user_fields=["username", "name"],
                user_auth=False,
            ),
            since_id,
            elsewhere=True,
        )

    def _collect(
        self,
        fetch: Callable[[str | None], requests.Response],
        cursor: str | None,
        elsewhere: bool,
    ) -> tuple[list[IncomingItem], str | None]:
        return _result(self._collect_pages(fetch, cursor, elsewhere))

    def _collect_pages(
        self,
        fetch: Callable[[str | None], requests.Response],
        cursor: str | None,
        elsewhere: bool,
    ) -> Iterator[IncomingPage]:
        me = self._me()
        items: dict[str, IncomingItem] = {}
        newest = int(cursor) if cursor else 0
        for body in self._pages(fetch):
            includes = body.get("includes")
            users = {
                str(u.get("id")): u
                for u in (includes.get("users", []) if isinstance(includes, dict) else [])
                if isinstance(u, dict)
            }
            page: list[IncomingItem] = []
            for tweet in body.get("data") or []:
                item = self._item(tweet, users, me, elsewhere)
                if item is None:
                    continue
                items[item.remote_id] = item
                page.append(item)
                newest = max(newest, int(item.remote_id))
            yield IncomingPage(page)
        ordered = sorted(items.values(), key=lambda i: int(i.remote_id))
        yield IncomingPage([], done=True, result=(ordered, (str(newest) if newest else cursor)))

    def _item(self, tweet: object, users: dict[str, Any], me: str, elsewhere: bool) -> IncomingItem | None:
        if not isinstance(tweet, dict):
            raise unexpected_answer("tweet is not an object", self._adapter.last_response, write=False)
        tweet_id, text, author_id = tweet.get("id"), tweet.get("text"), tweet.get("author_id")
        created = parse_time(tweet.get("created_at"))
        if not isinstance(tweet_id, str) or not tweet_id.isdigit() or not isinstance(text, str):
            raise unexpected_answer("tweet without id or text", self._adapter.last_response, write=False)
        if not isinstance(author_id, str) or created is None:
            raise unexpected_answer(
                "tweet without author_id or created_at", self._adapter.last_response, write=False
            )
        if author_id == me:
            return None  # our own tweets are not incoming
        parent = next(
            (
                str(r.get("id"))
                for r in tweet.get("referenced_tweets") or []
                if isinstance(r, dict) and r.get("type") == "replied_to"
            ),
            None,
        )
        kind: IncomingKind = "mention_elsewhere" if elsewhere else "mention"
        if not elsewhere and parent is not None and tweet.get("in_reply_to_user_id") == me:
            kind = "reply"
        user = users.get(author_id, {})
        return IncomingItem(
            platform=PLATFORM,
            remote_id=tweet_id,
            account_id=self.account.id,
            kind=kind,
            author_id=author_id,
            author_name=str(user.get("name") or ""),
            author_handle=f"@{user['username']}" if user.get("username") else "",
            text=shown_text(tweet),
            created_at=created,
            parent_remote_id=parent,
            thread_remote_id=str(tweet.get("conversation_id") or tweet_id),
            raw={"data": tweet, "user": user},
        )

    def fetch_metrics(self, refs: Sequence[PublishedRef]) -> list[MetricSnapshot]:
        """Metrics for our tweets, 100 ids per call; deleted tweets are left out.

        Link clicks come from non-public metrics, which X serves for our own tweets younger than
        30 days; otherwise `clicks` is None.
        """
        snapshots: list[MetricSnapshot] = []
        ids = list(dict.fromkeys(ref.remote_id for ref in refs))
        for start in range(0, len(ids), LOOKUP_BATCH):
            batch = ids[start : start + LOOKUP_BATCH]
            body = self._call(
                False,
                functools.partial(
                    self._client.get_tweets,
                    batch,
                    tweet_fields=["public_metrics", "non_public_metrics", "organic_metrics"],
                    user_auth=False,
                ),
            )
            taken = utc_now()
            for tweet in body.get("data") or []:
                snapshots.append(self._snapshot(tweet, taken))
        return snapshots

    def _snapshot(self, tweet: object, taken: datetime) -> MetricSnapshot:
        if not isinstance(tweet, dict) or not isinstance(tweet.get("id"), str):
            raise unexpected_answer("tweet without id", self._adapter.last_response, write=False)
        public = tweet.get("public_metrics")
        if not isinstance(public, dict):
            raise unexpected_answer("tweet without public_metrics", self._adapter.last_response, write=False)
        private = tweet.get("non_public_metrics")
        clicks = private.get("url_link_clicks") if isinstance(private, dict) else None
        return MetricSnapshot(
            platform=PLATFORM,
            remote_id=tweet["id"],
            taken_at=taken,
            impressions=_int(public.get("impression_count")),
            likes=_int(public.get("like_count")),
            replies=_int(public.get("reply_count")),
            shares=_int(public.get("retweet_count", public.get("repost_count"))),
            clicks=_int(clicks),
            quotes=_int(public.get("quote_count")),
            bookmarks=_int(public.get("bookmark_count")),
            raw=tweet,
        )

    def recent_own_posts(self, since: datetime) -> list[OwnPost]:
        """Our tweets (replies included) created at or after `since`, newest first."""
        me = self._me()
        start = since.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        posts: list[OwnPost] = []
        for body in self._pages(
            lambda token: self._client.get_users_tweets(
                me,
                start_time=start,
                max_results=PAGE_SIZE,
                pagination_token=token,
                tweet_fields=["created_at", "entities"],
                user_auth=False,
            )
        ):
            for tweet in body.get("data") or []:
                created = parse_time(tweet.get("created_at")) if isinstance(tweet, dict) else None
                if created is None or not isinstance(tweet.get("id"), str):
                    raise unexpected_answer(
                        "tweet without id or created_at", self._adapter.last_response, write=False
                    )
                posts.append(OwnPost(tweet["id"], shown_text(tweet), created, tweet))
        return sorted(posts, key=lambda p: int(p.remote_id), reverse=True)


def shown_text(tweet: dict[str, Any]) -> str:
    """A tweet's text as its author wrote it, from what X serves: each t.co link replaced by the
    address it wraps (`entities.urls`), the link X appends for attached media dropped, and `&lt;`,
    `&gt;`, `&amp;` unescaped (X escapes those three in `text`; `&amp;` last, so that a written
    "&lt;" stays as written). Reconciliation compares this with the text that was sent."""
    text = str(tweet.get("text") or "")
    entities = tweet.get("entities")
    urls = entities.get("urls") if isinstance(entities, dict) else None
    for entry in urls if isinstance(urls, list) else []:
        if not isinstance(entry, dict) or not isinstance(entry.get("url"), str) or not entry["url"]:
            continue
        if entry.get("media_key"):
            text = text.replace(f" {entry['url']}", "").replace(entry["url"], "")
        elif isinstance(entry.get("expanded_url"), str):
            text = text.replace(entry["url"], entry["expanded_url"])
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _since_id(cursor: str | None) -> str | None:
    if cursor is None or cursor == "":
        return None
    if not cursor.isdigit():
        raise Rejected(f"not an X cursor: {cursor[:40]!r}", reason="invalid cursor", platform_code=None)
    return cursor


def _int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _result(pages: Iterable[IncomingPage]) -> tuple[list[IncomingItem], str | None]:
    """What the last page carries: every item in order and the new cursor."""
    for page in pages:
        if page.done and page.result is not None:
            return page.result
    raise AssertionError("a page fetch ended without its result")  # pragma: no cover - generator bug
