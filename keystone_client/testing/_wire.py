"""What travels between the fake and its callers: answers, uploads and request bodies."""

from __future__ import annotations

import email.parser
import email.policy
import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

__all__ = [
    "BadRequest",
    "Form",
    "ParseError",
    "Result",
    "ServerError",
    "Upload",
    "parse_body",
    "parse_cookies",
]


@dataclass(frozen=True)
class Upload:
    """A file received in a multipart request."""

    filename: str
    content: bytes
    content_type: str


class Form(dict[str, Any]):
    """The fields of a form, multipart or urlencoded.

    A form cannot tell one value from a list of one, so a list field given once is read as
    a list, where the same value in JSON is refused.
    """


@dataclass
class Result:
    """What a handler answers: status, JSON body (or text) and extra headers."""

    status: int
    body: Any = None
    text: str | None = None
    headers: list[tuple[str, str]] = field(default_factory=list)
    content_type: str = "text/plain"

    def encode(self) -> tuple[bytes, list[tuple[str, str]]]:
        """Return the body bytes and every header, ``Content-Type`` included."""
        headers = list(self.headers)
        if self.text is not None:
            headers.append(("Content-Type", self.content_type))
            return self.text.encode(), headers
        if self.body is None:
            return b"", headers
        headers.append(("Content-Type", "application/json"))
        return json.dumps(self.body).encode(), headers


class BadRequest(Exception):
    """Raised inside handlers to answer 400 with DRF field errors."""

    def __init__(self, errors: dict[str, Any]) -> None:
        super().__init__(errors)
        self.errors = errors


class ServerError(Exception):
    """Raised inside handlers where the server's view fails unhandled: its 500 page answers.

    Raised through a batch step too, as the server's batch view does not catch it either.
    """


def parse_cookies(header: str) -> dict[str, str]:
    """Parse a ``Cookie`` header into a dict."""
    jar: dict[str, str] = {}
    for part in header.split(";"):
        name, sep, value = part.strip().partition("=")
        if sep:
            jar[name] = value
    return jar


class ParseError(Exception):
    """A body the server's parsers refuse: the status and ``detail`` DRF answers."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail


def _refuse_constant(name: str) -> Any:
    # DRF parses JSON strictly: NaN and the infinities are no JSON numbers.
    raise ValueError(f"Out of range float values are not JSON compliant: {name!r}")


def parse_body(content_type: str, body: bytes) -> tuple[Any, dict[str, Upload]]:
    """Decode a JSON, multipart or urlencoded body as the server's parsers do.

    Raises `ParseError` for malformed JSON (400) and any other media type (415).
    """
    if not body:
        return None, {}
    media_type = content_type.partition(";")[0].strip().lower()
    if media_type == "multipart/form-data":
        return _parse_multipart(content_type, body)
    if media_type == "application/x-www-form-urlencoded":
        return _form(parse_qsl(body.decode(), keep_blank_values=True)), {}
    if media_type == "application/json":
        try:
            return json.loads(body.decode(), parse_constant=_refuse_constant), {}
        except ValueError as exc:  # UnicodeDecodeError and JSONDecodeError alike
            raise ParseError(400, f"JSON parse error - {exc}") from None
    raise ParseError(415, f'Unsupported media type "{content_type}" in request.')


def _form(pairs: list[tuple[str, str]]) -> Form:
    data = Form()
    for name, value in pairs:
        if name in data:  # a repeated field is a list (m2m ids)
            previous = data[name] if isinstance(data[name], list) else [data[name]]
            data[name] = [*previous, value]
        else:
            data[name] = value
    return data


def _parse_multipart(content_type: str, body: bytes) -> tuple[Form, dict[str, Upload]]:
    head = f"Content-Type: {content_type}\r\n\r\n".encode()
    message = email.parser.BytesParser(policy=email.policy.default).parsebytes(head + body)
    pairs: list[tuple[str, str]] = []
    files: dict[str, Upload] = {}
    for part in message.iter_parts():
        name = str(part.get_param("name", header="content-disposition"))
        payload = part.get_payload(decode=True) or b""
        assert isinstance(payload, bytes)
        filename = part.get_filename()
        if filename is not None:
            files[name] = Upload(filename, payload, part.get_content_type())
        else:
            pairs.append((name, payload.decode()))
    return _form(pairs), files
