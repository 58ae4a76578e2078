"""Every challenge moto cannot issue, against a stubbed service that checks each request.

Each scripted call carries ``expected_params`` (see ``stubbed.py``): the Session
of the previous response, USERNAME, SECRET_HASH computed from that USERNAME,
ClientMetadata where given and the answer keys. Every test runs on the admin
and the public API, with and without a client secret.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Mapping

import pytest

from cognito_flow import (
    AuthenticationResult,
    AuthFlow,
    Challenge,
    ChallengeContext,
    ChallengeName,
    CodeMismatchError,
    Handler,
    HandlerRegistry,
)
from cognito_flow.handlers import (
    custom_challenge,
    email_otp,
    mfa_setup_email,
    new_password,
    select_challenge,
    select_mfa_type,
    sms_mfa,
    sms_otp,
    software_token_mfa,
    web_authn,
)
from tests.stubbed import (
    CLIENT_SECRET,
    TOKENS,
    challenge_response,
    session,
    stubbed_script,
    tokens_response,
)

USER = "alice"
PASSWORD = "Corr3ct-Horse-Battery!"
META = {"tenant": "acme", "source": "tests"}
UUID = "8f3b1c2e-5d4a-4e6f-9a7b-0c1d2e3f4a5b"
CREDENTIAL_REQUEST_OPTIONS = json.dumps(
    {
        "challenge": "c3R1YmJlZC13ZWJhdXRobi1jaGFsbGVuZ2U",
        "rpId": "example.com",
        "timeout": 180000,
        "userVerification": "required",
        "allowCredentials": [{"type": "public-key", "id": "Y3JlZGVudGlhbC1pZA"}],
    }
)
CREDENTIAL = json.dumps(
    {
        "id": "Y3JlZGVudGlhbC1pZA",
        "rawId": "Y3JlZGVudGlhbC1pZA",
        "type": "public-key",
        "response": {
            "clientDataJSON": "eyJ0eXBlIjoid2ViYXV0aG4uZ2V0In0",
            "authenticatorData": "SZYN5YgOjGh0NBcPZHZgW4_krrmihjLHmVzzuoMdl2MFAAAAAQ",
            "signature": "MEUCIQDsignature",
            "userHandle": "dXNlci1oYW5kbGU",
        },
        "clientExtensionResults": {},
    }
)


@pytest.fixture(params=[True, False], ids=["admin", "public"])
def admin(request: pytest.FixtureRequest) -> bool:
    return bool(request.param)


@pytest.fixture(params=[None, CLIENT_SECRET], ids=["no-secret", "secret"])
def secret(request: pytest.FixtureRequest) -> str | None:
    value: str | None = request.param
    return value


def returns(value: str, seen: list[Challenge]) -> Callable[[Challenge], Awaitable[str]]:
    """An async callback for the built-in handler factories that records its challenge."""

    async def callback(challenge: Challenge) -> str:
        seen.append(challenge)
        return value

    return callback


def assert_tokens(result: object) -> None:
    assert isinstance(result, AuthenticationResult)
    assert result.access_token == TOKENS["AccessToken"]
    assert result.refresh_token == TOKENS["RefreshToken"]
    assert result.expires_in == 3600


def round_trip(step: object) -> Challenge:
    """What a web backend does between two requests: keep the challenge as JSON, read it back."""
    assert isinstance(step, Challenge)
    restored = Challenge.from_dict(json.loads(json.dumps(step.to_dict())))
    assert restored == step
    assert restored.session == step.session
    return restored


# -- SELECT_MFA_TYPE -----------------------------------------------------------


async def test_select_mfa_type_then_software_token_mfa(admin: bool, secret: str | None) -> None:
    """SELECT_MFA_TYPE answered with SOFTWARE_TOKEN_MFA leads to the TOTP code in the same flow."""
    async with stubbed_script(admin=admin, secret=secret, client_metadata=META) as (auth, svc):
        svc.initiate(
            challenge_response(
                "SELECT_MFA_TYPE",
                session(1),
                {"MFAS_CAN_CHOOSE": '["SMS_MFA","SOFTWARE_TOKEN_MFA"]', "USER_ID_FOR_SRP": USER},
            ),
            username=USER,
            PASSWORD=PASSWORD,
        )
        svc.respond(
            "SELECT_MFA_TYPE",
            {"ANSWER": "SOFTWARE_TOKEN_MFA"},
            challenge_response("SOFTWARE_TOKEN_MFA", session(2), {"USER_ID_FOR_SRP": USER}),
            username=USER,
            session=session(1),
        )
        svc.respond(
            "SOFTWARE_TOKEN_MFA",
            {"SOFTWARE_TOKEN_MFA_CODE": "123456"},
            tokens_response(),
            username=USER,
            session=session(2),
        )
        seen: list[Challenge] = []
        registry = HandlerRegistry()
        registry.register(ChallengeName.SELECT_MFA_TYPE, select_mfa_type())
        registry.register(
            ChallengeName.SOFTWARE_TOKEN_MFA, software_token_mfa(returns("123456", seen))
        )

        result = await auth.authenticate(
            USER, PASSWORD, handlers=registry, flow=svc.password_flow, client_metadata=META
        )

    assert_tokens(result)
    assert [c.name for c in seen] == ["SOFTWARE_TOKEN_MFA"]
    assert seen[0].session == session(2)


async def test_select_mfa_type_then_email_otp(admin: bool, secret: str | None) -> None:
    """SELECT_MFA_TYPE answered with EMAIL_OTP leads to an emailed code with its delivery details."""
    async with stubbed_script(admin=admin, secret=secret, client_metadata=META) as (auth, svc):
        svc.initiate(
            challenge_response(
                "SELECT_MFA_TYPE",
                session(1),
                {"MFAS_CAN_CHOOSE": '["SMS_MFA","SOFTWARE_TOKEN_MFA","EMAIL_OTP"]'},
            ),
            username=USER,
            PASSWORD=PASSWORD,
        )
        svc.respond(
            "SELECT_MFA_TYPE",
            {"ANSWER": "EMAIL_OTP"},
            challenge_response(
                "EMAIL_OTP",
                session(2),
                {
                    "CODE_DELIVERY_DELIVERY_MEDIUM": "EMAIL",
                    "CODE_DELIVERY_DESTINATION": "a***@e***",
                },
            ),
            username=USER,
            session=session(1),
        )
        svc.respond(
            "EMAIL_OTP",
            {"EMAIL_OTP_CODE": "24681357"},
            tokens_response(),
            username=USER,
            session=session(2),
        )
        seen: list[Challenge] = []
        handlers = {
            "SELECT_MFA_TYPE": select_mfa_type(prefer=["EMAIL_OTP"]),
            "EMAIL_OTP": email_otp(returns("24681357", seen)),
        }

        result = await auth.authenticate(
            USER, PASSWORD, handlers=handlers, flow=svc.password_flow, client_metadata=META
        )

    assert_tokens(result)
    assert seen[0].delivery_medium == "EMAIL"
    assert seen[0].destination == "a***@e***"


async def test_select_mfa_type_then_sms_mfa(admin: bool, secret: str | None) -> None:
    """A SELECT_MFA_TYPE callback sees MFAS_CAN_CHOOSE parsed; choosing SMS_MFA leads to the SMS code."""
    choices: list[tuple[str, ...]] = []

    async def choose(challenge: Challenge) -> str:
        choices.append(challenge.mfas_can_choose)
        return "SMS_MFA"

    async with stubbed_script(admin=admin, secret=secret) as (auth, svc):
        svc.initiate(
            challenge_response(
                "SELECT_MFA_TYPE",
                session(1),
                {"MFAS_CAN_CHOOSE": '["SMS_MFA","SOFTWARE_TOKEN_MFA"]'},
            ),
            username=USER,
            PASSWORD=PASSWORD,
        )
        svc.respond(
            "SELECT_MFA_TYPE",
            {"ANSWER": "SMS_MFA"},
            challenge_response(
                "SMS_MFA",
                session(2),
                {
                    "CODE_DELIVERY_DELIVERY_MEDIUM": "SMS",
                    "CODE_DELIVERY_DESTINATION": "+*******1234",
                },
            ),
            username=USER,
            session=session(1),
        )
        svc.respond(
            "SMS_MFA",
            {"SMS_MFA_CODE": "654321"},
            tokens_response(),
            username=USER,
            session=session(2),
        )
        seen: list[Challenge] = []
        handlers = {
            "SELECT_MFA_TYPE": select_mfa_type(prefer=choose),
            "SMS_MFA": sms_mfa(returns("654321", seen)),
        }

        result = await auth.authenticate(USER, PASSWORD, handlers=handlers, flow=svc.password_flow)

    assert_tokens(result)
    assert choices == [("SMS_MFA", "SOFTWARE_TOKEN_MFA")]
    assert seen[0].delivery_medium == "SMS"
    assert seen[0].destination == "+*******1234"


# -- EMAIL_OTP and SMS_OTP ---------------------------------------------------------


async def test_email_otp_as_mfa_after_password(admin: bool, secret: str | None) -> None:
    """EMAIL_OTP after the password is answered with EMAIL_OTP_CODE on the Session it came with."""
    async with stubbed_script(admin=admin, secret=secret, client_metadata=META) as (auth, svc):
        svc.initiate(
            challenge_response(
                "EMAIL_OTP",
                session(1),
                {
                    "CODE_DELIVERY_DELIVERY_MEDIUM": "EMAIL",
                    "CODE_DELIVERY_DESTINATION": "a***@e***",
                    "USERNAME": USER,
                },
            ),
            username=USER,
            PASSWORD=PASSWORD,
        )
        svc.respond(
            "EMAIL_OTP",
            {"EMAIL_OTP_CODE": "11223344"},
            tokens_response(),
            username=USER,
            session=session(1),
        )
        seen: list[Challenge] = []

        result = await auth.authenticate(
            USER,
            PASSWORD,
            flow=svc.password_flow,
            handlers={"EMAIL_OTP": email_otp(returns("11223344", seen))},
            client_metadata=META,
        )

    assert_tokens(result)
    assert (seen[0].delivery_medium, seen[0].destination) == ("EMAIL", "a***@e***")


@pytest.mark.parametrize(
    ("name", "key", "factory", "medium", "destination"),
    [
        ("SMS_OTP", "SMS_OTP_CODE", sms_otp, "SMS", "+*******9876"),
        ("EMAIL_OTP", "EMAIL_OTP_CODE", email_otp, "EMAIL", "a***@e***"),
    ],
)
async def test_passwordless_user_auth_with_preferred_otp(
    admin: bool,
    secret: str | None,
    name: str,
    key: str,
    factory: Callable[[Callable[[Challenge], Awaitable[str]]], Handler],
    medium: str,
    destination: str,
) -> None:
    """USER_AUTH with PREFERRED_CHALLENGE SMS_OTP / EMAIL_OTP signs in with a code and no password."""
    async with stubbed_script(admin=admin, secret=secret, client_metadata=META) as (auth, svc):
        svc.initiate(
            challenge_response(
                name,
                session(1),
                {"CODE_DELIVERY_DELIVERY_MEDIUM": medium, "CODE_DELIVERY_DESTINATION": destination},
            ),
            username=USER,
            flow="USER_AUTH",
            PREFERRED_CHALLENGE=name,
        )
        svc.respond(name, {key: "97531"}, tokens_response(), username=USER, session=session(1))
        seen: list[Challenge] = []

        result = await auth.authenticate(
            USER,
            handlers={name: factory(returns("97531", seen))},
            flow=AuthFlow.USER_AUTH,
            preferred_challenge=name,
            client_metadata=META,
        )

    assert_tokens(result)
    assert (seen[0].name, seen[0].delivery_medium, seen[0].destination) == (
        name,
        medium,
        destination,
    )


async def test_passwordless_otp_through_start_and_resume(admin: bool, secret: str | None) -> None:
    """A web backend stops at SMS_OTP, shows where the code went, and resumes with the code."""
    async with stubbed_script(admin=admin, secret=secret) as (auth, svc):
        svc.initiate(
            challenge_response(
                "SMS_OTP",
                session(1),
                {
                    "CODE_DELIVERY_DELIVERY_MEDIUM": "SMS",
                    "CODE_DELIVERY_DESTINATION": "+*******9876",
                },
            ),
            username=USER,
            flow="USER_AUTH",
            PREFERRED_CHALLENGE="SMS_OTP",
        )
        svc.respond(
            "SMS_OTP",
            {"SMS_OTP_CODE": "8642"},
            tokens_response(),
            username=USER,
            session=session(1),
        )

        step = await auth.start(USER, flow="USER_AUTH", preferred_challenge="SMS_OTP")
        assert isinstance(step, Challenge)
        assert step.name == "SMS_OTP"
        assert step.destination == "+*******9876"
        result = await auth.resume(step, {"SMS_OTP_CODE": "8642"})

    assert_tokens(result)


# -- CUSTOM_AUTH -----------------------------------------------------------------------


async def test_custom_auth_three_rounds(admin: bool, secret: str | None) -> None:
    """CUSTOM_CHALLENGE over three rounds: parameters reach the handler untouched, ANSWER goes back."""
    rounds = [
        {"question": "What is 2 + 2?", "round": "1", "USERNAME": USER},
        {"question": "Capital of France?", "hint": '{"letters": 5}', "USERNAME": USER},
        {"captchaUrl": "https://example.com/c?id=3&x=%20", "empty": "", "USERNAME": USER},
    ]
    answers = ["4", "Paris", "xK9 q"]
    async with stubbed_script(admin=admin, secret=secret, client_metadata=META) as (auth, svc):
        svc.initiate(
            challenge_response("CUSTOM_CHALLENGE", session(1), rounds[0]),
            username=USER,
            flow="CUSTOM_AUTH",
        )
        for i in range(3):
            following = (
                challenge_response("CUSTOM_CHALLENGE", session(i + 2), rounds[i + 1])
                if i < 2
                else tokens_response()
            )
            svc.respond(
                "CUSTOM_CHALLENGE",
                {"ANSWER": answers[i]},
                following,
                username=USER,
                session=session(i + 1),
            )

        received: list[dict[str, str]] = []
        contexts: list[tuple[int, Mapping[str, str] | None]] = []

        async def custom(challenge: Challenge, context: ChallengeContext) -> Mapping[str, str]:
            received.append(dict(challenge.parameters))
            contexts.append((context.round, context.client_metadata))
            return {"ANSWER": answers[len(received) - 1]}

        result = await auth.authenticate(
            USER, handlers={"CUSTOM_CHALLENGE": custom}, flow="CUSTOM_AUTH", client_metadata=META
        )

    assert_tokens(result)
    assert received == rounds
    assert contexts == [(1, META), (2, META), (3, META)]


async def test_custom_challenge_factory_answers_every_round(
    admin: bool, secret: str | None
) -> None:
    """The custom_challenge() factory is asked once per round with that round's challenge."""
    async with stubbed_script(admin=admin, secret=secret) as (auth, svc):
        svc.initiate(
            challenge_response("CUSTOM_CHALLENGE", session(1), {"n": "1"}),
            username=USER,
            flow="CUSTOM_AUTH",
        )
        svc.respond(
            "CUSTOM_CHALLENGE",
            {"ANSWER": "answer-1"},
            challenge_response("CUSTOM_CHALLENGE", session(2), {"n": "2"}),
            username=USER,
            session=session(1),
        )
        svc.respond(
            "CUSTOM_CHALLENGE",
            {"ANSWER": "answer-2"},
            tokens_response(),
            username=USER,
            session=session(2),
        )

        async def callback(challenge: Challenge) -> str:
            return f"answer-{challenge.parameters['n']}"

        result = await auth.authenticate(
            USER, handlers={"CUSTOM_CHALLENGE": custom_challenge(callback)}, flow="CUSTOM_AUTH"
        )

    assert_tokens(result)


