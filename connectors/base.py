"""What services know of a platform: the Connector protocol, its data objects and its errors.

Connectors are adapters. Each one turns its vendor client's answers into these data objects and its
vendor errors into the `ConnectorError` family below (`raise ... from e`), so services decide what to
do (retry later, ask for a new token, reconcile an unknown outcome) without knowing any platform.

Built-in connectors register through the entry-point group ``smtool.connectors`` exactly as third
parties do; `load_connector_class` is the one way to find a connector class by platform name.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from importlib.metadata import EntryPoint, entry_points
from typing import Any, Literal, Protocol, runtime_checkable

__all__ = [
    "ENTRY_POINT_GROUP",
    "AccountRef",
    "AuthExpired",
    "Connector",
    "ConnectorError",
    "Credentials",
    "DuplicateContent",
    "GrantRejected",
    "IncomingItem",
    "IncomingKind",
    "IncomingPage",
    "MetricSnapshot",
    "OAuthApp",
    "OutgoingPost",
    "OwnPost",
    "PageChoice",
    "PagedIncoming",
    "PublishedRef",
    "RateLimited",
    "Rejected",
    "TokenGrant",
    "TokenInfo",
    "Transient",
    "UnknownOutcome",
    "UnknownPlatform",
    "available_platforms",
    "load_connector_class",
    "oauth_app_for",
    "paged_incoming",
]

ENTRY_POINT_GROUP = "smtool.connectors"

IncomingKind = Literal["mention", "comment", "reply", "mention_elsewhere"]


# --- data objects -------------------------------------------------------------------------------


@dataclass(frozen=True)
class AccountRef:
    """An institution account as a connector needs to know it.

    `id` is smtool's account id; `remote_id` is the platform's (X user id, Facebook Page id) and may be
    None until a connector discovers it through `verify_credentials`.
    """

    id: str
    platform: str
    handle: str
    remote_id: str | None = None


@dataclass(frozen=True)
class MediaFile:
    """One picture or video to publish: its bytes as approved, never a path a connector would read.

    `name` is what the platform is told the file was called; `media_type` was sniffed from the
    bytes (image/png, video/mp4, ...); `alt` is the description for people who cannot see it.
    """

    name: str
    content: bytes = field(repr=False)
    media_type: str
    alt: str | None = None


@dataclass(frozen=True)
class OutgoingPost:
    """What to publish: text, optional pictures or a video, and an optional link."""

    text: str
    media: tuple[MediaFile, ...] = ()
    link: str | None = None


@dataclass(frozen=True)
class PublishedRef:
    """A post or reply that reached the platform; `created_at` is aware UTC."""

    platform: str
    remote_id: str
    account_id: str
    created_at: datetime
    raw: dict[str, Any] = field(default_factory=dict, compare=False)


@dataclass(frozen=True)
class IncomingItem:
    """Something a citizen wrote to or about an institution account.

    `kind` is "mention" (X), "comment" (a top-level Facebook comment), "reply" (an answer in a thread
    under one of our posts or comments) or "mention_elsewhere" (keyword monitoring). `parent_remote_id`
    is what it answers (a post or comment), `thread_remote_id` the conversation or post it belongs to.
    """

    platform: str
    remote_id: str
    account_id: str
    kind: IncomingKind
    author_id: str
    author_name: str
    author_handle: str
    text: str
    created_at: datetime
    parent_remote_id: str | None
    thread_remote_id: str | None
    raw: dict[str, Any] = field(default_factory=dict, compare=False)


@dataclass(frozen=True)
class IncomingPage:
    """One answer of a `fetch_incoming` in progress (`PagedIncoming`): that page's new items, to be
    worked on while the next page is fetched. The last page (`done`) also carries exactly what
    fetch_incoming returns: every item, in order, and the new cursor."""

    items: list[IncomingItem]
    done: bool = False
    result: tuple[list[IncomingItem], str | None] | None = None


@dataclass(frozen=True)
class MetricSnapshot:
    """Engagement of one published post at `taken_at`; None where the platform has no such figure."""

    platform: str
    remote_id: str
    taken_at: datetime
    impressions: int | None
    likes: int | None
    replies: int | None
    shares: int | None
    clicks: int | None
    quotes: int | None
    bookmarks: int | None
    raw: dict[str, Any] = field(default_factory=dict, compare=False)


@dataclass(frozen=True)
class OwnPost:
    """A post the account made, whoever made it (used to reconcile unknown outcomes and takeovers)."""

    remote_id: str
    text: str
    created_at: datetime
    raw: dict[str, Any] = field(default_factory=dict, compare=False)


@dataclass(frozen=True)
class Credentials:
    """Who a token speaks for, as the platform reports it."""

    remote_id: str
    handle: str
    name: str


# --- errors -------------------------------------------------------------------------------------


class ConnectorError(Exception):
    """A platform call failed; `platform_message` is the platform's own text (untrusted, for display)."""

    def __init__(self, platform_message: str) -> None:
        super().__init__(platform_message)
        self.platform_message = platform_message


