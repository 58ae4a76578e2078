"""Remembered devices: RememberedDevice, the DeviceStore protocol, InMemoryDeviceStore."""

from __future__ import annotations

import asyncio
import base64

import attrs
import pytest

from cognito_flow import (
    DeviceStatus,
    DeviceStore,
    InMemoryDeviceStore,
    NewDeviceMetadata,
    RememberedDevice,
)
from cognito_flow._devices import DeviceOutcome, NewDeviceSteps
from cognito_flow._events import Call, Compute

POOL = "eu-west-1_AbC123"
OTHER_POOL = "eu-west-1_XyZ789"
DEVICE_PASSWORD = "device-password-0123456789abcdef"


def device(key: str = "eu-west-1_device-1") -> RememberedDevice:
    return RememberedDevice(
        device_key=key, device_group_key="-group-key", device_password=DEVICE_PASSWORD
    )


async def test_get_of_an_unknown_user_is_none() -> None:
    """get() returns None when nothing is remembered for the user."""
    store = InMemoryDeviceStore()
    assert await store.get(POOL, "alice") is None


async def test_put_then_get() -> None:
    """put() remembers a device that get() returns."""
    store = InMemoryDeviceStore()
    remembered = device()
    await store.put(POOL, "alice", remembered)
    assert await store.get(POOL, "alice") == remembered
    assert len(store) == 1


async def test_put_replaces() -> None:
    """A second put() for the same user replaces the first device."""
    store = InMemoryDeviceStore()
    await store.put(POOL, "alice", device("first"))
    await store.put(POOL, "alice", device("second"))
    found = await store.get(POOL, "alice")
    assert found is not None
    assert found.device_key == "second"
    assert len(store) == 1


async def test_delete() -> None:
    """delete() forgets the user's device."""
    store = InMemoryDeviceStore()
    await store.put(POOL, "alice", device())
    await store.delete(POOL, "alice")
    assert await store.get(POOL, "alice") is None
    assert len(store) == 0


async def test_delete_of_a_missing_device_is_fine() -> None:
    """Deleting a device that was never stored (or already deleted) is not an error."""
    store = InMemoryDeviceStore()
    await store.delete(POOL, "nobody")
    await store.put(POOL, "alice", device())
    await store.delete(POOL, "alice")
    await store.delete(POOL, "alice")
    assert len(store) == 0


async def test_keyed_by_pool_and_username() -> None:
    """Devices are kept per (user pool, user name): neither alone is a key."""
    store = InMemoryDeviceStore()
    await store.put(POOL, "alice", device("alice-in-pool"))
    await store.put(OTHER_POOL, "alice", device("alice-in-other-pool"))
    await store.put(POOL, "bob", device("bob-in-pool"))

    keys = {}
    for pool in (POOL, OTHER_POOL):
        for user in ("alice", "bob"):
            found = await store.get(pool, user)
            keys[pool, user] = found.device_key if found else None
    assert keys == {
        (POOL, "alice"): "alice-in-pool",
        (OTHER_POOL, "alice"): "alice-in-other-pool",
        (POOL, "bob"): "bob-in-pool",
        (OTHER_POOL, "bob"): None,
    }

    await store.delete(POOL, "alice")
    assert await store.get(POOL, "alice") is None
    assert await store.get(OTHER_POOL, "alice") is not None
    assert await store.get(POOL, "bob") is not None


async def test_usernames_are_case_sensitive_keys() -> None:
    """The store does no case folding: it is given the canonical user name."""
    store = InMemoryDeviceStore()
    await store.put(POOL, "alice", device())
    assert await store.get(POOL, "Alice") is None


def test_in_memory_store_satisfies_the_protocol() -> None:
    """InMemoryDeviceStore is a DeviceStore (runtime_checkable isinstance)."""
    assert isinstance(InMemoryDeviceStore(), DeviceStore)


def test_custom_store_satisfies_the_protocol() -> None:
    """Any class with async get/put/delete is a DeviceStore; others are not."""

    class DatabaseStore:
        async def get(self, user_pool_id: str, username: str) -> RememberedDevice | None:
            return None

        async def put(self, user_pool_id: str, username: str, device: RememberedDevice) -> None:
            pass

        async def delete(self, user_pool_id: str, username: str) -> None:
            pass

    class GetOnly:
        async def get(self, user_pool_id: str, username: str) -> RememberedDevice | None:
            return None

    assert isinstance(DatabaseStore(), DeviceStore)
    assert not isinstance(GetOnly(), DeviceStore)
    assert not isinstance({}, DeviceStore)


def test_store_repr_counts_and_hides_devices() -> None:
    """InMemoryDeviceStore's repr gives a count, not device keys or passwords."""
    store = InMemoryDeviceStore()
    asyncio.run(store.put(POOL, "alice", device()))
    text = repr(store)
    assert text == "<InMemoryDeviceStore: 1 device>"
    assert DEVICE_PASSWORD not in text
    assert "alice" not in text