# -- SELECT_CHALLENGE (choice-based sign-in) ---------------------------------------------

AVAILABLE = ["PASSWORD", "PASSWORD_SRP", "EMAIL_OTP", "WEB_AUTHN"]


async def test_select_challenge_exposes_available_challenges(
    admin: bool, secret: str | None
) -> None:
    """USER_AUTH without a preference stops at SELECT_CHALLENGE with AvailableChallenges on it."""
    async with stubbed_script(admin=admin, secret=secret, client_metadata=META) as (auth, svc):
        svc.initiate(
            challenge_response("SELECT_CHALLENGE", session(1), {}, available=AVAILABLE),
            username=USER,
            flow="USER_AUTH",
        )
        svc.respond(
            "SELECT_CHALLENGE",
            {"ANSWER": "PASSWORD", "PASSWORD": PASSWORD},
            tokens_response(),
            username=USER,
            session=session(1),
        )

        step = await auth.start(USER, flow=AuthFlow.USER_AUTH, client_metadata=META)
        assert isinstance(step, Challenge)
        assert step.name == "SELECT_CHALLENGE"
        assert step.available_challenges == tuple(AVAILABLE)
        restored = Challenge.from_dict(json.loads(json.dumps(step.to_dict())))
        assert restored.available_challenges == tuple(AVAILABLE)
        result = await auth.resume(
            restored, {"ANSWER": "PASSWORD", "PASSWORD": PASSWORD}, client_metadata=META
        )

    assert_tokens(result)