class RateLimited(ConnectorError):
    """The platform refused the call for now; nothing was done. Try again at `retry_at` (aware UTC)."""

    def __init__(self, platform_message: str, retry_at: datetime) -> None:
        super().__init__(platform_message)
        self.retry_at = retry_at


class AuthExpired(ConnectorError):
    """The token is invalid, expired or revoked; an admin must connect the account again."""


class DuplicateContent(ConnectorError):
    """The platform refused the post as a duplicate of one already published."""


class Rejected(ConnectorError):
    """The platform refused the request for a reason a person must read; retrying will not help."""

    def __init__(self, platform_message: str, reason: str, platform_code: str | None) -> None:
        super().__init__(platform_message)
        self.reason = reason
        self.platform_code = platform_code


class Transient(ConnectorError):
    """Safe to retry: the request did not reach the platform, or the platform failed before acting."""


class UnknownOutcome(ConnectorError):
    """The request may have reached the platform (timeout or reset after sending).

    Never resend blindly: reconcile with `recent_own_posts` first.
    """


class GrantRejected(AuthExpired):
    """The platform's token endpoint refused a code or refresh token (OAuth invalid_grant).

    For a refresh token that may mean another process already used it (rotation): read the stored
    token again before concluding the account must be connected again.
    """


class UnknownPlatform(LookupError):
    """No connector is registered for a platform name."""


# --- connecting an account (OAuth) --------------------------------------------------------------


@dataclass(frozen=True)
class TokenGrant:
    """What a token endpoint issued. `expires_in` is seconds from the answer (None: never expires);
    the caller dates it by its own clock."""

    access_token: str = field(repr=False)
    refresh_token: str | None = field(repr=False)
    expires_in: float | None
    scopes: tuple[str, ...]


@dataclass(frozen=True)
class PageChoice:
    """A Facebook Page the connecting person manages, with its Page token."""

    id: str
    name: str
    access_token: str = field(repr=False)
    tasks: tuple[str, ...]


@dataclass(frozen=True)
class TokenInfo:
    """What the platform says about a token (Graph's debug_token)."""

    valid: bool
    kind: str  # PAGE | USER
    profile_id: str | None  # the Page a Page token speaks for
    scopes: tuple[str, ...]
    expires_at: datetime | None  # None: never
    data_access_expires_at: datetime | None


@runtime_checkable
class OAuthApp(Protocol):
    """An installation's registered app on one platform: how an account gets and keeps a token.

    Built as ``Cls(client_id, client_secret, base_url=None, timeout=10.0)``; a connector class names
    its app class in its `oauth_app` attribute. One instance serves one connect flow (it keeps the
    PKCE verifier and the state between `authorization_url` and `finish`).
    """

    def authorization_url(self, redirect_uri: str) -> str:
        """The URL the person opens to consent; remembers the state it put in."""
        ...

    def finish(self, redirect_url: str) -> TokenGrant:
        """Exchange the code in the redirect the browser was sent to. Raises Rejected (a state that
        does not match, consent refused), GrantRejected, Transient."""
        ...

    def refresh(self, refresh_token: str) -> TokenGrant:
        """A new token pair for a refresh token (used up by this call). Raises GrantRejected,
        Rejected, Transient, UnknownOutcome (the platform may have rotated the token)."""
        ...

    def pages(self, user_token: str) -> list[PageChoice]:
        """The Pages a user token manages (Facebook); [] where the platform has none."""
        ...

    def inspect(self, token: str) -> TokenInfo | None:
        """What the platform says of a token (Graph debug_token); None where it has no such call."""
        ...


