"""``cognito-flow``: the command line (``python -m cognito_flow`` too).

``login`` signs in at the terminal, prompting for the password and every
challenge; ``refresh``, ``verify`` and ``sign-out`` work with the tokens;
``demo`` tells the story of ``make demo``. This module holds the options, the
exit codes and the error reporting; the commands live in ``_cli_login`` and
``_cli_tokens``, the terminal in ``_cli_base``.

No option takes a secret: argv is visible in ``ps`` and kept in shell
history. Passwords and codes are typed without echo, tokens come from stdin
or a named environment variable, the client secret from a named variable.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal
import sys
import threading
import traceback
from collections.abc import Awaitable, Callable, Coroutine
from types import FrameType
from typing import Any, TextIO

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
from ._cli_tokens import refresh, sign_out, verify
from ._config import check_pool_id
from ._models import AuthFlow, ChallengeName
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

DESCRIPTION = """\
Sign in to an Amazon Cognito user pool from the terminal, and work with the tokens.

No option takes a secret (argv shows in `ps` and in shell history): passwords
and codes are typed without echo, tokens are read from stdin or from an
environment variable you name, and so is the app client's secret."""

EXIT_CODES = """\
exit codes:
  0    success
  1    the service refused: wrong password or code, revoked token, throttled, ...
  2    usage or configuration error: bad or missing option, no input, no terminal
  3    network or transport error: the service (or the JWKS) could not be reached,
       timed out, or sent an answer that could not be read
  4    a challenge this command line cannot answer, e.g. WEB_AUTHN (needs a browser)
  5    the token is invalid or has expired (verify)
  130  interrupted (Ctrl-C)"""

ENVIRONMENT = """\
environment:
  COGNITO_FLOW_POOL_ID    the user pool id, when --pool-id is not given
  COGNITO_FLOW_CLIENT_ID  the app client id, when --client-id is not given
  AWS_PROFILE, AWS_ACCESS_KEY_ID, ...
                          credentials for --admin (the standard AWS chain)"""

Command = Callable[[argparse.Namespace, Console, TextIO, TextIO], Coroutine[Any, Any, int]]

COMMANDS: dict[str, Command] = {
    "login": login,
    "refresh": refresh,
    "verify": verify,
    "sign-out": sign_out,
}

#: Flows that start a sign-in (the refresh flows are ``refresh``'s).
SIGN_IN_FLOWS = [
    flow.value
    for flow in AuthFlow
    if flow not in (AuthFlow.REFRESH_TOKEN_AUTH, AuthFlow.REFRESH_TOKEN)
]
#: USER_AUTH's first choices that a terminal can complete.
PREFERRED = [
    ChallengeName.PASSWORD_SRP,
    ChallengeName.PASSWORD,
    ChallengeName.EMAIL_OTP,
    ChallengeName.SMS_OTP,
]


def _prog() -> str:
    return "python -m cognito_flow" if sys.argv[0].endswith("__main__.py") else "cognito-flow"


def _formatter(prog: str) -> argparse.HelpFormatter:
    return argparse.RawDescriptionHelpFormatter(prog, max_help_position=32)


