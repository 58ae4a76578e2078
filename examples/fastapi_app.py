"""A stateless FastAPI backend that signs people into Cognito, challenge by challenge.

The server keeps nothing between requests; any worker can answer any request:

- ``POST /login`` starts the sign-in. When Cognito wants something only the
  person can give (an MFA code, a new password, an authenticator to set up),
  the pending challenge goes back **sealed** (``Sealer.seal_challenge``:
  encrypted and authenticated, it holds the single-use Session) with what the
  form needs: the challenge's name, its answer keys, where the code went, the
  required attributes, the QR code.
- ``POST /login/answer`` brings the sealed challenge back with the answers and
  gets the next challenge (sealed again) or the tokens. A wrong code is 401
  with a fresh sealed challenge (try again); a late or spent one is 410 (start
  again); a forged or altered one is 400.
- The browser's remembered device lives in a sealed cookie (HttpOnly, Secure,
  SameSite=Strict, a year); the refresh token in another HttpOnly cookie. The
  access and ID tokens go to the page, which sends the access token back as
  ``Authorization: Bearer``; ``current_user`` verifies it (``TokenVerifier``).
- ``POST /refresh``, ``POST /logout`` (RevokeToken), ``GET /me``, and ``GET /``:
  a page with the whole sign-in, no build step.

Run it:

- ``python examples/fastapi_app.py`` plays the story against a local Cognito
  (moto) through the app, in-process.
- ``python examples/fastapi_app.py serve --port 8000`` serves it with uvicorn,
  configured from the environment (see ``from_env``). With uvicorn itself:
  ``uvicorn --factory --app-dir examples fastapi_app:from_env``.
"""

import argparse
import asyncio
import contextlib
import logging
import os
import sys
from collections.abc import AsyncIterator, Mapping, Sequence
from typing import Annotated, Any

from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, Field, SecretStr

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
from cognito_flow.tokens import TokenVerifier
from cognito_flow.web import Sealer, qr_code_svg

logger = logging.getLogger(__name__)

#: The sealed remembered device of this browser.
DEVICE_COOKIE = "cf_device"
#: The refresh token: HttpOnly, so page scripts never see it.
REFRESH_COOKIE = "cf_refresh"
#: Cognito's default refresh token validity (30 days); match your app client's.
REFRESH_MAX_AGE = 30 * 24 * 3600
#: Nothing here may be cached: tokens, sealed Sessions, authenticator secrets.
NO_STORE = {"Cache-Control": "no-store"}

#: How the page labels each answer key; any other key gets its own name.
FIELDS: Mapping[str, tuple[str, str]] = {
    # key: (label, input type)
    "SOFTWARE_TOKEN_MFA_CODE": ("Code from your authenticator app", "code"),
    "SMS_MFA_CODE": ("Code sent by text message", "code"),
    "SMS_OTP_CODE": ("Code sent by text message", "code"),
    "EMAIL_OTP_CODE": ("Code sent by email", "code"),
    "NEW_PASSWORD": ("New password", "new-password"),
}


# -- request bodies ----------------------------------------------------------


class LoginBody(BaseModel):
    username: str = Field(min_length=1, max_length=128)
    password: SecretStr = Field(min_length=1, max_length=256)  # never in a repr


class AnswerBody(BaseModel):
    #: The sealed challenge from the last answer.
    pending: str = Field(min_length=1, max_length=64 * 1024)
    #: The challenge's answer keys (``answer_keys``) and the person's answers.
    answers: dict[str, str]


# -- the app -----------------------------------------------------------------


