"""How the sandbox lets an app connect an account: the platforms' OAuth endpoints, wire for wire.

X (OAuth 2.0 Authorization Code with PKCE, https://docs.x.com/fundamentals/authentication/oauth-2-0):

- ``GET /i/oauth2/authorize`` (also ``/2/oauth2/authorize``) with response_type=code, client_id,
  redirect_uri, scope, state, code_challenge, code_challenge_method=S256: the person consents at once
  and is sent (302) to redirect_uri?state=...&code=... . The sandbox extension ``sandbox_user=HANDLE``
  chooses which sandbox X account consents (default: the first).
- ``POST /2/oauth2/token`` (form; Basic client auth or client_id in the body):
  grant_type=authorization_code checks the code (once, 30 seconds), redirect_uri and the PKCE verifier;
  grant_type=refresh_token rotates: each refresh token works once, and presenting a used one revokes
  every token of its chain (invalid_grant). Answers {token_type, expires_in, access_token, scope,
  refresh_token}; access tokens live two hours on the sandbox clock.
- ``POST /2/oauth2/revoke`` (token=...) -> {"revoked": true}; the token's whole chain stops working.

Graph (the manual Facebook Login flow, https://developers.facebook.com/docs/facebook-login/guides/advanced/manual-flow):

- ``GET /vX.Y/dialog/oauth`` client_id, redirect_uri, state, scope -> 302 redirect_uri?code=...&state=...
- ``GET /vX.Y/oauth/access_token`` with code (a short-lived user token), with
  grant_type=fb_exchange_token (a 60-day user token) or grant_type=client_credentials (the app token).
- ``GET /me``, ``GET /me/accounts`` with a user token: the Pages the sandbox's administrator manages,
  each with a Page token (one that never expires when the user token was long-lived).
- ``GET /vX.Y/debug_token?input_token=...&access_token=APP_ID|APP_SECRET`` -> {"data": {...}}.

Control: ``GET /_sandbox/oauth`` -> {"apps": [...], "events": [...]} (every token-endpoint call).
"""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from connectors.emulator.core import Sandbox
from connectors.emulator.wire import BadBody, Reply, Request, json_reply

__all__ = ["X_ACCESS_SECONDS", "claims", "handle"]

X_ACCESS_SECONDS = 7200
X_CODE_SECONDS = 30
FB_CODE_SECONDS = 600
FB_SHORT_SECONDS = 2 * 3600
FB_LONG_SECONDS = 60 * 86400
# Data access lapses 90 days after the person last used the app (debug_token's data_access_expires_at).
FB_DATA_ACCESS_SECONDS = 90 * 86400
FB_ADMIN = {"id": "100089000000001", "name": "Sandbox Administrators"}
X_PATHS = frozenset({"/i/oauth2/authorize", "/2/oauth2/authorize", "/2/oauth2/token", "/2/oauth2/revoke"})
_VERSION = re.compile(r"^v\d+\.\d+$")
_GRAPH_CONTENT = "application/json; charset=UTF-8"


def _graph_segments(path: str) -> tuple[str, ...]:
    segments = tuple(s for s in path.split("/") if s)
    return segments[1:] if segments and _VERSION.match(segments[0]) else segments


def _graph_token(req: Request) -> str:
    scheme, _, header = req.headers.get("authorization", "").partition(" ")
    return req.query.get("access_token") or (header.strip() if scheme.lower() in ("oauth", "bearer") else "")


def claims(sb: Sandbox, req: Request) -> bool:
    """Whether this request is one for this module rather than the X or Graph API modules."""
    if req.path in X_PATHS or req.path == "/_sandbox/oauth":
        return True
    if req.path.startswith("/2/") or req.path.startswith("/_sandbox/"):
        return False
    segments = _graph_segments(req.path)
    if segments in (("dialog", "oauth"), ("oauth", "access_token"), ("debug_token",)):
        return True
    grant = sb.state.grants.get(_graph_token(req))
    return grant is not None and grant["platform"] == "facebook" and grant["kind"] == "user"


