"""Write payloads: field-name checks, relation ids and multipart file uploads, without I/O."""

from __future__ import annotations

import datetime as dt
import enum
import mimetypes
import os
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from pydantic import BaseModel

from ._ids import id_of
from .errors import FieldError

if TYPE_CHECKING:
    from ._resource_spec import ResourceSpec

__all__ = ["FileInput", "WriteBody", "build_body", "normalize_file"]

#: What an upload accepts: a path, raw bytes, an open binary file, or (name, bytes[, type]).
FileInput = str | os.PathLike[str] | bytes | IO[bytes] | tuple[str, bytes] | tuple[str, bytes, str]


@dataclass(frozen=True)
class WriteBody:
    """The body of one write: JSON, or form fields plus files for multipart uploads."""

    json: dict[str, Any] | None = None
    data: dict[str, Any] | None = None
    files: dict[str, tuple[str, bytes, str]] | None = None


def to_write_value(value: Any) -> Any:
    """Turn records and placeholders into their ids, recursively; leave other values as is."""
    if isinstance(value, Mapping):
        return {key: to_write_value(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [to_write_value(item) for item in value]
    return id_of(value)


def check_fields(
    spec: ResourceSpec[Any], allowed: frozenset[str], fields: Mapping[str, Any]
) -> dict[str, Any]:
    """Map model names to server names and reject fields the resource does not accept.

    Raises:
        FieldError: A field is unknown, misspelled or read-only; nothing is sent.
    """
    payload: dict[str, Any] = {}
    for key, value in fields.items():
        server = key if key in allowed else spec.aliases.get(key, key)
        if server not in allowed:
            names = sorted(allowed | {m for m, s in spec.aliases.items() if s in allowed})
            valid = ", ".join(names) if names else "none"
            raise FieldError(
                f"{spec.name} does not accept field {key!r} (unknown or read-only); "
                f"writable fields: {valid}"
            )
        # A file stays as given: a (name, bytes, type) tuple is not a list of ids.
        payload[server] = value if server == spec.file_field else to_write_value(value)
    return payload


def merge_input(
    spec: ResourceSpec[Any], allowed: frozenset[str], data: Any, fields: Mapping[str, Any]
) -> dict[str, Any]:
    """Combine the positional ``data`` (dict or model) with keyword ``fields``."""
    merged: dict[str, Any] = {}
    if isinstance(data, BaseModel):
        # A fetched record carries read-only fields too: keep only what can be written.
        dumped = data.model_dump(by_alias=True, exclude_unset=False)
        merged.update({k: v for k, v in dumped.items() if k in allowed})
    elif isinstance(data, Mapping):
        merged.update(data)
    elif data is not None:
        raise TypeError(f"data must be a dict or a model, not {type(data).__name__}")
    merged.update(fields)
    return check_fields(spec, allowed, merged)


def build_body(spec: ResourceSpec[Any], payload: dict[str, Any]) -> WriteBody:
    """Return the request body for ``payload``: multipart when it carries a file."""
    file_field = spec.file_field
    if file_field is None or file_field not in payload:
        return WriteBody(json=payload)
    upload = normalize_file(payload.pop(file_field))
    data = {key: form_value(value) for key, value in payload.items() if value is not None}
    return WriteBody(data=data, files={file_field: upload})


def form_value(value: Any) -> str | list[str]:
    """Convert a value for a multipart form field."""
    if isinstance(value, list):
        return [str(form_value(item)) for item in value]
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, enum.Enum):
        return str(value.value)
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, Decimal | int | float | str):
        return str(value)
    raise FieldError(f"Cannot send a {type(value).__name__} in a multipart form: {value!r}")


def normalize_file(upload: FileInput) -> tuple[str, bytes, str]:
    """Read a file input into ``(filename, content, content_type)``.

    Accepts a path (``str`` or ``os.PathLike``), ``bytes``, an open binary file, or a
    ``(name, bytes)`` / ``(name, bytes, content_type)`` tuple. The content is read once, so a
    retried request sends the same bytes.
    """
    if isinstance(upload, tuple):
        if len(upload) == 3:
            name, content, content_type = upload
        elif len(upload) == 2:
            name, content = upload
            content_type = _guess_type(name)
        else:
            raise FieldError("A file tuple must be (name, bytes) or (name, bytes, content_type)")
        return str(name), _as_bytes(content), str(content_type)
    if isinstance(upload, str | os.PathLike):
        path = Path(upload)
        if not path.is_file():
            raise FieldError(f"File to upload not found: {path}")
        return path.name, path.read_bytes(), _guess_type(path.name)
    if isinstance(upload, bytes | bytearray):
        return "upload", bytes(upload), "application/octet-stream"
    if hasattr(upload, "read"):
        name = Path(str(getattr(upload, "name", "upload"))).name
        return name, _as_bytes(upload.read()), _guess_type(name)
    raise FieldError(
        f"Cannot upload a {type(upload).__name__}: pass a path, bytes, an open binary file "
        "or a (name, bytes, content_type) tuple"
    )


def _as_bytes(content: Any) -> bytes:
    if isinstance(content, str):
        return content.encode()
    if isinstance(content, bytes | bytearray):
        return bytes(content)
    if hasattr(content, "read"):
        return _as_bytes(content.read())
    raise FieldError(f"File content must be bytes, not {type(content).__name__}")


def _guess_type(name: str) -> str:
    return mimetypes.guess_type(name)[0] or "application/octet-stream"
