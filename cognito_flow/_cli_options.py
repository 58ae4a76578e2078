"""The options of ``cognito-flow``: the parser, its help text, the checks argparse cannot make.

No option takes a secret: argv is visible in ``ps`` and kept in shell
history. Abbreviations are off, so ``--client-secret VALUE`` is refused
rather than taken for ``--client-secret-env``.
"""

from __future__ import annotations

import argparse
import os
import sys
import textwrap
from pathlib import Path
from typing import Any

from ._config import check_pool_id
from ._models import AuthFlow, ChallengeName
from .exceptions import ConfigurationError

__all__ = ["build_parser", "check", "prog"]

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


def prog() -> str:
    """How the command was called: the entry point, or the package run with -m."""
    ran = os.path.normpath(sys.argv[0] if sys.argv else "")
    by_module = ran.endswith(str(Path("cognito_flow", "__main__.py")))
    return "python -m cognito_flow" if by_module else "cognito-flow"


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
    pool.add_argument(
        "--debug",
        action="store_true",
        help="log the library's steps (never a value) and show tracebacks",
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
        prog=prog(),
        description=DESCRIPTION,
        epilog=f"{EXIT_CODES}\n\n{ENVIRONMENT}",
        formatter_class=_formatter,
        allow_abbrev=False,
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    def command(name: str, summary: str, *parents: argparse.ArgumentParser, more: str = "") -> Any:
        return commands.add_parser(
            name,
            help=summary,
            description=textwrap.fill(f"{summary} {more}".strip(), 79),
            epilog=EXIT_CODES,
            parents=list(parents),
            formatter_class=_formatter,
            allow_abbrev=False,
        )

    sub = command(
        "login",
        "Sign in, prompting for the password and for every challenge.",
        pool,
        service,
        as_json,
        device,
        more="Prompts and answers use the terminal (without one: stderr and stdin); "
        "passwords, codes and answers are not echoed. A wrong code or a refused new "
        "password is asked again (3 tries). TOTP setup draws its QR code in the terminal. "
        "WEB_AUTHN (passkeys) needs a browser: exit 4.",
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
        "verify",
        "Verify a token's signature and claims; print the claims as JSON.",
        pool,
        more='Needs the "tokens" extra.',
    )
    sub.add_argument(
        "--token-env",
        metavar="NAME",
        help="read the token from the environment variable NAME "
        "(default: stdin: the token, or login --json's output)",
    )
    sub.add_argument(
        "--token-use",
        choices=["access", "id"],
        default="access",
        metavar="USE",
        help="which token it is: access or id (default: access)",
    )
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
