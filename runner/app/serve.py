"""The app's ASGI application and the uvicorn server that serves it.

:func:`asgi_app` wraps the Shiny application of a workspace in the access-token
gate when a token is given. :func:`open_socket` binds the listening socket
before anything else starts, so a port in use is one clear line, and port 0
picks a free one (the printed address names it). :func:`serve` runs uvicorn on
that socket until Ctrl-C or SIGTERM.
"""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

from runner.app.access import TokenGate
from runner.app.page import make_app


def asgi_app(workspace: Path, token: str | None) -> Any:
    """The Shiny app of ``workspace``, behind the token gate when ``token`` is set."""
    app = make_app(workspace)
    return TokenGate(app, token) if token else app


def open_socket(host: str, port: int) -> socket.socket:
    """A listening TCP socket on ``host``:``port`` (``OSError`` if it cannot be had)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    family, kind, proto, _, address = infos[0]
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(128)
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


def address_of(sock: socket.socket, host: str, token: str | None) -> str:
    """The link to open: the host as given, the bound port, and the token if any."""
    port = sock.getsockname()[1]
    shown = f"[{host}]" if ":" in host else host
    query = f"?token={token}" if token else ""
    return f"http://{shown}:{port}/{query}"


def serve(app: Any, sock: socket.socket) -> None:
    """Serve ``app`` on ``sock`` with uvicorn until stopped."""
    import uvicorn

    config = uvicorn.Config(app, log_level="warning", lifespan="on")
    uvicorn.Server(config).run(sockets=[sock])


__all__ = ["address_of", "asgi_app", "open_socket", "serve"]
