"""Creates and updates: validation with DRF-shaped errors, derived fields, uniqueness."""

from __future__ import annotations

import contextlib
import copy
import datetime as dt
import hashlib
import itertools
import mimetypes
from decimal import Decimal, InvalidOperation
from pathlib import PurePath
from typing import Any

from ._render import Renderer
from ._schema import Collection, FieldRule
from ._store import Store
from ._wire import BadRequest, Form, Result, Upload

__all__ = ["ALLOWED_FILE_TYPES", "MAX_UPLOAD_SIZE", "Writer", "money"]

# What DRF's BooleanField reads as true and false (strings compared in lower case); 1.0 and
# 0.0 are among them, as they hash like 1 and 0.
_TRUE = frozenset({"t", "y", "yes", "true", "on", "1", 1})
_FALSE = frozenset({"f", "n", "no", "false", "off", "0", 0})
# The server's defaults (CONFIG_UPLOAD_SIZE and its ALLOWED_FILE_TYPES setting).
MAX_UPLOAD_SIZE = 2621440
ALLOWED_FILE_TYPES = [
    "application/pdf",
    "application/rtf",
    "application/msword",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.oasis.opendocument.text",
    "application/x-latex",
    "application/x-tex",
    "application/vnd.ms-excel",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.oasis.opendocument.spreadsheet",
    "application/vnd.ms-powerpoint",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "text/plain",
    "text/markdown",
    "text/richtext",
    "text/csv",
    "image/png",
    "image/jpeg",
    "image/gif",
    "image/svg+xml",
    "image/tiff",
    "image/bmp",
]


def _checked_file(upload: Upload) -> Upload:
    """The server's checks: size, then the type its name implies (not the type sent)."""
    if len(upload.content) > MAX_UPLOAD_SIZE:
        raise ValueError(f"File size should not exceed {MAX_UPLOAD_SIZE / (1024 * 1024):.2f} MB.")
    mime_type = mimetypes.guess_type(upload.filename)[0]
    if mime_type is None:
        raise ValueError("File type could not be resolved.")
    if mime_type not in ALLOWED_FILE_TYPES:
        raise ValueError(f"File type '{mime_type}' is not allowed.")
    return upload


def _tag(filename: str, tries: int) -> str:
    return hashlib.sha1(f"{filename}:{tries}".encode()).hexdigest()[:7]


def money(value: Decimal) -> str:
    """A decimal amount as the server writes it, two places."""
    return str(value.quantize(Decimal("0.01")))