def build_parser() -> tuple[argparse.ArgumentParser, dict[str, argparse.ArgumentParser]]:
    """The parser, and the parser of each subcommand (for their error messages)."""
    # No abbreviations: "--client-secret VALUE" must not pass for --client-secret-env.
    pool = argparse.ArgumentParser(add_help=False, allow_abbrev=False)
    group = pool.add_argument_group("user pool")
    group.add_argument(
        "--pool-id",
        default=os.environ.get("COGNITO_FLOW_POOL_ID"),
        metavar="ID",
        help="user pool id, e.g. eu-west-1_AbC123 (default: $COGNITO_FLOW_POOL_ID)",
    )
    group.add_argument(
        "--client-id",
        default=os.environ.get("COGNITO_FLOW_CLIENT_ID"),
        metavar="ID",
        help="app client id (default: $COGNITO_FLOW_CLIENT_ID)",
    )
    group.add_argument(
        "--debug", action="store_true", help="log the library's steps and show tracebacks"
    )

    service = argparse.ArgumentParser(add_help=False, allow_abbrev=False)
    group = service.add_argument_group("service")
    group.add_argument("--region", help="AWS region (default: the pool id's)")
    group.add_argument(
        "--endpoint-url", metavar="URL", help="another Cognito endpoint, e.g. a local one"
    )
    group.add_argument(
        "--client-secret-env",
        metavar="NAME",
        help="read the app client's secret from the environment variable NAME",
    )
    group.add_argument(
        "--admin",
        action="store_true",
        help="use the admin API (AdminInitiateAuth ...), signed with AWS credentials "
        "from the standard chain; default: the public API, no credentials",
    )

    as_json = argparse.ArgumentParser(add_help=False, allow_abbrev=False)
    as_json.add_argument(
        "--json",
        action="store_true",
        help="print the tokens as JSON on stdout (access_token, id_token, refresh_token, "
        "expires_in, token_type) and nothing else; default: a summary of the claims",
    )
    device = argparse.ArgumentParser(add_help=False, allow_abbrev=False)
    device.add_argument(
        "--device-file",
        metavar="PATH",
        help="remember this process as a Cognito device: its key and password are kept "
        "in PATH (JSON, mode 0600). The process is the device: keep the file private "
        "and on this machine",
    )

    parser = argparse.ArgumentParser(
        prog=_prog(),
        description=DESCRIPTION,
        epilog=f"{EXIT_CODES}\n\n{ENVIRONMENT}",
        formatter_class=_formatter,
        allow_abbrev=False,
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    def command(name: str, summary: str, *parents: argparse.ArgumentParser) -> Any:
        return commands.add_parser(
            name,
            help=summary,
            description=summary,
            epilog=EXIT_CODES,
            parents=list(parents),
            formatter_class=_formatter,
            allow_abbrev=False,
        )

    sub = command(
        "login",
        "Sign in, prompting for the password and for every challenge. TOTP setup draws "
        "its QR code in the terminal. WEB_AUTHN (passkeys) needs a browser: exit 4.",
        pool,
        service,
        as_json,
        device,
    )
    sub.add_argument("--username", help="the user name (default: asked)")
    sub.add_argument(
        "--flow",
        choices=SIGN_IN_FLOWS,
        metavar="FLOW",
        help="the AuthFlow: " + ", ".join(SIGN_IN_FLOWS) + " (default: "
        "ADMIN_USER_PASSWORD_AUTH with --admin, else USER_SRP_AUTH)",
    )
    sub.add_argument(
        "--preferred-challenge",
        choices=PREFERRED,
        metavar="NAME",
        help="USER_AUTH's first choice: " + ", ".join(PREFERRED) + " (implies --flow USER_AUTH)",
    )
    sub.add_argument(
        "--show-secret",
        action="store_true",
        help="TOTP setup: also print the authenticator key under the QR code (on the terminal)",
    )

    sub = command("refresh", "New tokens from a refresh token.", pool, service, as_json, device)
    sub.add_argument(
        "--refresh-token-env",
        metavar="NAME",
        help="read the refresh token from the environment variable NAME "
        "(default: stdin: the token, or login --json's output)",
    )
    sub.add_argument(
        "--username",
        help="the canonical user name: needed with a client secret where "
        "GetTokensFromRefreshToken is missing, and to send a remembered device's key",
    )

    sub = command(
        "verify", "Verify a token's signature and claims; print the claims as JSON.", pool
    )
    sub.add_argument(
        "--token-env",
        metavar="NAME",
        help="read the token from the environment variable NAME "
        "(default: stdin: the token, or login --json's output)",
    )
    sub.add_argument("--token-use", choices=["access", "id"], default="access", help="(access)")
    sub.add_argument(
        "--jwks-url",
        metavar="URL",
        help="where the pool's keys are (default: the pool's; a local Cognito: "
        "<endpoint>/<pool id>/.well-known/jwks.json)",
    )

    sub = command(
        "sign-out",
        "Revoke a refresh token (RevokeToken), or with --global sign the user out everywhere.",
        pool,
        service,
    )
    sub.add_argument(
        "--refresh-token-env",
        metavar="NAME",
        help="read the refresh token from the environment variable NAME (default: stdin)",
    )
    sub.add_argument(
        "--global",
        dest="everywhere",
        action="store_true",
        help="GlobalSignOut with an access token: every refresh token of the user is revoked",
    )
    sub.add_argument(
        "--access-token-env",
        metavar="NAME",
        help="with --global: read the access token from the environment variable NAME "
        "(default: stdin)",
    )
    sub.add_argument(
        "--username", help="with --global --admin: sign this user out (AdminUserGlobalSignOut)"
    )

    command("demo", "The whole story against a local Cognito (needs the testing extra).")
    return parser, commands.choices


def check(args: argparse.Namespace, parser: argparse.ArgumentParser) -> None:
    """What argparse cannot check itself; ``parser.error`` exits with 2."""
    for option, env in (
        ("pool_id", "COGNITO_FLOW_POOL_ID"),
        ("client_id", "COGNITO_FLOW_CLIENT_ID"),
    ):
        if not getattr(args, option):
            parser.error(f"--{option.replace('_', '-')} is required (or set {env})")
    try:
        check_pool_id(args.pool_id)
    except ConfigurationError as exc:
        parser.error(f"--pool-id: {exc}")
    endpoint = getattr(args, "endpoint_url", None)
    if endpoint is not None and not endpoint.startswith(("http://", "https://")):
        parser.error("--endpoint-url must be an http:// or https:// URL")
    if args.command == "sign-out":
        if args.everywhere and args.refresh_token_env:
            parser.error("--global signs out with an access token: use --access-token-env")
        if not args.everywhere and (args.access_token_env or args.username):
            parser.error("--access-token-env and --username go with --global")
        if args.username and not args.admin:
            parser.error("--global --username needs --admin (AdminUserGlobalSignOut)")
        if args.username and args.access_token_env:
            parser.error("--username and --access-token-env exclude each other")


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
    # Its message could quote anything; the traceback is one --debug away.
    return EXIT_REFUSED, f"unexpected {type(exc).__name__} (--debug shows the traceback)"


async def run_command(
    args: argparse.Namespace, console: Console, stdin: TextIO, stdout: TextIO
) -> int:
    """Run a parsed command; report an error in one line and return the exit code."""
    try:
        return await COMMANDS[args.command](args, console, stdin, stdout)
    except Exception as exc:
        code, message = exit_status(exc)
        if args.debug:
            traceback.print_exception(exc, file=sys.stderr)
        console.say(f"{_prog()}: error: {message}")
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
        console.say(f"{_prog()}: interrupted")
        return EXIT_INTERRUPTED
    finally:
        if own:
            signal.signal(signal.SIGINT, signal.default_int_handler)


async def _awaited(awaitable: Awaitable[int]) -> int:
    return await awaitable


def _configure_logging(debug: bool) -> None:
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
    _configure_logging(args.debug)
    with TerminalConsole() as console:
        return _run(run_command(args, console, sys.stdin, sys.stdout), console)
