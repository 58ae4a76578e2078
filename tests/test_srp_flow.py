"""SRP sign-in and remembered devices, end to end against a verifying service.

The service is ``fake_cognito.FakeCognito``: it holds verifiers, not
passwords, and checks every PASSWORD_CLAIM_SIGNATURE and TIMESTAMP. moto
accepts any signature, so only the moto test at the end is about wiring.
"""

from __future__ import annotations

import json
import logging
import time

import attrs
import pytest
from conftest import FAKE_SECRET as SECRET
from conftest import Make
from fake_cognito import POOL_ID, FakeCognito

from cognito_flow import (
    AuthenticationResult,
    AuthFlow,
    Challenge,
    ChallengeName,
    CognitoAuthClient,
    DeviceStatus,
    HandlerRegistry,
    InMemoryDeviceStore,
    NotAuthorizedError,
    RefreshTokenReuseError,
    RememberedDevice,
    SessionExpiredError,
)
from cognito_flow.handlers import select_challenge, software_token_mfa
from cognito_flow.testing import local_cognito, totp_code

TOTP_SEED = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


both_apis = pytest.mark.parametrize("admin", [False, True], ids=["public", "admin"])
with_and_without_secret = pytest.mark.parametrize("secret", [False, True], ids=["plain", "secret"])


@both_apis
@with_and_without_secret
async def test_srp_sign_in_is_verified(
    service: FakeCognito, make: Make, admin: bool, secret: bool
) -> None:
    """USER_SRP_AUTH reaches tokens on a service that verifies the password claim."""
    service.device_tracking = False
    service.add_user("alice", "correct horse", sub="sub-alice")
    auth = make(secret=secret, admin=admin)
    result = await auth.authenticate("alice", "correct horse", flow=AuthFlow.USER_SRP_AUTH)
    assert isinstance(result, AuthenticationResult)
    answer = service.calls("AdminRespondToAuthChallenge" if admin else "RespondToAuthChallenge")[0]
    assert answer["ChallengeResponses"]["USERNAME"] == "alice"


@both_apis
@pytest.mark.parametrize("with_session", [False, True], ids=["cognito", "moto-like"])
async def test_password_verifier_threads_only_the_session_it_got(
    service: FakeCognito, make: Make, admin: bool, with_session: bool
) -> None:
    """Cognito's PASSWORD_VERIFIER has no Session, so the answer has none; a Session sent is threaded."""
    service.device_tracking = False
    service.verifier_session = with_session
    service.add_user("alice", "correct horse")
    result = await make(admin=admin).authenticate("alice", "correct horse", flow="USER_SRP_AUTH")
    assert isinstance(result, AuthenticationResult)
    initiated = service.calls("AdminInitiateAuth" if admin else "InitiateAuth")[0]
    answer = service.calls("AdminRespondToAuthChallenge" if admin else "RespondToAuthChallenge")[0]
    assert answer["ChallengeName"] == "PASSWORD_VERIFIER"
    assert ("Session" in answer) is with_session
    assert "SRP_A" in initiated["AuthParameters"]


async def test_password_verifier_state_is_single_use(service: FakeCognito, make: Make) -> None:
    """Without a Session, the pending SRP state is found by SECRET_BLOCK and consumed by the answer."""
    service.device_tracking = False
    service.add_user("alice", "correct horse")
    await make().authenticate("alice", "correct horse")
    assert service.secret_blocks == {}


@both_apis
@with_and_without_secret
async def test_wrong_password_is_refused(
    service: FakeCognito, make: Make, admin: bool, secret: bool
) -> None:
    """A wrong password gives a claim the service rejects: NotAuthorizedError."""
    service.add_user("alice", "correct horse")
    with pytest.raises(NotAuthorizedError) as info:
        await make(secret=secret, admin=admin).authenticate(
            "alice", "wrong horse", flow="USER_SRP_AUTH"
        )
    assert not isinstance(info.value, SessionExpiredError)


async def test_stale_timestamp_is_refused(service: FakeCognito, make: Make) -> None:
    """A TIMESTAMP far from the service's clock is refused."""
    service.add_user("alice", "correct horse")
    service.clock = lambda: time.time() + 3600
    with pytest.raises(NotAuthorizedError):
        await make().authenticate("alice", "correct horse")


async def test_alias_sign_in_answers_as_user_id_for_srp(service: FakeCognito, make: Make) -> None:
    """Signing in with an alias answers with USER_ID_FOR_SRP and its SECRET_HASH."""
    service.device_tracking = False
    service.add_user("0b9e-uuid", "pw-123456", aliases=("alice@example.com",))
    result = await make(secret=True).authenticate("alice@example.com", "pw-123456")
    assert isinstance(result, AuthenticationResult)
    answer = service.calls("RespondToAuthChallenge")[0]["ChallengeResponses"]
    assert answer["USERNAME"] == "0b9e-uuid"


