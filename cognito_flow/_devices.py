"""Remembered devices: what is kept between sign-ins, and where."""

from __future__ import annotations

import asyncio
from typing import Protocol, runtime_checkable

import attrs

__all__ = ["DeviceStore", "InMemoryDeviceStore", "RememberedDevice"]


@attrs.frozen(kw_only=True)
class RememberedDevice:
    """A device confirmed with Cognito, and the password only this side knows.

    The device password is what device SRP proves knowledge of; keep it as you
    would keep a password.
    """

    device_key: str
    device_group_key: str
    device_password: str = attrs.field(repr=False)


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

    _devices: dict[tuple[str, str], RememberedDevice] = attrs.field(factory=dict, init=False)
    _lock: asyncio.Lock = attrs.field(factory=asyncio.Lock, init=False)

    async def get(self, user_pool_id: str, username: str) -> RememberedDevice | None:
        """The device remembered for this user, or None."""
        return self._devices.get((user_pool_id, username))

    async def put(self, user_pool_id: str, username: str, device: RememberedDevice) -> None:
        """Remember ``device`` for this user, replacing any earlier one."""
        async with self._lock:
            self._devices[(user_pool_id, username)] = device

    async def delete(self, user_pool_id: str, username: str) -> None:
        """Forget this user's device."""
        async with self._lock:
            self._devices.pop((user_pool_id, username), None)

    def __len__(self) -> int:
        return len(self._devices)

    def __repr__(self) -> str:
        return f"<InMemoryDeviceStore: {len(self._devices)} devices>"
