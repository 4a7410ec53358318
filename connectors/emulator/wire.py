"""HTTP request and reply values the sandbox's API modules work with (no sockets here)."""

from __future__ import annotations

import email.parser
import email.policy
import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

__all__ = ["BadBody", "Reply", "Request", "json_reply"]


class BadBody(ValueError):
    """A request body that cannot be parsed as its content type says."""


@dataclass
class Request:
    """One HTTP request as the sandbox sees it; `base_url` is how the client reached us."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes
    base_url: str
    form: dict[str, str] = field(default_factory=dict)
    files: dict[str, bytes] = field(default_factory=dict)

    @property
    def content_type(self) -> str:
        """The media type of the body, lower case, without parameters."""
        return self.headers.get("content-type", "").split(";")[0].strip().lower()

    def json(self) -> Any:
        """The body as JSON. Raises BadBody if it is not JSON."""
        try:
            return json.loads(self.body.decode("utf-8") or "null")
        except (UnicodeDecodeError, json.JSONDecodeError) as e:
            raise BadBody(f"body is not valid JSON: {e}") from e

    def parse_form(self) -> None:
        """Fill `form` and `files` from a urlencoded or multipart body. Raises BadBody."""
        kind = self.content_type
        if kind == "application/x-www-form-urlencoded":
            try:
                self.form = dict(parse_qsl(self.body.decode("utf-8"), keep_blank_values=True))
            except UnicodeDecodeError as e:
                raise BadBody("form body is not UTF-8") from e
        elif kind == "multipart/form-data":
            header = f"Content-Type: {self.headers.get('content-type', '')}\r\n\r\n".encode()
            message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(header + self.body)
            if not message.is_multipart():
                raise BadBody("multipart body without parts")
            for part in message.iter_parts():
                name = part.get_param("name", header="content-disposition")
                if not isinstance(name, str):
                    continue
                payload = part.get_payload(decode=True)
                data = payload if isinstance(payload, bytes) else b""
                if part.get_filename() is not None:
                    self.files[name] = data
                else:
                    self.form[name] = data.decode("utf-8", "replace")


@dataclass
class Reply:
    """What to send back. `drop` closes the connection without any answer (a timeout fault)."""

    status: int
    body: bytes = b""
    content_type: str = "application/json; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)
    drop: bool = False
    stall_seconds: float = 0.0


def json_reply(
    status: int,
    document: Any,
    content_type: str = "application/json; charset=utf-8",
    headers: dict[str, str] | None = None,
) -> Reply:
    """A JSON reply; compact separators like the platforms use."""
    body = json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return Reply(status, body, content_type, dict(headers or {}))