def make_app(
    auth: CognitoAuthClient | None,
    sealer: Sealer,
    verifier: TokenVerifier | None = None,
    *,
    trusted_proxies: Sequence[str] = (),
    lifespan: Any = None,
) -> FastAPI:
    """The app, on one ``CognitoAuthClient`` shared by every request.

    ``auth`` None: ``lifespan`` puts one on ``app.state.auth`` (``from_env``).
    ``verifier`` checks the access tokens of ``current_user`` (default: the
    pool's JWKS on AWS). ``trusted_proxies`` are the addresses of your load
    balancers, whose ``X-Forwarded-For`` is believed (RequestContext).
    """
    app = FastAPI(title="cognito_flow sign-in", lifespan=lifespan)
    app.state.auth = auth
    app.state.sealer = sealer
    if verifier is None and auth is not None:
        verifier = TokenVerifier(auth.user_pool_id, client_ids=[auth.client_id])
    app.state.verifier = verifier
    app.state.trusted_proxies = tuple(trusted_proxies)
    app.add_exception_handler(RequestValidationError, bad_request)
    app.get("/", response_class=HTMLResponse)(page)
    app.post("/login")(login)
    app.post("/login/answer")(answer)
    app.post("/refresh")(refresh)
    app.post("/logout")(logout)
    app.get("/me")(me)
    return app


async def bad_request(request: Request, exc: Exception) -> Response:
    """400 naming the fields only: FastAPI's own 422 echoes the input, passwords included."""
    assert isinstance(exc, RequestValidationError)
    where = sorted({".".join(str(p) for p in error["loc"][1:]) for error in exc.errors()})
    return reply(400, {"error": f"bad request body: {', '.join(where) or 'not JSON'}"})


def reply(status: int, body: Mapping[str, Any]) -> JSONResponse:
    return JSONResponse(dict(body), status_code=status, headers=NO_STORE)


def context_of(request: Request) -> RequestContext:
    """The person's IP, server, path and a few headers, for Cognito's threat protection."""
    return RequestContext.from_asgi(
        request.scope, trusted_proxies=request.app.state.trusted_proxies
    )


def browser_device(request: Request) -> RememberedDevice | None:
    """This browser's remembered device, from its sealed cookie; None without a good one."""
    cookie = request.cookies.get(DEVICE_COOKIE)
    if not cookie:
        return None
    try:
        return request.app.state.sealer.open_device(cookie)  # type: ignore[no-any-return]
    except InvalidTokenError as err:  # ExpiredTokenError too: sign in without it
        logger.info("device cookie ignored (%s)", err.check)
        return None


def set_cookie(response: Response, name: str, value: str, max_age: int) -> None:
    response.set_cookie(
        name, value, max_age=max_age, path="/", secure=True, httponly=True, samesite="strict"
    )


def form_fields(challenge: Challenge) -> list[dict[str, str]]:
    """The inputs the page shows: one alternative of ``answer_keys``, plus required attributes.

    MFA_SETUP offers three alternatives; with an authenticator secret
    (``otpauth_uri``) the first, SOFTWARE_TOKEN_MFA_CODE, is the one to fill.
    """
    keys = sorted(challenge.answer_keys[0]) if challenge.answer_keys else []
    keys += [f"userAttributes.{name}" for name in challenge.required_attributes]
    fields = []
    for key in keys:
        label, kind = FIELDS.get(key, (key.removeprefix("userAttributes."), "text"))
        fields.append({"name": key, "label": label, "type": kind})
    return fields


def challenge_reply(request: Request, challenge: Challenge, status: int = 200, **extra: Any) -> Any:
    """The sealed challenge and what the form needs; never the Session in the clear."""
    body: dict[str, Any] = {
        "status": "challenge",
        "challenge": challenge.name,
        "pending": request.app.state.sealer.seal_challenge(challenge),
        "answer_keys": [sorted(option) for option in challenge.answer_keys],
        "fields": form_fields(challenge),
        **extra,
    }
    if challenge.destination:
        body["destination"] = challenge.destination
        body["delivery_medium"] = challenge.delivery_medium
    if challenge.required_attributes:
        body["required_attributes"] = list(challenge.required_attributes)
    if challenge.available_challenges:
        body["available_challenges"] = list(challenge.available_challenges)
    if challenge.name == ChallengeName.MFA_SETUP and challenge.otpauth_uri:
        # Only to the person signing in, never cached (NO_STORE): it is the secret.
        body["qr_svg"] = qr_code_svg(challenge.otpauth_uri, title="Scan with your authenticator")
        body["secret_code"] = challenge.secret_code  # for typing it in by hand
    logger.info("sign-in waits for %s", challenge.name)
    return reply(status, body)


