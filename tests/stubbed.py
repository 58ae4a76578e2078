"""Play the Cognito service with aiobotocore's ``AioStubber``. Not a test module.

moto does not issue SELECT_MFA_TYPE, EMAIL_OTP, SMS_OTP, CUSTOM_CHALLENGE,
SELECT_CHALLENGE, WEB_AUTHN or USER_AUTH, expire sessions, or check SECRET_HASH
on admin calls, so the tests that need those script the service call by call.
Every scripted call carries ``expected_params``: the stubber then fails the
test unless the library sent exactly that request.

The expected requests are built here independently of the library (SECRET_HASH
included: it is computed with hmac/hashlib/base64 from the USERNAME of the same
request), so that agreement is evidence, not an echo.
"""

from __future__ import annotations

import base64
import contextlib
import functools
import hashlib
import hmac
from collections.abc import AsyncIterator, Mapping
from typing import Any

from aiobotocore.session import AioSession
from aiobotocore.stub import AioStubber

from cognito_flow import CognitoAuthClient, safe_aio_config

__all__ = [
    "CLIENT_ID",
    "CLIENT_SECRET",
    "POOL_ID",
    "TOKENS",
    "challenge_response",
    "initiate_method",
    "initiate_params",
    "local_client",
    "password_flow",
    "respond_method",
    "respond_params",
    "secret_hash",
    "session",
    "stubbed_client",
    "tokens_response",
]

POOL_ID = "us-east-1_StUbBeD01"
CLIENT_ID = "3n4b5urk1ft4fl9stubbedclnt"
CLIENT_SECRET = "stubbed-client-secret-1ks7ya2c9rfb0q6n3tbd4x8m"

TOKENS: dict[str, Any] = {
    "AccessToken": "eyJhY2Nlc3MiOjF9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJl",
    "IdToken": "eyJpZCI6MX0.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJl",
    "RefreshToken": "refresh-token-value-0123456789",
    "ExpiresIn": 3600,
    "TokenType": "Bearer",
}


def session(n: int) -> str:
    """A distinct Session value (the service model wants 20 to 2048 characters)."""
    return f"AYABeStubbedSession-{n:04d}-" + "x" * 12


def secret_hash(username: str, client_secret: str = CLIENT_SECRET) -> str:
    """Base64(HMAC-SHA256(key=client secret, msg=username + client id)), per the AWS docs."""
    mac = hmac.new(client_secret.encode("utf-8"), digestmod=hashlib.sha256)
    mac.update(username.encode("utf-8"))
    mac.update(CLIENT_ID.encode("utf-8"))
    return base64.b64encode(mac.digest()).decode("ascii")


def password_flow(admin: bool) -> str:
    """The plain-password flow of each API."""
    return "ADMIN_USER_PASSWORD_AUTH" if admin else "USER_PASSWORD_AUTH"


def initiate_method(admin: bool) -> str:
    return "admin_initiate_auth" if admin else "initiate_auth"


def respond_method(admin: bool) -> str:
    return "admin_respond_to_auth_challenge" if admin else "respond_to_auth_challenge"


def _common(admin: bool, client_metadata: Mapping[str, str] | None) -> dict[str, Any]:
    params: dict[str, Any] = {"ClientId": CLIENT_ID}
    if admin:
        params["UserPoolId"] = POOL_ID
    if client_metadata is not None:
        params["ClientMetadata"] = dict(client_metadata)
    return params


def initiate_params(
    *,
    admin: bool,
    secret: str | None,
    flow: str,
    auth_parameters: Mapping[str, Any],
    client_metadata: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """The exact (Admin)InitiateAuth request; SECRET_HASH from its USERNAME."""
    auth = dict(auth_parameters)
    if secret is not None and "USERNAME" in auth:
        auth["SECRET_HASH"] = secret_hash(auth["USERNAME"], secret)
    params = _common(admin, client_metadata)
    params["AuthFlow"] = flow
    params["AuthParameters"] = auth
    return params


def respond_params(
    *,
    admin: bool,
    secret: str | None,
    challenge: str,
    username: str,
    session: str | None,
    answers: Mapping[str, Any],
    client_metadata: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """The exact (Admin)RespondToAuthChallenge request.

    ``answers`` are the challenge's own keys; USERNAME and SECRET_HASH (from
    that USERNAME) are added here, as the service requires. ``session`` is
    None for an answer to a challenge that came without one (real Cognito's
    PASSWORD_VERIFIER).
    """
    responses = dict(answers)
    responses["USERNAME"] = username
    if secret is not None:
        responses["SECRET_HASH"] = secret_hash(username, secret)
    params = _common(admin, client_metadata)
    params["ChallengeName"] = challenge
    params["ChallengeResponses"] = responses
    if session is not None:
        params["Session"] = session
    return params


def challenge_response(
    name: str,
    session: str | None,
    parameters: Mapping[str, str] | None = None,
    *,
    available: list[str] | None = None,
) -> dict[str, Any]:
    """A service response that asks for challenge ``name`` (on ``session``, if not None)."""
    response: dict[str, Any] = {
        "ChallengeName": name,
        "ChallengeParameters": dict(parameters or {}),
    }
    if session is not None:
        response["Session"] = session
    if available is not None:
        response["AvailableChallenges"] = list(available)
    return response


def tokens_response(**overrides: Any) -> dict[str, Any]:
    """A service response that ends the sign-in."""
    return {"AuthenticationResult": {**TOKENS, **overrides}, "ChallengeParameters": {}}


def local_client(
    session: Any, endpoint_url: str, config: Any
) -> contextlib.AbstractAsyncContextManager[Any]:
    """An aiobotocore cognito-idp client on ``endpoint_url`` with test credentials."""
    client: contextlib.AbstractAsyncContextManager[Any] = session.create_client(
        "cognito-idp",
        region_name="us-east-1",
        endpoint_url=endpoint_url,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=config,
    )
    return client


@functools.cache
def _aio_session() -> AioSession:
    # One session for every stubbed client: it caches the parsed service
    # model, which is most of the time a new client takes to make.
    return AioSession()


@contextlib.asynccontextmanager
async def stubbed_client(
    *, admin: bool = True, secret: str | None = None, **options: Any
) -> AsyncIterator[tuple[CognitoAuthClient, AioStubber]]:
    """A CognitoAuthClient on a real aiobotocore client whose calls are stubbed.

    On a clean exit every scripted response must have been used.
    """
    async with local_client(
        _aio_session(), "https://cognito-idp.stubbed.invalid", safe_aio_config()
    ) as idp:
        stubber = AioStubber(idp)
        stubber.activate()
        try:
            auth = CognitoAuthClient(
                idp,
                user_pool_id=POOL_ID,
                client_id=CLIENT_ID,
                client_secret=secret,
                admin=admin,
                **options,
            )
            yield auth, stubber
            stubber.assert_no_pending_responses()
        finally:
            stubber.deactivate()