def test_remembered_device_repr_hides_the_password() -> None:
    """RememberedDevice's repr shows the keys but never the device password."""
    text = repr(device())
    assert "eu-west-1_device-1" in text
    assert "-group-key" in text
    assert DEVICE_PASSWORD not in text
    assert "device_password" not in text


def test_remembered_device_is_frozen() -> None:
    """RememberedDevice is an immutable value; equal fields mean equal devices."""
    remembered = device()
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        remembered.device_password = "other"  # type: ignore[misc]
    assert remembered == device()
    assert remembered != device("other-key")


# -- the new-device steps (sans-IO) ------------------------------------------

ACCESS = "h." + base64.urlsafe_b64encode(b'{"username": "u-1"}').decode().rstrip("=") + ".s"
METADATA = NewDeviceMetadata("us-east-1_dev", "-group")


def run_to_confirm(remember: bool = True, token: str = ACCESS) -> tuple[NewDeviceSteps, Call]:
    """Drive the steps up to ConfirmDevice, computing the verifier inline."""
    steps = NewDeviceSteps(
        access_token=token, metadata=METADATA, device_name="laptop", remember=remember
    )
    compute = steps.start()
    assert isinstance(compute, Compute)
    assert compute.purpose == "device-verifier"
    call = steps.computed(compute.fn(None))
    return steps, call


def test_confirm_device_request_carries_the_verifier() -> None:
    """ConfirmDevice sends the token, the device key, the verifier and the device name."""
    _, call = run_to_confirm()
    assert call.operation == "confirm_device"
    assert call.params["AccessToken"] == ACCESS
    assert call.params["DeviceKey"] == "us-east-1_dev"
    assert call.params["DeviceName"] == "laptop"
    assert set(call.params["DeviceSecretVerifierConfig"]) == {"PasswordVerifier", "Salt"}
    assert ACCESS in call.secrets


def test_a_pool_that_always_remembers_needs_no_status_update() -> None:
    """UserConfirmationNecessary false: remembered at once, kept under the token's username."""
    steps, _ = run_to_confirm()
    outcome = steps.receive({"UserConfirmationNecessary": False})
    assert isinstance(outcome, DeviceOutcome)
    assert outcome.status is DeviceStatus.REMEMBERED
    assert outcome.username == "u-1"
    assert outcome.device is not None
    assert outcome.device.device_key == "us-east-1_dev"
    assert outcome.device.device_group_key == "-group"


def test_opt_in_pool_remembers_with_update_device_status() -> None:
    """UserConfirmationNecessary true and remember chosen: UpdateDeviceStatus, then remembered."""
    steps, _ = run_to_confirm(remember=True)
    update = steps.receive({"UserConfirmationNecessary": True})
    assert isinstance(update, Call)
    assert update.operation == "update_device_status"
    assert update.params == {
        "AccessToken": ACCESS,
        "DeviceKey": "us-east-1_dev",
        "DeviceRememberedStatus": "remembered",
    }
    outcome = steps.receive({})
    assert isinstance(outcome, DeviceOutcome)
    assert outcome.status is DeviceStatus.REMEMBERED


def test_opt_in_pool_without_a_choice_leaves_it_to_the_person() -> None:
    """UserConfirmationNecessary true and remember not chosen: confirmed, not remembered, no call."""
    steps, _ = run_to_confirm(remember=False)
    outcome = steps.receive({"UserConfirmationNecessary": True})
    assert isinstance(outcome, DeviceOutcome)
    assert outcome.status is DeviceStatus.NOT_REMEMBERED
    assert outcome.device is not None


def test_a_failed_step_keeps_no_device() -> None:
    """A failure ends in FAILED with no device and a reason."""
    steps, _ = run_to_confirm()
    outcome = steps.failed("ConfirmDevice failed with NotAuthorizedException")
    assert (outcome.status, outcome.device) == (DeviceStatus.FAILED, None)
    assert "NotAuthorizedException" in outcome.reason


def test_malformed_confirmation_flag_is_a_failure() -> None:
    """A UserConfirmationNecessary that is not a boolean fails the steps, not the sign-in."""
    steps, _ = run_to_confirm()
    outcome = steps.receive({"UserConfirmationNecessary": "yes"})
    assert isinstance(outcome, DeviceOutcome)
    assert outcome.status is DeviceStatus.FAILED


def test_token_without_username_falls_back() -> None:
    """An access token that names no user keeps the device under the fallback name."""
    steps = NewDeviceSteps(
        access_token="not-a-jwt",
        metadata=METADATA,
        device_name="d",
        remember=True,
        fallback_username="alice",
    )
    steps.computed(steps.start().fn(None))
    outcome = steps.receive({})
    assert isinstance(outcome, DeviceOutcome)
    assert outcome.username == "alice"


def test_steps_out_of_order_are_a_programming_error() -> None:
    """Feeding a response before the verifier is a RuntimeError."""
    steps = NewDeviceSteps(access_token=ACCESS, metadata=METADATA, device_name="d", remember=True)
    with pytest.raises(RuntimeError, match="awaits start"):
        steps.receive({})
