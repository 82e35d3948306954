"""``POST batch/``: every step in one transaction, with references, files and dry runs."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from ._store import Store
from ._wire import BadRequest, Result, Upload

__all__ = ["run_batch"]

#: Serves one step: (method, path, query, payload, files) -> answer.
Route = Callable[[str, str, dict[str, str], Any, dict[str, Upload]], Result]

_TOKEN = re.compile(r"@(ref|file)\{([^}]*)\}")
_LABELS = {
    "file": re.compile(r"[a-zA-Z0-9_]+"),
    "ref": re.compile(r"[a-zA-Z0-9_]+\.[a-zA-Z0-9_.]+"),
}
_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
_TRUE = {"t", "T", "y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON", "1"}
_FALSE = {"f", "F", "n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF", "0"}
_REQUIRED = ["This field is required."]
_NULL = ["This field may not be null."]


class _RefError(Exception):
    def __init__(self, token: str, reason: str) -> None:
        super().__init__(reason)
        self.token = token
        self.reason = reason


def run_batch(
    store: Store,
    payload: Any,
    files: dict[str, Upload],
    route: Route,
    known: Callable[[str], bool],
) -> Result:
    """Run a batch job; any failing step rolls every step back and answers 422."""
    job = payload.get("job") if isinstance(payload, dict) else None
    if isinstance(job, str):
        try:
            job = json.loads(job)
        except ValueError:
            return Result(400, {"detail": "The `job` field is not valid JSON."})
    dry_run, actions = _validate(job)
    snapshot = store.snapshot()
    try:
        answer = _run_steps(actions, files, route, known)
    except Exception:
        store.restore(snapshot)
        raise
    if answer.status != 200 or dry_run:
        store.restore(snapshot)
    return answer


def _validate(job: Any) -> tuple[bool, list[dict[str, Any]]]:
    """The job's dry-run flag and steps, or the server's 400 for a malformed job."""
    if job is None:
        raise BadRequest({"non_field_errors": ["No data provided"]})
    if not isinstance(job, dict):
        raise BadRequest({"non_field_errors": [_not_a("dictionary", job)]})
    errors: dict[str, Any] = {}
    dry_run = job.get("dry_run", False)
    if dry_run is None:
        errors["dry_run"] = _NULL
    elif dry_run in (True, 1) or (isinstance(dry_run, str) and dry_run in _TRUE):
        dry_run = True
    elif dry_run in (False, 0) or (isinstance(dry_run, str) and dry_run in _FALSE):
        dry_run = False
    else:
        errors["dry_run"] = ["Must be a valid boolean."]
    actions = job.get("actions")
    if "actions" not in job:
        errors["actions"] = _REQUIRED
    elif actions is None:
        errors["actions"] = _NULL
    elif not isinstance(actions, list):
        name = type(actions).__name__
        errors["actions"] = {
            "non_field_errors": [f'Expected a list of items but got type "{name}".']
        }
    elif not actions:
        errors["actions"] = {"non_field_errors": ["This list may not be empty."]}
    else:
        problems = [_step_errors(action) for action in actions]
        refs = [str(a["ref"]).strip() for a in actions if isinstance(a, dict) and a.get("ref")]
        if any(problems):
            errors["actions"] = problems
        elif len(refs) != len(set(refs)):
            errors["actions"] = ["Reference aliases must be unique within a job."]
    if errors:
        raise BadRequest(errors)
    return bool(dry_run), job["actions"]


def _step_errors(action: Any) -> dict[str, Any]:
    """What the server finds wrong with one step (empty when nothing)."""
    if not isinstance(action, dict):
        return {"non_field_errors": [_not_a("dictionary", action)]}
    errors: dict[str, Any] = {}
    ref = action.get("ref", "")
    if ref is None:
        errors["ref"] = _NULL
    elif not _stringy(ref):
        errors["ref"] = ["Not a valid string."]
    elif str(ref).strip() and not str(ref).strip().replace("_", "").isalnum():
        message = "Reference aliases may only contain alphanumeric characters and underscores."
        errors["ref"] = [message]
    if "method" not in action:
        errors["method"] = _REQUIRED
    elif action["method"] is None:
        errors["method"] = _NULL
    elif action["method"] not in _METHODS:
        errors["method"] = [f'"{action["method"]}" is not a valid choice.']
    path = action.get("path")
    if "path" not in action:
        errors["path"] = _REQUIRED
    elif path is None:
        errors["path"] = _NULL
    elif not _stringy(path):
        errors["path"] = ["Not a valid string."]
    elif not str(path).strip():
        errors["path"] = ["This field may not be blank."]
    elif len(str(path).strip()) > 2048:
        errors["path"] = ["Ensure this field has no more than 2048 characters."]
    for field in ("payload", "query_params"):
        value = action.get(field, {})
        if value is None:
            errors[field] = _NULL
        elif not isinstance(value, dict):
            name = type(value).__name__
            errors[field] = [f'Expected a dictionary of items but got type "{name}".']
    return errors


def _stringy(value: Any) -> bool:
    """Whether the server takes ``value`` for a string field (numbers are written out)."""
    return isinstance(value, (str, int, float)) and not isinstance(value, bool)


def _not_a(kind: str, value: Any) -> str:
    return f"Invalid data. Expected a {kind}, but got {type(value).__name__}."


def _run_steps(
    actions: list[dict[str, Any]],
    files: dict[str, Upload],
    route: Route,
    known: Callable[[str], bool],
) -> Result:
    results: list[dict[str, Any]] = []
    by_ref: dict[str, Any] = {}
    for index, action in enumerate(actions, start=1):
        method = action["method"]
        ref = str(action.get("ref", "")).strip()
        try:
            path = str(_resolve(str(action["path"]).strip(), by_ref, files))
            body = _resolve(action.get("payload", {}), by_ref, files)
        except _RefError as exc:
            detail = f'Cannot resolve reference "{exc.token}": {exc.reason}'
            return Result(422, {"detail": detail, "token": exc.token})
        # Query parameters are sent as given: the server resolves no token in them.
        query = {k: str(v) for k, v in action.get("query_params", {}).items()}
        step_files = {k: v for k, v in body.items() if isinstance(v, Upload)}
        step_body = {k: v for k, v in body.items() if not isinstance(v, Upload)}
        if not known(path):
            # The server resolves a step's path as given: no slash is added.
            outcome = Result(404, {"detail": f"No route matched: {path}"})
        else:
            outcome = route(method, path, query, step_body, step_files)
        if outcome.status >= 400:
            detail = f"Step #{index} ({method} {path}) failed with status {outcome.status}"
            return Result(
                422,
                {"detail": detail, "step": index, "status": outcome.status, "body": outcome.body},
            )
        # A body-less answer (204, plain text) is null in the results, as on the server.
        results.append(
            {
                "ref": ref,
                "index": index,
                "method": method,
                "path": path,
                "status": outcome.status,
                "body": outcome.body,
            }
        )
        if ref:
            by_ref[ref] = outcome.body
    return Result(200, {"results": results})


def _resolve(value: Any, refs: dict[str, Any], files: dict[str, Upload]) -> Any:
    """Replace ``@ref{alias.path}`` and ``@file{name}`` tokens in a step."""
    if isinstance(value, dict):
        return {k: _resolve(v, refs, files) for k, v in value.items()}
    if isinstance(value, list):
        return [_resolve(v, refs, files) for v in value]
    if not isinstance(value, str):
        return value
    whole = _TOKEN.fullmatch(value)
    if whole:
        return _token(whole.group(0), whole.group(1), whole.group(2), refs, files)
    return _TOKEN.sub(lambda m: str(_token(m.group(0), m.group(1), m.group(2), refs, files)), value)


def _token(
    token: str, kind: str, label: str, refs: dict[str, Any], files: dict[str, Upload]
) -> Any:
    if not _LABELS[kind].fullmatch(label):
        raise _RefError(
            token, "Reference labels may only contain letters, numbers, and underscores"
        )
    if kind == "file":
        if label not in files:
            raise _RefError(token, f'File part "{label}" was not uploaded with this request')
        return files[label]
    alias, dotted = label.split(".", 1)
    if alias not in refs:
        raise _RefError(token, f'Alias "{alias}" has not been defined by a previous step')
    value = refs[alias]
    for part in dotted.split("."):
        if isinstance(value, dict):
            if part not in value:
                raise _RefError(token, f'Key "{part}" not found in response')
            value = value[part]
        elif isinstance(value, list):
            if not part.isdigit() or int(part) >= len(value):
                raise _RefError(token, f'Invalid list index "{part}"')
            value = value[int(part)]
        else:
            name = type(value).__name__
            raise _RefError(token, f'Cannot traverse into {name} with "{part}"')
    return value