@with_and_without_secret
async def test_custom_auth_can_open_with_srp(
    service: FakeCognito, make: Make, secret: bool
) -> None:
    """CUSTOM_AUTH with a password sends CHALLENGE_NAME=SRP_A and answers PASSWORD_VERIFIER."""
    service.device_tracking = False
    service.add_user("alice", "pw-123456")
    await make(secret=secret).authenticate("alice", "pw-123456", flow=AuthFlow.CUSTOM_AUTH)
    initiate = service.calls("InitiateAuth")[0]
    assert initiate["AuthParameters"]["CHALLENGE_NAME"] == "SRP_A"
    assert initiate["AuthParameters"]["SRP_A"]


@both_apis
async def test_user_auth_password_srp(service: FakeCognito, make: Make, admin: bool) -> None:
    """USER_AUTH with PREFERRED_CHALLENGE=PASSWORD_SRP signs in through SRP."""
    service.device_tracking = False
    service.add_user("alice", "pw-123456")
    result = await make(admin=admin).authenticate(
        "alice",
        "pw-123456",
        flow=AuthFlow.USER_AUTH,
        preferred_challenge=ChallengeName.PASSWORD_SRP,
    )
    assert isinstance(result, AuthenticationResult)


@both_apis
@with_and_without_secret
async def test_select_challenge_password_srp(
    service: FakeCognito, make: Make, admin: bool, secret: bool
) -> None:
    """SELECT_CHALLENGE answered with PASSWORD_SRP sends SRP_A, then a verified claim."""
    service.device_tracking = False
    service.add_user("alice", "pw-123456")
    registry = HandlerRegistry()
    registry.register(ChallengeName.SELECT_CHALLENGE, select_challenge())
    result = await make(admin=admin, secret=secret).authenticate(
        "alice", "pw-123456", flow=AuthFlow.USER_AUTH, handlers=registry
    )
    assert isinstance(result, AuthenticationResult)
    respond = "AdminRespondToAuthChallenge" if admin else "RespondToAuthChallenge"
    select = service.calls(respond)[0]["ChallengeResponses"]
    assert select["ANSWER"] == "PASSWORD_SRP"
    assert "PASSWORD" not in select
    assert select["SRP_A"]


@both_apis
@with_and_without_secret
async def test_remembered_device_signs_in_with_device_srp(
    service: FakeCognito, make: Make, admin: bool, secret: bool
) -> None:
    """A new device is confirmed and remembered; the next sign-in proves it with device SRP."""
    store = InMemoryDeviceStore()
    auth = make(secret=secret, admin=admin, device_store=store)
    service.add_user("alice", "pw-123456", sub="sub-alice")
    first = await auth.authenticate("alice", "pw-123456", flow=AuthFlow.USER_SRP_AUTH)
    assert first.new_device_metadata is not None
    device = await store.get(POOL_ID, "alice")
    assert device is not None
    assert device.device_key == first.new_device_metadata.device_key
    assert service.devices[device.device_key].remembered
    assert service.calls("ConfirmDevice")[0]["DeviceName"]

    service.requests.clear()
    second = await auth.authenticate("alice", "pw-123456", flow=AuthFlow.USER_SRP_AUTH)
    assert second.new_device_metadata is None
    respond = "AdminRespondToAuthChallenge" if admin else "RespondToAuthChallenge"
    answers = service.calls(respond)
    assert [a["ChallengeName"] for a in answers] == [
        "PASSWORD_VERIFIER",
        "DEVICE_SRP_AUTH",
        "DEVICE_PASSWORD_VERIFIER",
    ]
    initiate = service.calls("AdminInitiateAuth" if admin else "InitiateAuth")[0]
    assert initiate["AuthParameters"]["DEVICE_KEY"] == device.device_key
    assert all(a["ChallengeResponses"]["DEVICE_KEY"] == device.device_key for a in answers)
    # Each SRP exchange draws its own secret exponent.
    assert answers[1]["ChallengeResponses"]["SRP_A"] != initiate["AuthParameters"]["SRP_A"]


