"""The built-in handlers of cognito_flow.handlers."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Mapping
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import pytest

from cognito_flow import Challenge, ChallengeName, ConfigurationError, Handler, handlers

SESSION = "AYABeSecretSessionValue-0123456789"
SECRET_CODE = "JBSWY3DPEHPK3PXP"
OTPAUTH = f"otpauth://totp/Amazon%20Cognito:alice?secret={SECRET_CODE}&issuer=Amazon%20Cognito"
# Handlers accept any context; the built-ins do not look at it.
CONTEXT: Any = None


def make_challenge(name: str, **kw: Any) -> Challenge:
    kw.setdefault("username", "alice")
    kw.setdefault("session", SESSION)
    return Challenge(name=name, **kw)


async def run(handler: Handler, challenge: Challenge) -> Mapping[str, str]:
    return await handler(challenge, CONTEXT)


class Recorder:
    """An async callback that records its arguments and returns a fixed value."""

    def __init__(self, value: Any) -> None:
        self.value = value
        self.calls: list[tuple[Any, ...]] = []

    async def __call__(self, *args: Any) -> Any:
        self.calls.append(args)
        return self.value


# -- one-time codes -----------------------------------------------------------


@pytest.mark.parametrize(
    ("factory", "challenge_name", "answer_key"),
    [
        (handlers.software_token_mfa, ChallengeName.SOFTWARE_TOKEN_MFA, "SOFTWARE_TOKEN_MFA_CODE"),
        (handlers.sms_mfa, ChallengeName.SMS_MFA, "SMS_MFA_CODE"),
        (handlers.email_otp, ChallengeName.EMAIL_OTP, "EMAIL_OTP_CODE"),
        (handlers.sms_otp, ChallengeName.SMS_OTP, "SMS_OTP_CODE"),
    ],
)
async def test_code_handlers_answer_their_key(
    factory: Callable[[Any], Handler], challenge_name: str, answer_key: str
) -> None:
    """Each code handler answers {its answer key: the callback's code}, given the challenge."""
    challenge = make_challenge(
        challenge_name,
        parameters={"CODE_DELIVERY_DELIVERY_MEDIUM": "SMS", "CODE_DELIVERY_DESTINATION": "+***12"},
    )
    prompt = Recorder("123456")
    answers = await run(factory(prompt), challenge)
    assert answers == {answer_key: "123456"}
    assert prompt.calls == [(challenge,)]


async def test_code_with_any_answer_key() -> None:
    """code(key, callback) answers {key: code}."""
    prompt = Recorder("654321")
    handler = handlers.code("MY_CODE", prompt)
    assert await run(handler, make_challenge("SOMETHING_NEW")) == {"MY_CODE": "654321"}


def test_handlers_are_named_for_error_messages() -> None:
    """The built-in handlers carry a name that says what they answer."""
    prompt = Recorder("x")
    assert handlers.software_token_mfa(prompt).__qualname__ == "code[SOFTWARE_TOKEN_MFA_CODE]"
    assert handlers.new_password(prompt).__name__ == "new_password"
    assert handlers.select_mfa_type().__qualname__ == "select_mfa_type"
    assert handlers.web_authn(prompt).__qualname__ == "web_authn"


@pytest.mark.parametrize(
    "factory",
    [
        handlers.software_token_mfa,
        handlers.sms_mfa,
        handlers.email_otp,
        handlers.sms_otp,
        handlers.new_password,
        handlers.mfa_setup_totp,
        handlers.mfa_setup_email,
        handlers.custom_challenge,
        handlers.web_authn,
    ],
)
@pytest.mark.parametrize("callback", [None, "123456", 42])
def test_factories_refuse_a_non_callable(factory: Callable[[Any], Handler], callback: Any) -> None:
    """A callback that is not callable raises ConfigurationError when the handler is made."""
    with pytest.raises(ConfigurationError, match="callback"):
        factory(callback)


# -- NEW_PASSWORD_REQUIRED --------------------------------------------------------


async def test_new_password_with_a_password() -> None:
    """new_password answers NEW_PASSWORD with the callback's password."""
    challenge = make_challenge(ChallengeName.NEW_PASSWORD_REQUIRED)
    prompt = Recorder("Brand-new-Passw0rd!")
    assert await run(handlers.new_password(prompt), challenge) == {
        "NEW_PASSWORD": "Brand-new-Passw0rd!"
    }
    assert prompt.calls == [(challenge,)]


async def test_new_password_with_attributes() -> None:
    """A (password, attributes) tuple adds userAttributes.<name> answers, prefixed once."""
    challenge = make_challenge(
        ChallengeName.NEW_PASSWORD_REQUIRED,
        parameters={"requiredAttributes": '["userAttributes.name", "userAttributes.email"]'},
    )

    async def prompt(challenge: Challenge) -> tuple[str, Mapping[str, str]]:
        values = {"name": "Alice", "userAttributes.email": "alice@example.com"}
        return "Brand-new-Passw0rd!", {name: values[name] for name in values}

    answers = await run(handlers.new_password(prompt), challenge)
    assert answers == {
        "NEW_PASSWORD": "Brand-new-Passw0rd!",
        "userAttributes.name": "Alice",
        "userAttributes.email": "alice@example.com",
    }


async def test_new_password_attributes_follow_required_attributes() -> None:
    """A callback can fill exactly challenge.required_attributes."""
    challenge = make_challenge(
        ChallengeName.NEW_PASSWORD_REQUIRED,
        parameters={"requiredAttributes": '["userAttributes.family_name"]'},
    )

    async def prompt(challenge: Challenge) -> tuple[str, Mapping[str, str]]:
        return "Pw-123456789!", dict.fromkeys(challenge.required_attributes, "Smith")

    answers = await run(handlers.new_password(prompt), challenge)
    assert answers["userAttributes.family_name"] == "Smith"


@pytest.mark.parametrize("value", [("pw",), ("pw", {}, "extra")])
async def test_new_password_refuses_a_bad_tuple(value: tuple[Any, ...]) -> None:
    """A tuple that is not (password, attributes) raises ConfigurationError."""
    handler = handlers.new_password(Recorder(value))
    with pytest.raises(ConfigurationError, match=r"\(password, attributes\)"):
        await run(handler, make_challenge(ChallengeName.NEW_PASSWORD_REQUIRED))


# -- SELECT_MFA_TYPE ----------------------------------------------------------------


def select_mfa(options: list[str]) -> Challenge:
    return make_challenge(
        ChallengeName.SELECT_MFA_TYPE, parameters={"MFAS_CAN_CHOOSE": json.dumps(options)}
    )


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        (["SMS_MFA", "SOFTWARE_TOKEN_MFA", "EMAIL_OTP"], "SOFTWARE_TOKEN_MFA"),
        (["SMS_MFA", "EMAIL_OTP"], "EMAIL_OTP"),
        (["SMS_MFA"], "SMS_MFA"),
    ],
)
async def test_select_mfa_type_default_preference(options: list[str], expected: str) -> None:
    """By default an authenticator app beats email, which beats SMS."""
    answers = await run(handlers.select_mfa_type(), select_mfa(options))
    assert answers == {"ANSWER": expected}
    assert type(answers["ANSWER"]) is str