async def test_select_challenge_password_is_added_by_the_core(
    admin: bool, secret: str | None
) -> None:
    """Choosing PASSWORD sends the password given to start(), which the handler never saw."""
    async with stubbed_script(admin=admin, secret=secret, client_metadata=META) as (auth, svc):
        svc.initiate(
            challenge_response("SELECT_CHALLENGE", session(1), {}, available=AVAILABLE),
            username=USER,
            flow="USER_AUTH",
        )
        svc.respond(
            "SELECT_CHALLENGE",
            {"ANSWER": "PASSWORD", "PASSWORD": PASSWORD},
            tokens_response(),
            username=USER,
            session=session(1),
        )
        seen: list[Challenge] = []

        async def choose(challenge: Challenge) -> str:
            seen.append(challenge)
            return "PASSWORD"

        result = await auth.authenticate(
            USER,
            PASSWORD,
            handlers={"SELECT_CHALLENGE": select_challenge(prefer=choose)},
            flow="USER_AUTH",
            client_metadata=META,
        )

    assert_tokens(result)
    assert seen[0].available_challenges == tuple(AVAILABLE)
    assert PASSWORD not in json.dumps(seen[0].to_dict())


async def test_select_challenge_email_otp(admin: bool, secret: str | None) -> None:
    """Choosing EMAIL_OTP makes the service send a code, asked for in an EMAIL_OTP challenge."""
    async with stubbed_script(admin=admin, secret=secret, client_metadata=META) as (auth, svc):
        svc.initiate(
            challenge_response(
                "SELECT_CHALLENGE", session(1), {}, available=["EMAIL_OTP", "WEB_AUTHN"]
            ),
            username=USER,
            flow="USER_AUTH",
        )
        svc.respond(
            "SELECT_CHALLENGE",
            {"ANSWER": "EMAIL_OTP"},
            challenge_response(
                "EMAIL_OTP",
                session(2),
                {
                    "CODE_DELIVERY_DELIVERY_MEDIUM": "EMAIL",
                    "CODE_DELIVERY_DESTINATION": "a***@e***",
                },
            ),
            username=USER,
            session=session(1),
        )
        svc.respond(
            "EMAIL_OTP",
            {"EMAIL_OTP_CODE": "13572468"},
            tokens_response(),
            username=USER,
            session=session(2),
        )
        seen: list[Challenge] = []
        registry = HandlerRegistry(
            handlers={
                "SELECT_CHALLENGE": select_challenge(),
                "EMAIL_OTP": email_otp(returns("13572468", seen)),
            }
        )

        result = await auth.authenticate(
            USER, handlers=registry, flow="USER_AUTH", client_metadata=META
        )

    assert_tokens(result)
    assert seen[0].destination == "a***@e***"


