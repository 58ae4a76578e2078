"""Remembered devices that belong to a browser, against the verifying in-test Cognito.

A web backend keeps each browser's device in that browser (a sealed cookie),
never under the user name: so a password stolen and typed in another browser
meets MFA, even where the pool skips MFA for remembered devices.
"""

from __future__ import annotations

import pytest
from conftest import Make
from fake_cognito import POOL_ID, FakeCognito

from cognito_flow import (
    AuthenticationResult,
    Challenge,
    ChallengeName,
    DeviceStatus,
    InMemoryDeviceStore,
    RememberedDevice,
)
from cognito_flow.testing import totp_code
from cognito_flow.web import Sealer

TOTP_SEED = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
PASSWORD = "pw-123456-Browser"


async def sign_in_with_mfa(
    make: Make, *, device: RememberedDevice | None, remember: bool | None = True
) -> AuthenticationResult | Challenge:
    """start() as a web backend does: the browser's device, MFA answered on resume."""
    auth = make()
    step = await auth.start("alice", PASSWORD, device=device, remember_device=remember)
    if isinstance(step, Challenge):
        assert step.name == ChallengeName.SOFTWARE_TOKEN_MFA
        step = await auth.resume(
            step,
            {"SOFTWARE_TOKEN_MFA_CODE": totp_code(TOTP_SEED)},
            device=device,
            remember_device=remember,
        )
    return step


async def test_a_device_belongs_to_the_browser_that_remembered_it(
    service: FakeCognito, make: Make
) -> None:
    """After browser A remembers its device, browser B sends no DEVICE_KEY and meets MFA; A skips it."""
    service.add_user("alice", PASSWORD, totp_secret=TOTP_SEED)
    sealer = Sealer(keys=[Sealer.generate_key()], user_pool_id=POOL_ID, client_id="plain")

    first = await sign_in_with_mfa(make, device=None)
    assert isinstance(first, AuthenticationResult)
    assert first.device_status is DeviceStatus.REMEMBERED
    assert first.new_device is not None
    cookie_a = sealer.seal_device(first.new_device)

    # Browser B: no cookie. No DEVICE_KEY goes out, and MFA is asked.
    service.requests.clear()
    b = await make().start("alice", PASSWORD, device=None)
    assert isinstance(b, Challenge)
    assert b.name == ChallengeName.SOFTWARE_TOKEN_MFA
    assert all(
        "DEVICE_KEY" not in p.get("AuthParameters", {}) for p in service.calls("InitiateAuth")
    )
    assert all(
        "DEVICE_KEY" not in p.get("ChallengeResponses", {})
        for p in service.calls("RespondToAuthChallenge")
    )

    # Browser A: its cookie proves the device; the pool skips MFA for it.
    service.requests.clear()
    a = await make().start("alice", PASSWORD, device=sealer.open_device(cookie_a))
    assert isinstance(a, AuthenticationResult)
    names = [p["ChallengeName"] for p in service.calls("RespondToAuthChallenge")]
    assert names == ["PASSWORD_VERIFIER", "DEVICE_SRP_AUTH", "DEVICE_PASSWORD_VERIFIER"]
    assert a.new_device is None


async def test_without_a_store_nothing_is_kept_by_user_name(
    service: FakeCognito, make: Make
) -> None:
    """A client with no device store keeps no device itself: the result hands it to the app."""
    service.add_user("alice", PASSWORD)
    auth = make()
    result = await auth.authenticate("alice", PASSWORD, remember_device=True)
    assert result.new_device is not None
    service.requests.clear()
    again = await auth.authenticate("alice", PASSWORD, remember_device=True)
    assert "DEVICE_KEY" not in service.calls("InitiateAuth")[0]["AuthParameters"]
    assert again.new_device is not None
    assert again.new_device.device_key != result.new_device.device_key


async def test_a_sign_in_that_keeps_no_device_confirms_none(
    service: FakeCognito, make: Make
) -> None:
    """No device=, no remember_device= and no store: the new device is left unconfirmed, not orphaned."""
    service.add_user("alice", PASSWORD)
    result = await make().authenticate("alice", PASSWORD)
    assert result.new_device_metadata is not None
    assert (result.new_device, result.device_status) == (None, None)
    assert service.calls("ConfirmDevice") == []


