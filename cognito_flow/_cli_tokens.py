"""The command line after the sign-in: ``refresh``, ``verify``, ``sign-out``.

Also what every command shares: the client built from the options, tokens
read from an environment variable or stdin (never from argv, which ``ps``
and shell history show), and tokens written as JSON or as a summary.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import datetime as dt
import json
import os
import socket
from collections.abc import AsyncIterator
from typing import Any, TextIO

from ._cli_base import EXIT_OK, CliError, Console
from ._cli_devices import FileDeviceStore
from ._client import CognitoAuthClient
from ._models import AuthenticationResult

__all__ = [
    "open_client",
    "read_token",
    "refresh",
    "sign_out",
    "token_json",
    "verify",
    "write_tokens",
]

#: The keys of ``--json`` output, in this order.
TOKEN_KEYS = ("access_token", "id_token", "refresh_token", "expires_in", "token_type")


def secret_from_env(name: str | None, what: str) -> str | None:
    """The value of the environment variable ``name`` (None when no name is given)."""
    if name is None:
        return None
    value = os.environ.get(name)
    if not value:
        raise CliError(f"the environment variable {name} (for the {what}) is not set or empty")
    return value


def device_store(args: argparse.Namespace) -> FileDeviceStore | None:
    """The ``--device-file`` store, checked; or None."""
    path: str | None = getattr(args, "device_file", None)
    if not path:
        return None
    store = FileDeviceStore(path)
    store.check()
    return store


@contextlib.asynccontextmanager
async def open_client(
    args: argparse.Namespace, *, store: FileDeviceStore | None = None
) -> AsyncIterator[CognitoAuthClient]:
    """A CognitoAuthClient for the pool and app client the options name."""
    # The DeviceName the person sees in the list of their devices. Without a
    # device file nothing keeps a new device, so it is not marked remembered.
    options: dict[str, Any] = {
        "device_name": f"cognito-flow on {socket.gethostname()}",
        "device_store": store,
        "remember_devices": store is not None,
    }
    async with CognitoAuthClient.connect(
        user_pool_id=args.pool_id,
        client_id=args.client_id,
        client_secret=secret_from_env(args.client_secret_env, "client secret"),
        admin=args.admin,
        endpoint_url=args.endpoint_url,
        region_name=args.region,
        **options,
    ) as auth:
        yield auth


def read_token(console: Console, stdin: TextIO, env: str | None, field: str, what: str) -> str:
    """A token from the environment variable ``env``, else from stdin.

    On a terminal it is asked for without echo. Piped text may be the token
    itself or the JSON that ``login --json`` prints, whose ``field`` is taken.
    """
    if env is not None:
        text = secret_from_env(env, what) or ""
    elif _isatty(stdin):
        text = console.ask_secret(f"{what[0].upper()}{what[1:]}: ")
    else:
        text = stdin.read()
    text = text.strip()
    if text.startswith("{"):
        try:
            data = json.loads(text)
        except ValueError:
            raise CliError(f"the {what} given is neither a token nor JSON") from None
        value = data.get(field) if isinstance(data, dict) else None
        if not isinstance(value, str):
            raise CliError(f"the JSON given has no {field}")
        text = value
    if not text:
        raise CliError(f"no {what} was given (pipe it to stdin, or name a variable with -env)")
    return text


def _isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


# -- output -------------------------------------------------------------------------


def token_json(result: AuthenticationResult) -> str:
    """The ``--json`` output: the tokens, their lifetime and type, nothing else."""
    values = {key: getattr(result, key) for key in TOKEN_KEYS}
    return json.dumps(values, indent=2)


def unverified_claims(token: str | None) -> dict[str, Any]:
    """The claims of a JWT, not verified: for a summary of tokens the service just sent."""
    if not token:
        return {}
    try:
        payload = token.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (IndexError, ValueError):
        return {}
    return claims if isinstance(claims, dict) else {}


#: Claims that say how the token was made rather than who signed in.
_TECHNICAL = frozenset(
    {"aud", "at_hash", "auth_time", "cognito:username", "event_id", "exp", "iat", "iss"}
    | {"jti", "origin_jti", "token_use", "username", "client_id", "scope", "version"}
)


def _when(value: object) -> str:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    moment = dt.datetime.fromtimestamp(value, tz=dt.UTC)
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC")


def _text(value: object) -> str:
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def summary(result: AuthenticationResult, heading: str) -> str:
    """Who signed in, from the ID token's claims (the access token's without one); no token."""
    claims = unverified_claims(result.id_token) or unverified_claims(result.access_token)
    name = claims.get("cognito:username") or claims.get("username") or result.username
    lines = [f"{heading} as {name}" if name else heading]
    shown = {k: v for k, v in claims.items() if k not in _TECHNICAL}
    shown["issuer"] = claims.get("iss")
    shown["signed in at"] = _when(claims["auth_time"]) if "auth_time" in claims else None
    if result.expires_in is not None:
        shown["expires in"] = f"{result.expires_in} s"
    elif "exp" in claims:
        shown["expires"] = _when(claims["exp"])
    width = max(len(key) for key in shown)
    lines += [f"  {k.ljust(width)}  {_text(v)}" for k, v in shown.items() if v is not None]
    lines.append("The tokens are not shown: --json prints them.")
    return "\n".join(lines)


def write_tokens(out: TextIO, result: AuthenticationResult, *, as_json: bool, heading: str) -> None:
    """Tokens as JSON (``--json``), else the summary, on stdout."""
    out.write((token_json(result) if as_json else summary(result, heading)) + "\n")
    out.flush()


# -- the commands ---------------------------------------------------------------------


async def refresh(args: argparse.Namespace, console: Console, stdin: TextIO, out: TextIO) -> int:
    """``refresh``: new tokens from a refresh token."""
    token = read_token(console, stdin, args.refresh_token_env, "refresh_token", "refresh token")
    async with open_client(args, store=device_store(args)) as auth, console.progress("Refreshing"):
        result = await auth.refresh(token, username=args.username)
    write_tokens(out, result, as_json=args.json, heading="Refreshed the tokens")
    return EXIT_OK


async def verify(args: argparse.Namespace, console: Console, stdin: TextIO, out: TextIO) -> int:
    """``verify``: check a token's signature and claims; print the claims as JSON."""
    try:
        from .tokens import TokenVerifier
    except ImportError:
        raise CliError(
            'verify needs the "tokens" extra: pip install "cognito-flow[tokens]"'
        ) from None
    use = args.token_use
    token = read_token(console, stdin, args.token_env, f"{use}_token", f"{use} token")
    verifier = TokenVerifier(args.pool_id, client_ids=[args.client_id], jwks_url=args.jwks_url)
    async with verifier, console.progress("Verifying"):
        claims = await verifier.verify(token, token_use=use)
    out.write(json.dumps(claims, indent=2, sort_keys=True) + "\n")
    out.flush()
    return EXIT_OK


async def sign_out(args: argparse.Namespace, console: Console, stdin: TextIO, out: TextIO) -> int:
    """``sign-out``: RevokeToken, or GlobalSignOut with ``--global``."""
    async with open_client(args) as auth:
        if not args.everywhere:
            token = read_token(
                console, stdin, args.refresh_token_env, "refresh_token", "refresh token"
            )
            async with console.progress("Signing out"):
                await auth.sign_out(token)
            console.say("Signed out: the refresh token and the tokens issued from it are revoked.")
        elif args.username is not None:
            async with console.progress("Signing out"):
                await auth.global_sign_out(username=args.username)
            console.say(f"Signed {args.username} out everywhere (AdminUserGlobalSignOut).")
        else:
            token = read_token(
                console, stdin, args.access_token_env, "access_token", "access token"
            )
            async with console.progress("Signing out"):
                await auth.global_sign_out(access_token=token)
            console.say("Signed out everywhere: every refresh token of the user is revoked.")
    return EXIT_OK
