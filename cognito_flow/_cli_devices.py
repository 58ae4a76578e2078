"""``--device-file``: the command line process as a remembered device.

A remembered device belongs to one browser, or to one process: here the
process is the device. Its key, group key and device password live in a JSON
file that only its owner may read (mode 0600), keyed by user pool and
canonical user name, so one file serves several pools and users of one
machine. Whoever can read the file can sign in as that device: keep it as
you keep an SSH key, and never copy it to another machine.
"""

from __future__ import annotations

import contextlib
import json
import os
import stat
import tempfile
from pathlib import Path
from typing import Any

import attrs

from ._cli_base import EXIT_USAGE, CliError
from ._models import RememberedDevice

__all__ = ["FileDeviceStore"]

_FORMAT = 1
_FIELDS = ("device_key", "device_group_key", "device_password")


@attrs.define(repr=False)
class FileDeviceStore:
    """A ``DeviceStore`` in one JSON file, mode 0600, written atomically."""

    path: Path = attrs.field(converter=Path)

    def __repr__(self) -> str:
        return f"<FileDeviceStore {self.path}>"

    def check(self) -> None:
        """Refuse, before any sign-in, a file that cannot be read or replaced.

        A device is confirmed with the service before it is stored; a file
        found unusable only then would leave a device nobody keeps.
        """
        self._read()
        directory = self.path.parent
        if not os.access(directory, os.W_OK | os.X_OK):
            raise CliError(
                f"cannot write the device file {self.path}: "
                f"its folder {directory} is missing or read-only"
            )

    async def get(self, user_pool_id: str, username: str) -> RememberedDevice | None:
        """The device remembered for this user, or None."""
        entry = self._read().get(user_pool_id, {}).get(username)
        if entry is None:
            return None
        return RememberedDevice(**{name: entry[name] for name in _FIELDS})

    async def put(self, user_pool_id: str, username: str, device: RememberedDevice) -> None:
        """Remember ``device`` for this user, replacing any earlier one."""
        devices = self._read()
        devices.setdefault(user_pool_id, {})[username] = {
            name: getattr(device, name) for name in _FIELDS
        }
        self._write(devices)

    async def delete(self, user_pool_id: str, username: str) -> None:
        """Forget this user's device; forgetting a missing one is not an error."""
        devices = self._read()
        if devices.get(user_pool_id, {}).pop(username, None) is not None:
            if not devices[user_pool_id]:
                del devices[user_pool_id]
            self._write(devices)

    def _read(self) -> dict[str, dict[str, dict[str, str]]]:
        try:
            fd = os.open(self.path, os.O_RDONLY)
        except FileNotFoundError:
            return {}
        except OSError as exc:
            raise CliError(f"cannot read the device file {self.path}: {exc.strerror}") from None
        with os.fdopen(fd, "rb") as file:
            mode = os.fstat(file.fileno()).st_mode
            if os.name == "posix" and mode & (stat.S_IRWXG | stat.S_IRWXO):
                # ssh refuses a private key others can read, for the same reason.
                raise CliError(
                    f"the device file {self.path} is open to other users "
                    f"(mode {stat.S_IMODE(mode):04o}): chmod 600 it",
                    EXIT_USAGE,
                )
            raw = file.read()
        try:
            data: Any = json.loads(raw)
        except ValueError:
            data = None
        if not _valid(data):
            raise CliError(f"{self.path} is not a cognito-flow device file")
        devices: dict[str, dict[str, dict[str, str]]] = data["devices"]
        return devices

    def _write(self, devices: dict[str, dict[str, dict[str, str]]]) -> None:
        text = json.dumps({"format": _FORMAT, "devices": devices}, indent=2, sort_keys=True)
        directory = self.path.parent
        try:
            # mkstemp creates the file with mode 0600; os.replace keeps it,
            # and a crash mid-write leaves the old file whole.
            fd, temporary = tempfile.mkstemp(dir=directory, prefix=f".{self.path.name}.")
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as file:
                    file.write(text + "\n")
                    file.flush()
                    os.fsync(file.fileno())
                Path(temporary).replace(self.path)
            except BaseException:
                with contextlib.suppress(OSError):
                    Path(temporary).unlink()
                raise
        except OSError as exc:
            raise CliError(f"cannot write the device file {self.path}: {exc.strerror}") from None


def _valid(data: Any) -> bool:
    if not isinstance(data, dict) or data.get("format") != _FORMAT:
        return False
    devices = data.get("devices")
    return isinstance(devices, dict) and all(
        isinstance(users, dict)
        and all(
            isinstance(entry, dict)
            and all(isinstance(entry.get(name), str) and entry[name] for name in _FIELDS)
            for entry in users.values()
        )
        for users in devices.values()
    )
