"""The sandbox's HTTP server: one loopback socket, routed to the X API, the Graph API or control."""

from __future__ import annotations

import contextlib
import ipaddress
import json
import socket
import threading
import time
import traceback
from collections.abc import Mapping
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from connectors.emulator import control, graph_api, oauth, x_api
from connectors.emulator.core import Sandbox
from connectors.emulator.state import SandboxAccount, SandboxState, new_sandbox_state
from connectors.emulator.wire import Reply, Request, json_reply

__all__ = ["Exchange", "SandboxServer"]

# A request body larger than this is refused; the sandbox takes images, not videos.
MAX_BODY = 16 * 1024 * 1024


@dataclass(frozen=True)
class Exchange:
    """One answered request, kept when the server records (tests validate X answers with it)."""

    platform: str
    method: str
    path: str
    status: int
    content_type: str
    body: bytes

    def json(self) -> Any:
        """The answer body as JSON."""
        return json.loads(self.body)


def _text(host: str | bytes | bytearray) -> str:
    return host.decode() if isinstance(host, bytes | bytearray) else host


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "smtool-sandbox"
    sys_version = ""
    # Idle keep-alive connections are closed after this many seconds.
    timeout = 30
    # Headers and body go out in separate writes; without this each answer waits for a delayed ACK.
    disable_nagle_algorithm = True
    server: _HTTPServer

    def log_message(self, format: str, *args: Any) -> None:
        if not self.server.quiet:
            super().log_message(format, *args)

    def _serve(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        if length > MAX_BODY:
            self._send(json_reply(413, {"error": "body too large"}))
            return
        body = self.rfile.read(length) if length else b""
        parts = urlsplit(self.path)
        host = self.headers.get("host") or f"{_text(self.server.server_address[0])}:{self.server.server_port}"
        request = Request(
            method=self.command,
            path=parts.path,
            query=dict(parse_qsl(parts.query, keep_blank_values=True)),
            headers={k.lower(): v for k, v in self.headers.items()},
            body=body,
            base_url=f"http://{host}",
        )
        if oauth.claims(self.server.sandbox, request):
            platform, module = "oauth", oauth.handle
        elif parts.path.startswith("/_sandbox/"):
            platform, module = "control", control.handle
        elif parts.path.startswith("/2/"):
            platform, module = "x", x_api.handle
        else:
            platform, module = "facebook", graph_api.handle
        sandbox = self.server.sandbox
        try:
            reply = module(sandbox, request)
        except Exception:  # a sandbox bug must not take the server down; say so like a platform would
            traceback.print_exc()
            reply = json_reply(500, {"error": "sandbox internal error"})
        sandbox.requests_served += 1
        if reply.drop:
            # Stored, then no answer: the client cannot know whether its request took effect.
            time.sleep(reply.stall_seconds)
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
            return
        if self.server.record:
            self.server.recorded.append(
                Exchange(platform, self.command, self.path, reply.status, reply.content_type, reply.body)
            )
        self._send(reply)

    def _send(self, reply: Reply) -> None:
        self.send_response(reply.status)
        self.send_header("content-type", reply.content_type)
        self.send_header("content-length", str(len(reply.body)))
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(reply.body)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = _serve


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(
        self, address: tuple[str, int], sandbox: Sandbox, quiet: bool, record: bool, family: int
    ) -> None:
        self.address_family = family
        self.sandbox = sandbox
        self.quiet = quiet
        self.record = record
        self.recorded: list[Exchange] = []
        super().__init__(address, _Handler)


class SandboxServer:
    """The sandbox platform on a loopback port; see the package docstring for how to use it.

    The socket is bound on construction (so `base_url` is known at once); `start()` serves from a
    background thread, `serve_forever()` in the foreground.
    """

    def __init__(
        self,
        state: SandboxState | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        seed: int | None = None,
        state_path: str | Path | None = None,
        rate_limits: Mapping[str, tuple[int, float]] | None = None,
        record: bool = False,
        quiet: bool = True,
    ) -> None:
        """Bind the sandbox. Raises ValueError for a non-loopback host and OSError if the port is taken."""
        address = ipaddress.ip_address("127.0.0.1" if host == "localhost" else host)
        if not address.is_loopback:
            raise ValueError(f"the sandbox only listens on loopback addresses, not {host}")
        self.state = state if state is not None else new_sandbox_state(seed)
        self.sandbox = Sandbox(
            self.state,
            seed=seed,
            state_path=Path(state_path) if state_path is not None else None,
            rate_limits=rate_limits,
        )
        family = socket.AF_INET6 if address.version == 6 else socket.AF_INET
        self._server = _HTTPServer((str(address), port), self.sandbox, quiet, record, family)
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        """http://127.0.0.1:PORT — give it to connectors as base_url."""
        host, port = _text(self._server.server_address[0]), self._server.server_address[1]
        shown = f"[{host}]" if ":" in host else host
        return f"http://{shown}:{port}"

    @property
    def port(self) -> int:
        """The bound port."""
        return int(self._server.server_address[1])

    @property
    def accounts(self) -> list[SandboxAccount]:
        """The sandbox accounts and their tokens."""
        return list(self.state.accounts)

    def account(self, platform: str) -> SandboxAccount:
        """The first account on `platform`. Raises LookupError if there is none."""
        for account in self.state.accounts:
            if account.platform == platform:
                return account
        raise LookupError(f"the sandbox has no {platform} account")

    @property
    def recorded(self) -> list[Exchange]:
        """Answers sent so far (only when constructed with record=True)."""
        return self._server.recorded

    def start(self) -> SandboxServer:
        """Serve from a daemon thread; returns self."""
        if self._thread is None:
            # A short poll interval keeps stop() quick (tests start and stop many servers).
            self._thread = threading.Thread(
                target=self._server.serve_forever,
                kwargs={"poll_interval": 0.05},
                name="smtool-sandbox",
                daemon=True,
            )
            self._thread.start()
        return self

    def serve_forever(self) -> None:
        """Serve in the calling thread until `stop()` or KeyboardInterrupt."""
        try:
            self._server.serve_forever()
        finally:
            self._server.server_close()

    def stop(self) -> None:
        """Stop serving and release the port."""
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join(timeout=5)
            self._thread = None
        self._server.server_close()

    def __enter__(self) -> SandboxServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
