"""TOTP MFA setup across two web requests, against a local Cognito.

A pool that requires MFA makes a new user set up an authenticator app during
the first sign-in (the MFA_SETUP challenge). In a web backend that spans two
requests:

1. The user signs in with a temporary password. A handler answers
   NEW_PASSWORD_REQUIRED; ``start()`` stops at MFA_SETUP, which carries the
   authenticator secret and an ``otpauth://`` URI to show as a QR code. The
   challenge is kept server-side as JSON (``to_dict()``).
2. The user types the app's first code. ``Challenge.from_dict()`` and
   ``resume()`` finish the sign-in with tokens.

It runs against moto's server (``pip install "cognito-flow[testing]"``):
``python examples/mfa_setup.py``.
"""

from __future__ import annotations

import asyncio
import base64
import json
from typing import Any

from cognito_flow import AuthenticationResult, Challenge, ChallengeName, HandlerRegistry
from cognito_flow.handlers import new_password
from cognito_flow.testing import fresh_totp_code, local_cognito


def id_token_claims(token: str) -> dict[str, Any]:
    """The claims of a JWT, unverified: fine for display, never for trust."""
    payload = token.split(".")[1]
    claims: dict[str, Any] = json.loads(
        base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    )
    return claims


async def main() -> int:
    """Sign a new user in, setting up TOTP MFA on the way."""
    async with local_cognito() as cognito:
        await cognito.require_mfa()
        await cognito.create_user("bob", "Temporary-Passw0rd!", temporary=True)
        auth = cognito.auth_client()

        async def choose_password(challenge: Challenge) -> str:
            return "Brand-new-Passw0rd!"  # in a real app: the password the person chose

        registry = HandlerRegistry()
        registry.register(ChallengeName.NEW_PASSWORD_REQUIRED, new_password(choose_password))

        # -- request 1: sign in; stop at the challenge that needs the person --
        step = await auth.start("bob", "Temporary-Passw0rd!", handlers=registry)
        if not isinstance(step, Challenge) or step.name != ChallengeName.MFA_SETUP:
            print(f"expected MFA_SETUP, got {step!r}")
            return 1
        # The library has already called AssociateSoftwareToken: the challenge
        # carries the secret, and a URI to render as a QR code for the app.
        print(f"challenge: {step.name}")
        print(f"scan this: {step.otpauth_uri}")
        # Keep the challenge server-side (it holds the Session); the browser
        # only needs the URI. Here JSON stands in for your session store.
        stored = json.dumps(step.to_dict())

        # -- request 2: the person types the first code the app shows --
        pending = Challenge.from_dict(json.loads(stored))
        secret = pending.secret_code
        assert secret is not None
        code = await fresh_totp_code(secret)  # the authenticator app's job, in real life
        result = await auth.resume(pending, {"SOFTWARE_TOKEN_MFA_CODE": code})
        if not isinstance(result, AuthenticationResult) or result.id_token is None:
            print(f"expected tokens, got {result!r}")
            return 1
        # Print who signed in, never a token.
        print(f"signed in as {id_token_claims(result.id_token)['cognito:username']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
