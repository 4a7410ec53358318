"""The sandbox's persistent state: accounts with their tokens, and what was posted on each platform.

Everything is plain JSON so a trainer can read (and hand-edit) the --state file. The file holds live
tokens for the sandbox accounts, so it is written with mode 0600.
"""

from __future__ import annotations

import json
import os
import random
import secrets
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

__all__ = [
    "STATE_VERSION",
    "SandboxAccount",
    "SandboxState",
    "StateError",
    "load_state",
    "new_sandbox_state",
    "write_state",
]

STATE_VERSION = 1
Platform = Literal["x", "facebook"]


class StateError(ValueError):
    """A sandbox state file cannot be read or does not have the expected shape."""


@dataclass
class SandboxAccount:
    """An institution account on the sandbox and the token it accepts.

    `id` is the platform's id (X user id, Facebook Page id); `token` is the OAuth 2 user token (X,
    sent as Bearer) or the Page access token (Facebook).
    """

    platform: Platform
    id: str
    handle: str
    name: str
    token: str
    token_expires_at: float | None = None
    """Epoch seconds after which the token is refused as expired; None: never."""

    def public(self) -> dict[str, str]:
        """The shape `smtool sandbox serve` prints for each account."""
        return {
            "platform": self.platform,
            "id": self.id,
            "handle": self.handle,
            "name": self.name,
            "token": self.token,
        }


@dataclass
class SandboxState:
    """Accounts plus everything posted: tweets, users, Page posts, comments and photos by id."""

    accounts: list[SandboxAccount]
    seed: int = 0
    next_id: int = 1
    clock_offset: float = 0.0
    audience_speed: float = 1.0
    """Seconds of simulated audience per second of sandbox time: how fast institution posts gather
    impressions, likes and shares. 1 is the real pace; a training installation runs faster, so that
    figures grow while people train instead of over days."""
    x_users: dict[str, dict[str, Any]] = field(default_factory=dict)
    tweets: dict[str, dict[str, Any]] = field(default_factory=dict)
    media: dict[str, dict[str, Any]] = field(default_factory=dict)
    fb_users: dict[str, dict[str, Any]] = field(default_factory=dict)
    fb_posts: dict[str, dict[str, Any]] = field(default_factory=dict)
    fb_comments: dict[str, dict[str, Any]] = field(default_factory=dict)
    fb_photos: dict[str, dict[str, Any]] = field(default_factory=dict)
    # OAuth (connectors.emulator.oauth): registered apps by client id, and every code and token the
    # sandbox issued by its value, so a restart keeps connected installations connected.
    apps: dict[str, dict[str, Any]] = field(default_factory=dict)
    grants: dict[str, dict[str, Any]] = field(default_factory=dict)

    def account(self, platform: str, account_id: str) -> SandboxAccount | None:
        """The account with this platform id or handle (with or without @), if any."""
        wanted = account_id.lstrip("@").lower()
        for account in self.accounts:
            if account.platform == platform and (
                account.id == account_id or account.handle.lstrip("@").lower() == wanted
            ):
                return account
        return None

    def clear_content(self) -> None:
        """Forget everything posted; keep accounts, tokens and the seed."""
        for table in (
            self.x_users,
            self.tweets,
            self.media,
            self.fb_users,
            self.fb_posts,
            self.fb_comments,
            self.fb_photos,
        ):
            table.clear()
        self.clock_offset = 0.0

    def to_json(self) -> dict[str, Any]:
        """The state as the JSON document the --state file holds."""
        document = asdict(self)
        document["version"] = STATE_VERSION
        return document


def _token(prefix: str) -> str:
    return prefix + secrets.token_urlsafe(32)


def new_sandbox_state(seed: int | None = None, audience_speed: float = 1.0) -> SandboxState:
    """Fresh state with one X account and one Facebook Page, each with a new random token, whose
    posts' audience reacts `audience_speed` times the real pace.

    The seed fixes ids and simulated citizens (so a training scenario can be replayed); tokens are
    always random, because a token that can be guessed teaches the wrong habit.
    """
    chosen = seed if seed is not None else secrets.randbelow(2**31)
    rnd = random.Random(chosen)  # noqa: S311 (ids follow the seed; tokens use secrets)
    x_id = str(1_400_000_000_000_000_000 + rnd.randrange(10**17))
    page_id = str(100_000_000_000_000 + rnd.randrange(10**14))
    accounts = [
        SandboxAccount("x", x_id, "@SandboxIestade", "Sandbox Iestāde", _token("sbx-x-")),
        SandboxAccount("facebook", page_id, "sandbox.iestade", "Sandbox Iestāde", _token("EAAsbx")),
    ]
    apps = {
        client_id: {"platform": platform, "client_id": client_id, "client_secret": _token("sbx-secret-")}
        for platform, client_id in (
            ("x", "sbx-client-" + secrets.token_urlsafe(8)),
            ("facebook", str(900_000_000_000_000 + rnd.randrange(10**14))),
        )
    }
    return SandboxState(accounts=accounts, seed=chosen, apps=apps, audience_speed=audience_speed)


def write_state(state: SandboxState, path: str | os.PathLike[str]) -> None:
    """Write `state` to `path` atomically with mode 0600. Raises OSError if the file cannot be written."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(state.to_json(), handle, ensure_ascii=False, indent=1)
        os.chmod(tmp, 0o600)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def load_state(path: str | os.PathLike[str]) -> SandboxState:
    """Read a state file. Raises OSError if unreadable and StateError if it is not a sandbox state."""
    raw = Path(path).read_text(encoding="utf-8")
    try:
        document = json.loads(raw)
    except json.JSONDecodeError as e:
        raise StateError(f"{path}: not JSON ({e.msg} at line {e.lineno})") from e
    if not isinstance(document, dict) or not isinstance(document.get("accounts"), list):
        raise StateError(f"{path}: expected an object with an 'accounts' list")
    accounts: list[SandboxAccount] = []
    for index, entry in enumerate(document["accounts"]):
        try:
            if entry["platform"] not in ("x", "facebook"):
                raise StateError(f"{path}: accounts[{index}].platform must be 'x' or 'facebook'")
            accounts.append(
                SandboxAccount(
                    platform=entry["platform"],
                    id=str(entry["id"]),
                    handle=str(entry["handle"]),
                    name=str(entry.get("name") or entry["handle"]),
                    token=str(entry["token"]),
                    token_expires_at=entry.get("token_expires_at"),
                )
            )
        except (KeyError, TypeError) as e:
            raise StateError(f"{path}: accounts[{index}] lacks {e}") from e
    state = SandboxState(accounts=accounts)
    try:
        state.seed = int(document.get("seed", 0))
        state.next_id = int(document.get("next_id", 1))
        state.clock_offset = float(document.get("clock_offset", 0.0))
        state.audience_speed = float(document.get("audience_speed", 1.0))
    except (TypeError, ValueError) as e:
        raise StateError(f"{path}: seed, next_id, clock_offset and audience_speed must be numbers") from e
    if not 0 < state.audience_speed <= 100_000:
        raise StateError(f"{path}: audience_speed must be above 0 and at most 100000")
    for name in (
        "x_users",
        "tweets",
        "media",
        "fb_users",
        "fb_posts",
        "fb_comments",
        "fb_photos",
        "apps",
        "grants",
    ):
        table = document.get(name, {})
        if not isinstance(table, dict):
            raise StateError(f"{path}: {name} must be an object keyed by id")
        setattr(state, name, table)
    return state