async def test_select_challenge_web_authn_through_handlers(admin: bool, secret: str | None) -> None:
    """Choosing WEB_AUTHN leads to WEB_AUTHN; its options reach the handler, the CREDENTIAL goes back."""
    async with stubbed_script(admin=admin, secret=secret, client_metadata=META) as (auth, svc):
        svc.initiate(
            challenge_response("SELECT_CHALLENGE", session(1), {}, available=AVAILABLE),
            username=USER,
            flow="USER_AUTH",
        )
        svc.respond(
            "SELECT_CHALLENGE",
            {"ANSWER": "WEB_AUTHN"},
            challenge_response(
                "WEB_AUTHN", session(2), {"CREDENTIAL_REQUEST_OPTIONS": CREDENTIAL_REQUEST_OPTIONS}
            ),
            username=USER,
            session=session(1),
        )
        svc.respond(
            "WEB_AUTHN",
            {"CREDENTIAL": CREDENTIAL},
            tokens_response(),
            username=USER,
            session=session(2),
        )
        options_seen: list[str] = []

        async def browser(options: str, challenge: Challenge) -> str:
            options_seen.append(options)
            return CREDENTIAL

        handlers = {
            "SELECT_CHALLENGE": select_challenge(prefer=["WEB_AUTHN"]),
            "WEB_AUTHN": web_authn(browser),
        }
        result = await auth.authenticate(
            USER, handlers=handlers, flow="USER_AUTH", client_metadata=META
        )

    assert_tokens(result)
    assert options_seen == [CREDENTIAL_REQUEST_OPTIONS]
    assert json.loads(options_seen[0])["rpId"] == "example.com"


async def test_select_challenge_web_authn_through_start_and_resume(
    admin: bool, secret: str | None
) -> None:
    """A backend gets WEB_AUTHN's options as data for the browser and resumes with its credential."""
    async with stubbed_script(admin=admin, secret=secret) as (auth, svc):
        svc.initiate(
            challenge_response("SELECT_CHALLENGE", session(1), {}, available=AVAILABLE),
            username=USER,
            flow="USER_AUTH",
        )
        svc.respond(
            "SELECT_CHALLENGE",
            {"ANSWER": "WEB_AUTHN"},
            challenge_response(
                "WEB_AUTHN", session(2), {"CREDENTIAL_REQUEST_OPTIONS": CREDENTIAL_REQUEST_OPTIONS}
            ),
            username=USER,
            session=session(1),
        )
        svc.respond(
            "WEB_AUTHN",
            {"CREDENTIAL": CREDENTIAL},
            tokens_response(),
            username=USER,
            session=session(2),
        )

        step = await auth.start(
            USER, flow="USER_AUTH", handlers={"SELECT_CHALLENGE": select_challenge(["WEB_AUTHN"])}
        )
        assert isinstance(step, Challenge)
        assert step.name == "WEB_AUTHN"
        assert step.credential_request_options == CREDENTIAL_REQUEST_OPTIONS
        stored = json.dumps(step.to_dict())
        result = await auth.resume(
            Challenge.from_dict(json.loads(stored)), {"CREDENTIAL": CREDENTIAL}
        )

    assert_tokens(result)


# -- USER_AUTH with a preferred challenge ------------------------------------------


async def test_web_authn_as_preferred_challenge(admin: bool, secret: str | None) -> None:
    """USER_AUTH preferring WEB_AUTHN goes straight to the passkey challenge."""
    async with stubbed_script(admin=admin, secret=secret, client_metadata=META) as (auth, svc):
        svc.initiate(
            challenge_response(
                "WEB_AUTHN", session(1), {"CREDENTIAL_REQUEST_OPTIONS": CREDENTIAL_REQUEST_OPTIONS}
            ),
            username=USER,
            flow="USER_AUTH",
            PREFERRED_CHALLENGE="WEB_AUTHN",
        )
        svc.respond(
            "WEB_AUTHN",
            {"CREDENTIAL": CREDENTIAL},
            tokens_response(),
            username=USER,
            session=session(1),
        )
        options_seen: list[str] = []

        async def browser(options: str, challenge: Challenge) -> str:
            options_seen.append(options)
            return CREDENTIAL

        result = await auth.authenticate(
            USER,
            handlers={ChallengeName.WEB_AUTHN: web_authn(browser)},
            flow=AuthFlow.USER_AUTH,
            preferred_challenge=ChallengeName.WEB_AUTHN,
            client_metadata=META,
        )

    assert_tokens(result)
    assert options_seen == [CREDENTIAL_REQUEST_OPTIONS]


