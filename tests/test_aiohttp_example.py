"""examples/aiohttp_app.py: the stateless two-request sign-in over HTTP, against moto.

The remembered device and sign-out, which moto does not serve, run against
the in-test Cognito (tests/fake_cognito.py).
"""

from __future__ import annotations

import json
import logging
import time
import types
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from conftest import Make
from fake_cognito import FakeCognito
from web_kit import Clock, load_example

from cognito_flow import AuthenticationResult, CognitoAuthClient, SessionExpiredError
from cognito_flow.testing import LocalCognito, fresh_totp_code, totp_code, wrong_totp_code
from cognito_flow.web import Sealer

PASSWORD = "Initial-Passw0rd!"
TEMPORARY = "Temporary-Passw0rd!"
NEW_PASSWORD = "Brand-new-Passw0rd!"

Client = TestClient[Any, Any]


@pytest.fixture(scope="module")
def example() -> types.ModuleType:
    return load_example("aiohttp_app")


@pytest.fixture
def clock() -> Clock:
    return Clock()


def sealer_for(auth: CognitoAuthClient, clock: Clock | None = None) -> Sealer:
    return Sealer(
        keys=[Sealer.generate_key()],
        user_pool_id=auth.user_pool_id,
        client_id=auth.client_id,
        clock=clock or time.time,
    )


@pytest.fixture
async def client(
    example: types.ModuleType, local_cognito: LocalCognito, clock: Clock
) -> AsyncIterator[Client]:
    auth = local_cognito.auth_client()
    app = example.make_app(auth, sealer_for(auth, clock))
    async with TestClient(TestServer(app)) as test_client:
        yield test_client


async def post(client: Client, path: str, body: object) -> tuple[int, dict[str, Any]]:
    resp = await client.post(path, json=body)
    return resp.status, await resp.json()


async def login(client: Client, username: str, password: str) -> dict[str, Any]:
    status, body = await post(client, "/login", {"username": username, "password": password})
    assert status == 200, body
    return body


def sealer_of(client: Client, example: types.ModuleType) -> Sealer:
    assert client.app is not None
    sealer: Sealer = client.app[example.SEALER]
    return sealer


async def test_tampered_or_unknown_pending_is_400(
    local_cognito: LocalCognito, client: Client
) -> None:
    """A pending that is no sealed challenge, or one altered in the browser, is 400."""
    status, body = await post(client, "/login/answer", {"pending": "nope", "answers": {}})
    assert (status, body) == (400, {"error": "not a sign-in of this site (signature)"})
    await local_cognito.create_user("bob", TEMPORARY, temporary=True)
    pending = (await login(client, "bob", TEMPORARY))["pending"]
    flipped = pending[:40] + ("A" if pending[40] != "A" else "B") + pending[41:]
    answers = {"NEW_PASSWORD": NEW_PASSWORD}
    status, body = await post(client, "/login/answer", {"pending": flipped, "answers": answers})
    assert (status, body) == (400, {"error": "not a sign-in of this site (signature)"})
    status, body = await post(client, "/login/answer", {"pending": "a b", "answers": answers})
    assert (status, body) == (400, {"error": "not a sign-in of this site (format)"})


async def test_wrong_password_is_401(local_cognito: LocalCognito, client: Client) -> None:
    await local_cognito.create_user("alice", PASSWORD)
    status, body = await post(client, "/login", {"username": "alice", "password": "wrong-Passw0rd"})
    assert (status, body) == (401, {"error": "wrong user name or password"})


async def test_malformed_requests_are_400(client: Client) -> None:
    assert (await post(client, "/login", {"username": "alice"}))[0] == 400
    assert (await post(client, "/login/answer", {"pending": "x", "answers": "123456"}))[0] == 400
    resp = await client.post("/login", data=b"not json")
    assert resp.status == 400


