"""examples/aiohttp_app.py: the two-request sign-in over HTTP, against moto."""

from __future__ import annotations

import importlib.util
import json
import logging
import time
import types
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from cognito_flow import AuthenticationResult, Challenge, CognitoAuthClient, SessionExpiredError
from cognito_flow.testing import LocalCognito, fresh_totp_code, wrong_totp_code

PASSWORD = "Initial-Passw0rd!"
TEMPORARY = "Temporary-Passw0rd!"
NEW_PASSWORD = "Brand-new-Passw0rd!"

Client = TestClient[Any, Any]


@pytest.fixture(scope="module")
def example() -> types.ModuleType:
    """examples/aiohttp_app.py, imported by path."""
    path = Path(__file__).resolve().parent.parent / "examples" / "aiohttp_app.py"
    spec = importlib.util.spec_from_file_location("example_aiohttp_app", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
async def client(example: types.ModuleType, local_cognito: LocalCognito) -> AsyncIterator[Client]:
    app = example.make_app(local_cognito.auth_client())
    async with TestClient(TestServer(app)) as test_client:
        yield test_client


async def post(client: Client, path: str, body: object) -> tuple[int, dict[str, Any]]:
    resp = await client.post(path, json=body)
    return resp.status, await resp.json()


async def login(client: Client, username: str, password: str) -> dict[str, Any]:
    status, body = await post(client, "/login", {"username": username, "password": password})
    assert status == 200, body
    return body


def pending_store(client: Client, example: types.ModuleType) -> dict[str, Any]:
    assert client.app is not None
    store: dict[str, Any] = client.app[example.PENDING]
    return store


async def test_unknown_pending_id_is_404(client: Client) -> None:
    status, body = await post(client, "/login/answer", {"pending": "nope", "answers": {}})
    assert (status, body) == (404, {"error": "no such pending sign-in"})


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


async def test_reused_session_is_401_start_again(
    example: types.ModuleType,
    local_cognito: LocalCognito,
    client: Client,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """moto answers a spent Session with ResourceNotFoundException: SessionExpiredError."""
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
    store = pending_store(client, example)
    store["copy"] = store[pending]  # as if the same challenge were answered twice

    answers = {"NEW_PASSWORD": NEW_PASSWORD}
    status, _ = await post(client, "/login/answer", {"pending": pending, "answers": answers})
    assert status == 200
    status, body = await post(client, "/login/answer", {"pending": "copy", "answers": answers})
    assert (status, body) == (401, {"error": "start again"})
    assert raised == [SessionExpiredError]
    # Either way the id is spent.
    assert (await post(client, "/login/answer", {"pending": pending, "answers": answers}))[0] == 404


async def test_expired_pending_is_401_start_again(
    example: types.ModuleType, local_cognito: LocalCognito, client: Client
) -> None:
    await local_cognito.create_user("bob", TEMPORARY, temporary=True)
    pending = (await login(client, "bob", TEMPORARY))["pending"]
    store = pending_store(client, example)
    store[pending] = store[pending]._replace(created=time.monotonic() - example.PENDING_TTL - 1)

    answers = {"NEW_PASSWORD": NEW_PASSWORD}
    status, body = await post(client, "/login/answer", {"pending": pending, "answers": answers})
    assert (status, body) == (401, {"error": "start again"})


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

    async def call(path: str, body: object) -> dict[str, Any]:
        resp = await client.post(path, json=body)
        text = await resp.text()
        bodies.append(text)
        for pending in pending_store(client, example).values():
            sessions.add(Challenge.from_dict(pending.challenge).session or "")
        decoded: dict[str, Any] = json.loads(text)
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
    assert (await call("/login/answer", {"pending": step["pending"], "answers": wrong}))["pending"]
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
        assert "eyJ" not in text  # no JWT at all
        for value in secrets:
            assert value not in text