async def test_the_person_decides_where_the_pool_asks(service: FakeCognito, make: Make) -> None:
    """Opt-in pool and remember_device=False: confirmed, not remembered; remember_device() later does it."""
    service.remember_devices = "opt-in"
    service.add_user("alice", PASSWORD)
    auth = make()
    result = await auth.authenticate("alice", PASSWORD, remember_device=False)
    assert result.device_status is DeviceStatus.NOT_REMEMBERED
    device = result.new_device
    assert device is not None
    assert not service.devices[device.device_key].remembered
    assert service.calls("UpdateDeviceStatus") == []

    await auth.remember_device(result.access_token, device)
    assert service.devices[device.device_key].remembered
    assert service.calls("UpdateDeviceStatus")[-1]["DeviceRememberedStatus"] == "remembered"

    await auth.forget_device(result.access_token, device)
    assert device.device_key not in service.devices


async def test_a_forgotten_browser_device_is_dropped(service: FakeCognito, make: Make) -> None:
    """A browser device the service forgot: the sign-in starts again without it and confirms a new one."""
    service.add_user("alice", PASSWORD)
    auth = make()
    old = (await auth.authenticate("alice", PASSWORD, remember_device=True)).new_device
    assert old is not None
    await auth.forget_device(
        (await auth.authenticate("alice", PASSWORD, device=old)).access_token, old
    )
    result = await auth.authenticate("alice", PASSWORD, device=old)
    assert result.new_device is not None
    assert result.new_device.device_key != old.device_key


@pytest.mark.parametrize("admin", [False, True], ids=["public", "admin"])
async def test_a_device_kept_under_the_canonical_name_is_found_after_an_alias(
    service: FakeCognito, make: Make, admin: bool
) -> None:
    """With a device store, PASSWORD_VERIFIER's USER_ID_FOR_SRP finds the device; its answer carries DEVICE_KEY."""
    service.add_user("0b9e-uuid", PASSWORD, aliases=("alice@example.com",))
    store = InMemoryDeviceStore()
    auth = make(admin=admin, device_store=store)
    first = await auth.authenticate("alice@example.com", PASSWORD, flow="USER_SRP_AUTH")
    assert first.new_device is not None
    assert await store.get(POOL_ID, "0b9e-uuid") == first.new_device
    assert await store.get(POOL_ID, "alice@example.com") is None

    service.requests.clear()
    second = await auth.authenticate("alice@example.com", PASSWORD, flow="USER_SRP_AUTH")
    assert second.new_device_metadata is None
    respond = "AdminRespondToAuthChallenge" if admin else "RespondToAuthChallenge"
    answers = service.calls(respond)
    assert [a["ChallengeName"] for a in answers] == [
        "PASSWORD_VERIFIER",
        "DEVICE_SRP_AUTH",
        "DEVICE_PASSWORD_VERIFIER",
    ]
    assert answers[0]["ChallengeResponses"]["DEVICE_KEY"] == first.new_device.device_key


async def test_resume_takes_the_browser_device(service: FakeCognito, make: Make) -> None:
    """A challenge of a sign-in with a browser device is resumed with that device= again."""
    service.device_after = "mfa"
    service.add_user("alice", PASSWORD, totp_secret=TOTP_SEED)
    first = await sign_in_with_mfa(make, device=None)
    assert isinstance(first, AuthenticationResult)
    device = first.new_device
    assert device is not None
    auth = make()
    step = await auth.start("alice", PASSWORD, device=device)
    assert isinstance(step, Challenge)
    assert step.device_key == device.device_key
    result = await auth.resume(
        step, {"SOFTWARE_TOKEN_MFA_CODE": totp_code(TOTP_SEED)}, device=device
    )
    assert isinstance(result, AuthenticationResult)
    assert (
        service.calls("RespondToAuthChallenge")[-1]["ChallengeName"] == "DEVICE_PASSWORD_VERIFIER"
    )


async def test_refresh_sends_the_browser_device(service: FakeCognito, make: Make) -> None:
    """refresh(device=) sends that device's key."""
    service.add_user("alice", PASSWORD)
    auth = make()
    first = await auth.authenticate("alice", PASSWORD, remember_device=True)
    assert first.refresh_token is not None
    assert first.new_device is not None
    await auth.refresh(first.refresh_token, device=first.new_device)
    assert (
        service.calls("GetTokensFromRefreshToken")[-1]["DeviceKey"] == first.new_device.device_key
    )
