"""The sandbox platform itself: state under a lock, a clock, ids, faults, rate limits and citizens.

The X and Graph API modules render this model in their platforms' wire formats; the control API
(/_sandbox/) drives it. All mutation happens under `Sandbox.lock`.
"""

from __future__ import annotations

import bisect
import re
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from connectors.emulator.citizens import Citizen, CitizenWriter, grown_metrics
from connectors.emulator.state import SandboxAccount, SandboxState, write_state

__all__ = ["DEFAULT_LIMITS", "FAULT_KINDS", "Fault", "Limiter", "Sandbox", "SandboxInputError"]

FAULT_KINDS = ("rate_limit", "server_error", "timeout_after_store", "expired_token", "duplicate")

# Documented per-user limits (requests, window seconds). Keys: "<platform> <METHOD> <template>".
DEFAULT_LIMITS: dict[str, tuple[int, float]] = {
    "x POST /2/tweets": (100, 900),
    "x POST /2/tweets 24h": (10000, 86400),
    "x DELETE /2/tweets/:id": (50, 900),
    "x GET /2/users/:id/mentions": (300, 900),
    "x GET /2/users/:id/tweets": (900, 900),
    "x GET /2/tweets": (5000, 900),
    "x GET /2/tweets/:id": (900, 900),
    "x GET /2/users/me": (75, 900),
    "x PUT /2/tweets/:id/hidden": (50, 900),
    "x GET /2/tweets/search/recent": (300, 900),
    "x POST /2/media/upload": (500, 900),
    # Graph: one bucket per Page token over all endpoints (Business Use Case limits, simplified).
    "facebook *": (4800, 3600),
}
# X mints ids near this size; they must stay below 2**63 for clients that parse them as integers.
X_ID_BASE = 1_900_000_000_000_000_000
FB_ID_BASE = 122_100_000_000_000_000
_LATVIAN = re.compile(r"[āčēģīķļņšūžĀČĒĢĪĶĻŅŠŪŽ]")


class SandboxInputError(ValueError):
    """Control input the sandbox cannot act on (the control API answers 400 with the reason)."""


@dataclass
class Fault:
    """An injected failure for the next `count` matching requests."""

    platform: str
    method: str | None
    segments: tuple[str, ...] | None
    kind: str
    count: int
    stall_seconds: float = 0.0

    def matches(self, platform: str, method: str, segments: tuple[str, ...]) -> bool:
        """Whether a request is one this fault is waiting for."""
        if self.platform != platform:
            return False
        if self.method is not None and self.method != method:
            return False
        if self.segments is None:
            return True
        if len(self.segments) != len(segments):
            return False
        return all(
            pattern.startswith((":", "{")) or pattern == actual
            for pattern, actual in zip(self.segments, segments, strict=True)
        )


_VERSION = re.compile(r"^v\d+\.\d+$")


def path_segments(platform: str, path: str) -> tuple[str, ...]:
    """Path segments without the Graph version prefix, for matching faults."""
    segments = tuple(s for s in path.split("?", maxsplit=1)[0].split("/") if s)
    if platform == "facebook" and segments and _VERSION.match(segments[0]):
        segments = segments[1:]
    return segments


class Limiter:
    """Fixed-window rate limits per (endpoint, principal), reset `window` seconds after first use."""

    def __init__(self, limits: Mapping[str, tuple[int, float]]) -> None:
        self.limits = dict(limits)
        self._windows: dict[tuple[str, str], list[float]] = {}

    def hit(self, key: str, principal: str, now: float) -> tuple[bool, int, int, int]:
        """Count one call; returns (allowed, limit, remaining, reset epoch seconds)."""
        limit, window = self.limits.get(key, (900, 900.0))
        slot = self._windows.get((key, principal))
        if slot is None or now >= slot[0] + window:
            slot = [now, 0.0]
            self._windows[(key, principal)] = slot
        reset = int(slot[0] + window)
        if slot[1] >= limit:
            return False, limit, 0, reset
        slot[1] += 1
        return True, limit, limit - int(slot[1]), reset

    def reset(self) -> None:
        """Forget all windows."""
        self._windows.clear()


