"""Parsing of ``--filter``, ``--set`` and ``--json`` values into Python values."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import IO, Any

import click

__all__ = ["parse_filters", "parse_id", "parse_sets", "read_json_body", "split_fields"]


def parse_filters(items: tuple[str, ...]) -> dict[str, str]:
    """Turn ``field__lookup=value`` items into a dict; the library checks fields and lookups."""
    filters: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise click.BadParameter(
                f"{item!r} is not field__lookup=value (for example status=PD or "
                "title__contains=GPU)",
                param_hint="'--filter'",
            )
        filters[key.strip()] = value
    return filters


def parse_sets(items: tuple[str, ...], file_field: str | None = None) -> dict[str, Any]:
    """Turn ``--set`` items into field values.

    ``field=text`` sends the text; ``field:=JSON`` sends a typed JSON value (numbers, true,
    null, lists); ``field=@path`` reads the value from a file (``@-`` from stdin). For the
    collection's upload field, ``field=@path`` uploads the file itself.
    """
    fields: dict[str, Any] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip() or key.strip() == ":":
            raise click.BadParameter(
                f"{item!r} is not field=value, field:=JSON or field=@path",
                param_hint="'--set'",
            )
        key = key.strip()
        if key.endswith(":"):
            key = key[:-1]
            try:
                fields[key] = json.loads(value)
            except json.JSONDecodeError as exc:
                raise click.BadParameter(
                    f"{key}:= needs a JSON value ({exc.msg} at character {exc.pos}): {value!r}",
                    param_hint="'--set'",
                ) from None
        elif value.startswith("@"):
            fields[key] = _read_at(key, value[1:], upload=key == file_field)
        else:
            fields[key] = value
    return fields


def _read_at(key: str, location: str, *, upload: bool) -> Any:
    if not location:
        raise click.BadParameter(
            f"{key}=@ needs a file path (or @- for stdin)", param_hint="'--set'"
        )
    if location == "-":
        return sys.stdin.buffer.read() if upload else sys.stdin.read().rstrip("\n")
    path = Path(location).expanduser()
    if not path.is_file():
        raise click.BadParameter(f"{key}=@{location}: no such file", param_hint="'--set'")
    if upload:
        return path
    try:
        return path.read_text(encoding="utf-8").rstrip("\n")
    except UnicodeDecodeError:
        raise click.BadParameter(
            f"{key}=@{location} is not UTF-8 text", param_hint="'--set'"
        ) from None


def read_json_body(source: str | None, stdin: IO[str] | None = None) -> dict[str, Any]:
    """Read a whole JSON object body from ``-`` (stdin) or a file path; {} when not given."""
    if source is None:
        return {}
    if source == "-":
        text = (stdin or sys.stdin).read()
        where = "stdin"
    else:
        path = Path(source).expanduser()
        if not path.is_file():
            raise click.BadParameter(f"no such file: {source}", param_hint="'--json'")
        text = path.read_text(encoding="utf-8")
        where = source
    try:
        body = json.loads(text)
    except json.JSONDecodeError as exc:
        raise click.BadParameter(
            f"{where} is not JSON ({exc.msg} at line {exc.lineno} column {exc.colno})",
            param_hint="'--json'",
        ) from None
    if not isinstance(body, dict):
        raise click.BadParameter(
            f"{where} must hold a JSON object, not {type(body).__name__}", param_hint="'--json'"
        )
    return body


def parse_id(text: str) -> int | str:
    """Record ids are numbers; keep anything else as text for the library to judge."""
    return int(text) if text.isdigit() else text


def split_fields(text: str | None) -> list[str] | None:
    """``"id,title,team.name"`` -> ``["id", "title", "team.name"]``."""
    if text is None:
        return None
    names = [part.strip() for part in text.split(",") if part.strip()]
    if not names:
        raise click.BadParameter("needs at least one field name", param_hint="'--fields'")
    return names
