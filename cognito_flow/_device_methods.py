"""Remembered devices, as methods of ``CognitoAuthClient``.

The rules of the new-device steps (verifier, ConfirmDevice,
UpdateDeviceStatus, keep) are the sans-IO ``NewDeviceSteps`` in
``_devices.py``; this mixin only sends their calls, runs their maths and
keeps the outcome. Which sign-ins keep devices at all: those that pass
``device=`` or ``remember_device=`` (a browser's device, for a web backend)
and those of a client with a device store (the process is the device).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

import attrs

from ._context import RequestContext
from ._devices import DeviceOutcome, DeviceStore, NewDeviceSteps
from ._events import Call, Compute
from ._models import AuthenticationResult, RememberedDevice, token_username
from ._requests import device_status, forget_device
from ._transport import Transport
from .exceptions import CognitoFlowError, ConfigurationError

__all__ = ["DeviceMethods", "check_device"]

logger = logging.getLogger("cognito_flow")


def check_device(device: object, remember_device: object, context: object) -> None:
    if device is not None and not isinstance(device, RememberedDevice):
        raise ConfigurationError(
            f"device must be a RememberedDevice or None, not {type(device).__name__}"
        )
    if remember_device is not None and not isinstance(remember_device, bool):
        raise ConfigurationError("remember_device must be True, False or None")
    if context is not None and not isinstance(context, RequestContext):
        raise ConfigurationError(
            f"context must be a RequestContext or None, not {type(context).__name__}"
        )


class DeviceMethods:
    """Remembered devices, as methods of ``CognitoAuthClient``."""

    # Provided by CognitoAuthClient.
    user_pool_id: str
    device_store: DeviceStore | None
    device_name: str
    remember_devices: bool
    _transport: Transport
    _run: Callable[[Compute], Awaitable[Any]]

    async def remember_device(self, access_token: str, device: RememberedDevice) -> None:
        """Mark ``device`` remembered (UpdateDeviceStatus), e.g. once the person said yes.

        For a device whose sign-in ended with ``DeviceStatus.NOT_REMEMBERED``.
        """
        check_device(device, None, None)
        await self._transport.send(device_status(access_token, device.device_key, remembered=True))

    async def forget_device(self, access_token: str, device: RememberedDevice) -> None:
        """Forget ``device`` on the service side (ForgetDevice), and in the device store.

        The browser (or process) should drop its copy too.
        """
        check_device(device, None, None)
        await self._transport.send(forget_device(access_token, device.device_key))
        if self.device_store is not None:
            username = token_username(access_token)
            if username is not None:
                await self.device_store.delete(self.user_pool_id, username)

    # -- remembered devices -----------------------------------------------------

    async def _load_device(self, username: str | None) -> RememberedDevice | None:
        if self.device_store is None or not isinstance(username, str) or not username:
            return None
        return await self.device_store.get(self.user_pool_id, username)

    def _device_choice(
        self, *, device: RememberedDevice | None, remember_device: bool | None
    ) -> bool | None:
        """Whether to remember a new device; None: nobody keeps devices, so none is confirmed.

        A sign-in keeps devices when it passes ``device=`` or
        ``remember_device=`` (a web backend, for the browser) or the client
        has a device store (the process is the device). Otherwise a
        confirmed device would only pile up in the user's device list.
        """
        if device is None and remember_device is None and self.device_store is None:
            return None
        return self.remember_devices if remember_device is None else remember_device

    async def _forget_device(self, username: str) -> None:
        # The service forgot the device (deleted, or expired): forget it too.
        if self.device_store is not None:
            logger.info("remembered device is unknown to the service; dropping it")
            await self.device_store.delete(self.user_pool_id, username)

    async def _confirm_new_device(
        self, result: AuthenticationResult, username: str, *, remember: bool
    ) -> AuthenticationResult:
        # A device the service creates is confirmed, as Amplify does (the
        # pool has device tracking on). Whether it is also remembered is the
        # sign-in's choice where the pool leaves it to the user.
        if result.new_device_metadata is None:
            return result
        steps = NewDeviceSteps(
            access_token=result.access_token,
            metadata=result.new_device_metadata,
            device_name=self.device_name,
            remember=remember,
            fallback_username=username or None,
        )
        event: Call | Compute | DeviceOutcome = steps.start()
        while not isinstance(event, DeviceOutcome):
            step = event
            try:
                if isinstance(step, Compute):
                    event = steps.computed(await self._run(step))
                else:
                    event = steps.receive(await self._transport.send(step))
            except CognitoFlowError as exc:
                what = step.api_name if isinstance(step, Call) else step.purpose
                code = getattr(exc, "code", type(exc).__name__)
                event = steps.failed(f"{what} failed with {code}")
        outcome = event
        if outcome.device is None:
            # The tokens were issued before these steps: never lose them.
            logger.warning(
                "the new device was not remembered (%s); the sign-in goes on without it",
                outcome.reason,
            )
        elif self.device_store is not None and outcome.username is not None:
            await self.device_store.put(self.user_pool_id, outcome.username, outcome.device)
            logger.debug("confirmed and stored a new device (%s)", outcome.status.value)
        return attrs.evolve(result, new_device=outcome.device, device_status=outcome.status)