def handle(sb: Sandbox, req: Request) -> Reply:
    """Answer one OAuth request (see the module docstring)."""
    with sb.lock:
        if req.path == "/_sandbox/oauth":
            return json_reply(200, {"apps": list(sb.state.apps.values()), "events": sb.oauth_events})
        platform = "x" if req.path in X_PATHS else "facebook"
        # Faults armed for a token endpoint ("POST /2/oauth2/token") apply here as on the APIs.
        fault = sb.take_fault(platform, req.method, req.path)
        if fault is not None and fault.kind == "server_error":
            return _x_error("server_error", "Service Unavailable", 503)
        reply = _x(sb, req) if platform == "x" else _graph(sb, req)
        sb.persist()
        if fault is not None and fault.kind == "timeout_after_store":
            # Done (a refresh token used up), then no answer: the client cannot know.
            reply.drop, reply.stall_seconds = True, fault.stall_seconds
        return reply


# --- shared -----------------------------------------------------------------------------------------


def _issue(sb: Sandbox, platform: str, kind: str, lifetime: float | None, **fields: Any) -> str:
    prefix = {
        "code": "sbx-code-",
        "access": "sbx-at-",
        "refresh": "sbx-rt-",
        "user": "EAAsbxU",
        "page": "EAAsbxP",
    }
    token = prefix[kind] + secrets.token_urlsafe(32)
    now = sb.now()
    sb.state.grants[token] = {
        "platform": platform,
        "kind": kind,
        "issued_at": now,
        "expires_at": None if lifetime is None else now + lifetime,
        "used": False,
        "revoked": False,
        **fields,
    }
    return token


def _live(sb: Sandbox, token: str, platform: str, kind: str) -> dict[str, Any] | None:
    grant = sb.state.grants.get(token)
    if grant is None or grant["platform"] != platform or grant["kind"] != kind or grant["revoked"]:
        return None
    if grant["expires_at"] is not None and sb.now() >= grant["expires_at"]:
        return None
    return grant


def _redirect(target: str, params: dict[str, str]) -> Reply:
    parts = urlsplit(target)
    query = parse_qsl(parts.query, keep_blank_values=True) + list(params.items())
    location = urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query), ""))
    return Reply(302, b"", "text/plain; charset=utf-8", {"location": location})


def _event(sb: Sandbox, platform: str, grant_type: str, outcome: str, **extra: Any) -> None:
    sb.oauth_events.append(
        {"platform": platform, "grant_type": grant_type, "outcome": outcome, "at": sb.now(), **extra}
    )


# --- X ----------------------------------------------------------------------------------------------


def _x_error(error: str, description: str, status: int = 400) -> Reply:
    return json_reply(status, {"error": error, "error_description": description})


def _x(sb: Sandbox, req: Request) -> Reply:  # noqa: PLR0911 (one answer per grant type)
    if req.path.endswith("/authorize"):
        return _x_authorize(sb, req) if req.method == "GET" else _x_error("invalid_request", "GET only")
    if req.method != "POST":
        return _x_error("invalid_request", "POST only")
    try:
        req.parse_form()
    except BadBody as e:
        return _x_error("invalid_request", str(e))
    app = _x_client(sb, req)
    if app is None:
        return _x_error("unauthorized_client", "Missing valid authorization header", 401)
    if req.path.endswith("/revoke"):
        return _x_revoke(sb, req)
    grant_type = req.form.get("grant_type", "")
    if grant_type == "authorization_code":
        return _x_code(sb, req, app)
    if grant_type == "refresh_token":
        return _x_refresh(sb, req, app)
    return _x_error("invalid_request", "Value passed for the grant type was invalid.")


def _x_client(sb: Sandbox, req: Request) -> dict[str, Any] | None:
    """The app making a token call: Basic auth for a confidential client, client_id for a public one."""
    scheme, _, credentials = req.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "basic":
        try:
            client_id, _, secret = base64.b64decode(credentials).decode().partition(":")
        except (ValueError, UnicodeDecodeError):
            return None
        app = sb.state.apps.get(client_id)
        if app is None or app["platform"] != "x" or not secrets.compare_digest(app["client_secret"], secret):
            return None
        return app
    app = sb.state.apps.get(req.form.get("client_id", ""))
    return app if app is not None and app["platform"] == "x" else None


