"""Connecting accounts: X's OAuth 2.0 Authorization Code flow with PKCE through tweepy's
OAuth2UserHandler, and Facebook Login's manual flow through facebook-sdk.

Both run unmodified against the real hosts or, with `base_url`, against the sandbox: the token calls
go through the host-redirect adapter (connectors.http), and the consent URL the person opens is
pointed at `base_url` too. Each class implements `connectors.base.OAuthApp`.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit, urlunsplit

import facebook
import requests
import tweepy
from oauthlib.oauth2 import InvalidGrantError, OAuth2Error
from requests_oauthlib import OAuth2Session

from connectors.base import GrantRejected, PageChoice, Rejected, TokenGrant, TokenInfo
from connectors.http import PlatformAdapter, classify_transport_error

__all__ = ["FACEBOOK_SCOPES", "X_SCOPES", "FacebookOAuth", "XOAuth"]

# Reading, posting, media, and offline.access for a refresh token (without it X issues none).
X_SCOPES = (
    "tweet.read",
    "tweet.write",
    "users.read",
    "media.write",
    "tweet.moderate.write",
    "offline.access",
)
X_TOKEN_URL = "https://api.twitter.com/2/oauth2/token"
X_REVOKE_URL = "https://api.twitter.com/2/oauth2/revoke"
# Publishing, reading comments and insights, moderating comments: what a Page connector uses.
FACEBOOK_SCOPES = (
    "pages_show_list",
    "pages_read_engagement",
    "pages_manage_posts",
    "pages_read_user_content",
    "pages_manage_engagement",
    "read_insights",
)
GRAPH_VERSION = "v21.0"


def _on_base(url: str, base_url: str | None) -> str:
    """The consent URL pointed at the sandbox when there is one (a browser has no adapter)."""
    if not base_url:
        return url
    base, parts = urlsplit(base_url), urlsplit(url)
    return urlunsplit((base.scheme, base.netloc, parts.path, parts.query, ""))


def _redirect_code(redirect_url: str, state: str | None, platform: str) -> str:
    """The code from the redirect the browser landed on. Raises Rejected with what to do."""
    query = parse_qs(urlsplit(redirect_url.strip()).query)
    if "error" in query or "error_reason" in query:
        said = query.get("error_description") or query.get("error") or query.get("error_reason") or [""]
        raise Rejected(f"{platform} did not grant access: {said[0]}", "consent refused", None)
    if state is None or query.get("state", [""])[0] != state:
        raise Rejected(
            "the redirect does not belong to this connect attempt (its state differs); start again",
            reason="state mismatch",
            platform_code=None,
        )
    code = query.get("code", [""])[0]
    if not code:
        raise Rejected(
            "the redirect URL has no code; paste the whole address the browser ended on",
            reason="no code",
            platform_code=None,
        )
    return code


def _session(session: requests.Session, base_url: str | None, timeout: float) -> None:
    session.trust_env = False
    adapter = PlatformAdapter(base_url, timeout)
    session.mount("https://", adapter)
    session.mount("http://", adapter)


class XOAuth:
    """An installation's X app (client id, and client secret for a confidential client)."""

    def __init__(
        self, client_id: str, client_secret: str, base_url: str | None = None, timeout: float = 10.0
    ) -> None:
        self._client_id = client_id
        self._base_url = base_url
        self._handler = tweepy.OAuth2UserHandler(
            client_id=client_id, redirect_uri=None, scope=list(X_SCOPES), client_secret=client_secret or None
        )
        _session(self._handler, base_url, timeout)
        self._state: str | None = None

    def authorization_url(self, redirect_uri: str) -> str:
        """X's consent URL with a fresh PKCE challenge (S256) and state."""
        self._handler.redirect_uri = redirect_uri
        url: str = self._handler.get_authorization_url()
        self._state = parse_qs(urlsplit(url).query)["state"][0]
        return _on_base(url, self._base_url)

    def finish(self, redirect_url: str) -> TokenGrant:
        """Exchange the redirect's code with the PKCE verifier. Raises as OAuthApp.finish."""
        code = _redirect_code(redirect_url, self._state, "X")
        # OAuth2Session.fetch_token rather than the handler's own: it would insist that a loopback
        # redirect be https, which X itself does not.
        return self._token_call(
            lambda: OAuth2Session.fetch_token(
                self._handler,
                X_TOKEN_URL,
                code=code,
                auth=self._handler.auth,
                include_client_id=True,
                code_verifier=self._handler._client.code_verifier,
            )
        )

    def refresh(self, refresh_token: str) -> TokenGrant:
        """Rotate: the old refresh token is used up. Raises as OAuthApp.refresh."""
        return self._token_call(
            lambda: self._handler.refresh_token(
                X_TOKEN_URL, refresh_token=refresh_token, auth=self._handler.auth, client_id=self._client_id
            )
        )

    def revoke(self, token: str) -> None:
        """Revoke a token (and with it its chain). Raises Rejected, Transient."""
        try:
            response = self._handler.post(
                X_REVOKE_URL,
                data={"token": token, "client_id": self._client_id},
                auth=self._handler.auth,
            )
        except requests.RequestException as e:
            raise classify_transport_error(e, write=False) from e
        if response.status_code != 200:
            raise Rejected(response.text[:300], "revoke refused", str(response.status_code))

    def pages(self, user_token: str) -> list[PageChoice]:
        """X has no Pages."""
        return []

    def inspect(self, token: str) -> TokenInfo | None:
        """X has no token introspection for apps; verify with GET /2/users/me instead."""
        return None

    @staticmethod
    def _token_call(call: Callable[[], dict[str, Any]]) -> TokenGrant:
        try:
            token = call()
        except InvalidGrantError as e:
            raise GrantRejected(e.description or e.error) from e
        except OAuth2Error as e:
            message = e.description or e.error
            if "token was invalid" in message:
                # X answers invalid_request for a refresh token it never issued or has revoked.
                raise GrantRejected(message) from e
            raise Rejected(message, reason=e.error, platform_code=str(e.status_code)) from e
        except requests.RequestException as e:
            # A token call rotates on the platform: an answer lost after sending may have used it up.
            raise classify_transport_error(e, write=True) from e
        except Warning as e:  # oauthlib's "Scope has changed"
            raise Rejected(str(e), reason="scopes changed", platform_code=None) from e
        expires = token.get("expires_in")
        scope = token.get("scope") or []
        return TokenGrant(
            access_token=str(token["access_token"]),
            refresh_token=str(token["refresh_token"]) if token.get("refresh_token") else None,
            expires_in=float(expires) if expires is not None else None,
            scopes=tuple(scope.split() if isinstance(scope, str) else scope),
        )


