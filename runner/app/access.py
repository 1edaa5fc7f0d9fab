"""The access token that guards the app when it listens beyond this machine.

:class:`TokenGate` is ASGI middleware around the Shiny application. A request
passes when its query string carries ``token=`` with the right value (the link
the command prints) or when it sends the cookie the gate set on that first
visit; every other HTTP request gets 403, and every other websocket is closed
before it is accepted (which the server answers with 403). Tokens are compared
in constant time. On localhost the command serves without a gate.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Awaitable, Callable, MutableMapping
from http.cookies import CookieError, SimpleCookie
from typing import Any
from urllib.parse import parse_qs

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

#: The start of the name of the cookie that carries the token after the first visit.
COOKIE = "jtai_sim_token"


def cookie_name(token: str) -> str:
    """The cookie's name for ``token``: its own per token, as browsers share cookies across
    ports, so two apps on one host do not overwrite each other's (a digest, not the token).

    >>> cookie_name("abc") == cookie_name("abc") != cookie_name("abd")
    True
    """
    return f"{COOKIE}_{hashlib.sha256(token.encode()).hexdigest()[:12]}"


#: Hosts that mean this machine only: no token is needed there.
LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


def new_token() -> str:
    """A fresh random token for one run of the app (256 bits, URL-safe)."""
    return secrets.token_urlsafe(32)


def _header(scope: Scope, name: bytes) -> str:
    for key, value in scope.get("headers", []):
        if key.lower() == name:
            return bytes(value).decode("latin-1")
    return ""


def _query_token(scope: Scope) -> str | None:
    query = bytes(scope.get("query_string", b"")).decode("latin-1")
    values = parse_qs(query).get("token")
    return values[0] if values else None


def _cookie_token(scope: Scope, name: str) -> str | None:
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(_header(scope, b"cookie"))
    except CookieError:
        return None
    morsel = jar.get(name)
    return morsel.value if morsel is not None else None


class TokenGate:
    """Refuse every HTTP and websocket request that does not carry ``token``."""

    def __init__(self, app: ASGIApp, token: str) -> None:
        if not token:
            raise ValueError("the access token must not be empty")
        self.app = app
        self.token = token
        self.cookie = cookie_name(token)

    def _matches(self, given: str | None) -> bool:
        return given is not None and secrets.compare_digest(given.encode(), self.token.encode())

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope.get("type")
        if kind not in ("http", "websocket"):  # lifespan and the like carry no request
            await self.app(scope, receive, send)
            return
        from_query = self._matches(_query_token(scope))
        if not (from_query or self._matches(_cookie_token(scope, self.cookie))):
            await _refuse(kind, send)
            return
        if kind == "http" and from_query:
            await self.app(scope, receive, self._setting_cookie(send))
            return
        await self.app(scope, receive, send)

    def _setting_cookie(self, send: Send) -> Send:
        """``send`` with the token's cookie added to the response's headers."""
        cookie = f"{self.cookie}={self.token}; Path=/; HttpOnly; SameSite=Strict".encode()

        async def sending(message: Message) -> None:
            if message.get("type") == "http.response.start":
                headers = list(message.get("headers", []))
                headers.append((b"set-cookie", cookie))
                message["headers"] = headers
            await send(message)

        return sending


async def _refuse(kind: str, send: Send) -> None:
    if kind == "websocket":
        await send({"type": "websocket.close", "code": 1008})
        return
    body = b"403 Forbidden: open the link with ?token= that jtai-sim app printed\n"
    await send(
        {
            "type": "http.response.start",
            "status": 403,
            "headers": [
                (b"content-type", b"text/plain; charset=utf-8"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


__all__ = ["COOKIE", "LOCAL_HOSTS", "TokenGate", "cookie_name", "new_token"]