def _x_authorize(sb: Sandbox, req: Request) -> Reply:
    q = req.query
    app = sb.state.apps.get(q.get("client_id", ""))
    if app is None or app["platform"] != "x":
        return _x_error("invalid_request", "Value passed for the client_id was invalid.")
    for name in ("redirect_uri", "state", "code_challenge", "scope"):
        if not q.get(name):
            return _x_error("invalid_request", f"Missing required parameter [{name}].")
    if q.get("response_type") != "code":
        return _x_error("invalid_request", "Value passed for the response_type was invalid.")
    if q.get("code_challenge_method", "plain") not in ("S256", "plain"):
        return _x_error("invalid_request", "Value passed for the code_challenge_method was invalid.")
    chosen = q.get("sandbox_user")
    account = (
        sb.state.account("x", chosen)
        if chosen
        else next((a for a in sb.state.accounts if a.platform == "x"), None)
    )
    if account is None or account.platform != "x":
        return _x_error("invalid_request", f"the sandbox has no X account {chosen!r}")
    code = _issue(
        sb,
        "x",
        "code",
        X_CODE_SECONDS,
        account_id=account.id,
        client_id=app["client_id"],
        redirect_uri=q["redirect_uri"],
        challenge=q["code_challenge"],
        method=q.get("code_challenge_method", "plain"),
        scopes=q["scope"].split(),
    )
    return _redirect(q["redirect_uri"], {"state": q["state"], "code": code})


def _pkce_ok(grant: dict[str, Any], verifier: str) -> bool:
    if grant["method"] == "plain":
        return secrets.compare_digest(grant["challenge"], verifier)
    digest = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return secrets.compare_digest(grant["challenge"], digest)


def _x_code(sb: Sandbox, req: Request, app: dict[str, Any]) -> Reply:
    code = req.form.get("code", "")
    grant = _live(sb, code, "x", "code")
    bad = "Value passed for the authorization code was invalid."
    if grant is None or grant["used"] or grant["client_id"] != app["client_id"]:
        _event(sb, "x", "authorization_code", "invalid_grant")
        return _x_error("invalid_grant", bad)
    grant["used"] = True
    if req.form.get("redirect_uri") != grant["redirect_uri"]:
        return _x_error(
            "invalid_request",
            "Value passed for the redirect uri did not match the uri of the authorization code.",
        )
    if not _pkce_ok(grant, req.form.get("code_verifier", "")):
        _event(sb, "x", "authorization_code", "pkce_failed")
        return _x_error(
            "invalid_request", "Value passed for the code verifier did not match the code challenge."
        )
    _event(sb, "x", "authorization_code", "ok", account_id=grant["account_id"])
    return _x_pair(sb, grant["account_id"], app["client_id"], grant["scopes"], chain=secrets.token_hex(8))


def _x_pair(sb: Sandbox, account_id: str, client_id: str, scopes: list[str], chain: str) -> Reply:
    fields = {"account_id": account_id, "client_id": client_id, "scopes": scopes, "chain": chain}
    document: dict[str, Any] = {
        "token_type": "bearer",
        "expires_in": X_ACCESS_SECONDS,
        "access_token": _issue(sb, "x", "access", X_ACCESS_SECONDS, **fields),
        "scope": " ".join(scopes),
    }
    if "offline.access" in scopes:
        document["refresh_token"] = _issue(sb, "x", "refresh", None, **fields)
    return json_reply(200, document)


def _revoke_chain(sb: Sandbox, chain: str) -> None:
    for grant in sb.state.grants.values():
        if grant.get("chain") == chain:
            grant["revoked"] = True


def _x_refresh(sb: Sandbox, req: Request, app: dict[str, Any]) -> Reply:
    token = req.form.get("refresh_token", "")
    grant = sb.state.grants.get(token)
    if grant is None or grant["kind"] != "refresh" or grant["client_id"] != app["client_id"]:
        _event(sb, "x", "refresh_token", "unknown_token")
        return _x_error("invalid_request", "Value passed for the token was invalid.")
    if grant["revoked"] or grant["used"]:
        # A refresh token presented twice was copied or raced: X ends the whole grant.
        _revoke_chain(sb, grant["chain"])
        _event(sb, "x", "refresh_token", "reused", account_id=grant["account_id"], chain=grant["chain"])
        return _x_error("invalid_grant", "Value passed for the token was invalid.")
    grant["used"] = True
    _event(sb, "x", "refresh_token", "ok", account_id=grant["account_id"], chain=grant["chain"])
    return _x_pair(sb, grant["account_id"], app["client_id"], grant["scopes"], grant["chain"])