async def test_password_as_preferred_challenge(admin: bool, secret: str | None) -> None:
    """USER_AUTH preferring PASSWORD sends the password in AuthParameters."""
    async with stubbed_script(admin=admin, secret=secret, client_metadata=META) as (auth, svc):
        svc.initiate(
            tokens_response(),
            username=USER,
            flow="USER_AUTH",
            PREFERRED_CHALLENGE="PASSWORD",
            PASSWORD=PASSWORD,
        )

        result = await auth.authenticate(
            USER,
            PASSWORD,
            flow="USER_AUTH",
            preferred_challenge="PASSWORD",
            client_metadata=META,
        )

    assert_tokens(result)


async def test_password_preference_then_mfa(admin: bool, secret: str | None) -> None:
    """A PASSWORD preference can still be followed by an MFA challenge on the next Session."""
    async with stubbed_script(admin=admin, secret=secret) as (auth, svc):
        svc.initiate(
            challenge_response("SOFTWARE_TOKEN_MFA", session(1), {"USERNAME": USER}),
            username=USER,
            flow="USER_AUTH",
            PREFERRED_CHALLENGE="PASSWORD",
            PASSWORD=PASSWORD,
        )
        svc.respond(
            "SOFTWARE_TOKEN_MFA",
            {"SOFTWARE_TOKEN_MFA_CODE": "000111"},
            tokens_response(),
            username=USER,
            session=session(1),
        )

        result = await auth.authenticate(
            USER,
            PASSWORD,
            handlers={"SOFTWARE_TOKEN_MFA": software_token_mfa(returns("000111", []))},
            flow="USER_AUTH",
            preferred_challenge="PASSWORD",
        )

    assert_tokens(result)


# -- MFA_SETUP for email ---------------------------------------------------------------


async def test_mfa_setup_email(admin: bool, secret: str | None) -> None:
    """MFA_SETUP offering EMAIL_OTP is answered with EMAIL, then the emailed code finishes."""
    address = "alice@example.com"
    async with stubbed_script(admin=admin, secret=secret, client_metadata=META) as (auth, svc):
        svc.initiate(
            challenge_response("MFA_SETUP", session(1), {"MFAS_CAN_SETUP": '["EMAIL_OTP"]'}),
            username=USER,
            PASSWORD=PASSWORD,
        )
        svc.respond(
            "MFA_SETUP",
            {"EMAIL": address},
            challenge_response(
                "EMAIL_OTP",
                session(2),
                {
                    "CODE_DELIVERY_DELIVERY_MEDIUM": "EMAIL",
                    "CODE_DELIVERY_DESTINATION": "a***@e***",
                },
            ),
            username=USER,
            session=session(1),
        )
        svc.respond(
            "EMAIL_OTP",
            {"EMAIL_OTP_CODE": "55667788"},
            tokens_response(),
            username=USER,
            session=session(2),
        )
        setups: list[Challenge] = []
        codes: list[Challenge] = []

        result = await auth.authenticate(
            USER,
            PASSWORD,
            flow=svc.password_flow,
            handlers={
                "MFA_SETUP": mfa_setup_email(returns(address, setups)),
                "EMAIL_OTP": email_otp(returns("55667788", codes)),
            },
            client_metadata=META,
        )

    assert_tokens(result)
    assert setups[0].mfas_can_setup == ("EMAIL_OTP",)
    assert setups[0].secret_code is None
    assert codes[0].delivery_medium == "EMAIL"


# -- NEW_PASSWORD_REQUIRED -------------------------------------------------------------

NEW_PASSWORD = "N3w-Passw0rd-For-Alice!"
NEW_PASSWORD_PARAMS = {
    "USER_ID_FOR_SRP": USER,
    "requiredAttributes": '["userAttributes.name","userAttributes.phone_number"]',
    "userAttributes": '{"email_verified":"true","email":"alice@example.com"}',
}
NEW_PASSWORD_ANSWERS = {
    "NEW_PASSWORD": NEW_PASSWORD,
    "userAttributes.name": "Alice Liddell",
    "userAttributes.phone_number": "+15555550100",
}


async def test_new_password_required_through_authenticate(admin: bool, secret: str | None) -> None:
    """NEW_PASSWORD_REQUIRED with requiredAttributes is answered by the new_password handler."""
    async with stubbed_script(admin=admin, secret=secret, client_metadata=META) as (auth, svc):
        svc.initiate(
            challenge_response("NEW_PASSWORD_REQUIRED", session(1), NEW_PASSWORD_PARAMS),
            username=USER,
            PASSWORD=PASSWORD,
        )
        svc.respond(
            "NEW_PASSWORD_REQUIRED",
            NEW_PASSWORD_ANSWERS,
            tokens_response(),
            username=USER,
            session=session(1),
        )
        seen: list[Challenge] = []

        async def prompt(challenge: Challenge) -> tuple[str, Mapping[str, str]]:
            seen.append(challenge)
            return NEW_PASSWORD, {"name": "Alice Liddell", "phone_number": "+15555550100"}

        result = await auth.authenticate(
            USER,
            PASSWORD,
            flow=svc.password_flow,
            handlers={"NEW_PASSWORD_REQUIRED": new_password(prompt)},
            client_metadata=META,
        )

    assert_tokens(result)
    assert seen[0].required_attributes == ("name", "phone_number")
    assert seen[0].user_attributes["email"] == "alice@example.com"


