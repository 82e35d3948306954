"""Turning `httpx.Response` objects into values or errors, without I/O."""

from __future__ import annotations

import gc
import json
from typing import Any, TypeVar

import httpx
from pydantic import TypeAdapter, ValidationError

from .errors import (
    APIError,
    AuthenticationError,
    BadRequestError,
    BatchError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    ServerError,
    field_errors,
)

T = TypeVar("T")

_ERRORS: dict[int, type[APIError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    429: RateLimitError,
}

_SNIPPET = 200


def decode_body(response: httpx.Response) -> Any:
    """Return the JSON body, or the text when it is not JSON (error bodies only)."""
    if not response.content:
        return None
    try:
        return json.loads(response.content)
    except ValueError:
        return response.text


def describe(body: Any, response: httpx.Response) -> str:
    """Return the server's own message for an error body."""
    if isinstance(body, dict):
        detail = body.get("detail")
        if isinstance(detail, str):
            return detail
        if "non_field_errors" in body:
            return "; ".join(field_errors(body)["non_field_errors"])
        errors = field_errors(body)
        if errors:
            return "; ".join(f"{k}: {' '.join(v)}" for k, v in errors.items())
    if isinstance(body, list) and body:
        return "; ".join(str(item) for item in body)
    if isinstance(body, str) and body.strip():
        if _is_html(response):
            return f"{response.reason_phrase} (the server sent an HTML page, not JSON)"
        return _snippet(body)
    return response.reason_phrase or f"HTTP {response.status_code}"


def error_for_response(
    response: httpx.Response, *, error_class: type[APIError] | None = None
) -> APIError:
    """Build the `APIError` subclass matching an error response."""
    body = decode_body(response)
    detail = describe(body, response)
    request = response.request
    status = f"{response.status_code} {response.reason_phrase}"
    message = f"{status} for {request.method} {request.url}: {detail}"
    cls = error_class or _ERRORS.get(response.status_code)
    if cls is None:
        if response.status_code == 422 and request.url.path.endswith("/batch/"):
            cls = BatchError
        elif response.status_code >= 500:
            cls = ServerError
        else:
            cls = APIError
    return cls(message, response=response, body=body, detail=detail)


def raise_for_status(response: httpx.Response) -> None:
    """Raise the matching `APIError` for a 4xx/5xx response, or for a redirect.

    Redirects are not followed and the API never answers with one, so a redirect means the
    base URL is wrong (``http`` for ``https``, a missing path prefix): never a success.
    """
    if response.is_error:
        raise error_for_response(response)
    if response.is_redirect:
        request = response.request
        reason = (
            f"the server redirected to {response.headers['location']}; "
            "check the base URL (http or https, path prefix)"
        )
        message = f"Unexpected response to {request.method} {request.url} ({response.status_code})"
        raise APIError(
            f"{message}: {reason}", response=response, body=decode_body(response), detail=reason
        )


def parse(response: httpx.Response, adapter: TypeAdapter[T]) -> T:
    """Validate a successful JSON response straight from its bytes into ``adapter``'s type.

    Raises:
        APIError: The status is an error, or the body is not the JSON it should be (an HTML
            page from a proxy, a truncated body, a shape the model does not accept).
    """
    raise_for_status(response)
    request = response.request
    try:
        return _validate_without_gc(adapter, response.content)
    except ValidationError as exc:
        if any(err["type"] == "json_invalid" for err in exc.errors()):
            kind = "an HTML page" if _is_html(response) else "invalid or truncated JSON"
            reason = f"the body is {kind}: {_snippet(response.text)!r}"
        else:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"]) or "body"
            reason = f"the body does not match the expected schema at {where}: {first['msg']}"
        where = f"{request.method} {request.url} ({response.status_code})"
        message = f"Unexpected response to {where}: {reason}"
        raise APIError(
            message, response=response, body=decode_body(response), detail=reason
        ) from exc


def parse_text(response: httpx.Response) -> str:
    """Return the text of a successful plain-text response.

    Raises:
        APIError: The status is an error, or the body is an HTML page (e.g. from a proxy).
    """
    raise_for_status(response)
    if _is_html(response):
        request = response.request
        reason = f"the body is an HTML page, not text: {_snippet(response.text)!r}"
        where = f"{request.method} {request.url} ({response.status_code})"
        raise APIError(
            f"Unexpected response to {where}: {reason}",
            response=response,
            body=response.text,
            detail=reason,
        )
    return response.text


def _validate_without_gc(adapter: TypeAdapter[T], content: bytes) -> T:
    # A 1000-record page builds tens of thousands of objects, all alive until the page is
    # dropped, so a garbage collection during the parse finds nothing to free yet can cost
    # three times the parse itself in a process that holds many objects. Pause it.
    paused = gc.isenabled()
    if paused:
        gc.disable()
    try:
        return adapter.validate_json(content)
    finally:
        if paused:
            gc.enable()


def _is_html(response: httpx.Response) -> bool:
    content_type = response.headers.get("content-type", "")
    return "html" in content_type or response.text.lstrip()[:15].lower().startswith(
        ("<!doctype", "<html")
    )


def _snippet(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _SNIPPET else text[:_SNIPPET] + "..."