def signed_in(result: AuthenticationResult, refresh_token: str | None = None) -> JSONResponse:
    """The access and ID tokens for the page; the refresh token and the device in cookies."""
    response = reply(
        200,
        {
            "status": "signed-in",
            "username": result.username,
            "access_token": result.access_token,
            "id_token": result.id_token,
            "expires_in": result.expires_in,
            "token_type": result.token_type,
        },
    )
    token = result.refresh_token or refresh_token
    if token:
        set_cookie(response, REFRESH_COOKIE, token, REFRESH_MAX_AGE)
    return response


def step_reply(request: Request, step: Challenge | AuthenticationResult) -> Any:
    if isinstance(step, Challenge):
        return challenge_reply(request, step)
    response = signed_in(step)
    if step.new_device is not None:
        # Confirmed in this sign-in: from now on this browser, and only it,
        # presents this device. Sealing again also renews the cookie's age.
        sealer: Sealer = request.app.state.sealer
        set_cookie(
            response, DEVICE_COOKIE, sealer.seal_device(step.new_device), sealer.device_max_age
        )
    return response


# -- routes ------------------------------------------------------------------


async def login(body: LoginBody, request: Request) -> Any:
    """Start a sign-in: tokens, or the first challenge, sealed."""
    auth: CognitoAuthClient = request.app.state.auth
    try:
        # No handlers: every challenge that needs the person goes to the page.
        # remember_device=True: confirm and remember a device Cognito creates
        # (device tracking on); it goes into this browser's cookie.
        step = await auth.start(
            body.username,
            body.password.get_secret_value(),
            device=browser_device(request),
            remember_device=True,
            context=context_of(request),
        )
    except NotAuthorizedError:  # UserNotFoundError too: do not tell which
        return reply(401, {"error": "wrong user name or password"})
    except ConfigurationError as err:  # the library's messages never quote a value
        return reply(400, {"error": str(err)})
    except CognitoFlowError as err:  # its messages have the request's secrets masked out
        logger.warning("sign-in failed: %s", err)
        return reply(502, {"error": "sign-in failed"})
    return step_reply(request, step)


async def answer(body: AnswerBody, request: Request) -> Any:
    """Answer the sealed challenge: the next challenge (sealed) or the tokens."""
    auth: CognitoAuthClient = request.app.state.auth
    sealer: Sealer = request.app.state.sealer
    try:
        challenge = sealer.open_challenge(body.pending)
    except ExpiredTokenError:
        return reply(410, {"error": "the sign-in took too long: start again"})
    except InvalidTokenError as err:
        return reply(400, {"error": f"not a sign-in of this site ({err.check})"})
    try:
        # The library checks the answers (strings, the keys the challenge
        # wants, no USERNAME or SESSION from the browser) before sending.
        step = await auth.resume(
            challenge,
            body.answers,
            device=browser_device(request),
            remember_device=True,
            context=context_of(request),
        )
    except (CodeMismatchError, InvalidPasswordError) as err:
        if err.challenge is None:
            return reply(410, {"error": "start again"})
        # Cognito keeps the Session for a few more tries: seal it again.
        what = "wrong code" if isinstance(err, CodeMismatchError) else "password not accepted"
        return challenge_reply(request, err.challenge, 401, error=f"{what}, try again")
    except SessionExpiredError:
        return reply(410, {"error": "the sign-in took too long: start again"})
    except ConfigurationError as err:
        # Refused before sending: the same sealed challenge still stands.
        return reply(400, {"error": str(err), "pending": body.pending})
    except NotAuthorizedError:
        return reply(401, {"error": "not authorized: start again"})
    except CognitoFlowError as err:
        logger.warning("answer to %s failed: %s", challenge.name, err)
        return reply(502, {"error": "sign-in failed"})
    return step_reply(request, step)


