"""Connecting accounts: tweepy's OAuth2UserHandler and facebook-sdk against the sandbox's OAuth
endpoints (connectors.oauth, connectors.emulator.oauth)."""

from __future__ import annotations

import base64
from typing import Any

import pytest
import requests

from connectors.base import AccountRef, AuthExpired, GrantRejected, Rejected, oauth_app_for
from connectors.emulator import SandboxServer
from connectors.facebook import FacebookConnector
from connectors.oauth import FacebookOAuth, XOAuth
from connectors.x import XConnector

REDIRECT = "http://127.0.0.1:8765/callback"


def _app(server: SandboxServer, platform: str) -> dict[str, Any]:
    return next(app for app in server.state.apps.values() if app["platform"] == platform)


def _oauth(server: SandboxServer, platform: str) -> Any:
    app = _app(server, platform)
    return oauth_app_for(platform, app["client_id"], app["client_secret"], server.base_url, 5)


def _consent(url: str, **extra: str) -> str:
    """What a browser does: open the consent URL and land on the redirect."""
    response = requests.get(url, params=extra, allow_redirects=False, timeout=5)
    assert response.status_code == 302, response.text
    return response.headers["location"]


@pytest.fixture
def x_app(server: SandboxServer) -> XOAuth:
    made = _oauth(server, "x")
    assert isinstance(made, XOAuth)
    return made


def _x_connect(x_app: XOAuth, **extra: str) -> Any:
    url = x_app.authorization_url(REDIRECT)
    assert "code_challenge_method=S256" in url
    return x_app.finish(_consent(url, **extra))


def _me(server: SandboxServer, x_account: AccountRef, token: str) -> str:
    return XConnector(x_account, token, base_url=server.base_url, timeout=5).verify_credentials().handle


def test_x_code_flow_with_pkce_gives_a_two_hour_token_and_a_refresh_token(
    server: SandboxServer, x_app: XOAuth, x_account: AccountRef
) -> None:
    grant = _x_connect(x_app)
    assert grant.refresh_token and grant.expires_in == 7200
    assert "offline.access" in grant.scopes and "tweet.write" in grant.scopes
    assert _me(server, x_account, grant.access_token) == server.account("x").handle


def test_x_token_endpoint_checks_the_pkce_verifier(server: SandboxServer, x_app: XOAuth) -> None:
    location = _consent(x_app.authorization_url(REDIRECT))
    code = requests.utils.urlparse(location).query.split("code=")[1].split("&")[0]
    app = _app(server, "x")
    basic = base64.b64encode(f"{app['client_id']}:{app['client_secret']}".encode()).decode()
    response = requests.post(
        f"{server.base_url}/2/oauth2/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": REDIRECT,
            "code_verifier": "x" * 64,
        },
        headers={"authorization": f"Basic {basic}"},
        timeout=5,
    )
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"
    assert "code verifier" in response.json()["error_description"]


def test_x_redirect_of_another_attempt_is_refused(server: SandboxServer, x_app: XOAuth) -> None:
    x_app.authorization_url(REDIRECT)
    other = XOAuth(_app(server, "x")["client_id"], _app(server, "x")["client_secret"], server.base_url)
    location = _consent(other.authorization_url(REDIRECT))
    with pytest.raises(Rejected, match="state differs"):
        x_app.finish(location)


def test_x_refresh_rotates_and_reuse_revokes_the_whole_chain(
    server: SandboxServer, x_app: XOAuth, x_account: AccountRef
) -> None:
    first = _x_connect(x_app)
    assert first.refresh_token is not None
    second = x_app.refresh(first.refresh_token)
    assert second.refresh_token not in (None, first.refresh_token)
    assert _me(server, x_account, second.access_token)
    with pytest.raises(GrantRejected):
        x_app.refresh(first.refresh_token)  # used once already: the chain ends
    assert second.refresh_token is not None
    with pytest.raises(GrantRejected):
        x_app.refresh(second.refresh_token)
    with pytest.raises(AuthExpired):
        _me(server, x_account, second.access_token)
    outcomes = [e["outcome"] for e in server.sandbox.oauth_events if e["grant_type"] == "refresh_token"]
    assert outcomes == ["ok", "reused", "reused"]


def test_x_access_token_expires_on_the_sandbox_clock(
    server: SandboxServer, control: Any, x_app: XOAuth, x_account: AccountRef
) -> None:
    grant = _x_connect(x_app)
    control("POST", "clock", {"advance_seconds": 7199})
    assert _me(server, x_account, grant.access_token)
    control("POST", "clock", {"advance_seconds": 2})
    with pytest.raises(AuthExpired):
        _me(server, x_account, grant.access_token)
    assert _me(server, x_account, x_app.refresh(grant.refresh_token).access_token)


def test_x_revoke_ends_the_chain(server: SandboxServer, x_app: XOAuth, x_account: AccountRef) -> None:
    grant = _x_connect(x_app)
    x_app.revoke(grant.refresh_token)
    with pytest.raises(AuthExpired):
        _me(server, x_account, grant.access_token)


def test_x_consent_by_another_sandbox_account_speaks_for_it(
    server: SandboxServer, x_app: XOAuth, x_account: AccountRef
) -> None:
    from connectors.emulator import SandboxAccount

    server.state.accounts.append(SandboxAccount("x", "1444", "@CitaIestade", "Cita Iestāde", "sbx-x-other"))
    grant = _x_connect(x_app, sandbox_user="CitaIestade")
    assert _me(server, x_account, grant.access_token) == "@CitaIestade"


@pytest.fixture
def fb_app(server: SandboxServer) -> FacebookOAuth:
    made = _oauth(server, "facebook")
    assert isinstance(made, FacebookOAuth)
    return made


def test_facebook_manual_flow_gives_a_page_token_that_does_not_expire(
    server: SandboxServer, control: Any, fb_app: FacebookOAuth, fb_account: AccountRef
) -> None:
    url = fb_app.authorization_url(REDIRECT)
    assert "/dialog/oauth" in url and "pages_manage_posts" in url
    user = fb_app.finish(_consent(url))
    assert user.expires_in == 60 * 86400
    pages = fb_app.pages(user.access_token)
    page = next(p for p in pages if p.id == server.account("facebook").id)
    info = fb_app.inspect(page.access_token)
    assert info is not None and info.valid and info.kind == "PAGE"
    assert info.profile_id == page.id and info.expires_at is None
    assert "pages_manage_posts" in info.scopes and info.data_access_expires_at is not None
    control("POST", "clock", {"advance_seconds": 61 * 86400})
    connector = FacebookConnector(fb_account, page.access_token, base_url=server.base_url, timeout=5)
    assert connector.verify_credentials().remote_id == page.id


def test_facebook_code_works_once_and_a_wrong_secret_is_named(
    server: SandboxServer, fb_app: FacebookOAuth
) -> None:
    location = _consent(fb_app.authorization_url(REDIRECT))
    fb_app.finish(location)
    with pytest.raises(GrantRejected, match="has been used"):
        fb_app.finish(location)
    wrong = FacebookOAuth(_app(server, "facebook")["client_id"], "not-the-secret", server.base_url, 5)
    with pytest.raises(Rejected, match="client secret"):
        wrong.finish(_consent(wrong.authorization_url(REDIRECT)))


def test_facebook_debug_token_says_an_unknown_token_is_invalid(fb_app: FacebookOAuth) -> None:
    info = fb_app.inspect("EAAmadeup")
    assert info is not None and not info.valid
