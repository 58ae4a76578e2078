"""No secret leaks: whole flows against moto, then every repr, str, message and log record.

The secrets are collected from the flows themselves (the tokens that came
back, the Sessions of the challenges, the codes the handlers gave), then looked
for in the ``repr``/``str`` of every public object the flows created, in every
exception (its message, its traceback text and its botocore ``__cause__``) and
in every record of the ``cognito_flow`` logger.
"""

from __future__ import annotations

import logging
import secrets
import traceback
from collections.abc import Awaitable, Iterator
from typing import TypeVar

import pytest

from cognito_flow import (
    AuthenticationResult,
    AuthFlow,
    Challenge,
    ChallengeContext,
    ChallengeName,
    CodeMismatchError,
    CognitoAuthClient,
    CognitoFlowError,
    HandlerRegistry,
    InMemoryDeviceStore,
    NewDeviceMetadata,
    NotAuthorizedError,
    RememberedDevice,
    SessionExpiredError,
    UnhandledChallengeError,
    handlers,
)
from cognito_flow._requests import secret_hash
from cognito_flow.testing import LocalCognito, fresh_totp_code, wrong_totp_code

E = TypeVar("E", bound=BaseException)


def new_password() -> str:
    """A password nobody could find in a message by chance."""
    return f"Pw-{secrets.token_urlsafe(12)}-1a!"


class Watch:
    """Collects secret values, the public objects and the exceptions of a flow."""

    def __init__(self) -> None:
        self.secrets: set[str] = set()
        self.objects: list[object] = []
        self.errors: list[BaseException] = []

    def secret(self, *values: str | None) -> None:
        self.secrets.update(v for v in values if v)

    def show(self, *objects: object) -> None:
        self.objects.extend(objects)

    def challenge(self, challenge: Challenge) -> Challenge:
        self.secret(challenge.session, challenge.secret_code, challenge.otpauth_uri)
        self.show(challenge)
        return challenge

    def result(self, result: Challenge | AuthenticationResult) -> AuthenticationResult:
        assert isinstance(result, AuthenticationResult)
        self.secret(result.access_token, result.id_token, result.refresh_token)
        self.show(result)
        return result

    async def raises(self, kind: type[E], awaitable: Awaitable[object]) -> E:
        with pytest.raises(kind) as info:
            await awaitable
        self.errors.append(info.value)
        return info.value

    def texts(self, caplog: pytest.LogCaptureFixture) -> Iterator[tuple[str, str]]:
        """(where, text) for everything that must be clean."""
        for obj in self.objects:
            yield f"repr({type(obj).__name__})", repr(obj)
            yield f"str({type(obj).__name__})", str(obj)
        for exc in self.errors:
            name = type(exc).__name__
            yield f"str({name})", str(exc)
            yield f"repr({name})", repr(exc)
            yield f"{name}.args", repr(exc.args)
            yield f"{name}.message", str(getattr(exc, "message", ""))
            yield f"{name} traceback", "".join(traceback.format_exception(exc))
            cause = exc.__cause__
            if cause is not None:
                yield f"str({name}.__cause__)", str(cause)
                yield f"repr({name}.__cause__)", repr(cause)
                yield f"{name}.__cause__.response", repr(getattr(cause, "response", ""))
            challenge = getattr(exc, "challenge", None)
            if challenge is not None:
                yield f"repr({name}.challenge)", repr(challenge)
        records = [
            r
            for r in caplog.records
            if r.name == "cognito_flow" or r.name.startswith("cognito_flow.")
        ]
        assert records, "the flow logged nothing: the log check would be empty"
        for record in records:
            yield f"log record {record.getMessage()!r}", record.getMessage()
            if record.exc_info:
                yield "log record traceback", logging.Formatter().formatException(record.exc_info)

    def assert_clean(self, caplog: pytest.LogCaptureFixture) -> None:
        assert all(len(s) >= 6 for s in self.secrets)
        leaks = [
            (where, secret)
            for where, text in self.texts(caplog)
            for secret in self.secrets
            if secret in text
        ]
        assert leaks == []