class Writer:
    """Validates writes and applies them to the store."""

    def __init__(self, store: Store, renderer: Renderer) -> None:
        self.store = store
        self.renderer = renderer

    def validate(
        self,
        coll: Collection,
        payload: Any,
        files: dict[str, Upload],
        user: dict[str, Any],
        *,
        partial: bool,
        creating: bool,
        fields: dict[str, FieldRule] | None = None,
    ) -> dict[str, Any]:
        """Check a write against the collection's fields; return the clean values.

        Unknown and read-only fields are dropped silently, as the server does.
        """
        if payload is not None and not isinstance(payload, dict):
            kind = type(payload).__name__
            message = f"Invalid data. Expected a dictionary, but got {kind}."
            raise BadRequest({"non_field_errors": [message]})
        given = dict(payload or {})
        given.update(files)
        writable = coll.fields if fields is None else fields
        if not creating:
            writable = {k: v for k, v in writable.items() if k in coll.update_fields}
        clean: dict[str, Any] = {}
        errors: dict[str, list[str]] = {}
        for name, spec in writable.items():
            if name not in given:
                if partial:
                    continue
                if spec.current_user:
                    if creating:
                        clean[name] = user["id"]
                elif spec.required:
                    errors[name] = ["This field is required."]
                else:
                    clean[name] = copy.deepcopy(spec.default)
                continue
            value = given[name]
            if spec.kind == "m2m" and isinstance(payload, Form) and not isinstance(value, list):
                value = [value]
            try:
                clean[name] = self._value(spec, value)
            except ValueError as exc:
                errors[name] = [str(exc)]
        if errors:
            raise BadRequest(errors)
        if not user["is_staff"]:
            self._refuse_non_staff(coll, clean, creating, user)
        return clean

    def _refuse_non_staff(
        self, coll: Collection, clean: dict[str, Any], creating: bool, user: dict[str, Any]
    ) -> None:
        """The server's serializer checks on what non-staff users may write."""
        if coll.name == "comments" and clean.get("private"):
            message = "Only staff users can write comments marked as private."
            raise BadRequest({"private": [message]})
        if coll.name == "preferences" and clean.get("user", user["id"]) != user["id"]:
            message = "User field cannot be set to a different user than the request submitter."
            raise BadRequest({"user": [message]})
        if coll.name == "teams" and creating and clean.get("is_active") is False:
            message = "This field cannot be set to False on new records by non-staff users."
            raise BadRequest({"is_active": [message]})
        if coll.name != "memberships":
            return
        team = self.store.db["teams"].get(clean.get("team") or 0)
        if team is not None and not team["is_active"]:
            message = "Non-staff cannot create a membership for an inactive team."
            raise BadRequest({"team": [message]})

    def _value(self, spec: FieldRule, value: Any) -> Any:
        # DRF reads "" as null for relations only; a number or date given "" is malformed.
        if value is None or (value == "" and spec.kind == "fk"):
            if spec.null:
                return None
            raise ValueError("This field may not be null.")
        kind = spec.kind
        if kind == "str":
            if isinstance(value, bool) or not isinstance(value, str | int | float):
                raise ValueError("Not a valid string.")
            # DRF trims; a field the model lets be null also lets be blank.
            text = str(value).strip()
            if not text and not spec.null:
                raise ValueError("This field may not be blank.")
            return text
        if kind == "int":
            try:
                number = int(str(value))
            except ValueError:
                raise ValueError("A valid integer is required.") from None
            if number < 0:
                raise ValueError("Ensure this value is greater than or equal to 0.")
            return number
        if kind == "decimal":
            try:
                amount = Decimal(str(value))
            except InvalidOperation:
                raise ValueError("A valid number is required.") from None
            if not amount.is_finite():
                raise ValueError("A valid number is required.")
            if amount.as_tuple().exponent < -2:  # type: ignore[operator]
                raise ValueError("Ensure that there are no more than 2 decimal places.")
            return money(amount)
        if kind == "date":
            try:
                return dt.date.fromisoformat(str(value)).isoformat()
            except ValueError:
                raise ValueError(
                    "Date has wrong format. Use one of these formats instead: YYYY-MM-DD."
                ) from None
        if kind == "bool":
            key = value.lower() if isinstance(value, str) else value
            with contextlib.suppress(TypeError):  # a list or an object is no boolean
                if key in _TRUE:
                    return True
                if key in _FALSE:
                    return False
            raise ValueError("Must be a valid boolean.")
        if kind == "choice":
            if value not in spec.choices:
                raise ValueError(f'"{value}" is not a valid choice.')
            return value
        if kind == "fk":
            return self._pk(spec.target, value)
        if kind == "m2m":
            # DRF iterates anything but a string, an object's keys included.
            if isinstance(value, str | int | float):
                kind_name = type(value).__name__
                raise ValueError(f'Expected a list of items but got type "{kind_name}".')
            return [self._pk(spec.target, item) for item in value]
        if kind == "file":
            if not isinstance(value, Upload):
                raise ValueError(
                    "The submitted data was not a file. Check the encoding type on the form."
                )
            return _checked_file(value)
        return value

    def _pk(self, target: str, value: Any) -> int:
        try:
            pk = int(str(value))
        except ValueError:
            pk = None
        if isinstance(value, bool) or pk is None:
            raise ValueError(f"Incorrect type. Expected pk value, received {type(value).__name__}.")
        if pk not in self.store.db[target]:
            raise ValueError(f'Invalid pk "{pk}" - object does not exist.')
        return pk

    def finish(self, coll: Collection, row: dict[str, Any]) -> None:
        """Derived fields and uniqueness checks shared by create and update."""
        if "file" in row and isinstance(row["file"], Upload):
            upload = row.pop("file")
            row["file"] = self._stored_name(upload.filename)
            if not row.get("name"):
                row["name"] = upload.filename
        if coll.name == "users":
            for other in self.store.db["users"].values():
                if other["id"] != row.get("id") and other["username"] == row["username"]:
                    raise BadRequest({"username": ["A user with that username already exists."]})
        if coll.name == "teams":
            for other in self.store.db["teams"].values():
                if other["id"] != row.get("id") and other["name"] == row["name"]:
                    raise BadRequest({"name": ["team with this name already exists."]})
        if coll.name == "preferences":
            for other in self.store.db["preferences"].values():
                if other["id"] != row.get("id") and other["user"] == row["user"]:
                    raise BadRequest({"user": ["preference with this user already exists."]})

    def _stored_name(self, filename: str) -> str:
        """Where the server's storage puts an upload: a taken name gets a 7-character tag.

        The server's tag is random; the fake's is derived from the name, so runs repeat.
        """
        taken = {a["file"] for a in self.store.db["attachments"].values()}
        suffixes = "".join(PurePath(filename).suffixes)
        root = filename.removesuffix(suffixes)
        tagged = (
            f"allocations/{root}_{_tag(filename, tries)}{suffixes}"
            for tries in range(1, len(taken) + 1)
        )
        # Of these len(taken) + 1 names, one at least is free.
        return next(
            name
            for name in itertools.chain([f"allocations/{filename}"], tagged)
            if name not in taken
        )

    def create(
        self,
        coll: Collection,
        payload: Any,
        files: dict[str, Upload],
        user: dict[str, Any],
    ) -> Result:
        row = self.validate(coll, payload, files, user, partial=False, creating=True)
        self.finish(coll, row)
        record = self.store.insert(coll.name, row, user)
        return Result(201, self.renderer.render(coll.name, record))

    def update(
        self,
        coll: Collection,
        record: dict[str, Any],
        payload: Any,
        files: dict[str, Upload],
        user: dict[str, Any],
        *,
        partial: bool,
    ) -> Result:
        clean = self.validate(coll, payload, files, user, partial=partial, creating=False)
        password = clean.pop("password", None)
        merged = {**record, **clean}
        self.finish(coll, merged)
        changes = self.store.changes(record, merged)
        if coll.name == "users" and merged["username"] != record["username"]:
            # The password belongs to the user, not the name: it follows a rename.
            self.store.passwords[merged["username"]] = self.store.passwords.pop(record["username"])
        record.update(merged)
        if password is not None:
            self.store.passwords[record["username"]] = password
            changes["password"] = ["********", "********"]
        if changes:
            self.store.audit(coll, record["id"], "update", changes, user)
        return Result(200, self.renderer.render(coll.name, record))
