"""The names of the protocol: challenges, auth flows and device statuses, as StrEnums.

A leaf module: everything else may import it.
"""

from __future__ import annotations

import enum

__all__ = ["AuthFlow", "ChallengeName", "DeviceStatus"]


class ChallengeName(enum.StrEnum):
    """The challenges Cognito can send (``ChallengeNameType`` of the service model).

    Every API of this library also accepts a plain string, so a challenge that
    this enum does not know yet still flows through.
    """

    NEW_PASSWORD_REQUIRED = "NEW_PASSWORD_REQUIRED"
    SMS_MFA = "SMS_MFA"
    SOFTWARE_TOKEN_MFA = "SOFTWARE_TOKEN_MFA"
    EMAIL_OTP = "EMAIL_OTP"
    SELECT_MFA_TYPE = "SELECT_MFA_TYPE"
    MFA_SETUP = "MFA_SETUP"
    PASSWORD_VERIFIER = "PASSWORD_VERIFIER"
    CUSTOM_CHALLENGE = "CUSTOM_CHALLENGE"
    DEVICE_SRP_AUTH = "DEVICE_SRP_AUTH"
    DEVICE_PASSWORD_VERIFIER = "DEVICE_PASSWORD_VERIFIER"
    ADMIN_NO_SRP_AUTH = "ADMIN_NO_SRP_AUTH"
    SELECT_CHALLENGE = "SELECT_CHALLENGE"
    SMS_OTP = "SMS_OTP"
    PASSWORD = "PASSWORD"
    PASSWORD_SRP = "PASSWORD_SRP"
    WEB_AUTHN = "WEB_AUTHN"


class AuthFlow(enum.StrEnum):
    """The ``AuthFlow`` values of InitiateAuth / AdminInitiateAuth."""

    USER_SRP_AUTH = "USER_SRP_AUTH"
    REFRESH_TOKEN_AUTH = "REFRESH_TOKEN_AUTH"
    REFRESH_TOKEN = "REFRESH_TOKEN"
    CUSTOM_AUTH = "CUSTOM_AUTH"
    ADMIN_NO_SRP_AUTH = "ADMIN_NO_SRP_AUTH"
    USER_PASSWORD_AUTH = "USER_PASSWORD_AUTH"
    ADMIN_USER_PASSWORD_AUTH = "ADMIN_USER_PASSWORD_AUTH"
    USER_AUTH = "USER_AUTH"


class DeviceStatus(enum.StrEnum):
    """What became of the device the service created during a sign-in.

    ``AuthenticationResult.device_status`` holds it (None when the service
    created no device, or this sign-in did not track devices).
    """

    #: Confirmed and remembered: later sign-ins with it may skip MFA.
    REMEMBERED = "remembered"
    #: Confirmed, not remembered: the pool lets the person decide
    #: (``UserConfirmationNecessary``); ``remember_device()`` can do it later.
    NOT_REMEMBERED = "not_remembered"
    #: ConfirmDevice or UpdateDeviceStatus failed; the tokens are good, and
    #: no device was kept.
    FAILED = "failed"
