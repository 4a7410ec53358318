"""Connecting accounts and keeping them connected, against the sandbox's OAuth endpoints with the
real tweepy and facebook-sdk clients (services.installation.connect and tokens)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

import pytest
import requests
from sqlmodel import select

from connectors.emulator import SandboxAccount
from smtool.services.context import Context
from smtool.services.installation.accounts import list_accounts
from smtool.services.installation.connect import ConnectFailed, connect, page_matching, set_token
from smtool.services.installation.tokens import expiry_alerts, set_app
from smtool.services.platforms import connector_for
from smtool.store.tables import Account, InboxItem
from smtool.store.types import utcnow
from tests.support.sandbox import Sandbox

OPERATOR = "local:operator"
REDIRECT_URI = "http://127.0.0.1:8765/callback"


def browser(**extra: str) -> Callable[[str], str]:
    """Open the consent URL and return where the browser lands (what a person pastes back)."""

    def follow(url: str) -> str:
        response = requests.get(url, params=extra, allow_redirects=False, timeout=5)
        assert response.status_code == 302, response.text
        return str(response.headers["location"])

    return follow


def apps(sandbox: Sandbox, sctx: Context) -> None:
    for app in sandbox.server.state.apps.values():
        set_app(sctx, app["platform"], app["client_id"], app["client_secret"], OPERATOR)


def account(sctx: Context, account_id: str) -> Account:
    with sctx.db.read() as session:
        row = session.get(Account, account_id)
        assert row is not None
        return row


def connect_x(sandbox: Sandbox, sctx: Context, **extra: str) -> None:
    apps(sandbox, sctx)
    connect(
        sctx, "sandbox-x", OPERATOR, REDIRECT_URI, browser(**extra), page_matching(account(sctx, "sandbox-x"))
    )


def refreshes(sandbox: Sandbox) -> list[str]:
    return [e["outcome"] for e in sandbox.server.sandbox.oauth_events if e["grant_type"] == "refresh_token"]


class Clock:
    """The installation's clock, moved on together with the sandbox's."""

    def __init__(self, sandbox: Sandbox, sctx: Context) -> None:
        self.sandbox, self.offset = sandbox, timedelta(0)
        sctx.clock = self

    def __call__(self) -> datetime:
        return utcnow() + self.offset

    def advance(self, seconds: float) -> None:
        self.offset += timedelta(seconds=seconds)
        self.sandbox.control("POST", "clock", {"advance_seconds": seconds})


def test_x_connect_stores_a_verified_refreshable_token(sandbox: Sandbox, sctx: Context) -> None:
    connect_x(sandbox, sctx)
    row = account(sctx, "sandbox-x")
    assert row.token_status == "ok" and row.refresh_encrypted is not None
    assert row.token_handle == sandbox.server.account("x").handle
    assert "offline.access" in row.token_scopes and "tweet.write" in row.token_scopes
    assert row.token_expires_at is not None
    assert timedelta(minutes=119) < row.token_expires_at - utcnow() <= timedelta(hours=2)
    assert connector_for(sctx, row).verify_credentials().remote_id == sandbox.server.account("x").id


def test_x_connect_as_another_account_is_refused_naming_both(sandbox: Sandbox, sctx: Context) -> None:
    sandbox.server.state.accounts.append(SandboxAccount("x", "1444", "@CitaIestade", "Cita", "sbx-x-other"))
    before = account(sctx, "sandbox-x")
    with pytest.raises(
        ConnectFailed, match=r"speaks for @CitaIestade \(id 1444\), not for sandbox-x \(@SandboxIestade"
    ):
        connect_x(sandbox, sctx, sandbox_user="CitaIestade")
    after = account(sctx, "sandbox-x")
    assert after.token_encrypted == before.token_encrypted and after.refresh_encrypted is None


def test_facebook_connect_picks_the_page_and_checks_it_with_debug_token(
    sandbox: Sandbox, sctx: Context
) -> None:
    apps(sandbox, sctx)
    page = sandbox.server.account("facebook")
    sandbox.server.state.accounts.append(
        SandboxAccount("facebook", "1777", "cita.lapa", "Cita Lapa", "EAAother")
    )
    connected = connect(
        sctx, "sandbox-fb", OPERATOR, REDIRECT_URI, browser(), page_matching(account(sctx, "sandbox-fb"))
    )
    row = account(sctx, "sandbox-fb")
    assert connected.remote_id == row.remote_id == page.id
    assert row.token_expires_at is None and row.refresh_encrypted is None  # a Page token does not expire
    assert "pages_manage_posts" in row.token_scopes and row.token_access_expires_at is not None
    Clock(sandbox, sctx).advance(61 * 86400)
    assert connector_for(sctx, row).verify_credentials().remote_id == page.id


def test_an_alert_a_week_before_a_page_token_stops_giving_data(sandbox: Sandbox, sctx: Context) -> None:
    apps(sandbox, sctx)
    connect(sctx, "sandbox-fb", OPERATOR, REDIRECT_URI, browser(), page_matching(account(sctx, "sandbox-fb")))
    clock = Clock(sandbox, sctx)
    assert expiry_alerts(sctx) == 0
    clock.advance(84 * 86400)  # Meta's data access lapses 90 days after consent
    (view,) = [a for a in list_accounts(sctx) if a.id == "sandbox-fb"]
    assert view.health is not None and view.health.urgent
    assert view.health.action.startswith("reconnect before")
    assert expiry_alerts(sctx) == 1
    assert expiry_alerts(sctx) == 0  # once per token
    with sctx.db.read() as session:
        (alert,) = session.exec(select(InboxItem).where(InboxItem.kind == "alert")).all()
    assert "smtool account connect sandbox-fb" in alert.text


def test_facebook_page_of_another_account_is_refused(sandbox: Sandbox, sctx: Context) -> None:
    apps(sandbox, sctx)
    sandbox.server.state.accounts.append(
        SandboxAccount("facebook", "1777", "cita.lapa", "Cita Lapa", "EAAother")
    )
    with pytest.raises(ConnectFailed, match="not for sandbox-fb"):
        connect(
            sctx,
            "sandbox-fb",
            OPERATOR,
            REDIRECT_URI,
            browser(),
            lambda pages: next(p for p in pages if p.id == "1777"),
        )


def test_a_made_up_token_is_refused_and_not_stored(sandbox: Sandbox, sctx: Context) -> None:
    before = account(sctx, "sandbox-x")
    with pytest.raises(ConnectFailed, match="X refused the token for sandbox-x"):
        set_token(sctx, "sandbox-x", "made-up-token", OPERATOR)
    assert account(sctx, "sandbox-x").token_encrypted == before.token_encrypted


def test_set_token_for_another_account_is_refused_naming_both(sandbox: Sandbox, sctx: Context) -> None:
    sandbox.server.state.accounts.append(SandboxAccount("x", "1444", "@CitaIestade", "Cita", "sbx-x-other"))
    with pytest.raises(ConnectFailed, match="speaks for @CitaIestade"):
        set_token(sctx, "sandbox-x", "sbx-x-other", OPERATOR)
    connected = set_token(sctx, "sandbox-x", sandbox.server.account("x").token, OPERATOR)
    assert connected.handle == sandbox.server.account("x").handle


def test_token_is_refreshed_ahead_of_expiry_and_connectors_follow(sandbox: Sandbox, sctx: Context) -> None:
    connect_x(sandbox, sctx)
    clock = Clock(sandbox, sctx)
    connector = connector_for(sctx, account(sctx, "sandbox-x"))
    generation = account(sctx, "sandbox-x").token_generation
    for _ in range(5):  # ten hours, a call every two hours: each time the token is due
        clock.advance(7200 - 60)
        assert connector.verify_credentials().handle == "@SandboxIestade"
    assert refreshes(sandbox) == ["ok"] * 5
    row = account(sctx, "sandbox-x")
    assert row.token_generation == generation + 5 and row.token_status == "ok"
    assert row.token_refreshed_at is not None and row.refresh_lease_by is None


def test_a_revoked_grant_ends_as_needs_reauth_with_an_alert_and_no_retry(
    sandbox: Sandbox, sctx: Context
) -> None:
    connect_x(sandbox, sctx)
    clock = Clock(sandbox, sctx)
    grant = next(g for g in sandbox.server.state.grants.values() if g["kind"] == "refresh")
    for g in sandbox.server.state.grants.values():
        if g.get("chain") == grant["chain"]:
            g["revoked"] = True  # the person removed the app in X's settings
    clock.advance(7200)
    connector_for(sctx, account(sctx, "sandbox-x"))
    row = account(sctx, "sandbox-x")
    assert row.token_status == "needs_reauth"
    assert row.token_problem is not None and "smtool account connect sandbox-x" in row.token_problem
    with sctx.db.read() as session:
        alerts = session.exec(select(InboxItem).where(InboxItem.kind == "alert")).all()
    assert [a.flags for a in alerts] == [["token_refresh_failed"]]
    connector_for(sctx, row)
    assert refreshes(sandbox) == ["reused"]  # once; never again


def test_a_lost_refresh_answer_ends_as_needs_reauth_saying_so(sandbox: Sandbox, sctx: Context) -> None:
    connect_x(sandbox, sctx)
    clock = Clock(sandbox, sctx)
    sandbox.fault("x", "timeout_after_store", "POST /2/oauth2/token")
    clock.advance(7200)
    connector_for(sctx, account(sctx, "sandbox-x"))
    row = account(sctx, "sandbox-x")
    assert row.token_status == "needs_reauth"
    assert row.token_problem is not None and "answer to a token refresh was lost" in row.token_problem
