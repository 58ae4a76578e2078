"""Built-in challenge handlers: one line to plug a prompt into a challenge.

Each factory takes an async callback that asks whoever can answer (a person
through your UI, an authenticator, a test) and returns a handler for
``HandlerRegistry.register``::

    registry.register(ChallengeName.SOFTWARE_TOKEN_MFA, software_token_mfa(ask_code))

Handlers return only their own answers; the library adds USERNAME,
SECRET_HASH, DEVICE_KEY and the Session.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence

from cognito_flow._models import Challenge, ChallengeName
from cognito_flow._registry import Handler
from cognito_flow._responses import otpauth_uri
from cognito_flow.exceptions import ConfigurationError

__all__ = [
    "CodePrompt",
    "NewPasswordPrompt",
    "TotpSetupPrompt",
    "code",
    "custom_challenge",
    "email_otp",
    "mfa_setup_email",
    "mfa_setup_totp",
    "new_password",
    "otpauth_uri",
    "select_challenge",
    "select_mfa_type",
    "sms_mfa",
    "sms_otp",
    "software_token_mfa",
    "web_authn",
]

#: Asks for a one-time code, given the challenge (delivery medium, destination).
CodePrompt = Callable[[Challenge], Awaitable[str]]


def _named(handler: Handler, name: str) -> Handler:
    # HandlerError messages name the handler by its qualname.
    handler.__qualname__ = handler.__name__ = name
    return handler


def _check_callback(callback: object, factory: str) -> None:
    if not callable(callback):
        raise ConfigurationError(f"{factory}() needs an async callback")


def _check_prefer(prefer: object, factory: str) -> None:
    # A bare string would be read letter by letter and never match.
    if callable(prefer):
        return
    if (
        isinstance(prefer, str)
        or not isinstance(prefer, Sequence)
        or not all(isinstance(name, str) for name in prefer)
    ):
        raise ConfigurationError(
            f"{factory}() needs a list of challenge names or an async callback"
        )


def code(answer_key: str, callback: CodePrompt) -> Handler:
    """A handler answering ``{answer_key: await callback(challenge)}``."""
    _check_callback(callback, "code")

    async def answer(challenge: Challenge, context: object) -> Mapping[str, str]:
        return {answer_key: await callback(challenge)}

    return _named(answer, f"code[{answer_key}]")


def software_token_mfa(callback: CodePrompt) -> Handler:
    """SOFTWARE_TOKEN_MFA: the callback returns the authenticator app's code."""
    return code("SOFTWARE_TOKEN_MFA_CODE", callback)


def sms_mfa(callback: CodePrompt) -> Handler:
    """SMS_MFA: the callback returns the code sent by text message."""
    return code("SMS_MFA_CODE", callback)


def email_otp(callback: CodePrompt) -> Handler:
    """EMAIL_OTP (MFA or passwordless): the callback returns the emailed code."""
    return code("EMAIL_OTP_CODE", callback)


def sms_otp(callback: CodePrompt) -> Handler:
    """SMS_OTP (passwordless): the callback returns the code sent by text message."""
    return code("SMS_OTP_CODE", callback)


#: Asks for a new password, or a (password, attributes) pair.
NewPasswordPrompt = Callable[[Challenge], Awaitable[str | tuple[str, Mapping[str, str]]]]


def new_password(callback: NewPasswordPrompt) -> Handler:
    """NEW_PASSWORD_REQUIRED: the callback returns the new password, or a
    ``(password, attributes)`` pair where ``attributes`` maps attribute names
    (``"name"``, ``"email"``: see ``challenge.required_attributes``) to values.
    """
    _check_callback(callback, "new_password")

    async def answer(challenge: Challenge, context: object) -> Mapping[str, str]:
        value = await callback(challenge)
        attributes: Mapping[str, str] = {}
        if isinstance(value, tuple):
            if len(value) != 2:
                raise ConfigurationError(
                    "new_password callback must return a password or (password, attributes)"
                )
            value, attributes = value
        answers = {"NEW_PASSWORD": value}
        for name, attr in attributes.items():
            answers[f"userAttributes.{name.removeprefix('userAttributes.')}"] = attr
        return answers

    return _named(answer, "new_password")