async def test_new_password_required_through_start_and_resume(
    admin: bool, secret: str | None
) -> None:
    """A NEW_PASSWORD_REQUIRED challenge survives a JSON round trip and is resumed to tokens."""
    async with stubbed_script(admin=admin, secret=secret, client_metadata=META) as (auth, svc):
        svc.initiate(
            challenge_response("NEW_PASSWORD_REQUIRED", session(1), NEW_PASSWORD_PARAMS),
            username=USER,
            PASSWORD=PASSWORD,
        )
        svc.respond(
            "NEW_PASSWORD_REQUIRED",
            NEW_PASSWORD_ANSWERS,
            tokens_response(),
            username=USER,
            session=session(1),
        )

        step = await auth.start(USER, PASSWORD, flow=svc.password_flow, client_metadata=META)
        assert isinstance(step, Challenge)
        stored = json.dumps(step.to_dict())
        restored = Challenge.from_dict(json.loads(stored))
        assert restored == step
        assert restored.session == session(1)
        assert restored.required_attributes == ("name", "phone_number")
        result = await auth.resume(restored, NEW_PASSWORD_ANSWERS, client_metadata=META)

    assert_tokens(result)


# -- USERNAME canonicalisation ---------------------------------------------------------

ALIAS = "alice@example.com"


@pytest.mark.parametrize("key", ["USERNAME", "USER_ID_FOR_SRP"])
async def test_canonical_username_is_used_after_the_service_names_it(
    admin: bool, secret: str | None, key: str
) -> None:
    """An alias typed by the user is replaced by the name the service returns, SECRET_HASH too."""
    async with stubbed_script(admin=admin, secret=secret, client_metadata=META) as (auth, svc):
        svc.initiate(
            challenge_response("NEW_PASSWORD_REQUIRED", session(1), {key: UUID}),
            username=ALIAS,
            PASSWORD=PASSWORD,
        )
        svc.respond(
            "NEW_PASSWORD_REQUIRED",
            {"NEW_PASSWORD": NEW_PASSWORD},
            # The next challenge does not repeat the name: it must stick.
            challenge_response("SOFTWARE_TOKEN_MFA", session(2), {}),
            username=UUID,
            session=session(1),
        )
        svc.respond(
            "SOFTWARE_TOKEN_MFA",
            {"SOFTWARE_TOKEN_MFA_CODE": "424242"},
            tokens_response(),
            username=UUID,
            session=session(2),
        )
        seen: list[Challenge] = []

        async def prompt(challenge: Challenge) -> str:
            seen.append(challenge)
            return NEW_PASSWORD

        result = await auth.authenticate(
            ALIAS,
            PASSWORD,
            flow=svc.password_flow,
            handlers={
                "NEW_PASSWORD_REQUIRED": new_password(prompt),
                "SOFTWARE_TOKEN_MFA": software_token_mfa(returns("424242", seen)),
            },
            client_metadata=META,
        )

    assert_tokens(result)
    assert [c.username for c in seen] == [UUID, UUID]


async def test_user_id_for_srp_wins_over_username(admin: bool, secret: str | None) -> None:
    """When both are given, USER_ID_FOR_SRP is the canonical name the answers are sent for."""
    async with stubbed_script(admin=admin, secret=secret) as (auth, svc):
        svc.initiate(
            challenge_response(
                "SOFTWARE_TOKEN_MFA", session(1), {"USERNAME": ALIAS, "USER_ID_FOR_SRP": UUID}
            ),
            username=ALIAS,
            PASSWORD=PASSWORD,
        )
        svc.respond(
            "SOFTWARE_TOKEN_MFA",
            {"SOFTWARE_TOKEN_MFA_CODE": "135790"},
            tokens_response(),
            username=UUID,
            session=session(1),
        )

        result = await auth.authenticate(
            ALIAS,
            PASSWORD,
            flow=svc.password_flow,
            handlers={"SOFTWARE_TOKEN_MFA": software_token_mfa(returns("135790", []))},
        )

    assert_tokens(result)


async def test_canonical_username_survives_a_resume(admin: bool, secret: str | None) -> None:
    """A stored challenge keeps the canonical name, so the resumed answer is signed for it."""
    async with stubbed_script(admin=admin, secret=secret) as (auth, svc):
        svc.initiate(
            challenge_response("EMAIL_OTP", session(1), {"USERNAME": UUID}),
            username=ALIAS,
            PASSWORD=PASSWORD,
        )
        svc.respond(
            "EMAIL_OTP",
            {"EMAIL_OTP_CODE": "99887766"},
            tokens_response(),
            username=UUID,
            session=session(1),
        )

        step = await auth.start(ALIAS, PASSWORD, flow=svc.password_flow)
        assert isinstance(step, Challenge)
        assert step.username == UUID
        restored = Challenge.from_dict(json.loads(json.dumps(step.to_dict())))
        result = await auth.resume(restored, {"EMAIL_OTP_CODE": "99887766"})

    assert_tokens(result)


# -- every challenge through start() / resume() across a JSON round trip ----------------

SECRET_CODE = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


async def test_select_mfa_type_through_start_and_resume(admin: bool, secret: str | None) -> None:
    """SELECT_MFA_TYPE and then SOFTWARE_TOKEN_MFA are each stored, restored and resumed to tokens."""
    async with stubbed_script(admin=admin, secret=secret) as (auth, svc):
        svc.initiate(
            challenge_response(
                "SELECT_MFA_TYPE",
                session(1),
                {"MFAS_CAN_CHOOSE": '["SMS_MFA","SOFTWARE_TOKEN_MFA"]', "USER_ID_FOR_SRP": UUID},
            ),
            username=ALIAS,
            PASSWORD=PASSWORD,
        )
        svc.respond(
            "SELECT_MFA_TYPE",
            {"ANSWER": "SOFTWARE_TOKEN_MFA"},
            challenge_response("SOFTWARE_TOKEN_MFA", session(2), {}),
            username=UUID,
            session=session(1),
        )
        svc.respond(
            "SOFTWARE_TOKEN_MFA",
            {"SOFTWARE_TOKEN_MFA_CODE": "123456"},
            tokens_response(),
            username=UUID,
            session=session(2),
        )

        step = round_trip(await auth.start(ALIAS, PASSWORD, flow=svc.password_flow))
        assert (step.name, step.session, step.username) == ("SELECT_MFA_TYPE", session(1), UUID)
        assert step.mfas_can_choose == ("SMS_MFA", "SOFTWARE_TOKEN_MFA")
        step = round_trip(await auth.resume(step, {"ANSWER": "SOFTWARE_TOKEN_MFA"}))
        assert (step.name, step.session, step.username) == ("SOFTWARE_TOKEN_MFA", session(2), UUID)
        result = await auth.resume(step, {"SOFTWARE_TOKEN_MFA_CODE": "123456"})

    assert_tokens(result)