async def test_select_mfa_type_own_order() -> None:
    """The first name of the given preference order that the user can choose wins."""
    handler = handlers.select_mfa_type(["SMS_MFA", ChallengeName.SOFTWARE_TOKEN_MFA])
    challenge = select_mfa(["SOFTWARE_TOKEN_MFA", "SMS_MFA"])
    assert await run(handler, challenge) == {"ANSWER": "SMS_MFA"}
    only_totp = select_mfa(["SOFTWARE_TOKEN_MFA"])
    assert await run(handler, only_totp) == {"ANSWER": "SOFTWARE_TOKEN_MFA"}


async def test_select_mfa_type_callback() -> None:
    """With a callback, its choice is the answer, and it gets the challenge."""
    prompt = Recorder("EMAIL_OTP")
    challenge = select_mfa(["SMS_MFA", "EMAIL_OTP"])
    assert await run(handlers.select_mfa_type(prompt), challenge) == {"ANSWER": "EMAIL_OTP"}
    assert prompt.calls == [(challenge,)]


async def test_select_mfa_type_no_match() -> None:
    """No preferred type among MFAS_CAN_CHOOSE raises ConfigurationError listing the options."""
    handler = handlers.select_mfa_type(["EMAIL_OTP"])
    with pytest.raises(
        ConfigurationError, match=r"MFAS_CAN_CHOOSE \(SMS_MFA, SOFTWARE_TOKEN_MFA\)"
    ):
        await run(handler, select_mfa(["SMS_MFA", "SOFTWARE_TOKEN_MFA"]))


# -- SELECT_CHALLENGE -----------------------------------------------------------------


def select(available: list[str]) -> Challenge:
    return make_challenge(ChallengeName.SELECT_CHALLENGE, available_challenges=available)


