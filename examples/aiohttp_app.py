"""Two-request sign-in in an aiohttp backend, with TOTP MFA.

``POST /login`` starts the sign-in. When Cognito wants something only the
person can give (an MFA code, a new password), the pending challenge is kept
server-side under a random id and the browser gets the id and what its form
needs. ``POST /login/answer`` sends the person's answers with that id and
either finishes the sign-in or returns the next challenge.

``main()`` plays the whole story against a local Cognito (moto's server) and
this app on a loopback test server: ``python examples/aiohttp_app.py``
(needs ``pip install "cognito-flow[testing]"``).
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import secrets
import time
from typing import Any, NamedTuple

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from cognito_flow import (
    AuthenticationResult,
    Challenge,
    ChallengeName,
    CodeMismatchError,
    CognitoAuthClient,
    CognitoFlowError,
    ConfigurationError,
    NotAuthorizedError,
    SessionExpiredError,
)
from cognito_flow.testing import fresh_totp_code, local_cognito, wrong_totp_code

logger = logging.getLogger(__name__)

#: How long a pending challenge is kept. Cognito's Session lasts 3 minutes by
#: default (the app client's AuthSessionValidity, up to 15): keeping it longer
#: only turns a clear "start again" into a confusing service error.
PENDING_TTL = 180.0


class Pending(NamedTuple):
    challenge: dict[str, Any]  # Challenge.to_dict(): it holds the Session
    created: float


# Use your session store / Redis in production (with PENDING_TTL as its
# expiry); it holds the Session, never send it to the browser.
PendingStore = dict[str, Pending]
AUTH = web.AppKey("auth", CognitoAuthClient)
PENDING = web.AppKey("pending", PendingStore)


def make_app(auth: CognitoAuthClient) -> web.Application:
    """The sign-in endpoints, on one CognitoAuthClient shared by all requests."""
    app = web.Application()
    app[AUTH] = auth
    app[PENDING] = {}
    app.router.add_post("/login", login)
    app.router.add_post("/login/answer", answer)
    return app


def error(status: int, message: str, **extra: Any) -> web.Response:
    return web.json_response({"error": message, **extra}, status=status)


async def json_object(request: web.Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def id_token_claims(token: str) -> dict[str, Any]:
    """The claims of a JWT, unverified: fine here, it came straight from Cognito.

    Verify the signature (the pool's JWKS) wherever a token comes back from a browser.
    """
    payload = token.split(".")[1]
    claims: dict[str, Any] = json.loads(
        base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    )
    return claims


def next_step(request: web.Request, step: Challenge | AuthenticationResult) -> web.Response:
    if isinstance(step, AuthenticationResult):
        # A demo: a real app would now set its own session cookie (HttpOnly),
        # or hand the tokens to the client; it shows who signed in instead.
        claims = id_token_claims(step.id_token) if step.id_token else {}
        shown = {k: claims[k] for k in ("sub", "cognito:username", "email") if k in claims}
        return web.json_response(
            {
                "status": "signed-in",
                "access_token_expires_in": step.expires_in,
                "claims": shown,
            }
        )
    store = request.app[PENDING]
    now = time.monotonic()
    # Drop what nobody came back for, so the dict cannot grow without bound.
    for stale in [k for k, p in store.items() if now - p.created > PENDING_TTL]:
        del store[stale]
    pending_id = secrets.token_urlsafe()
    store[pending_id] = Pending(step.to_dict(), now)
    logger.info("sign-in waits for %s", step.name)
    # Only what the form needs: where the code went, or the QR code to show.
    body: dict[str, Any] = {"status": "challenge", "challenge": step.name, "pending": pending_id}
    if step.destination:
        body["destination"] = step.destination
        body["delivery_medium"] = step.delivery_medium
    if step.name == ChallengeName.MFA_SETUP and step.otpauth_uri:
        body["otpauth_uri"] = step.otpauth_uri
    if step.required_attributes:
        body["required_attributes"] = list(step.required_attributes)
    return web.json_response(body)


async def login(request: web.Request) -> web.Response:
    body = await json_object(request)
    username, password = body.get("username"), body.get("password")
    if not isinstance(username, str) or not isinstance(password, str):
        return error(400, "send a JSON object with username and password")
    try:
        # No handlers: every challenge that needs the person goes to the browser.
        step = await request.app[AUTH].start(username, password)
    except NotAuthorizedError:
        return error(401, "wrong user name or password")
    except ConfigurationError as err:
        return error(400, str(err))  # the library's messages never quote a value
    except CognitoFlowError as err:  # its message has the request's secrets masked out
        logger.warning("sign-in failed: %s", err)
        return error(502, "sign-in failed")
    return next_step(request, step)


async def answer(request: web.Request) -> web.Response:
    body = await json_object(request)
    pending_id, answers = body.get("pending"), body.get("answers")
    if not isinstance(pending_id, str) or not isinstance(answers, dict):
        return error(400, "send a JSON object with pending and answers")
    store = request.app[PENDING]
    # pop, not get: a Session is single-use, so two racing answers must not
    # both get it.
    pending = store.pop(pending_id, None)
    if pending is None:
        return error(404, "no such pending sign-in")
    if time.monotonic() - pending.created > PENDING_TTL:
        return error(401, "start again")
    challenge = Challenge.from_dict(pending.challenge)
    try:
        # The library checks the answers (strings only, the keys the challenge
        # needs, no USERNAME or SESSION from the browser) before sending anything.
        step = await request.app[AUTH].resume(challenge, answers)
    except CodeMismatchError as err:
        if err.challenge is None:
            return error(401, "start again")
        # Cognito keeps the Session for a few wrong codes: let the person retry.
        store[pending_id] = Pending(err.challenge.to_dict(), pending.created)
        return error(400, "wrong code, try again", pending=pending_id)
    except ConfigurationError as err:
        store[pending_id] = pending  # refused before sending: the challenge still stands
        return error(400, str(err), pending=pending_id)
    except SessionExpiredError:
        return error(401, "start again")
    except NotAuthorizedError:
        return error(401, "not authorized")
    except CognitoFlowError as err:
        logger.warning("answer to %s failed: %s", challenge.name, err)
        return error(502, "sign-in failed")
    return next_step(request, step)


async def main() -> int:
    """Sign in with TOTP MFA through the app, with one wrong code on the way."""
    password = "Correct-h0rse-battery!"
    async with local_cognito() as cognito:
        await cognito.create_user("carol", password)
        auth = cognito.auth_client()
        # Turning MFA on needs an access token: the app's own settings page, in real life.
        first = await auth.authenticate("carol", password)
        secret = await cognito.enable_totp(first.access_token)
        print("carol turned on TOTP MFA")

        async with TestClient(TestServer(make_app(auth), host="127.0.0.1", port=0)) as client:
            resp = await client.post("/login", json={"username": "carol", "password": password})
            step = await resp.json()
            print(f"POST /login -> {resp.status} {step['status']} {step.get('challenge')}")
            if step.get("challenge") != ChallengeName.SOFTWARE_TOKEN_MFA:
                return 1

            wrong = {"SOFTWARE_TOKEN_MFA_CODE": wrong_totp_code(secret)}
            resp = await client.post(
                "/login/answer", json={"pending": step["pending"], "answers": wrong}
            )
            refused = await resp.json()
            print(f"POST /login/answer (wrong code) -> {resp.status} {refused['error']}")
            if resp.status != 400:
                return 1

            right = {"SOFTWARE_TOKEN_MFA_CODE": await fresh_totp_code(secret)}
            resp = await client.post(
                "/login/answer", json={"pending": step["pending"], "answers": right}
            )
            done = await resp.json()
            print(f"POST /login/answer (right code) -> {resp.status} {done['status']}")
            if done.get("status") != "signed-in":
                return 1
            print(f"signed in as {done['claims']['cognito:username']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