@pytest.mark.parametrize(
    ("name", "key", "parameters"),
    [
        pytest.param(
            "EMAIL_OTP",
            "EMAIL_OTP_CODE",
            {"CODE_DELIVERY_DELIVERY_MEDIUM": "EMAIL", "CODE_DELIVERY_DESTINATION": "a***@e***"},
            id="EMAIL_OTP",
        ),
        pytest.param(
            "SMS_MFA",
            "SMS_MFA_CODE",
            {"CODE_DELIVERY_DELIVERY_MEDIUM": "SMS", "CODE_DELIVERY_DESTINATION": "+*******1234"},
            id="SMS_MFA",
        ),
        pytest.param("SOFTWARE_TOKEN_MFA", "SOFTWARE_TOKEN_MFA_CODE", {}, id="SOFTWARE_TOKEN_MFA"),
    ],
)
async def test_mfa_code_through_start_and_resume(
    admin: bool, secret: str | None, name: str, key: str, parameters: dict[str, str]
) -> None:
    """An MFA code challenge after the password keeps its delivery details across a round trip."""
    async with stubbed_script(admin=admin, secret=secret, client_metadata=META) as (auth, svc):
        svc.initiate(
            challenge_response(name, session(1), {**parameters, "USERNAME": UUID}),
            username=ALIAS,
            PASSWORD=PASSWORD,
        )
        svc.respond(name, {key: "246810"}, tokens_response(), username=UUID, session=session(1))

        step = await auth.start(ALIAS, PASSWORD, flow=svc.password_flow, client_metadata=META)
        restored = round_trip(step)
        assert (restored.name, restored.session, restored.username) == (name, session(1), UUID)
        assert restored.delivery_medium == parameters.get("CODE_DELIVERY_DELIVERY_MEDIUM")
        assert restored.destination == parameters.get("CODE_DELIVERY_DESTINATION")
        result = await auth.resume(restored, {key: "246810"}, client_metadata=META)

    assert_tokens(result)


async def test_custom_challenge_through_start_and_resume(admin: bool, secret: str | None) -> None:
    """Two CUSTOM_CHALLENGE rounds are each stored and resumed, with ClientMetadata on every call."""
    rounds = [
        {"question": "What is 2 + 2?", "USERNAME": UUID},
        {"captchaUrl": "https://example.com/c?id=2&x=%20", "empty": ""},
    ]
    async with stubbed_script(admin=admin, secret=secret, client_metadata=META) as (auth, svc):
        svc.initiate(
            challenge_response("CUSTOM_CHALLENGE", session(1), rounds[0]),
            username=ALIAS,
            flow="CUSTOM_AUTH",
        )
        svc.respond(
            "CUSTOM_CHALLENGE",
            {"ANSWER": "4"},
            challenge_response("CUSTOM_CHALLENGE", session(2), rounds[1]),
            username=UUID,
            session=session(1),
        )
        svc.respond(
            "CUSTOM_CHALLENGE",
            {"ANSWER": "xK9 q"},
            tokens_response(),
            username=UUID,
            session=session(2),
        )

        step = round_trip(await auth.start(ALIAS, flow="CUSTOM_AUTH", client_metadata=META))
        assert (step.session, step.username, dict(step.parameters)) == (
            session(1),
            UUID,
            rounds[0],
        )
        step = round_trip(await auth.resume(step, {"ANSWER": "4"}, client_metadata=META))
        assert (step.name, step.session, step.username, dict(step.parameters)) == (
            "CUSTOM_CHALLENGE",
            session(2),
            UUID,
            rounds[1],
        )
        result = await auth.resume(step, {"ANSWER": "xK9 q"}, client_metadata=META)

    assert_tokens(result)


@pytest.mark.parametrize(
    ("name", "key", "medium", "destination"),
    [
        ("EMAIL_OTP", "EMAIL_OTP_CODE", "EMAIL", "a***@e***"),
        ("SMS_OTP", "SMS_OTP_CODE", "SMS", "+*******9876"),
    ],
)
async def test_select_challenge_otp_through_start_and_resume(
    admin: bool, secret: str | None, name: str, key: str, medium: str, destination: str
) -> None:
    """SELECT_CHALLENGE answered with EMAIL_OTP / SMS_OTP, then the code, each after a round trip."""
    async with stubbed_script(admin=admin, secret=secret, client_metadata=META) as (auth, svc):
        svc.initiate(
            challenge_response(
                "SELECT_CHALLENGE",
                session(1),
                {"USERNAME": UUID},
                available=["EMAIL_OTP", "SMS_OTP", "WEB_AUTHN"],
            ),
            username=ALIAS,
            flow="USER_AUTH",
        )
        svc.respond(
            "SELECT_CHALLENGE",
            {"ANSWER": name},
            challenge_response(
                name,
                session(2),
                {"CODE_DELIVERY_DELIVERY_MEDIUM": medium, "CODE_DELIVERY_DESTINATION": destination},
            ),
            username=UUID,
            session=session(1),
        )
        svc.respond(name, {key: "31415926"}, tokens_response(), username=UUID, session=session(2))

        step = round_trip(await auth.start(ALIAS, flow="USER_AUTH", client_metadata=META))
        assert step.name == "SELECT_CHALLENGE"
        assert step.available_challenges == ("EMAIL_OTP", "SMS_OTP", "WEB_AUTHN")
        step = round_trip(await auth.resume(step, {"ANSWER": name}, client_metadata=META))
        assert (step.name, step.session, step.username) == (name, session(2), UUID)
        assert (step.delivery_medium, step.destination) == (medium, destination)
        result = await auth.resume(step, {key: "31415926"}, client_metadata=META)

    assert_tokens(result)