def _x_revoke(sb: Sandbox, req: Request) -> Reply:
    grant = sb.state.grants.get(req.form.get("token", ""))
    if grant is not None and grant["platform"] == "x" and "chain" in grant:
        _revoke_chain(sb, grant["chain"])
    # X answers the same for a token it does not know, as RFC 7009 asks.
    return json_reply(200, {"revoked": True})


# --- Graph ------------------------------------------------------------------------------------------


def _graph_error(message: str, code: int, status: int = 400, subcode: int | None = None) -> Reply:
    error: dict[str, Any] = {"message": message, "type": "OAuthException", "code": code}
    if subcode is not None:
        error["error_subcode"] = subcode
    error["fbtrace_id"] = "A" + secrets.token_urlsafe(15)
    return json_reply(status, {"error": error}, _GRAPH_CONTENT)


def _graph(sb: Sandbox, req: Request) -> Reply:  # noqa: PLR0911 (one answer per node)
    segments = _graph_segments(req.path)
    if segments == ("dialog", "oauth"):
        return _fb_dialog(sb, req)
    if segments == ("oauth", "access_token"):
        return _fb_access_token(sb, req)
    if segments == ("debug_token",):
        return _fb_debug(sb, req)
    user = _live(sb, _graph_token(req), "facebook", "user")
    if user is None:
        return _graph_error("Error validating access token: Session has expired.", 190, 401, 463)
    if segments == ("me",):
        return json_reply(200, FB_ADMIN, _GRAPH_CONTENT)
    if segments == ("me", "accounts"):
        return _fb_pages(sb, user)
    return _graph_error(
        f"Unsupported get request. Object with ID '{'/'.join(segments)}' does not exist, cannot be "
        "loaded due to missing permissions, or does not support this operation.",
        100,
        subcode=33,
    )


def _fb_app(sb: Sandbox, client_id: str, secret: str | None) -> dict[str, Any] | Reply:
    app = sb.state.apps.get(client_id)
    if app is None or app["platform"] != "facebook":
        return _graph_error("Error validating application. Invalid application ID.", 101)
    if secret is not None and not secrets.compare_digest(app["client_secret"], secret):
        return _graph_error("Error validating client secret.", 1)
    return app


def _fb_dialog(sb: Sandbox, req: Request) -> Reply:
    q = req.query
    app = _fb_app(sb, q.get("client_id", ""), None)
    if isinstance(app, Reply):
        return app
    if not q.get("redirect_uri"):
        return _graph_error("Missing redirect_uri parameter.", 191)
    scopes = [s for s in q.get("scope", "").replace(" ", ",").split(",") if s]
    code = _issue(
        sb,
        "facebook",
        "code",
        FB_CODE_SECONDS,
        client_id=app["client_id"],
        redirect_uri=q["redirect_uri"],
        scopes=scopes,
    )
    params = {"code": code}
    if "state" in q:
        params["state"] = q["state"]
    return _redirect(q["redirect_uri"], params)


def _fb_access_token(sb: Sandbox, req: Request) -> Reply:  # noqa: PLR0911 (one answer per grant type)
    q = {**req.query}
    if req.method == "POST":
        try:
            req.parse_form()
        except BadBody as e:
            return _graph_error(f"(#100) {e}", 100)
        q.update(req.form)
    app = _fb_app(sb, q.get("client_id", ""), q.get("client_secret", ""))
    if isinstance(app, Reply):
        return app
    grant_type = q.get("grant_type", "")
    if grant_type == "client_credentials":
        return json_reply(
            200,
            {"access_token": f"{app['client_id']}|{app['client_secret']}", "token_type": "bearer"},
            _GRAPH_CONTENT,
        )
    if grant_type == "fb_exchange_token":
        short = _live(sb, q.get("fb_exchange_token", ""), "facebook", "user")
        if short is None or short["client_id"] != app["client_id"]:
            _event(sb, "facebook", "fb_exchange_token", "invalid_token")
            return _graph_error("Invalid OAuth access token - Cannot parse access token", 190, 401)
        _event(sb, "facebook", "fb_exchange_token", "ok")
        return _fb_user_token(sb, app, short["scopes"], long=True)
    code = _live(sb, q.get("code", ""), "facebook", "code")
    if code is None or code["client_id"] != app["client_id"]:
        _event(sb, "facebook", "authorization_code", "invalid_grant")
        return _graph_error("Invalid verification code format.", 100, subcode=36007)
    if code["used"]:
        return _graph_error("This authorization code has been used.", 100, subcode=36009)
    code["used"] = True
    if q.get("redirect_uri") != code["redirect_uri"]:
        return _graph_error(
            "Error validating verification code. Please make sure your redirect_uri is identical to "
            "the one you used in the OAuth dialog request",
            100,
            subcode=36008,
        )
    _event(sb, "facebook", "authorization_code", "ok")
    return _fb_user_token(sb, app, code["scopes"], long=False)


