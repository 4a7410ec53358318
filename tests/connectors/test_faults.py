"""Every injected fault, real limit and transport failure maps to its typed error."""

from __future__ import annotations

import socket
from datetime import UTC, datetime, timedelta

import pytest

from connectors.base import (
    AccountRef,
    AuthExpired,
    ConnectorError,
    DuplicateContent,
    OutgoingPost,
    RateLimited,
    Transient,
    UnknownOutcome,
)
from connectors.emulator import SandboxServer, new_sandbox_state
from connectors.facebook import FacebookConnector
from connectors.x import XConnector

EXPECTED: dict[str, type[ConnectorError]] = {
    "rate_limit": RateLimited,
    "server_error": Transient,
    "expired_token": AuthExpired,
    "duplicate": DuplicateContent,
    "timeout_after_store": UnknownOutcome,
}
PUBLISH_ENDPOINT = {"x": "POST /2/tweets", "facebook": "POST /{page}/feed"}


@pytest.mark.parametrize("platform", ["x", "facebook"])
@pytest.mark.parametrize("kind", sorted(EXPECTED))
def test_publish_fault_maps_to_its_error(
    platform: str, kind: str, request: pytest.FixtureRequest, control
) -> None:
    connector = request.getfixturevalue("x" if platform == "x" else "fb")
    control(
        "POST",
        "faults",
        {"platform": platform, "endpoint": PUBLISH_ENDPOINT[platform], "kind": kind, "count": 1},
    )
    with pytest.raises(EXPECTED[kind]) as caught:
        connector.publish(OutgoingPost(f"Fault {kind}"))
    assert caught.value.platform_message
    published = control("GET", "published", platform=platform)
    # Only the timeout after store reached the platform; the reconciliation must find it.
    assert len(published) == (1 if kind == "timeout_after_store" else 0)
    if kind == "rate_limit":
        assert caught.value.retry_at > datetime.now(UTC)
    # The fault was used up: the next attempt goes through.
    connector.publish(OutgoingPost(f"After {kind}"))


def test_unknown_outcome_is_reconciled_from_own_posts(x: XConnector, control) -> None:
    control("POST", "faults", {"platform": "x", "endpoint": "POST /2/tweets", "kind": "timeout_after_store"})
    with pytest.raises(UnknownOutcome):
        x.publish(OutgoingPost("Vai aizgāja?"))
    own = x.recent_own_posts(datetime.now(UTC) - timedelta(minutes=1))
    assert [p.text for p in own] == ["Vai aizgāja?"]


def test_a_stalled_answer_times_out_as_unknown_outcome(
    server: SandboxServer, x_account: AccountRef, control
) -> None:
    connector = XConnector(x_account, server.account("x").token, server.base_url, timeout=0.2)
    control(
        "POST",
        "faults",
        {"platform": "x", "endpoint": "POST /2/tweets", "kind": "timeout_after_store", "stall_seconds": 0.6},
    )
    with pytest.raises(UnknownOutcome):
        connector.publish(OutgoingPost("Lēni"))


@pytest.mark.parametrize("kind", ["server_error", "timeout_after_store"])
def test_read_faults_are_transient(kind: str, x: XConnector, fb: FacebookConnector, control) -> None:
    control("POST", "faults", {"platform": "x", "endpoint": "GET /2/users/:id/mentions", "kind": kind})
    control("POST", "faults", {"platform": "facebook", "endpoint": "GET /:page/posts", "kind": kind})
    with pytest.raises(Transient):
        x.fetch_incoming(None)
    with pytest.raises(Transient):
        fb.fetch_incoming(None)


def test_fault_without_endpoint_hits_any_call(x: XConnector, control) -> None:
    control("POST", "faults", {"platform": "x", "kind": "expired_token", "count": 2})
    with pytest.raises(AuthExpired):
        x.verify_credentials()
    with pytest.raises(AuthExpired):
        x.fetch_incoming(None)
    x.verify_credentials()


def test_x_rate_limit_reports_the_reset_header(x: XConnector, control) -> None:
    control("POST", "limits", {"platform": "x", "endpoint": "POST /2/tweets", "limit": 2})
    x.publish(OutgoingPost("viens"))
    x.publish(OutgoingPost("divi"))
    with pytest.raises(RateLimited) as caught:
        x.publish(OutgoingPost("trīs"))
    retry = caught.value.retry_at
    assert timedelta(minutes=14) < retry - datetime.now(UTC) <= timedelta(minutes=15, seconds=1)
    control("POST", "clock", {"advance_seconds": 901})
    x.publish(OutgoingPost("pēc loga"))


def test_facebook_rate_limit_reports_time_to_regain_access(fb: FacebookConnector, control) -> None:
    control("POST", "limits", {"platform": "facebook", "limit": 2, "window_seconds": 600})
    fb.verify_credentials()
    fb.publish(OutgoingPost("viens"))
    with pytest.raises(RateLimited) as caught:
        fb.publish(OutgoingPost("divi"))
    assert timedelta(minutes=5) < caught.value.retry_at - datetime.now(UTC) <= timedelta(minutes=11)


@pytest.mark.parametrize("platform", ["x", "facebook"])
def test_expired_and_wrong_tokens_are_auth_expired(platform: str) -> None:
    state = new_sandbox_state(seed=3)
    account = next(a for a in state.accounts if a.platform == platform)
    account.token_expires_at = 1.0  # long ago
    cls = XConnector if platform == "x" else FacebookConnector
    with SandboxServer(state) as server:
        ref = AccountRef("a", platform, account.handle, account.id)
        with pytest.raises(AuthExpired) as expired:
            cls(ref, account.token, server.base_url).verify_credentials()
        with pytest.raises(AuthExpired):
            cls(ref, "not-a-token", server.base_url).verify_credentials()
    if platform == "facebook":
        assert "expired" in expired.value.platform_message


@pytest.mark.parametrize("platform", ["x", "facebook"])
def test_nothing_listening_is_transient_even_for_a_write(platform: str) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    cls = XConnector if platform == "x" else FacebookConnector
    token = "EAAsecret-page-token"
    connector = cls(AccountRef("a", platform, "@h", "123"), token, f"http://127.0.0.1:{port}", timeout=1)
    with pytest.raises(Transient):
        connector.publish(OutgoingPost("Neviens neklausās"))
    # A read puts the Page token in the URL, which requests quotes in its error: never in our message.
    with pytest.raises(Transient) as failed:
        connector.fetch_incoming(None)
    assert token not in failed.value.platform_message
    assert token not in str(failed.value)
