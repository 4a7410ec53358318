"""Answers a connector does not expect become typed errors carrying the platform's text.

A tiny loopback stub plays a platform having a bad day: HTML error pages, empty bodies, JSON with
missing fields. The real tweepy and facebook-sdk clients talk to it through the connectors.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from connectors.base import (
    AccountRef,
    ConnectorError,
    OutgoingPost,
    PublishedRef,
    Rejected,
    Transient,
    UnknownOutcome,
)
from connectors.facebook import FacebookConnector
from connectors.x import XConnector

HTML = b"<html><body><h1>502 Bad Gateway</h1>upstream overloaded</body></html>"


class Canned:
    status = 200
    content_type: str | None = "application/json"
    body = b""


class _Stub(BaseHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass

    def _answer(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        self.rfile.read(length)
        self.send_response(Canned.status)
        if Canned.content_type is not None:
            self.send_header("content-type", Canned.content_type)
        self.send_header("content-length", str(len(Canned.body)))
        self.end_headers()
        self.wfile.write(Canned.body)

    do_GET = do_POST = do_DELETE = do_PUT = _answer


@pytest.fixture
def stub() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Stub)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def answer(status: int, body: bytes, content_type: str | None = "application/json") -> None:
    Canned.status, Canned.body, Canned.content_type = status, body, content_type


def connectors(base_url: str) -> list[XConnector | FacebookConnector]:
    return [
        XConnector(AccountRef("a", "x", "@h", "1"), "t", base_url, timeout=2),
        FacebookConnector(AccountRef("b", "facebook", "h", "2"), "t", base_url, timeout=2),
    ]


CASES = [
    # (status, body, content type, error on publish, error on read)
    (502, HTML, "text/html", Transient, Transient),
    (200, HTML, "text/html", UnknownOutcome, Transient),
    (200, b"", "application/json", UnknownOutcome, Transient),
    (200, b"", None, UnknownOutcome, Transient),
    (200, b"[1, 2]", "application/json", UnknownOutcome, Transient),
    (200, b'{"unexpected": true}', "application/json", UnknownOutcome, Transient),
    (400, b"<html>Bad request</html>", "text/html", Rejected, Rejected),
    (403, b"[]", "application/json", Rejected, Rejected),
]


@pytest.mark.parametrize(("status", "body", "content_type", "on_write", "on_read"), CASES)
def test_odd_answers_become_typed_errors(
    stub: str, status: int, body: bytes, content_type: str | None, on_write: type, on_read: type
) -> None:
    answer(status, body, content_type)
    for connector in connectors(stub):
        with pytest.raises(ConnectorError) as written:
            connector.publish(OutgoingPost("Sveiki"))
        assert isinstance(written.value, on_write), (connector.platform, written.value)
        with pytest.raises(ConnectorError) as read:
            connector.fetch_incoming(None)
        assert isinstance(read.value, on_read), (connector.platform, read.value)
        with pytest.raises(ConnectorError):
            connector.verify_credentials()
        if body.strip().startswith(b"<html>"):
            assert body.decode()[:20] in written.value.platform_message


def test_items_with_missing_fields_are_typed_errors(stub: str) -> None:
    answer(200, b'{"data": [{"id": "5", "text": "no author"}], "meta": {"result_count": 1}}')
    x = connectors(stub)[0]
    with pytest.raises(Transient, match="author_id"):
        x.fetch_incoming(None)
    answer(200, b'{"data": [{"id": "5", "text": "no metrics"}]}')
    with pytest.raises(Transient, match="public_metrics"):
        x.fetch_metrics([PublishedRef("x", "5", "a", datetime.now(UTC))])