@pytest.fixture
def debug_logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    """Capture DEBUG records of every logger (the library's and botocore's)."""
    caplog.set_level(logging.DEBUG)
    for name in ("cognito_flow", "botocore", "aiobotocore"):
        caplog.set_level(logging.DEBUG, logger=name)
    return caplog


async def test_whole_flows_leak_nothing(
    local_cognito: LocalCognito, debug_logs: pytest.LogCaptureFixture, admin: bool
) -> None:
    """NEW_PASSWORD_REQUIRED, TOTP, refresh and their errors, with a client secret, leak no secret."""
    watch = Watch()
    cognito = local_cognito
    flow = None if admin else AuthFlow.USER_PASSWORD_AUTH
    store = InMemoryDeviceStore()
    auth = cognito.auth_client(with_secret=True, admin=admin, device_store=store)
    watch.secret(cognito.client_secret)
    for user in ("alice", "bob"):
        watch.secret(secret_hash(user, auth.client_id, cognito.client_secret))

    temporary, chosen, wrong = new_password(), new_password(), new_password()
    watch.secret(temporary, chosen, wrong)
    await cognito.create_user("alice", temporary, temporary=True)

    # 1. NEW_PASSWORD_REQUIRED answered by a handler.
    contexts: list[ChallengeContext] = []

    async def choose(challenge: Challenge) -> str:
        watch.challenge(challenge)
        return chosen

    async def remember_context(challenge: Challenge, context: ChallengeContext) -> dict[str, str]:
        contexts.append(context)
        return dict(await handlers.new_password(choose)(challenge, context))

    registry = HandlerRegistry()
    registry.register(ChallengeName.NEW_PASSWORD_REQUIRED, remember_context)
    first = watch.result(await auth.authenticate("alice", temporary, handlers=registry, flow=flow))

    # 2. TOTP turned on, then answered by a handler.
    totp_secret = await cognito.enable_totp(first.access_token)
    watch.secret(totp_secret)

    async def code(challenge: Challenge) -> str:
        watch.challenge(challenge)
        value = await fresh_totp_code(totp_secret)
        watch.secret(value)
        return value

    registry.register(ChallengeName.SOFTWARE_TOKEN_MFA, handlers.software_token_mfa(code))
    watch.result(await auth.authenticate("alice", chosen, handlers=registry, flow=flow))

    # 3. Two requests: a wrong code first, then the right one.
    step = await auth.start("alice", chosen, flow=flow)
    assert isinstance(step, Challenge)
    watch.challenge(step)
    bad = wrong_totp_code(totp_secret)
    watch.secret(bad)
    mismatch = await watch.raises(
        CodeMismatchError, auth.resume(step, {"SOFTWARE_TOKEN_MFA_CODE": bad})
    )
    assert mismatch.challenge == step
    right = await fresh_totp_code(totp_secret)
    watch.secret(right)
    third = watch.result(await auth.resume(step, {"SOFTWARE_TOKEN_MFA_CODE": right}))

    # 4. The same Session again (moto: ResourceNotFoundException quoting the Session).
    await watch.raises(SessionExpiredError, auth.resume(step, {"SOFTWARE_TOKEN_MFA_CODE": right}))

    # 5. Refresh, then refresh a revoked token (moto's admin API quotes the token).
    assert third.refresh_token is not None
    watch.result(await auth.refresh(third.refresh_token, username="alice"))
    await cognito.idp.admin_user_global_sign_out(UserPoolId=cognito.user_pool_id, Username="alice")
    await watch.raises(NotAuthorizedError, auth.refresh(third.refresh_token, username="alice"))

    # 6. A wrong password.
    await watch.raises(NotAuthorizedError, auth.authenticate("alice", wrong, flow=flow))

    # 7. A challenge nobody answers, resumed later.
    bob_temporary, bob_chosen = new_password(), new_password()
    watch.secret(bob_temporary, bob_chosen)
    await cognito.create_user("bob", bob_temporary, temporary=True)
    unhandled = await watch.raises(
        UnhandledChallengeError, auth.authenticate("bob", bob_temporary, flow=flow)
    )
    watch.challenge(unhandled.challenge)
    watch.result(await auth.resume(unhandled.challenge, {"NEW_PASSWORD": bob_chosen}))

    # Objects that moto's flows do not produce: a device and its metadata.
    device_password = secrets.token_urlsafe(30)
    watch.secret(device_password)
    device = RememberedDevice(
        device_key="us-east-1_device-key",
        device_group_key="device-group-key",
        device_password=device_password,
    )
    await store.put(cognito.user_pool_id, "carol", device)
    with_device = AuthenticationResult.from_response(
        {
            "AccessToken": first.access_token,
            "IdToken": first.id_token,
            "RefreshToken": first.refresh_token,
            "ExpiresIn": 3600,
            "NewDeviceMetadata": {
                "DeviceKey": device.device_key,
                "DeviceGroupKey": device.device_group_key,
            },
        }
    )
    assert isinstance(with_device.new_device_metadata, NewDeviceMetadata)

    assert len(contexts) == 1  # alice's first sign-in: bob's challenge had no handler
    watch.show(auth, registry, store, device, with_device, with_device.new_device_metadata)
    watch.show(*contexts)
    watch.assert_clean(debug_logs)


