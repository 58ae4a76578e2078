"""Web backends: sealed challenges and device cookies, and QR codes for MFA setup.

Needs the ``web`` extra: ``pip install "cognito-flow[web]"`` (cryptography and
segno).

A web sign-in spans several requests, workers and browsers, and the library
keeps no per-user state on the server for it. A pending ``Challenge`` (it holds
the single-use Session) and a ``RememberedDevice`` (it holds the device
password) go to the browser instead, sealed: encrypted and authenticated with
AES-256-GCM (from the cryptography package), so the browser can neither read
nor change them::

    sealer = Sealer(keys=[current_key, previous_key])  # the first seals, all open
    token = sealer.seal_challenge(challenge)           # a hidden form field or a cookie
    challenge = sealer.open_challenge(token)           # InvalidTokenError / ExpiredTokenError
    cookie = sealer.seal_device(result.new_device)     # a long-lived cookie
    device = sealer.open_device(cookie)
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import datetime as dt
import io
import json
import os
import re
import secrets
import struct
import time
from collections.abc import Callable, Iterable
from typing import Any

import attrs

try:
    import segno
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM
except ImportError as exc:  # pragma: no cover - only without the extra
    raise ImportError(
        'cognito_flow.web needs the "web" extra: pip install "cognito-flow[web]"'
    ) from exc

from ._devices import RememberedDevice
from ._models import Challenge
from .exceptions import (
    ConfigurationError,
    ExpiredTokenError,
    InvalidChallengeError,
    InvalidTokenError,
)

__all__ = ["Sealer", "qr_code_svg"]

#: Cognito's default AuthSessionValidity for an app client: 3 minutes.
_CHALLENGE_MAX_AGE = 180
#: The longest AuthSessionValidity an app client can be given: 15 minutes. A
#: challenge older than that holds a Session the service no longer accepts.
_CHALLENGE_MAX_AGE_LIMIT = 900
#: How long a device cookie opens by default: a year.
_DEVICE_MAX_AGE = 365 * 24 * 60 * 60

#: A sealed token is URL-safe base64, without "=" padding, of
#: ``version (1 byte) | sealed at (8 bytes, big-endian seconds) | nonce (12) |
#: AES-256-GCM ciphertext and tag (16)``; the first 9 bytes are the associated
#: data, so the time cannot be changed either. A future layout gets a new
#: version byte.
_VERSION = b"\x01"
_HEADER = struct.Struct(">cQ")
_NONCE_SIZE = 12
_TAG_SIZE = 16
_SHORTEST = _HEADER.size + _NONCE_SIZE + _TAG_SIZE
#: Clocks of two servers may differ this much: a token sealed up to a minute
#: "in the future" still opens.
_CLOCK_SKEW = 60

_CHALLENGE = "challenge"
_DEVICE = "device"
_WHAT = {_CHALLENGE: "sealed challenge", _DEVICE: "device cookie"}

#: Far above any challenge or device, far below what it costs to check.
_MAX_TOKEN_LENGTH = 64 * 1024
_TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]+")
#: A key: 32 bytes in URL-safe base64 with its padding, as generate_key() makes.
_KEY_SHAPE = re.compile(r"[A-Za-z0-9_-]{43}=")

_DEVICE_FIELDS = ("device_key", "device_group_key", "device_password")


def _ciphers(keys: Iterable[str | bytes]) -> tuple[AESGCM, ...]:
    """Check each key; no message ever quotes one."""
    if isinstance(keys, (str, bytes)) or not isinstance(keys, Iterable):
        raise ConfigurationError(
            "keys must be a list of keys, the current one first (Sealer.generate_key() makes one)"
        )
    ciphers: list[AESGCM] = []
    for index, key in enumerate(keys):
        text = key.decode("ascii", "replace") if isinstance(key, bytes) else key
        if not isinstance(text, str) or not _KEY_SHAPE.fullmatch(text):
            raise ConfigurationError(
                f"keys[{index}] is not a Sealer key: it must be 32 url-safe base64-encoded "
                "bytes, as Sealer.generate_key() makes"
            )
        ciphers.append(AESGCM(base64.urlsafe_b64decode(text)))
    if not ciphers:
        raise ConfigurationError("keys is empty: give at least one key (Sealer.generate_key())")
    return tuple(ciphers)


def _seconds(value: int | dt.timedelta, name: str) -> int:
    if isinstance(value, dt.timedelta):
        seconds = value.total_seconds()
        if seconds != int(seconds):
            raise ConfigurationError(f"{name} must be a whole number of seconds")
        value = int(seconds)
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ConfigurationError(f"{name} must be a positive number of seconds")
    return value


def _challenge_max_age(value: int | dt.timedelta) -> int:
    seconds = _seconds(value, "challenge_max_age")
    if seconds > _CHALLENGE_MAX_AGE_LIMIT:
        raise ConfigurationError(
            f"challenge_max_age is {seconds} s, but no Cognito Session lives longer than "
            f"{_CHALLENGE_MAX_AGE_LIMIT} s (15 minutes)"
        )
    return seconds


def _device_max_age(value: int | dt.timedelta) -> int:
    return _seconds(value, "device_max_age")


def _optional_id(instance: object, attribute: attrs.Attribute[str | None], value: object) -> None:
    if value is not None and (not isinstance(value, str) or not value):
        raise ConfigurationError(f"{attribute.name} must be a non-empty string or None")


def _callable(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not callable(value):
        raise ConfigurationError(f"{attribute.name} must be callable, e.g. time.time")


def _device_from(data: object) -> RememberedDevice | None:
    if (
        not isinstance(data, dict)
        or set(data) != set(_DEVICE_FIELDS)
        or not all(isinstance(data[name], str) and data[name] for name in _DEVICE_FIELDS)
    ):
        return None
    return RememberedDevice(
        device_key=data["device_key"],
        device_group_key=data["device_group_key"],
        device_password=data["device_password"],
    )


@attrs.frozen(repr=False, eq=False)
class Sealer:
    """Seals challenges and devices for the browser, and opens them again.

    ``keys`` are 256-bit AES keys (``Sealer.generate_key()``), current one
    first: the first seals, every one opens, so a key can be rotated without
    signing anybody out. Keep an old key for as long as something sealed with
    it may come back: ``challenge_max_age`` for challenges, ``device_max_age``
    for device cookies (or re-seal a device cookie at each sign-in, which also
    renews its age). Each seal draws a random 96-bit nonce, so one key may
    seal up to 2**32 tokens (NIST SP 800-38D), billions of sign-ins: rotate it
    long before.

    Args:
        keys: the keys, current first; str or bytes.
        user_pool_id, client_id: when given, sealed into every token and
            required of every token opened, so that a token made for one pool
            or app client does not open for another.
        challenge_max_age: seconds (or a ``timedelta``) a sealed challenge
            opens for; default 180, Cognito's default session validity, at
            most 900, the longest validity an app client can have.
        device_max_age: seconds (or a ``timedelta``) a device cookie opens
            for; default 365 days.
        clock: the time in seconds since the epoch, ``time.time`` unless a
            test says otherwise.

    Opening raises ``InvalidTokenError`` with ``.check`` naming the failed
    check: ``"format"`` (not a sealed token, or not one this library made),
    ``"signature"`` (altered, truncated, or sealed with another key),
    ``"token_use"`` (a device cookie given as a challenge, or the reverse),
    ``"audience"`` (another user pool or app client), ``"timestamp"`` (sealed
    more than a minute in the future: clocks out of step); and
    ``ExpiredTokenError`` (``.check == "expiry"``) for a token that passed
    every check but is older than its max age. No message contains the
    token; ``repr`` shows no key.

    A sealed challenge opens as often as it is presented until it expires;
    what stops a replay is Cognito: an answered Session is spent (a second
    answer gets ``SessionExpiredError``) and it allows a few wrong codes
    only. Prefer an ``HttpOnly``, ``Secure``,
    ``SameSite`` cookie to a form field, so that page scripts cannot read it.
    """

    _ciphers: tuple[AESGCM, ...] = attrs.field(alias="keys", converter=_ciphers)
    user_pool_id: str | None = attrs.field(default=None, kw_only=True, validator=_optional_id)
    client_id: str | None = attrs.field(default=None, kw_only=True, validator=_optional_id)
    challenge_max_age: int = attrs.field(
        default=_CHALLENGE_MAX_AGE, kw_only=True, converter=_challenge_max_age
    )
    device_max_age: int = attrs.field(
        default=_DEVICE_MAX_AGE, kw_only=True, converter=_device_max_age
    )
    clock: Callable[[], float] = attrs.field(default=time.time, kw_only=True, validator=_callable)

    def __repr__(self) -> str:
        count = len(self._ciphers)
        return (
            f"Sealer(keys=<{count} key{'s' if count != 1 else ''}>, "
            f"user_pool_id={self.user_pool_id!r}, client_id={self.client_id!r}, "
            f"challenge_max_age={self.challenge_max_age}, device_max_age={self.device_max_age})"
        )

    @staticmethod
    def generate_key() -> str:
        """A new random key, as a string to keep in a secret store or environment variable."""
        return base64.urlsafe_b64encode(secrets.token_bytes(32)).decode("ascii")

    def seal_challenge(self, challenge: Challenge) -> str:
        """Seal a pending challenge: a URL-safe string for a hidden form field or a cookie.

        It carries the Session, encrypted; a usual challenge seals to 1 to 3 KB.
        """
        if not isinstance(challenge, Challenge):
            raise ConfigurationError(
                f"seal_challenge() needs a Challenge, not {type(challenge).__name__}"
            )
        data = challenge.to_dict()
        # Fail here, not in the next request, on what from_dict() would refuse.
        Challenge.from_dict(data)
        return self._seal(_CHALLENGE, data)

    def open_challenge(self, token: str) -> Challenge:
        """The challenge ``seal_challenge()`` sealed; see the class for what it raises."""
        data = self._open(token, _CHALLENGE, self.challenge_max_age)
        try:
            challenge: Challenge | None = Challenge.from_dict(data)
        except InvalidChallengeError:
            challenge = None
        if challenge is None:
            raise InvalidTokenError(
                "the sealed challenge does not hold a challenge this version can read",
                check="format",
            )
        return challenge

    def seal_device(self, device: RememberedDevice) -> str:
        """Seal a remembered device (``result.new_device``) for a long-lived cookie.

        One device per browser: never give one browser's cookie to another.
        """
        if not isinstance(device, RememberedDevice):
            hint = " (no device was confirmed in this sign-in)" if device is None else ""
            raise ConfigurationError(
                f"seal_device() needs a RememberedDevice, not {type(device).__name__}{hint}"
            )
        # An explicit mapping, not attrs.asdict(): a field added to
        # RememberedDevice must not change what is in old cookies unnoticed.
        data = {name: getattr(device, name) for name in _DEVICE_FIELDS}
        return self._seal(_DEVICE, data)

    def open_device(self, cookie: str) -> RememberedDevice:
        """The device ``seal_device()`` sealed; see the class for what it raises."""
        device = _device_from(self._open(cookie, _DEVICE, self.device_max_age))
        if device is None:
            raise InvalidTokenError(
                "the device cookie does not hold a device this version can read", check="format"
            )
        return device

    def _seal(self, kind: str, data: dict[str, Any]) -> str:
        payload: dict[str, Any] = {"kind": kind}
        if self.user_pool_id is not None:
            payload["pool"] = self.user_pool_id
        if self.client_id is not None:
            payload["client"] = self.client_id
        payload["data"] = data
        plaintext = json.dumps(payload, separators=(",", ":")).encode("utf-8")
        header = _HEADER.pack(_VERSION, max(int(self.clock()), 0))
        nonce = os.urandom(_NONCE_SIZE)
        sealed = header + nonce + self._ciphers[0].encrypt(nonce, plaintext, header)
        # Without its "=" padding the token is [A-Za-z0-9_-] only: nothing to
        # escape in a URL, a cookie or an HTML attribute.
        token = base64.urlsafe_b64encode(sealed).rstrip(b"=").decode("ascii")
        if len(token) > _MAX_TOKEN_LENGTH:
            raise ConfigurationError(
                f"the sealed {kind} would be {len(token)} characters, more than "
                f"{_MAX_TOKEN_LENGTH}; it could not be opened again"
            )
        return token

    def _open(self, token: object, kind: str, max_age: int) -> Any:
        """Check a token in order (shape, key, payload, kind, audience, age); its data."""
        what = _WHAT[kind]
        if (
            not isinstance(token, str)
            or len(token) > _MAX_TOKEN_LENGTH
            or not _TOKEN_SHAPE.fullmatch(token)
        ):
            raise InvalidTokenError(f"the {what} is not a sealed token", check="format")
        # No "except" block raises: no exception chain ever carries the token
        # or its plaintext.
        plaintext: bytes | None = None
        raw = b""
        with contextlib.suppress(binascii.Error):  # a length no base64 has
            raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        if len(raw) >= _SHORTEST and raw[:1] == _VERSION:
            header = raw[: _HEADER.size]
            nonce = raw[_HEADER.size : _SHORTEST - _TAG_SIZE]
            sealed = raw[_SHORTEST - _TAG_SIZE :]
            for cipher in self._ciphers:
                with contextlib.suppress(InvalidTag):
                    plaintext = cipher.decrypt(nonce, sealed, header)
                    break
        if plaintext is None:
            # A token of another layout cannot be authenticated either.
            raise InvalidTokenError(
                f"the {what} is not authentic: it was altered or truncated, or sealed "
                "with a key this Sealer does not hold",
                check="signature",
            )
        try:
            payload = json.loads(plaintext)
        except ValueError:
            payload = None
        if (
            not isinstance(payload, dict)
            or "data" not in payload
            or payload.get("kind") not in _WHAT
        ):
            raise InvalidTokenError(
                f"the {what} was sealed with this key, but not by this version of cognito_flow",
                check="format",
            )
        if payload["kind"] != kind:
            raise InvalidTokenError(
                f"this is a {_WHAT[payload['kind']]}, not a {what}", check="token_use"
            )
        for label, mine, key in (
            ("user pool", self.user_pool_id, "pool"),
            ("app client", self.client_id, "client"),
        ):
            if mine is not None and payload.get(key) != mine:
                raise InvalidTokenError(
                    f"the {what} was sealed for another {label}", check="audience"
                )
        issued = _HEADER.unpack_from(raw)[1]
        now = int(self.clock())
        if issued > now + _CLOCK_SKEW:
            raise InvalidTokenError(
                f"the {what} was sealed {issued - now} s in the future: "
                "are the servers' clocks in step?",
                check="timestamp",
            )
        if now - issued > max_age:
            advice = "start the sign-in again" if kind == _CHALLENGE else "sign in without it"
            raise ExpiredTokenError(
                f"the {what} is {now - issued} s old, more than its max age of "
                f"{max_age} s: {advice}"
            )
        return payload["data"]


def qr_code_svg(uri: str, *, scale: int = 4, title: str | None = None) -> str:
    """An SVG image of an ``otpauth://`` URI as a QR code, for a web page.

    ``uri`` is ``challenge.otpauth_uri`` of a pending MFA_SETUP challenge; the
    image holds the authenticator secret, so serve it only to the person who
    is signing in, with ``Cache-Control: no-store``. The SVG has its namespace
    and no XML declaration: put it inline in HTML or serve it as
    ``image/svg+xml``. ``scale`` is the size of one module in pixels; the quiet
    zone of four modules around the code is included. ``title`` becomes the
    SVG's ``<title>``, read out by screen readers.
    """
    if not isinstance(uri, str) or not uri[:10].lower() == "otpauth://":
        # Never quote it: it holds the secret.
        raise ConfigurationError(
            "qr_code_svg() needs the otpauth:// URI of a pending MFA_SETUP challenge "
            "(challenge.otpauth_uri)"
        )
    if isinstance(scale, bool) or not isinstance(scale, int) or not 1 <= scale <= 64:
        raise ConfigurationError("scale must be a whole number of pixels from 1 to 64")
    # micro=False: authenticator apps read full QR codes only.
    code = segno.make(uri, error="m", micro=False)
    out = io.BytesIO()
    code.save(out, kind="svg", scale=scale, xmldecl=False, nl=False, title=title)
    return out.getvalue().decode("utf-8")