@pytest.mark.parametrize(
    ("available", "expected"),
    [
        (["EMAIL_OTP", "PASSWORD", "PASSWORD_SRP"], "PASSWORD_SRP"),
        (["SMS_OTP", "EMAIL_OTP", "PASSWORD"], "PASSWORD"),
        (["SMS_OTP", "EMAIL_OTP"], "EMAIL_OTP"),
        (["WEB_AUTHN", "SMS_OTP"], "SMS_OTP"),
    ],
)
async def test_select_challenge_default_preference(available: list[str], expected: str) -> None:
    """By default PASSWORD_SRP beats PASSWORD, which beats EMAIL_OTP, then SMS_OTP."""
    answers = await run(handlers.select_challenge(), select(available))
    assert answers == {"ANSWER": expected}
    assert type(answers["ANSWER"]) is str


async def test_select_challenge_own_order() -> None:
    """The first available name of the given order wins."""
    handler = handlers.select_challenge([ChallengeName.WEB_AUTHN, "EMAIL_OTP"])
    assert await run(handler, select(["EMAIL_OTP", "WEB_AUTHN"])) == {"ANSWER": "WEB_AUTHN"}
    assert await run(handler, select(["EMAIL_OTP", "PASSWORD"])) == {"ANSWER": "EMAIL_OTP"}


async def test_select_challenge_callback() -> None:
    """With a callback, its choice is the answer, and it gets the challenge."""
    prompt = Recorder("WEB_AUTHN")
    challenge = select(["WEB_AUTHN", "PASSWORD"])
    assert await run(handlers.select_challenge(prompt), challenge) == {"ANSWER": "WEB_AUTHN"}
    assert prompt.calls == [(challenge,)]


async def test_select_challenge_no_match() -> None:
    """No preferred challenge available raises ConfigurationError listing what is."""
    handler = handlers.select_challenge(["PASSWORD"])
    with pytest.raises(ConfigurationError, match=r"available \(WEB_AUTHN, EMAIL_OTP\)"):
        await run(handler, select(["WEB_AUTHN", "EMAIL_OTP"]))


@pytest.mark.parametrize("factory", [handlers.select_mfa_type, handlers.select_challenge])
@pytest.mark.parametrize("prefer", ["SMS_MFA", None, 3, ["SMS_MFA", 3]])
def test_select_factories_refuse_bad_preferences(
    factory: Callable[[Any], Handler], prefer: Any
) -> None:
    """A bare string or anything but a list of names or a callback is refused up front."""
    with pytest.raises(ConfigurationError, match="list of challenge names or an async callback"):
        factory(prefer)


# -- MFA_SETUP ----------------------------------------------------------------------


def mfa_setup(**parameters: str) -> Challenge:
    return make_challenge(
        ChallengeName.MFA_SETUP,
        parameters={"MFAS_CAN_SETUP": '["SOFTWARE_TOKEN_MFA"]', **parameters},
    )


async def test_mfa_setup_totp_gives_secret_and_uri() -> None:
    """mfa_setup_totp passes the secret, the otpauth URI and the challenge; answers the code."""
    challenge = mfa_setup(SECRET_CODE=SECRET_CODE, OTPAUTH_URI=OTPAUTH)
    prompt = Recorder("123456")
    answers = await run(handlers.mfa_setup_totp(prompt), challenge)
    assert answers == {"SOFTWARE_TOKEN_MFA_CODE": "123456"}
    assert prompt.calls == [(SECRET_CODE, OTPAUTH, challenge)]


async def test_mfa_setup_totp_device_name() -> None:
    """device_name= adds FRIENDLY_DEVICE_NAME to the answers."""
    challenge = mfa_setup(SECRET_CODE=SECRET_CODE, OTPAUTH_URI=OTPAUTH)
    handler = handlers.mfa_setup_totp(Recorder("123456"), device_name="Alice's phone")
    assert await run(handler, challenge) == {
        "SOFTWARE_TOKEN_MFA_CODE": "123456",
        "FRIENDLY_DEVICE_NAME": "Alice's phone",
    }


@pytest.mark.parametrize(
    "parameters",
    [
        {"MFAS_CAN_SETUP": '["EMAIL_OTP"]'},
        {"MFAS_CAN_SETUP": '["EMAIL_OTP"]', "SECRET_CODE": SECRET_CODE},
        {"MFAS_CAN_SETUP": '["SMS_MFA"]', "OTPAUTH_URI": OTPAUTH},
    ],
)
async def test_mfa_setup_totp_refuses_a_challenge_without_app_setup(
    parameters: dict[str, str],
) -> None:
    """Without an authenticator secret or app offer it raises ConfigurationError, asking nobody."""
    prompt = Recorder("123456")
    with pytest.raises(ConfigurationError, match="authenticator"):
        await run(handlers.mfa_setup_totp(prompt), mfa_setup(**parameters))
    assert prompt.calls == []