def _lang(text: str) -> str:
    return "lv" if _LATVIAN.search(text) else "en"


class _UserIndex:
    """Users by name: a simulation of 100,000 messages looked every author up by a scan.

    Trusted while it indexes the same dict at the size it was built or grown to (users are only
    ever added; a reset or a loaded state brings a new dict); rebuilt otherwise.
    """

    def __init__(self, field: str, normal: Callable[[str], str]) -> None:
        self.field, self.normal = field, normal
        self.users: dict[str, dict[str, Any]] | None = None
        self.size = 0
        self.ids: dict[str, str] = {}

    def find(self, users: dict[str, dict[str, Any]], name: str) -> str | None:
        if users is not self.users or len(users) != self.size:
            self.users, self.size = users, len(users)
            self.ids = {self.normal(str(u[self.field])): str(u["id"]) for u in users.values()}
        return self.ids.get(self.normal(name))

    def added(self, users: dict[str, dict[str, Any]], name: str, user_id: str) -> None:
        if users is self.users:
            self.ids[self.normal(name)] = user_id
            self.size = len(users)


class _Grouped:
    """Ids of one of the state's tables grouped by a key of the record, so that a lookup reads one
    group instead of scanning the table: the sandbox answered 0.26 ms a request at 1,000 stored
    posts and 1.88 ms at 20,000 while the duplicate checks scanned and Page feeds were sorted.

    Records are only ever added to a table (deletion is a flag); a reset clears it, a loaded state
    brings new dicts. The index is trusted while it indexes the same dict at the size it last saw
    and rebuilt otherwise; a group's records are re-checked against the key when read, so a stale
    entry (a record whose keyed field changed, see `moved`) is never returned. With `order`, each
    group is kept sorted by it (oldest first).
    """

    def __init__(
        self, key: Callable[[dict[str, Any]], Hashable], order: Callable[[dict[str, Any]], Any] | None = None
    ) -> None:
        self.key, self.order = key, order
        self.table: dict[str, dict[str, Any]] | None = None
        self.size = 0
        self.groups: dict[Hashable, list[str]] = {}

    def _sync(self, table: dict[str, dict[str, Any]]) -> None:
        if table is self.table and len(table) == self.size:
            return
        self.table, self.size = table, len(table)
        self.groups = defaultdict(list)
        for record_id, record in table.items():
            self.groups[self.key(record)].append(record_id)
        if self.order is not None:
            for ids in self.groups.values():
                ids.sort(key=lambda i: self._position(table, i))

    def _position(self, table: dict[str, dict[str, Any]], record_id: str) -> Any:
        assert self.order is not None
        return self.order(table[record_id])

    def ids(self, table: dict[str, dict[str, Any]], key: Hashable) -> list[str]:
        """The ids filed under `key` (in `order`), unchecked: for keys no record ever changes."""
        self._sync(table)
        return self.groups.get(key, [])

    def get(self, table: dict[str, dict[str, Any]], key: Hashable) -> list[dict[str, Any]]:
        """The records with this key (in `order`, else as added)."""
        self._sync(table)
        found = (table.get(i) for i in self.groups.get(key, ()))
        return [r for r in found if r is not None and self.key(r) == key]

    def added(self, table: dict[str, dict[str, Any]], record_id: str) -> None:
        """Index a record just stored in `table`."""
        if table is not self.table or len(table) != self.size + 1:
            self._sync(table)  # stale anyway: the rebuild includes the new record
            return
        self.size += 1
        self._insert(table, record_id)

    def moved(self, table: dict[str, dict[str, Any]], record_id: str) -> None:
        """Index a record again after its keyed field changed (its old entry is skipped on read)."""
        self._sync(table)
        self._insert(table, record_id)

    def _insert(self, table: dict[str, dict[str, Any]], record_id: str) -> None:
        ids = self.groups.setdefault(self.key(table[record_id]), [])
        if self.order is None:
            ids.append(record_id)
        else:
            bisect.insort(ids, record_id, key=lambda i: self._position(table, i))


