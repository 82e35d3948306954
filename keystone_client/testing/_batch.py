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
    if isinstance(payload, dict) and isinstance(payload.get("job"), str):
        try:
            payload = {**payload, "job": json.loads(payload["job"])}
        except ValueError:
            raise BadRequest({"job": ["Value must be valid JSON."]}) from None
    job = payload.get("job") if isinstance(payload, dict) else None
    if not isinstance(job, dict):
        raise BadRequest({"job": ["This field is required."]})
    actions = job.get("actions")
    if not isinstance(actions, list) or not actions:
        raise BadRequest({"job": {"actions": ["This field is required."]}})
    snapshot = store.snapshot()
    try:
        answer = _run_steps(actions, files, route, known)
    except Exception:
        store.restore(snapshot)
        raise
    if answer.status != 200 or job.get("dry_run"):
        store.restore(snapshot)
    return answer


def _run_steps(
    actions: list[Any], files: dict[str, Upload], route: Route, known: Callable[[str], bool]
) -> Result:
    results: list[dict[str, Any]] = []
    by_ref: dict[str, Any] = {}
    for index, action in enumerate(actions, start=1):
        action = action if isinstance(action, dict) else {}
        method = str(action.get("method", "")).upper()
        ref = action.get("ref") or ""
        try:
            path = _resolve(action.get("path", ""), by_ref, files)
            body = _resolve(action.get("payload"), by_ref, files)
            params = _resolve(action.get("query_params") or {}, by_ref, files)
        except _RefError as exc:
            detail = f'Cannot resolve reference "{exc.token}": {exc.reason}'
            return Result(422, {"detail": detail, "token": exc.token})
        path = str(path)
        step_files = {k: v for k, v in (body or {}).items() if isinstance(v, Upload)}
        step_body = {k: v for k, v in (body or {}).items() if not isinstance(v, Upload)}
        query = {k: str(v) for k, v in params.items()}
        if not known(path):
            # The server resolves a step's path as given: no slash is added.
            outcome = Result(404, {"detail": f"No route matched: {path}"})
        else:
            try:
                outcome = route(
                    method, path, query, step_body if body is not None else None, step_files
                )
            except BadRequest as exc:
                outcome = Result(400, exc.errors)
        step_body_out = outcome.body if outcome.body is not None else {}
        if outcome.status >= 400:
            detail = f"Step #{index} ({method} {path}) failed with status {outcome.status}"
            return Result(
                422,
                {"detail": detail, "step": index, "status": outcome.status, "body": step_body_out},
            )
        results.append(
            {
                "ref": ref,
                "index": index,
                "method": method,
                "path": path,
                "status": outcome.status,
                "body": step_body_out,
            }
        )
        if ref:
            by_ref[ref] = step_body_out
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
        return _token(whole.group(1), whole.group(2), refs, files)
    return _TOKEN.sub(lambda m: str(_token(m.group(1), m.group(2), refs, files)), value)


def _token(kind: str, inner: str, refs: dict[str, Any], files: dict[str, Upload]) -> Any:
    token = f"@{kind}{{{inner}}}"
    if kind == "file":
        if inner not in files:
            raise _RefError(token, f'No file named "{inner}" was uploaded with the job')
        return files[inner]
    alias, _, dotted = inner.partition(".")
    if alias not in refs:
        raise _RefError(token, f'Alias "{alias}" has not been defined by a previous step')
    value = refs[alias]
    for part in dotted.split(".") if dotted else []:
        if isinstance(value, dict) and part in value:
            value = value[part]
        elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        else:
            raise _RefError(token, f'Path "{dotted}" does not exist in the result of "{alias}"')
    return value
