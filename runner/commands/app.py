"""``jtai-sim app``: serve the planner's web app on this machine.

The app is a Shiny for Python application served by uvicorn (see
:mod:`runner.app`). It listens on ``127.0.0.1`` unless ``--host`` says otherwise;
any other host needs the access token, made here unless ``--token`` gives one,
and printed in the link to open. The app reads and writes only inside
``--workspace``.

At load time the module needs only click: Shiny, uvicorn and the engine are
imported when the command runs, so ``jtai-sim --help`` stays quick.
"""

from __future__ import annotations

from pathlib import Path

import click

from runner.errors import OneLineCommand, UserError, user_errors

#: The port the app listens on unless ``--port`` says otherwise (0 picks a free one).
DEFAULT_PORT = 8765
#: The longest token accepted: our bound, long past the 43 characters of a made one.
MAX_TOKEN_CHARS = 200


def check_token(token: str) -> str:
    """``token`` if it can ride in a link and a cookie unchanged, else a :class:`UserError`.

    >>> check_token("abc-DEF_123-ghi-JKL")
    'abc-DEF_123-ghi-JKL'
    >>> check_token("a b")
    Traceback (most recent call last):
    ...
    runner.errors.UserError: --token: use 16 to 200 letters, digits, '-' or '_', got 'a b'
    """
    allowed = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_")
    if not 16 <= len(token) <= MAX_TOKEN_CHARS or not set(token) <= allowed:
        shown = token if len(token) <= 40 else token[:40] + "..."
        raise UserError(
            f"--token: use 16 to {MAX_TOKEN_CHARS} letters, digits, '-' or '_', got {shown!r}"
        )
    return token


@click.command(cls=OneLineCommand)
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=DEFAULT_PORT,
    show_default=True,
    help="Port to listen on (0: any free port; the printed link names it).",
)
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address to listen on. Any but this machine's needs the access token.",
)
@click.option(
    "--workspace",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=Path("."),
    help="The only folder the app reads scenarios from and writes variants to "
    "(default: the current folder).",
)
@click.option(
    "--token",
    default=None,
    help="Access token to ask of every request (default off this machine: a new random one).",
)
def app(port: int, host: str, workspace: Path, token: str | None) -> None:
    """Serve the planner's web app: what-ifs with intervals, in the browser.

    \b
    Open the link it prints. Example:
      jtai-sim app --workspace my-area
    """
    from runner.app.access import LOCAL_HOSTS, new_token

    with user_errors():
        if token is not None:
            check_token(token)
        elif host not in LOCAL_HOSTS:
            token = new_token()
        try:
            root = workspace.resolve(strict=True)
        except OSError as exc:
            raise UserError(f"--workspace: {workspace}: {exc.strerror}") from None
        from runner.app.serve import address_of, asgi_app, open_socket, serve

        try:
            sock = open_socket(host, port)
        except OSError as exc:
            reason = exc.strerror or type(exc).__name__
            raise UserError(
                f"--host/--port: cannot listen on {host} port {port}: {reason}"
            ) from None
        application = asgi_app(root, token)
        click.echo(f"jtai-sim app: workspace {root}")
        click.echo(f"jtai-sim app: open {address_of(sock, host, token)}  (Ctrl-C to stop)")
        serve(application, sock)


COMMANDS: list[click.Command] = [app]

__all__ = ["COMMANDS", "app", "check_token"]