async def test_mfa_setup_email_through_start_and_resume(admin: bool, secret: str | None) -> None:
    """MFA_SETUP is resumed with EMAIL, then the EMAIL_OTP it leads to with the code."""
    address = "alice@example.com"
    async with stubbed_script(admin=admin, secret=secret, client_metadata=META) as (auth, svc):
        svc.initiate(
            challenge_response(
                "MFA_SETUP", session(1), {"MFAS_CAN_SETUP": '["EMAIL_OTP"]', "USERNAME": UUID}
            ),
            username=ALIAS,
            PASSWORD=PASSWORD,
        )
        svc.respond(
            "MFA_SETUP",
            {"EMAIL": address},
            challenge_response(
                "EMAIL_OTP",
                session(2),
                {
                    "CODE_DELIVERY_DELIVERY_MEDIUM": "EMAIL",
                    "CODE_DELIVERY_DESTINATION": "a***@e***",
                },
            ),
            username=UUID,
            session=session(1),
        )
        svc.respond(
            "EMAIL_OTP",
            {"EMAIL_OTP_CODE": "55667788"},
            tokens_response(),
            username=UUID,
            session=session(2),
        )

        step = round_trip(
            await auth.start(ALIAS, PASSWORD, flow=svc.password_flow, client_metadata=META)
        )
        assert (step.name, step.session, step.username) == ("MFA_SETUP", session(1), UUID)
        assert step.mfas_can_setup == ("EMAIL_OTP",)
        assert step.secret_code is None
        step = round_trip(await auth.resume(step, {"EMAIL": address}, client_metadata=META))
        assert (step.name, step.session, step.delivery_medium) == ("EMAIL_OTP", session(2), "EMAIL")
        result = await auth.resume(step, {"EMAIL_OTP_CODE": "55667788"}, client_metadata=META)

    assert_tokens(result)


async def test_mfa_setup_choosing_totp_through_start_and_resume(
    admin: bool, secret: str | None
) -> None:
    """MFA_SETUP offering TOTP and email: ANSWER=SOFTWARE_TOKEN_MFA fetches the secret, the code verifies it."""
    async with stubbed_script(admin=admin, secret=secret, client_metadata=META) as (auth, svc):
        svc.initiate(
            challenge_response(
                "MFA_SETUP",
                session(1),
                {"MFAS_CAN_SETUP": '["SOFTWARE_TOKEN_MFA","EMAIL_OTP"]', "USER_ID_FOR_SRP": UUID},
            ),
            username=ALIAS,
            PASSWORD=PASSWORD,
        )
        svc.stubber.add_response(
            "associate_software_token",
            {"SecretCode": SECRET_CODE, "Session": session(2)},
            {"Session": session(1)},
        )
        svc.stubber.add_response(
            "verify_software_token",
            {"Status": "SUCCESS", "Session": session(3)},
            {"Session": session(2), "UserCode": "123456"},
        )
        svc.respond("MFA_SETUP", {}, tokens_response(), username=UUID, session=session(3))

        step = round_trip(
            await auth.start(ALIAS, PASSWORD, flow=svc.password_flow, client_metadata=META)
        )
        # Both factors are offered: nothing is associated until the person chooses.
        assert (step.name, step.session, step.username) == ("MFA_SETUP", session(1), UUID)
        assert step.mfas_can_setup == ("SOFTWARE_TOKEN_MFA", "EMAIL_OTP")
        assert (step.secret_code, step.otpauth_uri) == (None, None)
        step = round_trip(
            await auth.resume(step, {"ANSWER": "SOFTWARE_TOKEN_MFA"}, client_metadata=META)
        )
        assert (step.name, step.session, step.username) == ("MFA_SETUP", session(2), UUID)
        assert step.secret_code == SECRET_CODE
        assert step.otpauth_uri == (
            f"otpauth://totp/Amazon%20Cognito:{UUID}?secret={SECRET_CODE}&issuer=Amazon%20Cognito"
        )
        result = await auth.resume(
            step, {"SOFTWARE_TOKEN_MFA_CODE": "123456"}, client_metadata=META
        )

    assert_tokens(result)


async def test_code_mismatch_on_a_restored_challenge_is_retried_after_a_round_trip(
    admin: bool, secret: str | None
) -> None:
    """A wrong code on a restored SOFTWARE_TOKEN_MFA hands it back; stored again, it is resumed."""
    async with stubbed_script(admin=admin, secret=secret) as (auth, svc):
        svc.initiate(
            challenge_response("SOFTWARE_TOKEN_MFA", session(1), {"USERNAME": UUID}),
            username=ALIAS,
            PASSWORD=PASSWORD,
        )
        svc.respond_error(
            "SOFTWARE_TOKEN_MFA",
            {"SOFTWARE_TOKEN_MFA_CODE": "000000"},
            "CodeMismatchException",
            "Invalid code received for user",
            username=UUID,
            session=session(1),
        )
        svc.respond(
            "SOFTWARE_TOKEN_MFA",
            {"SOFTWARE_TOKEN_MFA_CODE": "123456"},
            tokens_response(),
            username=UUID,
            session=session(1),
        )

        step = round_trip(await auth.start(ALIAS, PASSWORD, flow=svc.password_flow))
        with pytest.raises(CodeMismatchError) as info:
            await auth.resume(step, {"SOFTWARE_TOKEN_MFA_CODE": "000000"})
        assert info.value.challenge == step
        retry = round_trip(info.value.challenge)
        assert (retry.name, retry.session, retry.username) == (
            "SOFTWARE_TOKEN_MFA",
            session(1),
            UUID,
        )
        result = await auth.resume(retry, {"SOFTWARE_TOKEN_MFA_CODE": "123456"})

    assert_tokens(result)
