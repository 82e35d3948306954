"""Sessions with CSRF, tokens, login, logout: the server's authentication answers."""

from __future__ import annotations

import secrets
from typing import Any

from ._render import Renderer
from ._store import Store, now_text
from ._wire import Result

__all__ = ["NOT_AUTHENTICATED", "authenticate", "csrf_failure", "login", "logout"]

NOT_AUTHENTICATED = {"detail": "Authentication credentials were not provided."}
UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def authenticate(
    store: Store, authorization: str, cookies: dict[str, str]
) -> tuple[dict[str, Any] | None, str | None, Result | None]:
    """Return (user, "token" | "session" | None, refusal)."""
    if authorization.startswith("Token "):
        uid = store.tokens.get(authorization.removeprefix("Token ").strip())
        if uid is None or uid not in store.db["users"]:
            return None, None, Result(401, {"detail": "Invalid token."})
        return store.db["users"][uid], "token", None
    uid = store.sessions.get(cookies.get("sessionid", ""))
    if uid is not None and uid in store.db["users"]:
        return store.db["users"][uid], "session", None
    return None, None, None


def csrf_failure(method: str, path: str, header: str | None, cookies: dict[str, str]) -> bool:
    """Whether an unsafe request made with a session lacks a matching CSRF token."""
    if method not in UNSAFE or path == "/authentication/login/":
        return False
    return not header or header != cookies.get("csrftoken")


def login(store: Store, renderer: Renderer, payload: Any) -> Result:
    """``POST authentication/login/``: start a session and set its cookies."""
    payload = payload if isinstance(payload, dict) else {}
    missing = {
        name: ["This field is required."]
        for name in ("username", "password")
        if not payload.get(name)
    }
    if missing:
        return Result(400, missing)
    user = next(
        (u for u in store.db["users"].values() if u["username"] == payload["username"]), None
    )
    if (
        user is None
        or not user["is_active"]
        or store.passwords.get(user["username"]) != payload["password"]
    ):
        return Result(400, {"non_field_errors": ["Invalid username or password."]})
    session = secrets.token_hex(16)
    csrf = secrets.token_hex(16)
    store.sessions[session] = user["id"]
    user["last_login"] = now_text()
    return Result(
        200,
        renderer.render("users", user),
        headers=[
            ("Set-Cookie", f"csrftoken={csrf}; Path=/; SameSite=Lax"),
            ("Set-Cookie", f"sessionid={session}; HttpOnly; Path=/; SameSite=Lax"),
        ],
    )


def logout(store: Store) -> Result:
    """``POST authentication/logout/``: end the request's session, as Django's ``logout``.

    Only the session of the request ends: the user's other sessions (another client) stay
    logged in. The session cookie is expired only if the request carried one.
    """
    if store.session is None:
        return Result(200)
    store.sessions.pop(store.session, None)
    expired = "expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Path=/; SameSite=Lax"
    return Result(200, headers=[("Set-Cookie", f'sessionid=""; {expired}')])
