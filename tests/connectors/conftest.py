"""Fixtures: the sandbox in-process on a free loopback port, real connectors, and two guards.

Guard 1: every socket connection a connector test makes must go to a loopback address.
Guard 2: every X answer the sandbox sends is validated against X's OpenAPI description of API v2.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from connectors.base import AccountRef, load_connector_class
from connectors.emulator import SandboxServer, new_sandbox_state
from connectors.facebook import FacebookConnector
from connectors.x import XConnector
from tests.connectors.openapi import validate_x_exchange

CONNECTED: list[Any] = []


def _host(address: Any) -> str | None:
    if isinstance(address, tuple) and address:
        return str(address[0])
    return None  # AF_UNIX and friends are not network traffic


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.split("%", maxsplit=1)[0]).is_loopback
    except ValueError:
        return False  # a name: would need DNS, which is already leaving the machine


@pytest.fixture(autouse=True)
def loopback_only(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Fail any connection to a non-loopback address (and record every connection made)."""
    real_connect = socket.socket.connect
    real_connect_ex = socket.socket.connect_ex

    def check(address: Any) -> None:
        host = _host(address)
        if host is None:
            return
        CONNECTED.append(host)
        if not _is_loopback(host):
            raise AssertionError(f"connector test tried to reach non-loopback address {host}")

    def connect(self: socket.socket, address: Any) -> None:
        check(address)
        real_connect(self, address)

    def connect_ex(self: socket.socket, address: Any) -> int:
        check(address)
        return real_connect_ex(self, address)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)
    yield


@pytest.fixture
def server() -> Iterator[SandboxServer]:
    """A fresh sandbox on a free port, recording answers; X answers are schema-checked at the end."""
    with SandboxServer(new_sandbox_state(seed=11), seed=11, record=True) as running:
        yield running
    failures = [
        problem
        for exchange in running.recorded
        if exchange.platform == "x"
        for problem in [validate_x_exchange(exchange)]
        if problem
    ]
    assert not failures, "X answers that do not match the OpenAPI description:\n" + "\n".join(failures)


@pytest.fixture
def control(server: SandboxServer) -> Any:
    """POST/GET to the control API: control("POST", "mentions", {...}) -> parsed JSON."""
    session = requests.Session()
    session.trust_env = False

    def call(method: str, name: str, body: Any = None, **params: str) -> Any:
        response = session.request(
            method, f"{server.base_url}/_sandbox/{name}", json=body, params=params, timeout=5
        )
        assert response.status_code < 300, response.text
        return response.json()

    return call


@pytest.fixture
def x_account(server: SandboxServer) -> AccountRef:
    account = server.account("x")
    return AccountRef(id="vk-x", platform="x", handle=account.handle, remote_id=account.id)


@pytest.fixture
def fb_account(server: SandboxServer) -> AccountRef:
    account = server.account("facebook")
    return AccountRef(id="vk-fb", platform="facebook", handle=account.handle, remote_id=account.id)


@pytest.fixture
def x(server: SandboxServer, x_account: AccountRef) -> XConnector:
    """The X connector, built through the entry point as services build it."""
    cls = load_connector_class("x")
    connector = cls(x_account, server.account("x").token, base_url=server.base_url, timeout=5)
    assert isinstance(connector, XConnector)
    return connector


@pytest.fixture
def fb(server: SandboxServer, fb_account: AccountRef) -> FacebookConnector:
    """The Facebook connector, built through the entry point as services build it."""
    cls = load_connector_class("facebook")
    connector = cls(fb_account, server.account("facebook").token, base_url=server.base_url, timeout=5)
    assert isinstance(connector, FacebookConnector)
    return connector