class FacebookOAuth:
    """An installation's Meta app (app id and app secret)."""

    def __init__(
        self, client_id: str, client_secret: str, base_url: str | None = None, timeout: float = 10.0
    ) -> None:
        self._app_id, self._secret = client_id, client_secret
        self._base_url, self._timeout = base_url, timeout
        self._state: str | None = None
        self._redirect_uri = ""

    def _graph(self, token: str | None = None) -> facebook.GraphAPI:
        session = requests.Session()
        _session(session, self._base_url, self._timeout)
        graph = facebook.GraphAPI(access_token=token, timeout=self._timeout, session=session)
        graph.version = GRAPH_VERSION
        return graph

    def authorization_url(self, redirect_uri: str) -> str:
        """Facebook Login's dialog URL asking for the Page permissions smtool uses."""
        self._state, self._redirect_uri = secrets.token_urlsafe(24), redirect_uri
        url: str = self._graph().get_auth_url(
            self._app_id, redirect_uri, perms=list(FACEBOOK_SCOPES), state=self._state
        )
        return _on_base(url, self._base_url)

    def finish(self, redirect_url: str) -> TokenGrant:
        """Code -> short-lived user token -> long-lived user token (fb_exchange_token)."""
        code = _redirect_code(redirect_url, self._state, "Facebook")
        app_id, secret = self._app_id, self._secret
        short = self._call(
            lambda: self._graph().get_access_token_from_code(code, self._redirect_uri, app_id, secret)
        )
        user = self._graph(str(short["access_token"]))
        long = self._call(lambda: user.extend_access_token(app_id, secret))
        expires = long.get("expires_in")
        return TokenGrant(
            access_token=str(long["access_token"]),
            refresh_token=None,
            expires_in=float(expires) if expires is not None else None,
            scopes=(),
        )

    def refresh(self, refresh_token: str) -> TokenGrant:
        """Page tokens from a long-lived user token do not expire; there is nothing to refresh."""
        raise Rejected(
            "Facebook Page tokens are not refreshed; connect the Page again",
            reason="no refresh",
            platform_code=None,
        )

    def pages(self, user_token: str) -> list[PageChoice]:
        """The Pages the user manages, each with its Page token (GET /me/accounts)."""
        result = self._call(
            lambda: self._graph(user_token).get_object(
                "me/accounts", fields="id,name,access_token,tasks", limit=100
            )
        )
        choices = []
        for page in result.get("data") or []:
            if isinstance(page, dict) and page.get("id") and page.get("access_token"):
                choices.append(
                    PageChoice(
                        id=str(page["id"]),
                        name=str(page.get("name") or page["id"]),
                        access_token=str(page["access_token"]),
                        tasks=tuple(str(t) for t in page.get("tasks") or ()),
                    )
                )
        return choices

    def inspect(self, token: str) -> TokenInfo | None:
        """Graph's debug_token, asked with the app token."""
        result = self._call(lambda: self._graph().debug_access_token(token, self._app_id, self._secret))
        data = result.get("data") if isinstance(result.get("data"), dict) else {}
        assert isinstance(data, dict)
        return TokenInfo(
            valid=bool(data.get("is_valid")),
            kind=str(data.get("type") or ""),
            profile_id=str(data["profile_id"]) if data.get("profile_id") else None,
            scopes=tuple(str(s) for s in data.get("scopes") or ()),
            expires_at=_epoch(data.get("expires_at")),
            data_access_expires_at=_epoch(data.get("data_access_expires_at")),
        )

    @staticmethod
    def _call(call: Callable[[], Any]) -> dict[str, Any]:
        try:
            result = call()
        except facebook.GraphAPIError as e:
            message = str(e.message)
            result_doc = e.result if isinstance(e.result, dict) else {}
            error = result_doc.get("error") if isinstance(result_doc.get("error"), dict) else {}
            assert isinstance(error, dict)
            code = error.get("code")
            if code == 190 or (code == 100 and error.get("error_subcode") in (36007, 36008, 36009)):
                raise GrantRejected(message) from e
            raise Rejected(message, reason=message, platform_code=str(code)) from e
        except requests.RequestException as e:
            raise classify_transport_error(e, write=False) from e
        if not isinstance(result, dict):
            raise Rejected("Graph answered something that is not an object", "bad answer", None)
        return result


def _epoch(value: object) -> datetime | None:
    """Graph's epoch seconds; 0 means never."""
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return datetime.fromtimestamp(value, UTC)
    return None
