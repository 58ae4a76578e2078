"""Stateless two-request sign-in in an aiohttp backend, with TOTP MFA.

``POST /login`` starts the sign-in. When Cognito wants something only the
person can give (an MFA code, a new password, an authenticator to set up),
the pending challenge goes back to the browser **sealed**
(``Sealer.seal_challenge``: encrypted and authenticated; it holds the
single-use Session) with what its form needs. ``POST /login/answer`` brings
it back with the person's answers and either finishes the sign-in or returns
the next challenge, sealed again. The server keeps nothing between the two:
any worker, any process with the same key can answer.

A wrong code is 401 with a fresh sealed challenge (try again); a late or
spent one is 410 (start again); an altered or foreign one is 400. The
browser's remembered device lives in a sealed HttpOnly cookie, the refresh
token in another; ``POST /refresh`` and ``POST /logout`` use it. Tokens
never go into a response body here: the app shows a few claims instead (a
real app would set its own session cookie). examples/fastapi_app.py is the
same app in FastAPI, with a page and a ``current_user`` dependency.

``main()`` plays the whole story against a local Cognito (moto's server) and
this app on a loopback test server: ``python examples/aiohttp_app.py``
(needs ``pip install "cognito-flow[testing,web]"``).
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
from typing import Any

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
    ExpiredTokenError,
    InvalidPasswordError,
    InvalidTokenError,
    NotAuthorizedError,
    RememberedDevice,
    RequestContext,
    SessionExpiredError,
)
from cognito_flow.testing import fresh_totp_code, local_cognito, wrong_totp_code
from cognito_flow.web import Sealer, qr_code_svg

logger = logging.getLogger(__name__)

#: The sealed remembered device of this browser.
DEVICE_COOKIE = "cf_device"
#: The refresh token: HttpOnly, so page scripts never see it.
REFRESH_COOKIE = "cf_refresh"
#: Cognito's default refresh token validity (30 days); match your app client's.
REFRESH_MAX_AGE = 30 * 24 * 3600
#: Nothing here may be cached: sealed Sessions, authenticator secrets.
NO_STORE = {"Cache-Control": "no-store"}

AUTH = web.AppKey("auth", CognitoAuthClient)
SEALER = web.AppKey("sealer", Sealer)
#: Addresses of your load balancers, whose X-Forwarded-For is believed.
TRUSTED_PROXIES: web.AppKey[tuple[str, ...]] = web.AppKey("trusted_proxies", tuple)


def make_app(
    auth: CognitoAuthClient, sealer: Sealer, *, trusted_proxies: tuple[str, ...] = ()
) -> web.Application:
    """The sign-in endpoints, on one CognitoAuthClient and one Sealer shared by all requests."""
    app = web.Application()
    app[AUTH] = auth
    app[SEALER] = sealer
    app[TRUSTED_PROXIES] = trusted_proxies
    app.router.add_post("/login", login)
    app.router.add_post("/login/answer", answer)
    app.router.add_post("/refresh", refresh)
    app.router.add_post("/logout", logout)
    return app


def error(status: int, message: str, **extra: Any) -> web.Response:
    return web.json_response({"error": message, **extra}, status=status, headers=NO_STORE)


async def json_object(request: web.Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def context_of(request: web.Request) -> RequestContext:
    """The person's IP, server, path and a few headers, for Cognito's threat protection."""
    proxies = request.app[TRUSTED_PROXIES]
    return RequestContext.from_aiohttp(request, trusted_proxies=proxies)


def browser_device(request: web.Request) -> RememberedDevice | None:
    """This browser's remembered device, from its sealed cookie; None without a good one."""
    cookie = request.cookies.get(DEVICE_COOKIE)
    if not cookie:
        return None
    try:
        return request.app[SEALER].open_device(cookie)
    except InvalidTokenError as err:  # ExpiredTokenError too: sign in without it
        logger.info("device cookie ignored (%s)", err.check)
        return None


def set_cookie(response: web.Response, name: str, value: str, max_age: int) -> None:
    response.set_cookie(
        name, value, max_age=max_age, path="/", secure=True, httponly=True, samesite="Strict"
    )


def drop_cookie(response: web.Response, name: str) -> None:
    response.del_cookie(name, path="/", secure=True, httponly=True, samesite="Strict")


def id_token_claims(token: str) -> dict[str, Any]:
    """The claims of a JWT, unverified: fine here, it came straight from Cognito.

    Verify the signature (cognito_flow.tokens.TokenVerifier) wherever a token
    comes back from a browser.
    """
    payload = token.split(".")[1]
    claims: dict[str, Any] = json.loads(
        base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    )
    return claims


def signed_in(result: AuthenticationResult, refresh_token: str | None = None) -> web.Response:
    # A demo: a real app would now set its own session cookie (HttpOnly) or
    # hand the tokens to the client; it shows who signed in instead.
    claims = id_token_claims(result.id_token) if result.id_token else {}
    shown = {k: claims[k] for k in ("sub", "cognito:username", "email") if k in claims}
    response = web.json_response(
        {"status": "signed-in", "access_token_expires_in": result.expires_in, "claims": shown},
        headers=NO_STORE,
    )
    token = result.refresh_token or refresh_token
    if token:
        set_cookie(response, REFRESH_COOKIE, token, REFRESH_MAX_AGE)
    return response