async def refresh(request: Request) -> Any:
    """New access and ID tokens from the refresh token cookie."""
    auth: CognitoAuthClient = request.app.state.auth
    token = request.cookies.get(REFRESH_COOKIE)
    if not token:
        return reply(401, {"error": "not signed in"})
    try:
        result = await auth.refresh(
            token, device=browser_device(request), context=context_of(request)
        )
    except NotAuthorizedError:  # revoked, expired, or reused after rotation
        response = reply(401, {"error": "signed out: sign in again"})
        response.delete_cookie(
            REFRESH_COOKIE, path="/", secure=True, httponly=True, samesite="strict"
        )
        return response
    except CognitoFlowError as err:
        logger.warning("refresh failed: %s", err)
        return reply(502, {"error": "refresh failed"})
    return signed_in(result, token)


async def logout(request: Request) -> Any:
    """Revoke the refresh token (and the tokens issued from it) and drop its cookie.

    The device cookie stays: the browser is still the same device.
    """
    auth: CognitoAuthClient = request.app.state.auth
    token = request.cookies.get(REFRESH_COOKIE)
    status, body = 200, {"status": "signed-out"}
    if token:
        try:
            await auth.sign_out(token)
        except CognitoFlowError as err:
            logger.warning("sign-out failed: %s", err)
            status, body = 502, {"error": "sign-out failed: the tokens may still work"}
    response = reply(status, body)
    response.delete_cookie(REFRESH_COOKIE, path="/", secure=True, httponly=True, samesite="strict")
    return response


# -- the signed-in user: a dependency for any route --------------------------

bearer = HTTPBearer(auto_error=False)


