"""``cognito-flow``: the command line (``python -m cognito_flow`` too).

``login`` signs in at the terminal, prompting for the password and every
challenge; ``refresh``, ``verify`` and ``sign-out`` work with the tokens;
``demo`` tells the story of ``make demo``. This module runs a command and
turns its errors into one line and an exit code; the options live in
``_cli_options``, the commands in ``_cli_login`` and ``_cli_tokens``, the
terminal in ``_cli_base``.

No option takes a secret: argv is visible in ``ps`` and kept in shell
history. Passwords and codes are typed without echo, tokens come from stdin
or a named environment variable, the client secret from a named variable.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys
import threading
import traceback
from collections.abc import Awaitable, Callable, Coroutine
from types import FrameType
from typing import Any, TextIO

from botocore.exceptions import BotoCoreError

from ._cli_base import (
    EXIT_INTERRUPTED,
    EXIT_INVALID_TOKEN,
    EXIT_REFUSED,
    EXIT_TRANSPORT,
    EXIT_UNSUPPORTED,
    EXIT_USAGE,
    CliError,
    Console,
    TerminalConsole,
)
from ._cli_login import login
from ._cli_options import build_parser, check, prog
from ._cli_tokens import refresh, sign_out, verify
from ._models import ChallengeName
from .exceptions import (
    CognitoFlowError,
    ConfigurationError,
    HandlerError,
    InvalidTokenError,
    TransportError,
    UnexpectedResponseError,
    UnhandledChallengeError,
)

__all__ = ["build_parser", "exit_status", "main", "run_command"]

Command = Callable[[argparse.Namespace, Console, TextIO, TextIO], Coroutine[Any, Any, int]]

COMMANDS: dict[str, Command] = {
    "login": login,
    "refresh": refresh,
    "verify": verify,
    "sign-out": sign_out,
}


def exit_status(exc: BaseException) -> tuple[int, str]:
    """The exit code for an error, and its one-line message (never a secret)."""
    # A prompt that failed inside a challenge handler comes wrapped.
    while isinstance(exc, HandlerError) and exc.__cause__ is not None:
        exc = exc.__cause__
    if isinstance(exc, CliError):
        return exc.code, str(exc)
    if isinstance(exc, EOFError):
        return EXIT_USAGE, "the input ended before every answer was given"
    if isinstance(exc, UnhandledChallengeError):
        name = exc.challenge.name
        if name == ChallengeName.WEB_AUTHN:
            return EXIT_UNSUPPORTED, (
                "the service asks for a passkey (WEB_AUTHN), which needs a browser: "
                "this command line cannot answer it"
            )
        return (
            EXIT_UNSUPPORTED,
            f"the service asks for {name}, which this command line cannot answer",
        )
    if isinstance(exc, InvalidTokenError):
        return EXIT_INVALID_TOKEN, f"the token is not valid: {exc}"
    if isinstance(exc, ConfigurationError):
        return EXIT_USAGE, str(exc)
    if isinstance(exc, TransportError | UnexpectedResponseError):
        return EXIT_TRANSPORT, str(exc)
    if isinstance(exc, CognitoFlowError):
        return EXIT_REFUSED, str(exc)
    if isinstance(exc, BotoCoreError):
        # Calls translate botocore's errors; what arrives here untranslated
        # came from building the client: a missing profile, a bad region.
        return EXIT_USAGE, str(exc)
    # Its message could quote anything; the traceback is one --debug away.
    return EXIT_REFUSED, f"unexpected {type(exc).__name__} (--debug shows the traceback)"


async def run_command(
    args: argparse.Namespace, console: Console, stdin: TextIO, stdout: TextIO
) -> int:
    """Run a parsed command; report an error in one line and return the exit code."""
    try:
        return await COMMANDS[args.command](args, console, stdin, stdout)
    except Exception as exc:  # noqa: BLE001 - any failure becomes one line and an exit code
        code, message = exit_status(exc)
        if args.debug:
            traceback.print_exception(exc, file=sys.stderr)
        console.say(f"{prog()}: error: {message}")
        return code


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def _run(coroutine: Awaitable[int], console: Console) -> int:
    # asyncio.run() turns the first Ctrl-C into a cancellation of the main
    # task, which a prompt blocked in getpass never sees. Raising at once
    # ends the prompt (getpass restores the echo) and unwinds the clients.
    own = (
        threading.current_thread() is threading.main_thread()
        and signal.getsignal(signal.SIGINT) is signal.default_int_handler
    )
    if own:
        signal.signal(signal.SIGINT, _interrupt)
    try:
        return asyncio.run(_awaited(coroutine))
    except KeyboardInterrupt:
        console.say("")
        console.say(f"{prog()}: interrupted")
        return EXIT_INTERRUPTED
    finally:
        if own:
            signal.signal(signal.SIGINT, signal.default_int_handler)


async def _awaited(awaitable: Awaitable[int]) -> int:
    return await awaitable


def _configure_logging(*, debug: bool) -> None:
    if not debug:
        return
    logging.basicConfig(stream=sys.stderr, format="%(name)s: %(levelname)s: %(message)s")
    logging.getLogger("cognito_flow").setLevel(logging.DEBUG)
    # botocore's DEBUG output holds request bodies: passwords, codes, tokens.
    logging.getLogger("botocore").setLevel(logging.WARNING)
    logging.getLogger("aiobotocore").setLevel(logging.WARNING)


def main(argv: list[str] | None = None, *, demo: Callable[[], Awaitable[int]] | None = None) -> int:
    """Parse the command line, run the command, return the exit code."""
    parser, commands = build_parser()
    args, unknown = parser.parse_known_args(argv)
    if unknown:
        # argparse would repeat them all, and a value there may be a secret
        # typed where it never belongs: name the options only.
        options = [arg.split("=", 1)[0] for arg in unknown if arg.startswith("-")]
        hidden = len(unknown) - len(options)
        text = " ".join(options) + (
            f" (and {hidden} value{'s' * (hidden > 1)}, not shown)" if hidden else ""
        )
        commands.get(args.command, parser).error(f"unrecognized arguments: {text.strip()}")
    if args.command == "demo":
        if demo is None:  # pragma: no cover - __main__ always passes it
            parser.error("demo is run by python -m cognito_flow")
        return asyncio.run(_awaited(demo()))
    check(args, commands[args.command])
    _configure_logging(debug=args.debug)
    with TerminalConsole() as console:
        return _run(run_command(args, console, sys.stdin, sys.stdout), console)