def select_mfa_type(
    prefer: Sequence[str] | Callable[[Challenge], Awaitable[str]] = (
        ChallengeName.SOFTWARE_TOKEN_MFA,
        ChallengeName.EMAIL_OTP,
        ChallengeName.SMS_MFA,
    ),
) -> Handler:
    """SELECT_MFA_TYPE: pick from MFAS_CAN_CHOOSE by preference order, or ask.

    ``prefer`` is either an ordered list of factor names (the first one the
    user can choose wins) or an async callback that returns the choice.
    """
    _check_prefer(prefer, "select_mfa_type")

    async def answer(challenge: Challenge, context: object) -> Mapping[str, str]:
        options = challenge.mfas_can_choose
        if callable(prefer):
            return {"ANSWER": await prefer(challenge)}
        for name in prefer:
            if name in options:
                return {"ANSWER": str(name)}
        raise ConfigurationError(
            f"none of the preferred MFA types is in MFAS_CAN_CHOOSE ({', '.join(options)})"
        )

    return _named(answer, "select_mfa_type")


#: Gets the authenticator secret, the otpauth URI and the challenge; returns a code.
TotpSetupPrompt = Callable[[str, str, Challenge], Awaitable[str]]


def mfa_setup_totp(callback: TotpSetupPrompt, *, device_name: str | None = None) -> Handler:
    """MFA_SETUP for an authenticator app.

    When email MFA is offered too, this handler first chooses the app
    (``ANSWER=SOFTWARE_TOKEN_MFA``). Then the library calls
    AssociateSoftwareToken, and the callback gets
    the secret, the ``otpauth://`` URI (for a QR code) and the challenge, and
    returns the first code the app shows. The library then calls
    VerifySoftwareToken and answers MFA_SETUP.
    """
    _check_callback(callback, "mfa_setup_totp")

    async def answer(challenge: Challenge, context: object) -> Mapping[str, str]:
        secret, uri = challenge.secret_code, challenge.otpauth_uri
        if not secret and ChallengeName.SOFTWARE_TOKEN_MFA in challenge.mfas_can_setup:
            # Several factors are offered: choose the app; the library then
            # fetches the secret and asks again.
            return {"ANSWER": ChallengeName.SOFTWARE_TOKEN_MFA}
        if not secret or not uri:
            raise ConfigurationError("MFA_SETUP offers no authenticator-app setup")
        answers = {"SOFTWARE_TOKEN_MFA_CODE": await callback(secret, uri, challenge)}
        if device_name:
            answers["FRIENDLY_DEVICE_NAME"] = device_name
        return answers

    return _named(answer, "mfa_setup_totp")


def mfa_setup_email(callback: Callable[[Challenge], Awaitable[str]]) -> Handler:
    """MFA_SETUP for email MFA: the callback returns the address to send codes to.

    The service then sends an EMAIL_OTP challenge (register ``email_otp``).
    """
    _check_callback(callback, "mfa_setup_email")

    async def answer(challenge: Challenge, context: object) -> Mapping[str, str]:
        return {"EMAIL": await callback(challenge)}

    return _named(answer, "mfa_setup_email")


def custom_challenge(callback: Callable[[Challenge], Awaitable[str]]) -> Handler:
    """CUSTOM_CHALLENGE: the callback reads ``challenge.parameters`` (as the
    Lambda set them) and returns the ANSWER. Runs for every round.
    """
    return code("ANSWER", callback)


def select_challenge(
    prefer: Sequence[str] | Callable[[Challenge], Awaitable[str]] = (
        ChallengeName.PASSWORD_SRP,
        ChallengeName.PASSWORD,
        ChallengeName.EMAIL_OTP,
        ChallengeName.SMS_OTP,
    ),
) -> Handler:
    """SELECT_CHALLENGE (choice-based sign-in): pick from AvailableChallenges.

    PASSWORD and PASSWORD_SRP are completed with the password given to
    ``start()``; EMAIL_OTP and SMS_OTP lead to a code challenge.
    """
    _check_prefer(prefer, "select_challenge")

    async def answer(challenge: Challenge, context: object) -> Mapping[str, str]:
        if callable(prefer):
            return {"ANSWER": await prefer(challenge)}
        for name in prefer:
            if name in challenge.available_challenges:
                return {"ANSWER": str(name)}
        raise ConfigurationError(
            "none of the preferred challenges is available "
            f"({', '.join(challenge.available_challenges)})"
        )

    return _named(answer, "select_challenge")


def web_authn(callback: Callable[[str, Challenge], Awaitable[str]]) -> Handler:
    """WEB_AUTHN: the callback gets CREDENTIAL_REQUEST_OPTIONS (JSON for the
    browser's ``navigator.credentials.get``) and returns the browser's
    credential (AuthenticationResponseJSON) as a string. The library does no
    browser work.
    """
    _check_callback(callback, "web_authn")

    async def answer(challenge: Challenge, context: object) -> Mapping[str, str]:
        options = challenge.credential_request_options
        if not options:
            raise ConfigurationError("WEB_AUTHN came without CREDENTIAL_REQUEST_OPTIONS")
        return {"CREDENTIAL": await callback(options, challenge)}

    return _named(answer, "web_authn")