async def current_user(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> dict[str, Any]:
    """The verified claims of the request's access token (``Authorization: Bearer``).

    ``Depends(current_user)`` on any route: 401 without a token, with an
    expired one (refresh it) or with one that fails a check.
    """
    verifier: TokenVerifier = request.app.state.verifier
    challenge = {"WWW-Authenticate": "Bearer"}
    if credentials is None:
        raise HTTPException(401, "sign in first", headers=challenge)
    try:
        return await verifier.verify(credentials.credentials, token_use="access")
    except ExpiredTokenError:
        raise HTTPException(401, "token expired: refresh it", headers=challenge) from None
    except InvalidTokenError as err:  # says which check failed, never the token
        raise HTTPException(401, f"invalid token ({err.check})", headers=challenge) from None
    except CognitoFlowError as err:  # the JWKS could not be fetched
        logger.warning("token check failed: %s", err)
        raise HTTPException(503, "cannot check tokens now") from None


CurrentUser = Annotated[dict[str, Any], Depends(current_user)]


async def me(user: CurrentUser) -> dict[str, Any]:
    """Who is signed in, from the verified access token."""
    return {"username": user["username"], "sub": user["sub"], "scope": user.get("scope", "")}


# -- the page ----------------------------------------------------------------


async def page() -> str:
    return PAGE


PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sign in</title>
<style>
body { font-family: system-ui, sans-serif; max-width: 26rem; margin: 3rem auto; padding: 0 1rem; }
label { display: block; margin: .8rem 0; }
input { display: block; width: 100%; box-sizing: border-box; padding: .4rem; }
#error { color: #b00020; min-height: 1.2em; }
</style>
</head>
<body>
<h1>Sign in</h1>
<p id="error" role="alert"></p>
<form id="login">
  <label>User name <input name="username" autocomplete="username" required></label>
  <label>Password
    <input name="password" type="password" autocomplete="current-password" required></label>
  <button type="submit">Sign in</button>
</form>
<form id="challenge" hidden>
  <p id="prompt"></p>
  <div id="qr"></div>
  <p id="secret" hidden>Or type this key: <code id="secret-code"></code></p>
  <div id="fields"></div>
  <button type="submit">Continue</button>
</form>
<div id="done" hidden>
  <p>Signed in as <strong id="who"></strong></p>
  <button id="logout" type="button">Sign out</button>
</div>
<script>
"use strict";
const $ = (id) => document.getElementById(id);
const PROMPTS = {
  SOFTWARE_TOKEN_MFA: "Enter the code from your authenticator app.",
  SMS_MFA: "Enter the code we sent by text message",
  EMAIL_OTP: "Enter the code we sent by email",
  NEW_PASSWORD_REQUIRED: "Choose a new password.",
  MFA_SETUP: "Scan this code with your authenticator app, then enter the code it shows.",
};
let pending = null;   // the sealed challenge: opaque to this page
let accessToken = null;

async function post(path, body) {
  const resp = await fetch(path, {
    method: "POST",
    headers: {"Content-Type": "application/json"},
    body: JSON.stringify(body || {}),
    credentials: "same-origin",
  });
  return [resp.status, await resp.json()];
}

function showOnly(id) {
  for (const name of ["login", "challenge", "done"]) $(name).hidden = name !== id;
}

function input(field) {
  const label = document.createElement("label");
  label.textContent = field.label + " ";
  const box = document.createElement("input");
  box.name = field.name;
  box.required = true;
  if (field.type === "code") {
    box.inputMode = "numeric";
    box.autocomplete = "one-time-code";
  } else if (field.type === "new-password") {
    box.type = "password";
    box.autocomplete = "new-password";
  }
  label.appendChild(box);
  return label;
}

async function step(status, body) {
  $("error").textContent = body.error || "";
  if (body.status === "challenge") {
    pending = body.pending;
    let prompt = PROMPTS[body.challenge] || body.challenge;
    if (body.destination) prompt += " (" + body.destination + ")";
    $("prompt").textContent = prompt;
    $("qr").innerHTML = body.qr_svg || "";  // our own SVG, made on the server
    $("secret").hidden = !body.secret_code;
    $("secret-code").textContent = body.secret_code || "";
    $("fields").replaceChildren(...body.fields.map(input));
    showOnly("challenge");
    const first = $("fields").querySelector("input");
    if (first) first.focus();
  } else if (body.status === "signed-in") {
    pending = null;
    accessToken = body.access_token;
    const resp = await fetch("/me", {headers: {Authorization: "Bearer " + accessToken}});
    const me = await resp.json();
    $("who").textContent = me.username;
    showOnly("done");
  } else if (status === 410 || status === 400 && !body.pending) {
    pending = null;
    showOnly("login");  // start again
  }
}

$("login").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = new FormData(event.target);
  const [status, body] = await post("/login", {
    username: form.get("username"), password: form.get("password"),
  });
  event.target.password.value = "";
  await step(status, body);
});

$("challenge").addEventListener("submit", async (event) => {
  event.preventDefault();
  const answers = {};
  for (const box of $("fields").querySelectorAll("input")) answers[box.name] = box.value;
  const [status, body] = await post("/login/answer", {pending, answers});
  await step(status, body);
});

