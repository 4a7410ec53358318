"""The requests session both platform clients use: host redirect, default timeout, last answer.

tweepy and facebook-sdk hard-code their platform hosts. Rather than patch library internals, a
transport adapter mounted on the client's own session rewrites those hosts to `base_url` (the sandbox),
gives every request a timeout (tweepy passes none), and remembers the last raw answer per thread so a
connector can quote the platform's own text when a client library chokes on an unexpected body.
"""

from __future__ import annotations

import re
import threading
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import ConnectTimeoutError, NameResolutionError, NewConnectionError

from connectors.base import ConnectorError, RateLimited, Rejected, Transient, UnknownOutcome

__all__ = ["PLATFORM_HOSTS", "PlatformAdapter", "classify_transport_error", "make_session"]

PLATFORM_HOSTS = frozenset({"api.twitter.com", "api.x.com", "upload.twitter.com", "graph.facebook.com"})
# Enough of a platform's body to show a person what went wrong without flooding a log line.
MESSAGE_LIMIT = 500
# Credentials that travel in a URL's query (the Graph API takes the Page token as access_token).
# requests quotes the whole URL in a transport error, and such messages end up in logs and the store.
_SECRET_PARAMS = re.compile(
    r"((?:access_token|input_token|appsecret_proof|client_secret|oauth_token|oauth_verifier)=)[^&\s'\"]+",
    re.IGNORECASE,
)


def _redact_secrets(text: str) -> str:
    """`text` with the values of credential query parameters replaced by ***."""
    return _SECRET_PARAMS.sub(r"\1***", text)


class PlatformAdapter(HTTPAdapter):
    """Rewrites https://<platform host> to `base_url` and applies a default timeout."""

    def __init__(self, base_url: str | None, timeout: float) -> None:
        super().__init__()
        self._base = base_url.rstrip("/") if base_url else None
        self._timeout = timeout
        self._local = threading.local()
        self.calls = 0
        """Requests sent through this adapter (benchmarks count API calls with it)."""

    def send(  # type: ignore[override]
        self, request: requests.PreparedRequest, **kwargs: Any
    ) -> requests.Response:
        """Send `request`, redirected to `base_url` when it names a platform host."""
        url = request.url or ""
        parts = urlsplit(url)
        if self._base and parts.scheme == "https" and parts.hostname in PLATFORM_HOSTS:
            request.url = self._base + url[len(f"{parts.scheme}://{parts.netloc}") :]
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = self._timeout
        self.calls += 1
        self._local.last = None
        response = super().send(request, **kwargs)
        self._local.last = response
        return response

    @property
    def last_response(self) -> requests.Response | None:
        """The last answer this thread received, if the last request got one."""
        last: requests.Response | None = getattr(self._local, "last", None)
        return last


def make_session(base_url: str | None, timeout: float) -> tuple[requests.Session, PlatformAdapter]:
    """A session whose platform hosts go to `base_url` (or stay as they are when it is None)."""
    session = requests.Session()
    # Proxy variables must not divert a loopback sandbox (or production) call somewhere else.
    session.trust_env = False
    adapter = PlatformAdapter(base_url, timeout)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session, adapter


def response_text(response: requests.Response | None) -> str:
    """The start of an answer's body for an error message, or its status line if it is empty."""
    if response is None:
        return "no answer"
    text = response.text.strip()
    status = f"HTTP {response.status_code} {response.reason or ''}".strip()
    if not text:
        return f"{status} with an empty body"
    return f"{status}: {text[:MESSAGE_LIMIT]}"


def classify_transport_error(error: requests.RequestException, *, write: bool) -> ConnectorError:
    """A requests failure as Transient (nothing reached the platform) or UnknownOutcome.

    A read may always be retried, so only writes ever become UnknownOutcome.
    """
    message = _redact_secrets(f"{type(error).__name__}: {error}")
    if isinstance(error, requests.ConnectTimeout):
        return Transient(message)
    reason = error.args[0] if error.args else None
    inner = getattr(reason, "reason", reason)
    if isinstance(inner, NewConnectionError | NameResolutionError | ConnectTimeoutError):
        return Transient(message)
    if not write:
        return Transient(message)
    return UnknownOutcome(message)


def utc_now() -> datetime:
    """Now, aware UTC."""
    return datetime.now(UTC)


def parse_time(value: object) -> datetime | None:
    """An ISO 8601 or Graph ("+0000") timestamp as aware UTC; None if absent or unreadable."""
    if not isinstance(value, str) or not value:
        return None
    text = value.replace("Z", "+00:00")
    if len(text) > 5 and text[-5] in "+-" and text[-3] != ":":
        text = f"{text[:-2]}:{text[-2:]}"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def unexpected_answer(detail: str, response: requests.Response | None, *, write: bool) -> ConnectorError:
    """An answer the connector cannot read (HTML page, empty body, missing fields) as a typed error.

    A 4xx is the platform refusing (Rejected; 429 RateLimited); otherwise a write may have taken
    effect, so it becomes UnknownOutcome, and a read is safe to repeat (Transient).
    """
    message = f"unexpected answer ({detail}): {response_text(response)}"
    if response is not None and response.status_code == 429:
        reset = response.headers.get("x-rate-limit-reset", "")
        retry_at = (
            datetime.fromtimestamp(int(reset), UTC) if reset.isdigit() else utc_now() + timedelta(minutes=15)
        )
        return RateLimited(message, retry_at)
    if response is not None and 400 <= response.status_code < 500:
        return Rejected(message, reason=message, platform_code=str(response.status_code))
    if write and (response is None or response.status_code < 500):
        return UnknownOutcome(message)
    return Transient(message)