def challenge_reply(
    request: web.Request, challenge: Challenge, status: int = 200, **extra: Any
) -> web.Response:
    """The sealed challenge and only what the form needs; never the Session in the clear."""
    body: dict[str, Any] = {
        "status": "challenge",
        "challenge": challenge.name,
        "pending": request.app[SEALER].seal_challenge(challenge),
        # The answer keys the form must send: alternatives, each a set of keys.
        "answer_keys": [sorted(option) for option in challenge.answer_keys],
        **extra,
    }
    if challenge.destination:
        body["destination"] = challenge.destination
        body["delivery_medium"] = challenge.delivery_medium
    if challenge.name == ChallengeName.MFA_SETUP and challenge.otpauth_uri:
        # Only to the person signing in, never cached: it holds the secret.
        body["otpauth_uri"] = challenge.otpauth_uri
        body["qr_svg"] = qr_code_svg(challenge.otpauth_uri, title="Scan with your authenticator")
    if challenge.required_attributes:
        body["required_attributes"] = list(challenge.required_attributes)
    logger.info("sign-in waits for %s", challenge.name)
    return web.json_response(body, status=status, headers=NO_STORE)


def next_step(request: web.Request, step: Challenge | AuthenticationResult) -> web.Response:
    if isinstance(step, Challenge):
        return challenge_reply(request, step)
    response = signed_in(step)
    if step.new_device is not None:
        # Confirmed in this sign-in: from now on this browser, and only it,
        # presents this device.
        sealer = request.app[SEALER]
        set_cookie(
            response, DEVICE_COOKIE, sealer.seal_device(step.new_device), sealer.device_max_age
        )
    return response


async def login(request: web.Request) -> web.Response:
    body = await json_object(request)
    username, password = body.get("username"), body.get("password")
    if not isinstance(username, str) or not isinstance(password, str):
        return error(400, "send a JSON object with username and password")
    try:
        # No handlers: every challenge that needs the person goes to the browser.
        # remember_device=True: confirm and remember a device Cognito creates,
        # for this browser's cookie.
        step = await request.app[AUTH].start(
            username,
            password,
            device=browser_device(request),
            remember_device=True,
            context=context_of(request),
        )
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
    pending, answers = body.get("pending"), body.get("answers")
    if not isinstance(pending, str) or not isinstance(answers, dict):
        return error(400, "send a JSON object with pending and answers")
    try:
        challenge = request.app[SEALER].open_challenge(pending)
    except ExpiredTokenError:
        return error(410, "start again")
    except InvalidTokenError as err:
        return error(400, f"not a sign-in of this site ({err.check})")
    try:
        # The library checks the answers (strings only, the keys the challenge
        # needs, no USERNAME or SESSION from the browser) before sending anything.
        step = await request.app[AUTH].resume(
            challenge,
            answers,
            device=browser_device(request),
            remember_device=True,
            context=context_of(request),
        )
    except (CodeMismatchError, InvalidPasswordError) as err:
        if err.challenge is None:
            return error(410, "start again")
        # Cognito keeps the Session for a few wrong codes: seal it again.
        what = "wrong code" if isinstance(err, CodeMismatchError) else "password not accepted"
        return challenge_reply(request, err.challenge, 401, error=f"{what}, try again")
    except ConfigurationError as err:
        # Refused before sending: the same sealed challenge still stands.
        return error(400, str(err), pending=pending)
    except SessionExpiredError:
        return error(410, "start again")
    except NotAuthorizedError:
        return error(401, "not authorized")
    except CognitoFlowError as err:
        logger.warning("answer to %s failed: %s", challenge.name, err)
        return error(502, "sign-in failed")
    return next_step(request, step)


async def refresh(request: web.Request) -> web.Response:
    """New tokens from the refresh token cookie."""
    token = request.cookies.get(REFRESH_COOKIE)
    if not token:
        return error(401, "not signed in")
    try:
        result = await request.app[AUTH].refresh(
            token, device=browser_device(request), context=context_of(request)
        )
    except NotAuthorizedError:  # revoked, expired, or reused after rotation
        response = error(401, "signed out: sign in again")
        drop_cookie(response, REFRESH_COOKIE)
        return response
    except CognitoFlowError as err:
        logger.warning("refresh failed: %s", err)
        return error(502, "refresh failed")
    return signed_in(result, token)


async def logout(request: web.Request) -> web.Response:
    """Revoke the refresh token (RevokeToken) and drop its cookie; the device cookie stays."""
    token = request.cookies.get(REFRESH_COOKIE)
    response = web.json_response({"status": "signed-out"}, headers=NO_STORE)
    if token:
        try:
            await request.app[AUTH].sign_out(token)
        except CognitoFlowError as err:
            logger.warning("sign-out failed: %s", err)
            response = error(502, "sign-out failed: the tokens may still work")
    drop_cookie(response, REFRESH_COOKIE)
    return response


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

        # One key, from your secret store, in every worker: all they share.
        sealer = Sealer(
            keys=[Sealer.generate_key()], user_pool_id=auth.user_pool_id, client_id=auth.client_id
        )
        app = make_app(auth, sealer)
        async with TestClient(TestServer(app, host="127.0.0.1", port=0)) as client:
            resp = await client.post("/login", json={"username": "carol", "password": password})
            step = await resp.json()
            print(f"POST /login -> {resp.status} {step['status']} {step.get('challenge')}")
            if step.get("challenge") != ChallengeName.SOFTWARE_TOKEN_MFA:
                return 1

            wrong = {"SOFTWARE_TOKEN_MFA_CODE": wrong_totp_code(secret)}
            resp = await client.post(
                "/login/answer", json={"pending": step["pending"], "answers": wrong}
            )
            step = await resp.json()
            print(f"POST /login/answer (wrong code) -> {resp.status} {step['error']}")
            if resp.status != 401:
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