class Sandbox:
    """The emulated platforms' shared model."""

    def __init__(
        self,
        state: SandboxState,
        seed: int | None = None,
        state_path: Path | None = None,
        rate_limits: Mapping[str, tuple[int, float]] | None = None,
    ) -> None:
        self.state = state
        self._x_handles = _UserIndex("username", str.lower)
        self._fb_names = _UserIndex("name", str)
        self._tweets_by_text = _Grouped(lambda t: (t["author_id"], t["text"]))
        self._replies = _Grouped(lambda t: t["in_reply_to_tweet_id"])
        self._page_posts = _Grouped(lambda p: p["page_id"], order=lambda p: (p["t"], p["id"]))
        self._posts_by_text = _Grouped(lambda p: (p["page_id"], p["message"], p["link"]))
        self.lock = threading.RLock()
        self.seed = state.seed if seed is None else seed
        self.writer = CitizenWriter(self.seed + state.next_id)
        self.state_path = state_path
        self.faults: list[Fault] = []
        self.limiter = Limiter({**DEFAULT_LIMITS, **(rate_limits or {})})
        self.requests_served = 0
        # Every token-endpoint call (connectors.emulator.oauth), so tests can count refreshes.
        self.oauth_events: list[dict[str, Any]] = []

    # --- plumbing -------------------------------------------------------------------------------

    def now(self) -> float:
        """Sandbox time in epoch seconds (real time plus whatever /_sandbox/clock advanced)."""
        return time.time() + self.state.clock_offset

    def new_number(self) -> int:
        """A fresh, strictly increasing number for ids."""
        number = self.state.next_id
        self.state.next_id += 1
        return number

    def persist(self) -> None:
        """Write the state file, if there is one (after every change, so a restart keeps it)."""
        if self.state_path is not None:
            write_state(self.state, self.state_path)

    def account_by_token(self, platform: str, token: str) -> SandboxAccount | None:
        """The account whose token this is, expired or not.

        A token issued through OAuth (connectors.emulator.oauth) gives a copy of its account that
        carries that token and its own expiry, so the API modules check and echo it as they would
        the account's seeded token; a revoked one, or a refresh token, speaks for nobody.
        """
        for account in self.state.accounts:
            if account.platform == platform and account.token == token:
                return account
        grant = self.state.grants.get(token)
        if grant is None or grant["platform"] != platform or grant["revoked"]:
            return None
        if grant["kind"] not in ("access", "page"):
            return None
        for account in self.state.accounts:
            if account.platform == platform and account.id == grant["account_id"]:
                return replace(account, token=token, token_expires_at=grant["expires_at"])
        return None

    def token_expired(self, account: SandboxAccount) -> bool:
        """Whether the account's token has passed its expiry."""
        return account.token_expires_at is not None and self.now() >= account.token_expires_at

    # --- faults ---------------------------------------------------------------------------------

    def add_fault(
        self,
        platform: str,
        endpoint: str | None,
        kind: str,
        count: int = 1,
        stall_seconds: float = 0.0,
    ) -> Fault:
        """Arm a fault. Raises SandboxInputError for an unknown platform, kind or endpoint shape."""
        if platform not in ("x", "facebook"):
            raise SandboxInputError("platform must be 'x' or 'facebook'")
        if kind not in FAULT_KINDS:
            raise SandboxInputError(f"kind must be one of {', '.join(FAULT_KINDS)}")
        if count < 1:
            raise SandboxInputError("count must be at least 1")
        method: str | None = None
        segments: tuple[str, ...] | None = None
        if endpoint:
            parts = endpoint.split(maxsplit=1)
            if len(parts) != 2 or not parts[1].startswith("/"):
                raise SandboxInputError("endpoint must look like 'POST /2/tweets'")
            method = parts[0].upper()
            segments = path_segments(platform, parts[1])
        fault = Fault(platform, method, segments, kind, count, stall_seconds)
        with self.lock:
            self.faults.append(fault)
        return fault

    def take_fault(self, platform: str, method: str, path: str) -> Fault | None:
        """The first armed fault matching this request, counted down; None if there is none."""
        segments = path_segments(platform, path)
        with self.lock:
            for fault in self.faults:
                if fault.matches(platform, method, segments):
                    fault.count -= 1
                    if fault.count <= 0:
                        self.faults.remove(fault)
                    return fault
        return None

    # --- X model --------------------------------------------------------------------------------

    def x_user(self, user_id: str) -> dict[str, Any] | None:
        """An X user (an institution account or a citizen) as {id, name, username}."""
        account = self.state.account("x", user_id)
        if account is not None and account.id == user_id:
            return {"id": account.id, "name": account.name, "username": account.handle.lstrip("@")}
        return self.state.x_users.get(user_id)

    def x_citizen(self, author: Citizen | str | None) -> str:
        """The id of a citizen user with this name or handle, created if needed."""
        if not isinstance(author, Citizen):
            author = (
                self.writer.citizen()
                if not author
                else Citizen(name=author.lstrip("@"), handle=author.lstrip("@").replace(" ", "_"))
            )
        known = self._x_handles.find(self.state.x_users, author.handle)
        if known is not None:
            return known
        user_id = str(1_000_000_000 + self.new_number())
        self.state.x_users[user_id] = {"id": user_id, "name": author.name, "username": author.handle}
        self._x_handles.added(self.state.x_users, author.handle, user_id)
        return user_id

    def x_duplicate_of(self, author_id: str, text: str) -> dict[str, Any] | None:
        """A live tweet by the same author with the same text, if any."""
        same = self._tweets_by_text.get(self.state.tweets, (author_id, text))
        return next((tweet for tweet in same if not tweet["deleted"]), None)

    def x_replies(self, tweet_id: str) -> list[dict[str, Any]]:
        """Live replies to a tweet."""
        return [t for t in self._replies.get(self.state.tweets, tweet_id) if not t["deleted"]]

    def x_create(
        self,
        author_id: str,
        text: str,
        in_reply_to: str | None = None,
        media_ids: list[str] | None = None,
        source: str = "api",
    ) -> dict[str, Any]:
        """Store a tweet. Raises SandboxInputError if it replies to an unknown or deleted tweet."""
        tweet_id = str(X_ID_BASE + self.new_number())
        conversation_id = tweet_id
        in_reply_to_user_id = None
        if in_reply_to is not None:
            parent = self.state.tweets.get(in_reply_to)
            if parent is None or parent["deleted"]:
                raise SandboxInputError(f"no tweet {in_reply_to} to reply to")
            conversation_id = parent["conversation_id"]
            in_reply_to_user_id = parent["author_id"]
        tweet = {
            "id": tweet_id,
            "author_id": author_id,
            "text": text,
            "t": self.now(),
            "conversation_id": conversation_id,
            "in_reply_to_tweet_id": in_reply_to,
            "in_reply_to_user_id": in_reply_to_user_id,
            "hidden": False,
            "deleted": False,
            "media_ids": list(media_ids or []),
            "lang": _lang(text),
            "source": source,
        }
        self.state.tweets[tweet_id] = tweet
        for index in (self._tweets_by_text, self._replies):
            index.added(self.state.tweets, tweet_id)
        return tweet

    def x_mentions(self, user_id: str) -> list[dict[str, Any]]:
        """Live tweets mentioning @user or replying to them, newest first."""
        user = self.x_user(user_id)
        if user is None:
            return []
        pattern = re.compile(rf"(?<!\w)@{re.escape(user['username'])}(?!\w)", re.IGNORECASE)
        found = [
            t
            for t in self.state.tweets.values()
            if not t["deleted"]
            and t["author_id"] != user_id
            and (t["in_reply_to_user_id"] == user_id or pattern.search(t["text"]))
        ]
        return sorted(found, key=lambda t: int(t["id"]), reverse=True)

    def metrics(self, post_id: str, created: float) -> dict[str, int]:
        """Grown engagement of an institution post: its age in sandbox time, at the state's
        audience speed (a training sandbox's posts gather their audience in minutes)."""
        return grown_metrics(self.seed, post_id, (self.now() - created) * self.state.audience_speed)

    # --- Facebook model -------------------------------------------------------------------------

    def fb_citizen(self, author: Citizen | str | None) -> dict[str, str]:
        """A Facebook user {id, name} for a citizen, created if needed."""
        if not isinstance(author, Citizen):
            author = self.writer.citizen() if not author else Citizen(author, author)
        known = self._fb_names.find(self.state.fb_users, author.name)
        if known is not None:
            return {"id": known, "name": author.name}
        user_id = str(10_000_000_000_000 + self.new_number())
        self.state.fb_users[user_id] = {"id": user_id, "name": author.name}
        self._fb_names.added(self.state.fb_users, author.name, user_id)
        return {"id": user_id, "name": author.name}

    def fb_create_post(
        self,
        page: SandboxAccount,
        message: str,
        link: str | None = None,
        photo_ids: list[str] | None = None,
        source: str = "api",
        scheduled_t: float | None = None,
    ) -> dict[str, Any]:
        """Store a Page post."""
        post_id = f"{page.id}_{FB_ID_BASE + self.new_number()}"
        post = {
            "id": post_id,
            "page_id": page.id,
            "message": message,
            "link": link,
            "t": scheduled_t if scheduled_t is not None else self.now(),
            "scheduled": scheduled_t is not None,
            "photo_ids": list(photo_ids or []),
            "deleted": False,
            "source": source,
        }
        self.state.fb_posts[post_id] = post
        for index in (self._page_posts, self._posts_by_text):
            index.added(self.state.fb_posts, post_id)
        return post

    def fb_message_changed(self, post_id: str) -> None:
        """A Page post's message was edited: the duplicate check must see the new one."""
        self._posts_by_text.moved(self.state.fb_posts, post_id)

    def fb_visible_posts(self, page_id: str) -> list[dict[str, Any]]:
        """The Page's live, already public posts, newest first (from the Page's index, kept in time
        order, rather than a sort of every post on each call)."""
        now = self.now()
        posts = self._page_posts.get(self.state.fb_posts, page_id)
        return [p for p in reversed(posts) if not p["deleted"] and p["t"] <= now]

    def fb_feed(
        self, page_id: str, after: tuple[float, str] | None, count: int
    ) -> list[dict[str, Any]] | None:
        """Up to `count` of `fb_visible_posts`, starting after the visible post whose (t, id) is
        `after` (from the newest without it); None when `after` names no visible post. Read from
        the Page's index, so a page of the feed costs the same however many posts the Page has."""
        posts, now = self.state.fb_posts, self.now()

        def visible(post: dict[str, Any]) -> bool:
            return not post["deleted"] and post["t"] <= now

        ids = self._page_posts.ids(posts, page_id)  # page_id never changes: no re-check needed
        end = len(ids)
        if after is not None:
            end = bisect.bisect_left(ids, after, key=lambda i: (posts[i]["t"], posts[i]["id"]))
            if end == len(ids) or (posts[ids[end]]["t"], posts[ids[end]]["id"]) != after:
                return None
            if not visible(posts[ids[end]]):
                return None
        found: list[dict[str, Any]] = []
        for position in range(end - 1, -1, -1):
            if len(found) == count:
                break
            post = posts[ids[position]]
            if visible(post):
                found.append(post)
        return found

    def fb_duplicate_of(self, page_id: str, message: str, link: str | None, since: float) -> bool:
        """Whether the Page has a live, public post with this message and link made at `since` or later."""
        now = self.now()
        return any(
            not p["deleted"] and since <= p["t"] <= now
            for p in self._posts_by_text.get(self.state.fb_posts, (page_id, message, link))
        )

    def fb_create_comment(self, target_id: str, message: str, author: dict[str, str]) -> dict[str, Any]:
        """Comment on a post, or reply to a comment (Facebook keeps threads two levels deep).

        Raises SandboxInputError if the target is neither a live post nor a live comment.
        """
        parent_id: str | None = None
        post = self.state.fb_posts.get(target_id)
        if post is None:
            parent = self.state.fb_comments.get(target_id)
            if parent is None or parent["deleted"]:
                raise SandboxInputError(f"no post or comment {target_id}")
            parent_id = parent["parent_id"] or parent["id"]
            post = self.state.fb_posts.get(parent["post_id"])
        if post is None or post["deleted"]:
            raise SandboxInputError(f"no post {target_id}")
        post_number = post["id"].split("_")[-1]
        comment_id = f"{post_number}_{FB_ID_BASE + self.new_number()}"
        comment = {
            "id": comment_id,
            "post_id": post["id"],
            "parent_id": parent_id,
            "from": dict(author),
            "message": message,
            "t": self.now(),
            "is_hidden": False,
            "deleted": False,
        }
        self.state.fb_comments[comment_id] = comment
        return comment

    # --- control operations -------------------------------------------------------------------

    def inject_mention(
        self, account_id: str, text: str, author: str | None, in_reply_to: str | None = None
    ) -> str:
        """A citizen mentions an X account (or replies to one of its tweets). Returns the tweet id.

        Raises SandboxInputError for an unknown account or tweet.
        """
        with self.lock:
            account = self.state.account("x", account_id)
            if account is None:
                raise SandboxInputError(f"no X account {account_id!r}")
            if f"@{account.handle.lstrip('@')}".lower() not in text.lower():
                text = f"@{account.handle.lstrip('@')} {text}"
            author_id = self.x_citizen(author)
            tweet = self.x_create(author_id, text, in_reply_to=in_reply_to, source="citizen")
            self.persist()
            return str(tweet["id"])

    def inject_comment(self, post_id: str, text: str, author: str | None) -> str:
        """A citizen comments on a Page post or comment, or replies to a tweet. Returns the new id.

        Raises SandboxInputError if there is no such post or comment.
        """
        with self.lock:
            if post_id in self.state.tweets:
                tweet = self.state.tweets[post_id]
                owner = self.x_user(tweet["author_id"])
                handle = owner["username"] if owner else ""
                text = text if f"@{handle}".lower() in text.lower() else f"@{handle} {text}"
                created = self.x_create(self.x_citizen(author), text, in_reply_to=post_id, source="citizen")
                self.persist()
                return str(created["id"])
            comment = self.fb_create_comment(post_id, text, self.fb_citizen(author))
            self.persist()
            return str(comment["id"])

    def inject_post(self, account_id: str, text: str) -> tuple[str, str]:
        """A post made outside smtool on an institution account. Returns (platform, id).

        Raises SandboxInputError for an unknown account.
        """
        with self.lock:
            for platform in ("x", "facebook"):
                account = self.state.account(platform, account_id)
                if account is None:
                    continue
                if platform == "x":
                    post = self.x_create(account.id, text, source="outside")
                else:
                    post = self.fb_create_post(account, text, source="outside")
                self.persist()
                return platform, str(post["id"])
        raise SandboxInputError(f"no account {account_id!r}")

    def simulate(self, count: int, platform: str | None = None) -> list[dict[str, str]]:
        """Let `count` simulated citizens write: X mentions and replies, Facebook comments.

        Facebook comments need a Page post to land on; with none, citizens write on X instead.
        """
        created: list[dict[str, str]] = []
        with self.lock:
            # Indexed once per call, then kept up to date: scanning every comment and tweet for each
            # message made a long simulation quadratic.
            comments_on: dict[str, list[dict[str, Any]]] = defaultdict(list)
            for c in self.state.fb_comments.values():
                if not c["deleted"]:
                    comments_on[c["post_id"]].append(c)
            own_tweets: dict[str, list[dict[str, Any]]] = defaultdict(list)
            for t in self.state.tweets.values():
                if not t["deleted"]:
                    own_tweets[t["author_id"]].append(t)
            for _ in range(count):
                message = self.writer.message()
                choices = [a for a in self.state.accounts if platform in (None, a.platform)]
                if not choices:
                    raise SandboxInputError(f"no {platform} account to write to")
                account = choices[self.writer.pick(len(choices))]
                if account.platform == "facebook":
                    posts = self.fb_visible_posts(account.id)
                    if posts:
                        target = posts[self.writer.pick(min(len(posts), 5))]
                        comments = comments_on[target["id"]]
                        if comments and self.writer.pick(3) == 0:
                            target = comments[self.writer.pick(len(comments))]
                        comment = self.fb_create_comment(
                            target["id"], message.text, self.fb_citizen(message.author)
                        )
                        comments_on[comment["post_id"]].append(comment)
                        created.append(self._simulated("facebook", comment["id"], message))
                        continue
                    x_accounts = [a for a in self.state.accounts if a.platform == "x"]
                    if platform == "facebook" or not x_accounts:
                        raise SandboxInputError("no Facebook post for citizens to comment on")
                    account = x_accounts[0]
                own = own_tweets[account.id]
                reply_to = None
                if own and self.writer.pick(2) == 0:
                    reply_to = own[-1 - self.writer.pick(min(len(own), 5))]["id"]
                text = f"@{account.handle.lstrip('@')} {message.text}"
                tweet = self.x_create(
                    self.x_citizen(message.author), text, in_reply_to=reply_to, source="citizen"
                )
                own_tweets[tweet["author_id"]].append(tweet)
                created.append(self._simulated("x", tweet["id"], message))
            self.persist()
        return created

    @staticmethod
    def _simulated(platform: str, item_id: str, message: Any) -> dict[str, str]:
        return {
            "platform": platform,
            "id": item_id,
            "category": message.category,
            "lang": message.lang,
            "author": message.author.name,
        }

    def published(self, platform: str) -> list[dict[str, Any]]:
        """Everything institution accounts put on `platform`, whoever sent it, oldest first."""
        from datetime import UTC, datetime

        def stamp(t: float) -> str:
            return datetime.fromtimestamp(t, UTC).isoformat().replace("+00:00", "Z")

        own_ids = {a.id for a in self.state.accounts if a.platform == platform}
        rows: list[dict[str, Any]] = []
        with self.lock:
            if platform == "x":
                for t in self.state.tweets.values():
                    if t["author_id"] in own_ids:
                        rows.append(
                            {
                                "id": t["id"],
                                "account": t["author_id"],
                                "text": t["text"],
                                "created_at": stamp(t["t"]),
                                "in_reply_to": t["in_reply_to_tweet_id"],
                                "deleted": t["deleted"],
                                "source": t["source"],
                            }
                        )
            else:
                for p in self.state.fb_posts.values():
                    rows.append(
                        {
                            "id": p["id"],
                            "account": p["page_id"],
                            "text": p["message"],
                            "created_at": stamp(p["t"]),
                            "in_reply_to": None,
                            "deleted": p["deleted"],
                            "source": p["source"],
                        }
                    )
                for c in self.state.fb_comments.values():
                    if c["from"]["id"] in own_ids:
                        rows.append(
                            {
                                "id": c["id"],
                                "account": c["from"]["id"],
                                "text": c["message"],
                                "created_at": stamp(c["t"]),
                                "in_reply_to": c["parent_id"] or c["post_id"],
                                "deleted": c["deleted"],
                                "source": "api",
                            }
                        )
        return sorted(rows, key=lambda r: (r["created_at"], r["id"]))

    def reset(self) -> None:
        """Forget posts, comments, faults and rate-limit windows; keep accounts and tokens."""
        with self.lock:
            self.state.clear_content()
            self.faults.clear()
            self.limiter.reset()
            self.writer = CitizenWriter(self.seed)
            self.persist()

    def advance_clock(self, seconds: float) -> float:
        """Move sandbox time forward (metrics grow, rate-limit windows pass). Returns the new now.

        Raises SandboxInputError for a negative amount: platforms' clocks do not run backwards.
        """
        if seconds < 0:
            raise SandboxInputError("the clock only moves forward")
        with self.lock:
            self.state.clock_offset += seconds
            self.persist()
            return self.now()
