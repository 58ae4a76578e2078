"""Remembered devices: what is kept between sign-ins, where, and how a new one is confirmed."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol, runtime_checkable

import attrs

from . import srp
from ._errors import UnexpectedResponseError
from ._events import Call, Compute, YieldHook
from ._models import DeviceStatus, NewDeviceMetadata, RememberedDevice, token_username
from ._requests import confirm_device, device_status
from ._responses import confirmation_necessary

__all__ = [
    "DeviceOutcome",
    "DeviceStatus",
    "DeviceStore",
    "InMemoryDeviceStore",
    "NewDeviceSteps",
    "RememberedDevice",
]


@runtime_checkable
class DeviceStore(Protocol):
    """Where remembered devices live, keyed by user pool and canonical user name.

    Implement it over your database; ``InMemoryDeviceStore`` is the reference.
    """

    async def get(self, user_pool_id: str, username: str) -> RememberedDevice | None:
        """The device remembered for this user, or None."""

    async def put(self, user_pool_id: str, username: str, device: RememberedDevice) -> None:
        """Remember ``device`` for this user, replacing any earlier one."""

    async def delete(self, user_pool_id: str, username: str) -> None:
        """Forget this user's device; forgetting a missing one is not an error."""


@attrs.define(repr=False)
class InMemoryDeviceStore:
    """A DeviceStore in a dict: for tests, demos and single-process apps."""

    # No lock: each method is one dict operation with no await inside, so
    # concurrent sign-ins on one event loop cannot interleave within it.
    _devices: dict[tuple[str, str], RememberedDevice] = attrs.field(factory=dict, init=False)

    async def get(self, user_pool_id: str, username: str) -> RememberedDevice | None:
        """The device remembered for this user, or None."""
        return self._devices.get((user_pool_id, username))

    async def put(self, user_pool_id: str, username: str, device: RememberedDevice) -> None:
        """Remember ``device`` for this user, replacing any earlier one."""
        self._devices[(user_pool_id, username)] = device

    async def delete(self, user_pool_id: str, username: str) -> None:
        """Forget this user's device."""
        self._devices.pop((user_pool_id, username), None)

    def __len__(self) -> int:
        return len(self._devices)

    def __repr__(self) -> str:
        count = len(self._devices)
        return f"<InMemoryDeviceStore: {count} device{'' if count == 1 else 's'}>"


@attrs.frozen(kw_only=True)
class DeviceOutcome:
    """The end of the new-device steps: the device to keep (or None) and its status."""

    device: RememberedDevice | None = attrs.field(repr=False)
    status: DeviceStatus
    #: The canonical user name the device belongs to (the access token's).
    username: str | None = None
    #: Why it failed, safe to log: the operation and the error's class or code.
    reason: str = ""


@attrs.define
class NewDeviceSteps:
    """After the tokens: confirm the device the service created (sans-IO).

    The order is fixed by the service: make a verifier for the device (SRP
    maths, so a Compute), ConfirmDevice with it, then UpdateDeviceStatus to
    "remembered" only when the service leaves that to the user
    (``UserConfirmationNecessary``) and this sign-in chose to remember. These
    steps run after the tokens were issued, so a failure of any of them
    (a token without the ``aws.cognito.signin.user.admin`` scope,
    throttling, a network fault) ends in ``DeviceStatus.FAILED`` and never
    loses the sign-in::

        event = steps.start()
        Compute -> steps.computed(value)     Call -> steps.receive(response)
        a failed step -> steps.failed(reason)
        DeviceOutcome -> done
    """

    access_token: str = attrs.field(repr=False)
    metadata: NewDeviceMetadata
    device_name: str
    #: True: remember when the service asks the user to decide; False: do not.
    remember: bool
    #: The user name to keep the device under if the token does not name one.
    fallback_username: str | None = None

    _verifier: srp.DeviceVerifier | None = attrs.field(default=None, init=False, repr=False)
    _awaiting: str = attrs.field(default="start", init=False)

    def start(self) -> Compute:
        """The verifier for the new device, computed off the event loop."""
        self._expect("start", "verifier")
        metadata = self.metadata

        def new_verifier(yield_hook: YieldHook) -> srp.DeviceVerifier:
            return srp.device_verifier(
                device_group_key=metadata.device_group_key,
                device_key=metadata.device_key,
                yield_hook=yield_hook,
            )

        return Compute(new_verifier, "device-verifier")

    def computed(self, verifier: srp.DeviceVerifier) -> Call:
        """ConfirmDevice with the verifier just made."""
        self._expect("verifier", "confirm")
        self._verifier = verifier
        return confirm_device(
            self.access_token, self.metadata.device_key, verifier, self.device_name
        )

    def receive(self, response: Mapping[str, Any]) -> Call | DeviceOutcome:
        """The service's answer to the last Call."""
        if self._awaiting == "confirm":
            self._expect("confirm", "status")
            try:
                necessary = confirmation_necessary(response)
            except UnexpectedResponseError as exc:
                return self.failed(f"ConfirmDevice: {exc}")
            if not necessary:
                # The pool remembers every confirmed device by itself.
                return self._done(DeviceStatus.REMEMBERED)
            if not self.remember:
                return self._done(DeviceStatus.NOT_REMEMBERED)
            return device_status(self.access_token, self.metadata.device_key, remembered=True)
        self._expect("status", "done")
        return self._done(DeviceStatus.REMEMBERED)

    def failed(self, reason: str) -> DeviceOutcome:
        """A step failed: the sign-in goes on with no device. ``reason`` holds no secret."""
        self._awaiting = "done"
        return DeviceOutcome(device=None, status=DeviceStatus.FAILED, reason=reason)

    def _done(self, status: DeviceStatus) -> DeviceOutcome:
        verifier = self._verifier
        assert verifier is not None
        device = RememberedDevice(
            device_key=self.metadata.device_key,
            device_group_key=self.metadata.device_group_key,
            device_password=verifier.password,
        )
        username = token_username(self.access_token) or self.fallback_username
        return DeviceOutcome(device=device, status=status, username=username)

    def _expect(self, awaiting: str, then: str) -> None:
        if self._awaiting != awaiting:
            raise RuntimeError(f"NewDeviceSteps awaits {self._awaiting}, not {awaiting}")
        self._awaiting = then