@pytest.mark.parametrize(
    ("operation", "code", "message"),
    [
        ("ConfirmDevice", "NotAuthorizedException", "Access Token does not have required scopes"),
        ("UpdateDeviceStatus", "TooManyRequestsException", "Rate exceeded"),
        ("ConfirmDevice", "InternalErrorException", "Internal error"),
    ],
)
async def test_new_device_steps_never_lose_the_sign_in(
    service: FakeCognito,
    make: Make,
    operation: str,
    code: str,
    message: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """When ConfirmDevice or UpdateDeviceStatus fails, the tokens come back, no device is kept, a warning says so."""
    service.remember_devices = "opt-in"
    service.device_errors[operation] = (code, message)
    store = InMemoryDeviceStore()
    service.add_user("alice", "pw-123456")
    caplog.set_level(logging.DEBUG, logger="cognito_flow")
    result = await make(device_store=store).authenticate("alice", "pw-123456")
    assert isinstance(result, AuthenticationResult)
    assert result.access_token
    assert result.new_device_metadata is not None
    assert (result.new_device, result.device_status) == (None, DeviceStatus.FAILED)
    assert await store.get(POOL_ID, "alice") is None
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    text = warnings[0].getMessage()
    assert operation in text
    assert code in text
    for secret in (result.access_token, "pw-123456"):
        assert secret not in caplog.text


@pytest.mark.parametrize(
    ("pool", "remember", "status", "updates"),
    [
        ("always", True, DeviceStatus.REMEMBERED, 0),
        ("opt-in", True, DeviceStatus.REMEMBERED, 1),
        ("opt-in", False, DeviceStatus.NOT_REMEMBERED, 0),
    ],
)
async def test_user_confirmation_necessary_is_kept(
    service: FakeCognito,
    make: Make,
    pool: str,
    remember: bool,
    status: DeviceStatus,
    updates: int,
) -> None:
    """UserConfirmationNecessary decides whether UpdateDeviceStatus is needed, and the result says what happened."""
    service.remember_devices = pool
    store = InMemoryDeviceStore()
    service.add_user("alice", "pw-123456")
    auth = make(device_store=store, remember_devices=remember)
    result = await auth.authenticate("alice", "pw-123456")
    assert result.device_status is status
    assert result.new_device is not None
    assert await store.get(POOL_ID, "alice") == result.new_device
    assert len(service.calls("UpdateDeviceStatus")) == updates
    assert service.devices[result.new_device.device_key].remembered is (
        status is DeviceStatus.REMEMBERED
    )


async def test_device_srp_after_mfa(service: FakeCognito, make: Make) -> None:
    """DEVICE_SRP_AUTH that comes after SOFTWARE_TOKEN_MFA is answered too."""
    service.device_after = "mfa"
    store = InMemoryDeviceStore()
    registry = HandlerRegistry()

    async def code(challenge: Challenge) -> str:
        return totp_code(TOTP_SEED)

    registry.register(ChallengeName.SOFTWARE_TOKEN_MFA, software_token_mfa(code))
    service.add_user("alice", "pw-123456", totp_secret=TOTP_SEED)
    auth = make(device_store=store)
    await auth.authenticate("alice", "pw-123456", handlers=registry)
    service.requests.clear()
    await auth.authenticate("alice", "pw-123456", handlers=registry)
    names = [a["ChallengeName"] for a in service.calls("RespondToAuthChallenge")]
    assert names == [
        "PASSWORD_VERIFIER",
        "SOFTWARE_TOKEN_MFA",
        "DEVICE_SRP_AUTH",
        "DEVICE_PASSWORD_VERIFIER",
    ]


async def test_device_srp_across_two_requests(service: FakeCognito, make: Make) -> None:
    """start() stops at MFA; resume() after a to_dict() round trip still does device SRP."""
    service.device_after = "mfa"
    store = InMemoryDeviceStore()
    service.add_user("alice", "pw-123456", totp_secret=TOTP_SEED)
    auth = make(device_store=store)
    step = await auth.start("alice", "pw-123456")
    assert isinstance(step, Challenge)
    await auth.resume(step, {"SOFTWARE_TOKEN_MFA_CODE": totp_code(TOTP_SEED)})
    step = await auth.start("alice", "pw-123456")
    assert isinstance(step, Challenge)
    assert step.device_key is not None
    stored = Challenge.from_dict(json.loads(json.dumps(step.to_dict())))
    result = await auth.resume(stored, {"SOFTWARE_TOKEN_MFA_CODE": totp_code(TOTP_SEED)})
    assert isinstance(result, AuthenticationResult)
    assert (
        service.calls("RespondToAuthChallenge")[-1]["ChallengeName"] == "DEVICE_PASSWORD_VERIFIER"
    )


async def signed_in_once(
    service: FakeCognito, make: Make
) -> tuple[CognitoAuthClient, InMemoryDeviceStore, RememberedDevice]:
    """alice has signed in once: her client, its device store, and the device it remembers."""
    store = InMemoryDeviceStore()
    auth = make(device_store=store)
    service.add_user("alice", "pw-123456")
    await auth.authenticate("alice", "pw-123456")
    device = await store.get(POOL_ID, "alice")
    assert device is not None
    return auth, store, device


async def test_wrong_device_password_is_refused(service: FakeCognito, make: Make) -> None:
    """A device claim made with the wrong device password is rejected."""
    auth, store, device = await signed_in_once(service, make)
    await store.put(POOL_ID, "alice", attrs.evolve(device, device_password="not-the-password"))
    with pytest.raises(NotAuthorizedError):
        await auth.authenticate("alice", "pw-123456")


async def test_device_unknown_to_the_service_is_dropped(service: FakeCognito, make: Make) -> None:
    """When the service forgot the device, it is dropped and the sign-in carries on."""
    auth, store, old = await signed_in_once(service, make)
    del service.devices[old.device_key]
    result = await auth.authenticate("alice", "pw-123456")
    assert result.new_device_metadata is not None
    new = await store.get(POOL_ID, "alice")
    assert new is not None
    assert new.device_key != old.device_key


@with_and_without_secret
async def test_refresh_sends_the_device_key(service: FakeCognito, make: Make, secret: bool) -> None:
    """refresh() with a remembered device sends its DeviceKey, and ClientSecret when the client has one."""
    store = InMemoryDeviceStore()
    auth = make(device_store=store, secret=secret)
    service.add_user("alice", "pw-123456")
    first = await auth.authenticate("alice", "pw-123456")
    assert first.refresh_token is not None
    device = await store.get(POOL_ID, "alice")
    assert device is not None
    refreshed = await auth.refresh(first.refresh_token, username="alice")
    assert isinstance(refreshed, AuthenticationResult)
    sent = service.calls("GetTokensFromRefreshToken")[-1]
    assert sent["DeviceKey"] == device.device_key
    assert sent.get("ClientSecret") == (SECRET if secret else None)
    assert "USERNAME" not in sent
    assert refreshed.refresh_token == first.refresh_token


@both_apis
@with_and_without_secret
async def test_refresh_with_rotation(
    service: FakeCognito, make: Make, admin: bool, secret: bool
) -> None:
    """A rotating client refuses REFRESH_TOKEN_AUTH; refresh() gets a new token, and the old one is spent."""
    service.device_tracking = False
    service.rotation = True
    service.add_user("alice", "pw-123456")
    auth = make(secret=secret, admin=admin)
    first = await auth.authenticate("alice", "pw-123456", flow=AuthFlow.USER_SRP_AUTH)
    assert first.refresh_token is not None
    second = await auth.refresh(first.refresh_token)
    assert second.refresh_token not in (None, first.refresh_token)
    assert second.expires_in == 3600
    with pytest.raises(RefreshTokenReuseError):
        await auth.refresh(first.refresh_token)
    assert second.refresh_token is not None
    third = await auth.refresh(second.refresh_token)
    assert third.refresh_token not in (None, second.refresh_token)


async def test_expired_session_is_not_a_wrong_password(service: FakeCognito, make: Make) -> None:
    """Answering after the session expired raises SessionExpiredError."""
    service.device_tracking = False
    now = [time.time()]
    service.clock = lambda: now[0]
    service.add_user("alice", "pw-123456", totp_secret=TOTP_SEED)
    auth = make()
    step = await auth.start("alice", "pw-123456")
    assert isinstance(step, Challenge)
    now[0] += 600
    with pytest.raises(SessionExpiredError):
        await auth.resume(step, {"SOFTWARE_TOKEN_MFA_CODE": totp_code(TOTP_SEED)})


async def test_reused_session_is_refused(service: FakeCognito, make: Make) -> None:
    """A challenge answered twice: the second answer raises SessionExpiredError."""
    service.device_tracking = False
    service.add_user("alice", "pw-123456", totp_secret=TOTP_SEED)
    auth = make()
    step = await auth.start("alice", "pw-123456")
    assert isinstance(step, Challenge)
    await auth.resume(step, {"SOFTWARE_TOKEN_MFA_CODE": totp_code(TOTP_SEED)})
    with pytest.raises(SessionExpiredError):
        await auth.resume(step, {"SOFTWARE_TOKEN_MFA_CODE": totp_code(TOTP_SEED)})


# moto sends its internal user id as USER_ID_FOR_SRP; in pools whose users
# sign in with their email that is the user name, elsewhere it cannot find the
# user by it, and the library answers again with USERNAME.
@pytest.mark.parametrize("pool", ["email", "username"])
@with_and_without_secret
async def test_srp_against_moto_reaches_tokens(moto_endpoint: str, secret: bool, pool: str) -> None:
    """USER_SRP_AUTH on the public API reaches tokens on moto (wiring only)."""
    options = {"UsernameAttributes": ["email"]} if pool == "email" else {}
    name = "bob@example.com" if pool == "email" else "bob"
    async with local_cognito(moto_endpoint, pool=options) as cognito:
        await cognito.create_user(name, "Passw0rd!")
        auth = cognito.auth_client(admin=False, with_secret=secret)
        result = await auth.authenticate(name, "Passw0rd!")
        assert isinstance(result, AuthenticationResult)