async def test_new_password_required_then_signed_in(
    local_cognito: LocalCognito, client: Client
) -> None:
    await local_cognito.create_user("bob", TEMPORARY, temporary=True)
    step = await login(client, "bob", TEMPORARY)
    assert step["status"] == "challenge"
    assert step["challenge"] == "NEW_PASSWORD_REQUIRED"
    assert step["answer_keys"] == [["NEW_PASSWORD"]]

    answers = {"NEW_PASSWORD": NEW_PASSWORD}
    status, done = await post(
        client, "/login/answer", {"pending": step["pending"], "answers": answers}
    )
    assert status == 200, done
    assert done["status"] == "signed-in"
    assert done["claims"]["cognito:username"] == "bob"
    assert done["access_token_expires_in"] > 0
    # The new password is the password now.
    assert (await login(client, "bob", NEW_PASSWORD))["status"] == "signed-in"


async def test_bad_answers_are_400_and_the_challenge_stands(
    local_cognito: LocalCognito, client: Client
) -> None:
    await local_cognito.create_user("bob", TEMPORARY, temporary=True)
    pending = (await login(client, "bob", TEMPORARY))["pending"]

    for answers in ({}, {"NEW_PASSWORD": 12345}, {"NEW_PASSWORD": NEW_PASSWORD, "SESSION": "x"}):
        status, body = await post(client, "/login/answer", {"pending": pending, "answers": answers})
        assert status == 400, body
        assert body["error"].startswith("answers to NEW_PASSWORD_REQUIRED")
        assert body["pending"] == pending

    answers = {"NEW_PASSWORD": NEW_PASSWORD}
    status, done = await post(client, "/login/answer", {"pending": pending, "answers": answers})
    assert (status, done["status"]) == (200, "signed-in")


