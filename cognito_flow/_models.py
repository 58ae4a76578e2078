"""Value classes: what the service said, in a shape that is safe to log and to keep.

Every class here is frozen. Fields that hold secrets (Session, tokens, the TOTP
seed) are left out of ``repr`` so that a stray ``logger.debug("%r", challenge)``
cannot leak them.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import Any

import attrs

from ._answers import ANSWER_KEYS
from ._errors import InvalidChallengeError, UnexpectedResponseError
from ._names import AuthFlow, ChallengeName, DeviceStatus

__all__ = [
    "AuthFlow",
    "AuthenticationResult",
    "Challenge",
    "ChallengeName",
    "CodeDelivery",
    "DeviceStatus",
    "NewDeviceMetadata",
    "RememberedDevice",
    "SignUpResult",
    "token_username",
]


def _frozen_str_mapping(value: Mapping[str, Any] | None) -> Mapping[str, str]:
    """Copy ``value`` into a read-only mapping of strings.

    The service model says ChallengeParameters is a map of strings, but some
    peers (moto among them) send a JSON list for ``MFAS_CAN_SETUP``; such a value
    is re-encoded as the JSON string the real service sends.
    """
    if value is None:
        return MappingProxyType({})
    if not isinstance(value, Mapping):
        raise InvalidChallengeError(
            f"challenge parameters must be a mapping, not {type(value).__name__}"
        )
    out: dict[str, str] = {}
    for key, item in value.items():
        if not isinstance(key, str):
            raise InvalidChallengeError(
                f"challenge parameter names must be strings, not {type(key).__name__}"
            )
        if isinstance(item, str):
            out[key] = item
        elif isinstance(item, (list, tuple, dict, bool, int, float)):
            out[key] = json.dumps(item)
        else:
            raise InvalidChallengeError(
                f"challenge parameter {key!r} has an unsupported type {type(item).__name__}"
            )
    return MappingProxyType(out)


def _str_tuple(value: Iterable[Any] | None) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str) or not isinstance(value, Iterable):
        raise InvalidChallengeError("available_challenges must be a list of names")
    items = tuple(value)
    if not all(isinstance(item, str) for item in items):
        raise InvalidChallengeError("available_challenges must be a list of strings")
    return items


def _parameters_repr(parameters: Mapping[str, str]) -> str:
    # Values can be secret (a TOTP seed, a WebAuthn challenge); names are not.
    if not parameters:
        return "<no parameters>"
    return f"<{len(parameters)} parameters: {', '.join(sorted(parameters))}>"


def _json_list(raw: str | None) -> tuple[str, ...]:
    if not raw:
        return ()
    try:
        value = json.loads(raw)
    except ValueError:
        # Some peers send a bare comma-separated list; moto's serializer turns
        # its Python list into the string "['SOFTWARE_TOKEN_MFA']".
        parts = (part.strip().strip("'\"") for part in raw.strip().strip("[]").split(","))
        return tuple(part for part in parts if part)
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return tuple(value)
    if isinstance(value, str):
        return (value,)
    raise InvalidChallengeError("expected a JSON list of names in a challenge parameter")


@attrs.frozen(kw_only=True)
class Challenge:
    """A challenge the service is waiting for an answer to.

    It carries everything needed to answer it later, in another process even:
    ``to_dict()`` gives plain JSON-able data and ``Challenge.from_dict()`` reads
    it back, so a web backend can keep it between two requests. Keep that data
    server-side (it holds the Session); send only ``name`` and the parameters
    the UI needs to the browser.

    Attributes:
        name: the ChallengeName (a plain string when the enum does not know it).
        parameters: ChallengeParameters as sent by the service, read-only, plus
            ``SECRET_CODE`` and ``OTPAUTH_URI`` on an MFA_SETUP challenge whose
            authenticator secret the library has already fetched.
        session: the single-use Session value to answer with; never in repr.
        username: the canonical user name the next answer is sent for
            (USER_ID_FOR_SRP, or USERNAME, where the service gave one).
        available_challenges: AvailableChallenges (choice-based sign-in).
        device_key: the remembered device this sign-in runs with, if any.
    """

    name: str = attrs.field(converter=str)
    # A read-only mapping cannot be hashed; equality still compares it.
    parameters: Mapping[str, str] = attrs.field(
        factory=dict, converter=_frozen_str_mapping, repr=_parameters_repr, hash=False
    )
    session: str | None = attrs.field(default=None, repr=False)
    username: str
    available_challenges: tuple[str, ...] = attrs.field(default=(), converter=_str_tuple)
    device_key: str | None = None

    @property
    def answer_keys(self) -> tuple[frozenset[str], ...]:
        """The answer keys this challenge expects: alternatives, each a set of keys to send together.

        E.g. ``(frozenset({"SMS_MFA_CODE"}),)`` for SMS_MFA; MFA_SETUP has three
        (a code, EMAIL, or ANSWER choosing the factor). Empty for a challenge
        the library answers itself or does not know.
        """
        return ANSWER_KEYS.get(self.name, ())

    @property
    def delivery_medium(self) -> str | None:
        """CODE_DELIVERY_DELIVERY_MEDIUM (``SMS`` or ``EMAIL``), if the service said."""
        return self.parameters.get("CODE_DELIVERY_DELIVERY_MEDIUM")

    @property
    def destination(self) -> str | None:
        """CODE_DELIVERY_DESTINATION, the masked phone number or address."""
        return self.parameters.get("CODE_DELIVERY_DESTINATION")

    @property
    def mfas_can_choose(self) -> tuple[str, ...]:
        """MFAS_CAN_CHOOSE of SELECT_MFA_TYPE, parsed from its JSON list."""
        return _json_list(self.parameters.get("MFAS_CAN_CHOOSE"))

    @property
    def mfas_can_setup(self) -> tuple[str, ...]:
        """MFAS_CAN_SETUP of MFA_SETUP, parsed from its JSON list."""
        return _json_list(self.parameters.get("MFAS_CAN_SETUP"))

    @property
    def required_attributes(self) -> tuple[str, ...]:
        """requiredAttributes of NEW_PASSWORD_REQUIRED, without the ``userAttributes.`` prefix."""
        names = _json_list(self.parameters.get("requiredAttributes"))
        return tuple(name.removeprefix("userAttributes.") for name in names)

    @property
    def user_attributes(self) -> Mapping[str, Any]:
        """userAttributes of NEW_PASSWORD_REQUIRED, parsed from JSON."""
        raw = self.parameters.get("userAttributes")
        if not raw:
            return MappingProxyType({})
        try:
            value = json.loads(raw)
        except ValueError as exc:
            raise InvalidChallengeError("userAttributes is not valid JSON") from exc
        if not isinstance(value, dict):
            raise InvalidChallengeError("userAttributes is not a JSON object")
        return MappingProxyType(value)

    @property
    def credential_request_options(self) -> str | None:
        """CREDENTIAL_REQUEST_OPTIONS of WEB_AUTHN: JSON for ``navigator.credentials.get``."""
        return self.parameters.get("CREDENTIAL_REQUEST_OPTIONS")

    @property
    def secret_code(self) -> str | None:
        """The authenticator secret of a pending TOTP MFA_SETUP (a secret: do not log it)."""
        return self.parameters.get("SECRET_CODE")

    @property
    def otpauth_uri(self) -> str | None:
        """The ``otpauth://totp/...`` URI of a pending TOTP MFA_SETUP, for a QR code."""
        return self.parameters.get("OTPAUTH_URI")

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-able data that ``from_dict`` turns back into this challenge."""
        return {
            "name": self.name,
            "parameters": dict(self.parameters),
            "session": self.session,
            "username": self.username,
            "available_challenges": list(self.available_challenges),
            "device_key": self.device_key,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Challenge:
        """Rebuild a challenge from ``to_dict()`` output, checking every field."""
        if not isinstance(data, Mapping):
            raise InvalidChallengeError(
                f"Challenge.from_dict() needs a mapping, not {type(data).__name__}"
            )
        unknown = set(data) - {
            "name",
            "parameters",
            "session",
            "username",
            "available_challenges",
            "device_key",
        }
        if unknown:
            raise InvalidChallengeError(
                f"Challenge.from_dict() got unknown keys: {', '.join(sorted(unknown))}"
            )
        for key in ("name", "username"):
            if not isinstance(data.get(key), str) or not data[key]:
                raise InvalidChallengeError(
                    f"Challenge.from_dict() needs {key!r} as a non-empty string"
                )
        for key in ("session", "device_key"):
            if data.get(key) is not None and not isinstance(data[key], str):
                raise InvalidChallengeError(
                    f"Challenge.from_dict(): {key!r} must be a string or None"
                )
        return cls(
            name=data["name"],
            parameters=data.get("parameters"),
            session=data.get("session"),
            username=data["username"],
            available_challenges=data.get("available_challenges"),
            device_key=data.get("device_key"),
        )


@attrs.frozen(kw_only=True)
class RememberedDevice:
    """A device confirmed with Cognito, and the password only this side knows.

    The device password is what device SRP proves knowledge of; keep it as you
    would keep a password.
    """

    device_key: str
    device_group_key: str
    device_password: str = attrs.field(repr=False)


@attrs.frozen
class NewDeviceMetadata:
    """The device Cognito created during this sign-in (device tracking)."""

    device_key: str
    device_group_key: str


def _opt_str(value: Any, name: str) -> str | None:
    if value is None or isinstance(value, str):
        return value
    raise UnexpectedResponseError(f"AuthenticationResult.{name} is not a string")


@attrs.frozen(kw_only=True)
class AuthenticationResult:
    """The tokens that end a sign-in. No token ever appears in ``repr``.

    Attributes:
        access_token: the access token (always present).
        id_token: the ID token, when the service sent one.
        refresh_token: the refresh token to keep. After a sign-in, the one the
            service issued; after ``refresh()``, the rotated one when the app
            client rotates refresh tokens, otherwise the one passed in.
        expires_in: the access token's lifetime in seconds as the service sent
            it, or None when it sent none (never a guess).
        token_type: ``"Bearer"``.
        new_device_metadata: the device the service created in this sign-in
            (device tracking), or None.
        new_device: that device once confirmed, with the password only this
            side knows: keep it for this browser or process. None when the
            service created none, or confirming it failed.
        device_status: what became of that device (``DeviceStatus``), or None
            when the service created none or this sign-in did not track it.
    """

    access_token: str = attrs.field(repr=False)
    id_token: str | None = attrs.field(repr=False)
    refresh_token: str | None = attrs.field(default=None, repr=False)
    expires_in: int | None = None
    token_type: str = "Bearer"
    new_device_metadata: NewDeviceMetadata | None = None
    new_device: RememberedDevice | None = None
    device_status: DeviceStatus | None = None

    @property
    def username(self) -> str | None:
        """The canonical user name: the access token's ``username`` claim (read, not verified).

        In pools where people sign in with an email address, it is the
        user's id, not the address; it is the name SECRET_HASH and the
        device store use. Verify tokens you receive from elsewhere with
        ``cognito_flow.tokens.TokenVerifier``.
        """
        return token_username(self.access_token)

    @classmethod
    def from_response(cls, data: Mapping[str, Any]) -> AuthenticationResult:
        """Build from the service's ``AuthenticationResult`` member."""
        if not isinstance(data, Mapping):
            raise UnexpectedResponseError("AuthenticationResult is not an object")
        access = data.get("AccessToken")
        if not isinstance(access, str) or not access:
            raise UnexpectedResponseError("AuthenticationResult has no AccessToken")
        expires = data.get("ExpiresIn")
        if expires is not None and (isinstance(expires, bool) or not isinstance(expires, int)):
            raise UnexpectedResponseError("AuthenticationResult.ExpiresIn is not an integer")
        device: NewDeviceMetadata | None = None
        raw_device = data.get("NewDeviceMetadata")
        if raw_device is not None:
            if not isinstance(raw_device, Mapping):
                raise UnexpectedResponseError("NewDeviceMetadata is not an object")
            key = raw_device.get("DeviceKey")
            group = raw_device.get("DeviceGroupKey")
            if not isinstance(key, str) or not isinstance(group, str):
                raise UnexpectedResponseError(
                    "NewDeviceMetadata needs DeviceKey and DeviceGroupKey strings"
                )
            device = NewDeviceMetadata(key, group)
        return cls(
            access_token=access,
            id_token=_opt_str(data.get("IdToken"), "IdToken"),
            refresh_token=_opt_str(data.get("RefreshToken"), "RefreshToken"),
            expires_in=expires,
            token_type=_opt_str(data.get("TokenType"), "TokenType") or "Bearer",
            new_device_metadata=device,
        )