async def test_mfa_setup_leaks_nothing(
    local_cognito: LocalCognito, debug_logs: pytest.LogCaptureFixture, admin: bool
) -> None:
    """MFA_SETUP (the authenticator secret, its URI, the first code) leaks no secret."""
    watch = Watch()
    cognito = local_cognito
    flow = None if admin else AuthFlow.USER_PASSWORD_AUTH
    auth = cognito.auth_client(with_secret=True, admin=admin)
    watch.secret(cognito.client_secret, secret_hash("dave", auth.client_id, cognito.client_secret))
    temporary, chosen = new_password(), new_password()
    watch.secret(temporary, chosen)
    await cognito.require_mfa()
    await cognito.create_user("dave", temporary, temporary=True)

    async def choose(challenge: Challenge) -> str:
        watch.challenge(challenge)
        return chosen

    registry = HandlerRegistry()
    registry.register(ChallengeName.NEW_PASSWORD_REQUIRED, handlers.new_password(choose))
    step = await auth.start("dave", temporary, handlers=registry, flow=flow)
    assert isinstance(step, Challenge)
    assert step.secret_code is not None
    watch.challenge(step)

    bad = wrong_totp_code(step.secret_code)
    watch.secret(bad)
    await watch.raises(CodeMismatchError, auth.resume(step, {"SOFTWARE_TOKEN_MFA_CODE": bad}))
    right = await fresh_totp_code(step.secret_code)
    watch.secret(right)
    watch.result(await auth.resume(step, {"SOFTWARE_TOKEN_MFA_CODE": right}))

    watch.show(auth, registry)
    watch.assert_clean(debug_logs)


async def test_wrong_client_secret_leaks_nothing(
    local_cognito: LocalCognito, debug_logs: pytest.LogCaptureFixture
) -> None:
    """A wrong client secret (moto quotes the SECRET_HASH it refused) leaks neither it nor the hash."""
    watch = Watch()
    cognito = local_cognito
    password, wrong_secret = new_password(), secrets.token_urlsafe(24)
    await cognito.create_user("erin", password)
    auth = CognitoAuthClient(
        cognito.idp,
        user_pool_id=cognito.user_pool_id,
        client_id=cognito.secret_client_id,
        client_secret=wrong_secret,
        admin=False,
    )
    watch.secret(
        password,
        wrong_secret,
        cognito.client_secret,
        secret_hash("erin", cognito.secret_client_id, wrong_secret),
    )
    error = await watch.raises(NotAuthorizedError, auth.authenticate("erin", password))
    assert error.operation == "InitiateAuth"
    assert isinstance(error, CognitoFlowError)

    watch.show(auth)
    watch.assert_clean(debug_logs)