def _fb_user_token(sb: Sandbox, app: dict[str, Any], scopes: list[str], long: bool) -> Reply:
    """A user token: short-lived from a code, 60 days from fb_exchange_token."""
    lifetime = FB_LONG_SECONDS if long else FB_SHORT_SECONDS
    token = _issue(sb, "facebook", "user", lifetime, client_id=app["client_id"], scopes=scopes, long=long)
    document = {"access_token": token, "token_type": "bearer", "expires_in": lifetime}
    return json_reply(200, document, _GRAPH_CONTENT)


def _fb_pages(sb: Sandbox, user: dict[str, Any]) -> Reply:
    pages = []
    for account in sb.state.accounts:
        if account.platform != "facebook":
            continue
        # A Page token from a long-lived user token does not expire; from a short one it lapses with it.
        lifetime = None if user["long"] else max(0.0, user["expires_at"] - sb.now())
        token = _issue(
            sb,
            "facebook",
            "page",
            lifetime,
            account_id=account.id,
            client_id=user["client_id"],
            scopes=user["scopes"],
            user_id=FB_ADMIN["id"],
        )
        pages.append(
            {
                "access_token": token,
                "category": "Government organization",
                "category_list": [{"id": "2235", "name": "Government organization"}],
                "name": account.name,
                "id": account.id,
                "tasks": ["ANALYZE", "ADVERTISE", "MESSAGING", "MODERATE", "CREATE_CONTENT", "MANAGE"],
            }
        )
    cursors = {"before": "QVFIUmFirst", "after": "QVFIUmLast"}
    return json_reply(200, {"data": pages, "paging": {"cursors": cursors}}, _GRAPH_CONTENT)


def _fb_debug(sb: Sandbox, req: Request) -> Reply:
    client_id, _, secret = _graph_token(req).partition("|")
    app = _fb_app(sb, client_id, secret)
    if isinstance(app, Reply):
        return app
    token = req.query.get("input_token", "")
    grant = sb.state.grants.get(token)
    if grant is None or grant["platform"] != "facebook" or grant["kind"] not in ("user", "page"):
        return json_reply(
            200,
            {
                "data": {
                    "error": {
                        "code": 190,
                        "message": "Invalid OAuth access token - Cannot parse access token",
                    },
                    "is_valid": False,
                    "scopes": [],
                }
            },
            _GRAPH_CONTENT,
        )
    expires = grant["expires_at"]
    valid = not grant["revoked"] and (expires is None or sb.now() < expires)
    data: dict[str, Any] = {
        "app_id": grant["client_id"],
        "type": "PAGE" if grant["kind"] == "page" else "USER",
        "application": "smtool sandbox",
        "data_access_expires_at": int(grant["issued_at"] + FB_DATA_ACCESS_SECONDS),
        "expires_at": 0 if expires is None else int(expires),
        "is_valid": valid,
        "issued_at": int(grant["issued_at"]),
        "scopes": grant["scopes"],
        "granular_scopes": [
            {"scope": s, **({"target_ids": [grant["account_id"]]} if grant["kind"] == "page" else {})}
            for s in grant["scopes"]
        ],
        "user_id": FB_ADMIN["id"],
    }
    if grant["kind"] == "page":
        data["profile_id"] = grant["account_id"]
    return json_reply(200, {"data": data}, _GRAPH_CONTENT)
