"""``cognito-flow`` / ``python -m cognito_flow``: the command line.

``login``, ``refresh``, ``verify`` and ``sign-out`` live in ``_cli``. Here is
``demo``: a full sign-in story against a local Cognito. It needs the
``testing`` extra (moto), prints each step and the id token's claims, and
never prints a token, a password or a Session.
"""

from __future__ import annotations

import base64
import json
import sys
from collections.abc import Mapping
from typing import Any

from . import AuthenticationResult, Challenge, ChallengeName, HandlerRegistry
from .handlers import new_password


def _claims(token: str | None) -> dict[str, Any]:
    if not token:
        return {}
    payload = token.split(".")[1]
    payload += "=" * (-len(payload) % 4)
    claims: dict[str, Any] = json.loads(base64.urlsafe_b64decode(payload))
    return claims


def _show_claims(result: AuthenticationResult) -> None:
    claims = _claims(result.id_token)
    shown = {k: claims[k] for k in ("sub", "cognito:username", "token_use", "iss") if k in claims}
    print(f"    id token claims: {json.dumps(shown, sort_keys=True)}")
    fresh = (
        "a refresh token" if result.refresh_token else "no new refresh token (the old one stays)"
    )
    print(f"    expires in {result.expires_in} s; {fresh}")


async def demo() -> int:
    """Run the demo; returns the process exit code."""
    from .testing import fresh_totp_code, local_cognito

    print("1. starting a local Cognito (moto server on 127.0.0.1)")
    async with local_cognito() as cognito:
        await cognito.create_user("alice", "Temporary-Passw0rd!", temporary=True)
        auth = cognito.auth_client()
        print(f"   pool {cognito.user_pool_id}; user alice has a temporary password")

        async def choose_password(challenge: Challenge) -> str:
            print(f"   <- {challenge.name}: the handler picks a new password")
            return "Brand-new-Passw0rd!"

        registry = HandlerRegistry()
        registry.register(ChallengeName.NEW_PASSWORD_REQUIRED, new_password(choose_password))

        print("2. authenticate(): first sign-in")
        first = await auth.authenticate("alice", "Temporary-Passw0rd!", handlers=registry)
        print("   -> tokens")
        _show_claims(first)

        print("3. alice turns on TOTP MFA (AssociateSoftwareToken, VerifySoftwareToken)")
        secret = await cognito.enable_totp(first.access_token)

        print("4. web request 1: start() stops at the challenge that needs the person")
        step = await auth.start("alice", "Brand-new-Passw0rd!", handlers=registry)
        if not isinstance(step, Challenge):
            print("   expected a challenge, got tokens", file=sys.stderr)
            return 1
        print(f"   <- {step!r}")
        stored = json.dumps(step.to_dict())
        print(f"   challenge kept server-side as {len(stored)} bytes of JSON")

        print("5. web request 2: the person types the code; resume()")
        pending = Challenge.from_dict(json.loads(stored))
        answers: Mapping[str, str] = {"SOFTWARE_TOKEN_MFA_CODE": await fresh_totp_code(secret)}
        second = await auth.resume(pending, answers, handlers=registry)
        if not isinstance(second, AuthenticationResult) or second.refresh_token is None:
            print("   expected tokens", file=sys.stderr)
            return 1
        print("   -> tokens")
        _show_claims(second)

        print("6. refresh(): new tokens from the refresh token")
        refreshed = await auth.refresh(second.refresh_token, username="alice")
        _show_claims(refreshed)
    print("done")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Command line entry point: ``cognito-flow`` and ``python -m cognito_flow``.

    ``login``, ``refresh``, ``verify`` and ``sign-out`` work on a real pool
    (``cognito_flow._cli``); ``demo`` runs the story above.
    """
    from ._cli import main as cli_main

    return cli_main(argv, demo=demo)


if __name__ == "__main__":
    sys.exit(main())