$("logout").addEventListener("click", async () => {
  await post("/logout");
  accessToken = null;
  showOnly("login");
});
</script>
</body>
</html>
"""


# -- configuration from the environment (uvicorn, several workers) ------------


def from_env(environ: Mapping[str, str] = os.environ) -> FastAPI:
    """The app, configured from environment variables.

    - ``SEALING_KEYS``: Sealer keys, comma-separated, the current one first
      (``python -c "from cognito_flow.web import Sealer; print(Sealer.generate_key())"``).
      Every worker and every process gets the same: that is all they share.
    - ``COGNITO_USER_POOL_ID``, ``COGNITO_CLIENT_ID``, and
      ``COGNITO_CLIENT_SECRET`` if the app client has one.
    - ``COGNITO_API``: ``public`` (InitiateAuth with SRP, the default) or
      ``admin`` (AdminInitiateAuth with IAM credentials).
    - ``COGNITO_ENDPOINT_URL`` and ``COGNITO_JWKS_URL``: a local Cognito only.
    - ``TRUSTED_PROXIES``: comma-separated addresses or networks of your load
      balancers.
    """
    pool_id = environ["COGNITO_USER_POOL_ID"]
    client_id = environ["COGNITO_CLIENT_ID"]
    keys = [key.strip() for key in environ["SEALING_KEYS"].split(",") if key.strip()]
    sealer = Sealer(keys=keys, user_pool_id=pool_id, client_id=client_id)
    verifier = TokenVerifier(
        pool_id, client_ids=[client_id], jwks_url=environ.get("COGNITO_JWKS_URL") or None
    )
    proxies = [p.strip() for p in environ.get("TRUSTED_PROXIES", "").split(",") if p.strip()]

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with CognitoAuthClient.connect(
            user_pool_id=pool_id,
            client_id=client_id,
            client_secret=environ.get("COGNITO_CLIENT_SECRET") or None,
            admin=environ.get("COGNITO_API", "public") == "admin",
            endpoint_url=environ.get("COGNITO_ENDPOINT_URL") or None,
        ) as auth:
            app.state.auth = auth
            yield

    return make_app(None, sealer, verifier, trusted_proxies=proxies, lifespan=lifespan)


# -- the story, against a local Cognito ----------------------------------------


async def main() -> int:
    """Sign in with TOTP MFA through the app (one wrong code on the way), then /me and /refresh."""
    import httpx

    from cognito_flow.testing import fresh_totp_code, local_cognito, wrong_totp_code

    password = "Correct-h0rse-battery!"
    async with local_cognito() as cognito:
        await cognito.create_user("carol", password)
        auth = cognito.auth_client()
        # Turning MFA on needs an access token: the app's own settings page, in real life.
        first = await auth.authenticate("carol", password)
        secret = await cognito.enable_totp(first.access_token)
        print("carol turned on TOTP MFA")

        sealer = Sealer(
            keys=[Sealer.generate_key()], user_pool_id=auth.user_pool_id, client_id=auth.client_id
        )
        verifier = TokenVerifier(
            auth.user_pool_id,
            client_ids=[auth.client_id],
            jwks_url=f"{cognito.endpoint_url}/{auth.user_pool_id}/.well-known/jwks.json",
        )
        app = make_app(auth, sealer, verifier)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="https://testserver") as web:
            resp = await web.post("/login", json={"username": "carol", "password": password})
            step = resp.json()
            print(f"POST /login -> {resp.status_code} {step['status']} {step.get('challenge')}")
            if step.get("challenge") != ChallengeName.SOFTWARE_TOKEN_MFA:
                return 1

            wrong = {"SOFTWARE_TOKEN_MFA_CODE": wrong_totp_code(secret)}
            resp = await web.post(
                "/login/answer", json={"pending": step["pending"], "answers": wrong}
            )
            step = resp.json()
            print(f"POST /login/answer (wrong code) -> {resp.status_code} {step['error']}")
            if resp.status_code != 401:
                return 1

            right = {"SOFTWARE_TOKEN_MFA_CODE": await fresh_totp_code(secret)}
            resp = await web.post(
                "/login/answer", json={"pending": step["pending"], "answers": right}
            )
            done = resp.json()
            print(f"POST /login/answer (right code) -> {resp.status_code} {done['status']}")
            if done.get("status") != "signed-in":
                return 1

            bearer = {"Authorization": f"Bearer {done['access_token']}"}
            resp = await web.get("/me", headers=bearer)
            print(f"GET /me -> {resp.status_code} signed in as {resp.json()['username']}")
            resp = await web.post("/refresh")
            print(f"POST /refresh -> {resp.status_code} {resp.json()['status']}")
            if resp.status_code != 200:
                return 1
    return 0


def serve(argv: Sequence[str]) -> None:
    """``serve [--host H] [--port P]``: uvicorn, configured by ``from_env``."""
    import uvicorn

    parser = argparse.ArgumentParser(prog="fastapi_app.py serve")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    args = parser.parse_args(argv)
    uvicorn.run(from_env(), host=args.host, port=args.port, log_level="warning")


if __name__ == "__main__":
    if sys.argv[1:2] == ["serve"]:
        serve(sys.argv[2:])
    else:
        raise SystemExit(asyncio.run(main()))