@attrs.frozen(kw_only=True)
class CodeDelivery:
    """Where the service sent a code (CodeDeliveryDetails): safe to show, it is masked."""

    #: The masked address or phone number, e.g. ``a***@e***``.
    destination: str | None = None
    #: ``EMAIL`` or ``SMS``.
    delivery_medium: str | None = None
    #: The attribute the code verifies, e.g. ``email``.
    attribute_name: str | None = None


@attrs.frozen(kw_only=True)
class SignUpResult:
    """What SignUp answered."""

    #: True when the user needs no confirmation code (a pre-sign-up trigger confirmed it).
    user_confirmed: bool
    #: The new user's ``sub``.
    user_sub: str
    #: Where the confirmation code went, if one was sent.
    code_delivery: CodeDelivery | None = None
    #: For ``confirm_sign_up(session=...)``, to sign in right after (USER_AUTH).
    session: str | None = attrs.field(default=None, repr=False)


def token_username(access_token: str) -> str | None:
    """The ``username`` claim of an access token, read without verifying it, or None.

    Only used to name the user a remembered device is kept under; the token
    came straight from the service over TLS.
    """
    try:
        payload = access_token.split(".")[1]
        payload += "=" * (-len(payload) % 4)
        claims = json.loads(base64.urlsafe_b64decode(payload))
    except (IndexError, ValueError):
        return None
    if not isinstance(claims, dict):
        return None
    username = claims.get("username") or claims.get("cognito:username")
    return username if isinstance(username, str) and username else None