def oauth_app_for(
    platform: str, client_id: str, client_secret: str, base_url: str | None, timeout: float
) -> OAuthApp:
    """The OAuth app of `platform`'s connector. Raises UnknownPlatform when it has none."""
    cls = load_connector_class(platform)
    app_class = getattr(cls, "oauth_app", None)
    if app_class is None:
        raise UnknownPlatform(f"the {platform} connector cannot connect accounts through OAuth")
    app: OAuthApp = app_class(client_id, client_secret, base_url=base_url, timeout=timeout)
    return app


# --- the protocol -------------------------------------------------------------------------------


@runtime_checkable
class Connector(Protocol):
    """One institution account on one platform.

    Built as ``Cls(account, token, base_url=None, timeout=10.0)``; `base_url` points the platform's
    hosts at another server (the sandbox). Every method raises only `ConnectorError` subclasses.
    """

    platform: str
    account: AccountRef

    def publish(self, post: OutgoingPost) -> PublishedRef:
        """Publish a post. Raises DuplicateContent, RateLimited, AuthExpired, Rejected, Transient,
        UnknownOutcome."""
        ...

    def delete(self, ref: PublishedRef) -> None:
        """Delete one of our posts or replies; deleting what is already gone succeeds."""
        ...

    def reply(self, item: IncomingItem, text: str) -> PublishedRef:
        """Answer an incoming item publicly; raises as `publish`."""
        ...

    def hide(self, item: IncomingItem) -> None:
        """Hide an item from public view (it stays on the platform). Raises Rejected if not allowed."""
        ...

    def unhide(self, item: IncomingItem) -> None:
        """Undo `hide`."""
        ...

    def fetch_incoming(self, cursor: str | None) -> tuple[list[IncomingItem], str | None]:
        """New items since `cursor` (None: everything the platform still lists) and the next cursor.

        Polling with the returned cursor never returns an item twice and misses none.
        """
        ...

    def fetch_metrics(self, refs: Sequence[PublishedRef]) -> list[MetricSnapshot]:
        """Current metrics of our posts; posts the platform no longer has are left out."""
        ...

    def recent_own_posts(self, since: datetime) -> list[OwnPost]:
        """Posts the account made since `since`, newest first, whoever made them."""
        ...

    def verify_credentials(self) -> Credentials:
        """Who the token speaks for. Raises AuthExpired for a bad token."""
        ...


# --- registry -----------------------------------------------------------------------------------


@cache
def _registered() -> dict[str, EntryPoint]:
    """The ``smtool.connectors`` entry points by platform name, read once per process: reading them
    scans every installed package's metadata (dozens of file opens), and a worker builds connectors
    all day. A connector installed while a process runs is seen by the next process."""
    found: dict[str, EntryPoint] = {}
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        found.setdefault(ep.name, ep)  # the first registration of a name wins, as before
    return found


def available_platforms() -> list[str]:
    """Platform names with a registered connector, sorted."""
    return sorted(_registered())


@cache
def load_connector_class(platform: str) -> type[Connector]:
    """The connector class registered for `platform` in the ``smtool.connectors`` entry points,
    loaded once per process.

    Raises UnknownPlatform when none is registered (the message lists the known ones), and lets an
    ImportError of a broken connector package through unchanged (neither is cached: `cache` keeps
    only returned values).
    """
    entry = _registered().get(platform)
    if entry is None:
        known = ", ".join(available_platforms()) or "none (is smtool installed?)"
        raise UnknownPlatform(f"no connector for platform {platform!r}; known: {known}")
    loaded = entry.load()
    if not isinstance(loaded, type):
        raise UnknownPlatform(f"entry point {entry.value!r} for {platform!r} is not a class")
    return loaded


@runtime_checkable
class Searches(Protocol):
    """A connector that can run keyword searches (X recent search)."""

    def search_recent(self, query: str, since_id: str | None) -> tuple[list[IncomingItem], str | None]: ...


def searcher(connector: object) -> Searches | None:
    """The connector as a keyword searcher, or None when its platform has no search."""
    return connector if isinstance(connector, Searches) else None


@runtime_checkable
class PagedIncoming(Protocol):
    """A connector whose fetch_incoming can be followed page by page (X and Facebook)."""

    def incoming_pages(self, cursor: str | None) -> Iterator[IncomingPage]:
        """fetch_incoming's calls, yielding after each answer; raises as fetch_incoming."""
        ...


def paged_incoming(connector: object) -> PagedIncoming | None:
    """The connector as a page-by-page incoming fetcher, or None when it has no such method."""
    return connector if isinstance(connector, PagedIncoming) else None
