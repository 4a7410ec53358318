"""The sandbox platform: X API v2 and Facebook Graph API wire formats on 127.0.0.1.

The real tweepy and facebook-sdk clients work against it unmodified (point them at it with the
connectors' ``base_url``, or mount ``connectors.http.PlatformAdapter`` on their session). It keeps
what was posted, has seeded simulated citizens, grows metrics over time, enforces documented rate
limits and refuses bad or expired tokens, and can inject faults on request.

Python API (used by ``smtool sandbox serve``, ``smtool init --sandbox``, tests, the demo, benchmarks)::

    from connectors.emulator import SandboxServer, new_sandbox_state, load_state, write_state

    state = new_sandbox_state(seed=7)        # one X account and one Facebook Page, random tokens
    write_state(state, "sandbox.json")       # mode 0600: it holds the tokens
    state = load_state("sandbox.json")       # raises OSError, StateError
    for account in state.accounts:           # SandboxAccount(platform, id, handle, name, token)
        ...
    with SandboxServer(state, port=0, seed=7, state_path="sandbox.json") as server:
        server.base_url                      # "http://127.0.0.1:PORT"
        server.account("x").token            # the OAuth 2 user token X accepts (Bearer)
        server.sandbox.simulate(20)          # citizens write (same as POST /_sandbox/simulate)

``SandboxServer(state=None, host="127.0.0.1", port=0, seed=None, state_path=None,
rate_limits=None, record=False, quiet=True)`` binds at once (loopback only, else ValueError);
``start()`` serves from a daemon thread and returns the server, ``stop()`` releases the port,
``serve_forever()`` blocks. With ``state_path`` every change is written back so a restart keeps
posts and comments. ``rate_limits`` overrides entries of ``DEFAULT_LIMITS`` such as
``{"x POST /2/tweets": (100, 900)}`` (requests, window seconds). ``record=True`` keeps every
answer in ``server.recorded`` (a list of ``Exchange``).

Control API (JSON in, JSON out; bad JSON or unknown fields get 400 {"error": reason}):

- ``POST /_sandbox/mentions {"account", "text", "author"?, "in_reply_to"?}`` -> 201 {"id"}
- ``POST /_sandbox/comments {"post_id", "text", "author"?}`` -> 201 {"id"} (a Page post or comment;
  a tweet id makes a reply tweet)
- ``POST /_sandbox/posts {"account", "text"}`` -> 201 {"id", "platform"}: a post made outside smtool
- ``POST /_sandbox/faults {"platform", "kind", "endpoint"?, "count"?, "stall_seconds"?}`` -> 201;
  kinds: rate_limit, server_error, timeout_after_store, expired_token, duplicate; endpoint like
  "POST /2/tweets" or "POST /:page/feed" (":name" or "{name}" segments match anything; the Graph
  version prefix is ignored; no endpoint: every endpoint of the platform). timeout_after_store
  stores, waits stall_seconds (default 0) and closes the connection without an answer.
- ``GET /_sandbox/faults``, ``GET /_sandbox/accounts``, ``GET|POST /_sandbox/limits``
- ``GET /_sandbox/published?platform=x|facebook`` -> [{"id", "account", "text", "created_at",
  "in_reply_to", "deleted", "source"}]: everything institution accounts put on the platform
- ``POST /_sandbox/reset`` -> forget content, faults and rate windows; keep accounts and tokens
- ``POST /_sandbox/simulate {"count", "platform"?}`` -> 201 {"items": [{"platform", "id",
  "category", "lang", "author"}]}
- ``GET|POST /_sandbox/clock {"advance_seconds"}`` -> {"now", "offset_seconds"}: metrics grow
  and rate-limit windows pass as sandbox time moves on (and OAuth tokens expire).
- ``GET /_sandbox/oauth`` -> {"apps", "events"}: the registered X and Meta apps (client id and
  secret to paste into smtool) and every token-endpoint call.

OAuth (connectors.emulator.oauth): X's /i/oauth2/authorize, /2/oauth2/token (PKCE, refresh token
rotation, a reused refresh token revokes its chain) and /2/oauth2/revoke; Graph's dialog/oauth,
oauth/access_token (code, fb_exchange_token), /me/accounts and debug_token.
"""

from __future__ import annotations

from connectors.emulator.core import DEFAULT_LIMITS, FAULT_KINDS, Sandbox, SandboxInputError
from connectors.emulator.server import Exchange, SandboxServer
from connectors.emulator.state import (
    SandboxAccount,
    SandboxState,
    StateError,
    load_state,
    new_sandbox_state,
    write_state,
)

__all__ = [
    "DEFAULT_LIMITS",
    "FAULT_KINDS",
    "Exchange",
    "Sandbox",
    "SandboxAccount",
    "SandboxInputError",
    "SandboxServer",
    "SandboxState",
    "StateError",
    "load_state",
    "new_sandbox_state",
    "write_state",
]