@pytest.mark.parametrize("parameters", [{}, {"OTPAUTH_URI": OTPAUTH}])
async def test_mfa_setup_totp_chooses_the_app_before_the_secret_exists(
    parameters: dict[str, str],
) -> None:
    """When the app is offered but no secret fetched yet, it answers ANSWER=SOFTWARE_TOKEN_MFA."""
    prompt = Recorder("123456")
    challenge = mfa_setup(MFAS_CAN_SETUP='["SOFTWARE_TOKEN_MFA","EMAIL_OTP"]', **parameters)
    assert await run(handlers.mfa_setup_totp(prompt), challenge) == {"ANSWER": "SOFTWARE_TOKEN_MFA"}
    assert prompt.calls == []


async def test_mfa_setup_email() -> None:
    """mfa_setup_email answers EMAIL with the callback's address."""
    challenge = make_challenge(
        ChallengeName.MFA_SETUP, parameters={"MFAS_CAN_SETUP": '["EMAIL_OTP"]'}
    )
    prompt = Recorder("alice@example.com")
    assert await run(handlers.mfa_setup_email(prompt), challenge) == {"EMAIL": "alice@example.com"}
    assert prompt.calls == [(challenge,)]


# -- CUSTOM_CHALLENGE and WEB_AUTHN -----------------------------------------------------


async def test_custom_challenge_answers_with_the_callback() -> None:
    """custom_challenge answers ANSWER; the callback reads the Lambda's parameters."""
    challenge = make_challenge(
        ChallengeName.CUSTOM_CHALLENGE, parameters={"question": "What is 6 x 7?"}
    )

    async def quiz(challenge: Challenge) -> str:
        return "42" if challenge.parameters["question"] == "What is 6 x 7?" else "?"

    assert await run(handlers.custom_challenge(quiz), challenge) == {"ANSWER": "42"}


async def test_web_authn_passes_credential_request_options() -> None:
    """web_authn gives CREDENTIAL_REQUEST_OPTIONS to the callback and answers CREDENTIAL."""
    options = json.dumps({"challenge": "c2lnbiBtZQ", "rpId": "example.com"})
    challenge = make_challenge(
        ChallengeName.WEB_AUTHN, parameters={"CREDENTIAL_REQUEST_OPTIONS": options}
    )
    credential = json.dumps({"id": "cred-id", "type": "public-key"})
    browser = Recorder(credential)
    assert await run(handlers.web_authn(browser), challenge) == {"CREDENTIAL": credential}
    assert browser.calls == [(options, challenge)]


async def test_web_authn_refuses_a_challenge_without_options() -> None:
    """Without CREDENTIAL_REQUEST_OPTIONS web_authn raises ConfigurationError, asking nobody."""
    browser = Recorder("{}")
    with pytest.raises(ConfigurationError, match="CREDENTIAL_REQUEST_OPTIONS"):
        await run(handlers.web_authn(browser), make_challenge(ChallengeName.WEB_AUTHN))
    assert browser.calls == []


# -- otpauth_uri ------------------------------------------------------------------------


def test_otpauth_uri_shape() -> None:
    """otpauth_uri gives otpauth://totp/<issuer>:<account>?secret=...&issuer=..."""
    uri = handlers.otpauth_uri(SECRET_CODE, account_name="alice", issuer="Acme")
    assert uri == f"otpauth://totp/Acme:alice?secret={SECRET_CODE}&issuer=Acme"


def test_otpauth_uri_quotes_every_part() -> None:
    """Spaces, @, colons, & and = in the issuer or account are percent-encoded."""
    uri = handlers.otpauth_uri("AB CD=", account_name="alice@example.com", issuer="Acme & Co: EU=1")
    parts = urlsplit(uri)
    assert parts.scheme == "otpauth"
    assert parts.netloc == "totp"
    assert parts.path == "/Acme%20%26%20Co%3A%20EU%3D1:alice%40example.com"
    issuer, account = parts.path.removeprefix("/").split(":")
    assert unquote(issuer) == "Acme & Co: EU=1"
    assert unquote(account) == "alice@example.com"
    assert parse_qs(parts.query) == {"secret": ["AB CD="], "issuer": ["Acme & Co: EU=1"]}
    assert " " not in uri


def test_otpauth_uri_is_keyword_only() -> None:
    """account_name and issuer are keyword-only, so they cannot be swapped by mistake."""
    otpauth: Callable[..., Awaitable[Any]] = handlers.otpauth_uri  # type: ignore[assignment]
    with pytest.raises(TypeError):
        otpauth(SECRET_CODE, "alice", "Acme")