async def test_reused_session_is_410_start_again(
    local_cognito: LocalCognito,
    client: Client,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A sealed challenge answered twice: moto answers the spent Session with
    ResourceNotFoundException, SessionExpiredError, and the app says start again."""
    raised: list[type[BaseException]] = []
    resume = CognitoAuthClient.resume

    async def spy(self: CognitoAuthClient, *args: Any, **kwargs: Any) -> Any:
        try:
            return await resume(self, *args, **kwargs)
        except Exception as exc:
            raised.append(type(exc))
            raise

    monkeypatch.setattr(CognitoAuthClient, "resume", spy)
    await local_cognito.create_user("bob", TEMPORARY, temporary=True)
    pending = (await login(client, "bob", TEMPORARY))["pending"]

    answers = {"NEW_PASSWORD": NEW_PASSWORD}
    status, _ = await post(client, "/login/answer", {"pending": pending, "answers": answers})
    assert status == 200
    status, body = await post(client, "/login/answer", {"pending": pending, "answers": answers})
    assert (status, body) == (410, {"error": "start again"})
    assert raised == [SessionExpiredError]
    # Cognito, not the app, keeps it spent: every later try is refused too.
    status, _ = await post(client, "/login/answer", {"pending": pending, "answers": answers})
    assert status == 410


async def test_expired_pending_is_410_start_again(
    local_cognito: LocalCognito, client: Client, clock: Clock
) -> None:
    """A sealed challenge older than the Sealer's challenge_max_age (180 s) is 410."""
    await local_cognito.create_user("bob", TEMPORARY, temporary=True)
    pending = (await login(client, "bob", TEMPORARY))["pending"]
    clock.now += 181

    answers = {"NEW_PASSWORD": NEW_PASSWORD}
    status, body = await post(client, "/login/answer", {"pending": pending, "answers": answers})
    assert (status, body) == (410, {"error": "start again"})


async def test_mfa_setup_after_new_password(local_cognito: LocalCognito, client: Client) -> None:
    """One challenge after another: each answer may return the next pending challenge."""
    await local_cognito.require_mfa()
    await local_cognito.create_user("dora", TEMPORARY, temporary=True)
    first = await login(client, "dora", TEMPORARY)
    answers = {"NEW_PASSWORD": NEW_PASSWORD}
    status, step = await post(
        client, "/login/answer", {"pending": first["pending"], "answers": answers}
    )
    assert status == 200, step
    assert step["challenge"] == "MFA_SETUP"
    assert step["pending"] != first["pending"]
    uri = step["otpauth_uri"]
    assert uri.startswith("otpauth://totp/")
    assert step["qr_svg"].startswith("<svg")
    secret = uri.split("secret=")[1].split("&")[0]

    answers = {"SOFTWARE_TOKEN_MFA_CODE": await fresh_totp_code(secret)}
    status, done = await post(
        client, "/login/answer", {"pending": step["pending"], "answers": answers}
    )
    assert (status, done["status"]) == (200, "signed-in"), done


async def test_no_secret_in_bodies_or_logs(
    example: types.ModuleType,
    local_cognito: LocalCognito,
    client: Client,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Passwords, Sessions and tokens stay out of every response body and log record.

    botocore logs request bodies at DEBUG; the README says to keep it above
    DEBUG in production, and so does this test. Everything else is captured.
    """
    for noisy in ("botocore", "aiobotocore"):
        caplog.set_level(logging.INFO, logger=noisy)
    caplog.set_level(logging.DEBUG)  # last: it also sets the capturing handler's level

    tokens: list[str] = []
    resume = CognitoAuthClient.resume

    async def spy(self: CognitoAuthClient, *args: Any, **kwargs: Any) -> Any:
        step = await resume(self, *args, **kwargs)
        if isinstance(step, AuthenticationResult):
            tokens.extend(t for t in (step.access_token, step.id_token, step.refresh_token) if t)
        return step

    monkeypatch.setattr(CognitoAuthClient, "resume", spy)

    bodies: list[str] = []
    sessions: set[str] = set()
    sealed: set[str] = set()
    sealer = sealer_of(client, example)

    async def call(path: str, body: object) -> dict[str, Any]:
        resp = await client.post(path, json=body)
        text = await resp.text()
        bodies.append(text)
        decoded: dict[str, Any] = json.loads(text)
        if "pending" in decoded:
            sessions.add(sealer.open_challenge(decoded["pending"]).session or "")
            sealed.add(decoded["pending"])
        return decoded

    # Temporary password -> new password -> TOTP on -> sign in with a wrong, then a right code.
    await local_cognito.create_user("erin", TEMPORARY, temporary=True)
    step = await call("/login", {"username": "erin", "password": TEMPORARY})
    await call("/login", {"username": "erin", "password": "Wrong-Passw0rd!"})
    await call("/login/answer", {"pending": step["pending"], "answers": {}})
    await call(
        "/login/answer", {"pending": step["pending"], "answers": {"NEW_PASSWORD": NEW_PASSWORD}}
    )
    result = await local_cognito.auth_client().authenticate("erin", NEW_PASSWORD)
    secret = await local_cognito.enable_totp(result.access_token)
    tokens.extend(t for t in (result.access_token, result.id_token, result.refresh_token) if t)

    step = await call("/login", {"username": "erin", "password": NEW_PASSWORD})
    assert step["challenge"] == "SOFTWARE_TOKEN_MFA"
    wrong = {"SOFTWARE_TOKEN_MFA_CODE": wrong_totp_code(secret)}
    step = await call("/login/answer", {"pending": step["pending"], "answers": wrong})
    assert step["pending"]
    right = {"SOFTWARE_TOKEN_MFA_CODE": await fresh_totp_code(secret)}
    done = await call("/login/answer", {"pending": step["pending"], "answers": right})
    assert done["status"] == "signed-in"

    sessions.discard("")
    assert len(sessions) >= 2
    assert len(tokens) >= 6
    records = [record.getMessage() for record in caplog.records]
    # The library and the app did log (botocore aside, everything is checked).
    assert {"cognito_flow", example.logger.name} <= {record.name for record in caplog.records}
    secrets = [TEMPORARY, NEW_PASSWORD, "Wrong-Passw0rd!", secret, *sessions, *tokens]
    for text in bodies + records:
        # No JWT at all, not even a piece of one. A sealed challenge is random
        # base64 that holds "eyJ" now and then: it is taken out first.
        unsealed = text
        for token in sealed:
            unsealed = unsealed.replace(token, "<sealed>")
        assert "eyJ" not in unsealed
        for value in secrets:
            assert value not in text


async def test_wrong_code_is_401_with_a_fresh_sealed_challenge(
    local_cognito: LocalCognito, client: Client
) -> None:
    """A wrong code: 401 and a new sealed challenge, which the right code then finishes."""
    await local_cognito.create_user("carol", PASSWORD)
    first = await local_cognito.auth_client().authenticate("carol", PASSWORD)
    secret = await local_cognito.enable_totp(first.access_token)
    step = await login(client, "carol", PASSWORD)
    assert step["answer_keys"] == [["SOFTWARE_TOKEN_MFA_CODE"]]
    wrong = {"SOFTWARE_TOKEN_MFA_CODE": wrong_totp_code(secret)}
    status, retry = await post(
        client, "/login/answer", {"pending": step["pending"], "answers": wrong}
    )
    assert status == 401
    assert retry["error"] == "wrong code, try again"
    assert retry["challenge"] == "SOFTWARE_TOKEN_MFA"
    assert retry["pending"] != step["pending"]
    right = {"SOFTWARE_TOKEN_MFA_CODE": await fresh_totp_code(secret)}
    status, done = await post(
        client, "/login/answer", {"pending": retry["pending"], "answers": right}
    )
    assert (status, done["status"]) == (200, "signed-in")


TOTP_SEED = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


async def test_device_cookie_context_refresh_and_logout(
    example: types.ModuleType, service: FakeCognito, make: Make
) -> None:
    """In-test Cognito: the device cookie (HttpOnly, Secure, SameSite=Strict) skips MFA for this
    browser only; UserContextData carries the peer's IP; refresh, then logout revokes the token."""
    service.add_user("alice", PASSWORD, totp_secret=TOTP_SEED)
    auth = make()
    sealer = sealer_for(auth)
    async with TestClient(TestServer(example.make_app(auth, sealer))) as web_client:
        step = await login(web_client, "alice", PASSWORD)
        code = {"SOFTWARE_TOKEN_MFA_CODE": totp_code(TOTP_SEED)}
        resp = await web_client.post(
            "/login/answer", json={"pending": step["pending"], "answers": code}
        )
        assert (await resp.json())["status"] == "signed-in"
        device_cookie = resp.cookies["cf_device"]
        refresh_cookie = resp.cookies["cf_refresh"]
        for cookie in (device_cookie, refresh_cookie):
            assert cookie["httponly"] is True
            assert cookie["secure"] is True
            assert cookie["samesite"] == "Strict"
        device = sealer.open_device(device_cookie.value)
        assert all(
            call["UserContextData"] == {"IpAddress": "127.0.0.1"}
            for call in service.calls("InitiateAuth") + service.calls("RespondToAuthChallenge")
        )

        # The same browser (its cookie): DEVICE_KEY goes out and MFA is skipped.
        service.requests.clear()
        resp = await web_client.post(
            "/login",
            json={"username": "alice", "password": PASSWORD},
            headers={"Cookie": f"cf_device={device_cookie.value}"},
        )
        assert (await resp.json())["status"] == "signed-in"
        assert service.calls("InitiateAuth")[0]["AuthParameters"]["DEVICE_KEY"] == device.device_key
        # Another browser (no cookie): no DEVICE_KEY, MFA asked.
        service.requests.clear()
        step = await login(web_client, "alice", PASSWORD)
        assert step["challenge"] == "SOFTWARE_TOKEN_MFA"
        assert "DEVICE_KEY" not in service.calls("InitiateAuth")[0]["AuthParameters"]

        token = {"Cookie": f"cf_refresh={refresh_cookie.value}"}
        resp = await web_client.post("/refresh", headers=token)
        assert (resp.status, (await resp.json())["status"]) == (200, "signed-in")
        resp = await web_client.post("/logout", headers=token)
        assert (resp.status, await resp.json()) == (200, {"status": "signed-out"})
        assert service.calls("RevokeToken")[-1]["Token"] == refresh_cookie.value
        resp = await web_client.post("/refresh", headers=token)
        assert (resp.status, await resp.json()) == (401, {"error": "signed out: sign in again"})
        resp = await web_client.post("/refresh")
        assert resp.status == 401
