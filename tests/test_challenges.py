"""Every challenge moto cannot issue, as service conversations that check each request.

Each conversation (see ``conversations.py``) is written once and played by the
core alone and by a stubbed client, answered by handlers and by start() /
resume() across a JSON round trip, on the admin and the public API, with and
without a client secret. Every request must carry the Session of the previous
response, USERNAME, SECRET_HASH from that USERNAME, ClientMetadata where given
and the answer keys.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import pytest
from botocore.stub import ANY
from conversations import Conversation, Mode, Play, Same, answer_with, assert_signed_in
from stubbed import challenge_response, session, tokens_response

from cognito_flow import (
    Challenge,
    CodeMismatchError,
    Handler,
    NotAuthorizedError,
    ServiceError,
    UserNotFoundError,
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

USER = "alice"
#: A name the user types (an alias) and the canonical one the service answers with.
ALIAS = "alice@example.com"
UUID = "8f3b1c2e-5d4a-4e6f-9a7b-0c1d2e3f4a5b"
PASSWORD = "Corr3ct-Horse-Battery!"
NEW_PASSWORD = "N3w-Passw0rd-For-Alice!"
META = {"tenant": "acme", "source": "tests"}
SECRET_CODE = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
EMAILED = {"CODE_DELIVERY_DELIVERY_MEDIUM": "EMAIL", "CODE_DELIVERY_DESTINATION": "a***@e***"}
TEXTED = {"CODE_DELIVERY_DELIVERY_MEDIUM": "SMS", "CODE_DELIVERY_DESTINATION": "+*******1234"}
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


async def browser(options: str, challenge: Challenge) -> str:
    """The browser's navigator.credentials.get(), for the web_authn handler."""
    assert options == CREDENTIAL_REQUEST_OPTIONS
    return CREDENTIAL


def delivery(challenge: Challenge) -> dict[str, str | None]:
    """Where the challenge says the code went, as the service put it."""
    return {
        "CODE_DELIVERY_DELIVERY_MEDIUM": challenge.delivery_medium,
        "CODE_DELIVERY_DESTINATION": challenge.destination,
    }


#: A code challenge: (its name, its parameters, the answers, the built-in handler giving them).
Code = tuple[str, dict[str, str], dict[str, str], Handler]
#: MFA after the password.
EMAIL_MFA: Code = (
    "EMAIL_OTP",
    EMAILED,
    {"EMAIL_OTP_CODE": "24681357"},
    email_otp(answer_with("24681357")),
)
SMS_MFA: Code = ("SMS_MFA", TEXTED, {"SMS_MFA_CODE": "654321"}, sms_mfa(answer_with("654321")))
TOTP: Code = (
    "SOFTWARE_TOKEN_MFA",
    {},
    {"SOFTWARE_TOKEN_MFA_CODE": "123456"},
    software_token_mfa(answer_with("123456")),
)
MFA_CODES = [EMAIL_MFA, SMS_MFA, TOTP]
#: USER_AUTH with no password.
PASSWORDLESS: list[Code] = [
    (
        "SMS_OTP",
        {**TEXTED, "CODE_DELIVERY_DESTINATION": "+*******9876"},
        {"SMS_OTP_CODE": "97531"},
        sms_otp(answer_with("97531")),
    ),
    ("EMAIL_OTP", EMAILED, {"EMAIL_OTP_CODE": "31415926"}, email_otp(answer_with("31415926"))),
    (
        "WEB_AUTHN",
        {"CREDENTIAL_REQUEST_OPTIONS": CREDENTIAL_REQUEST_OPTIONS},
        {"CREDENTIAL": CREDENTIAL},
        web_authn(browser),
    ),
]


@pytest.mark.parametrize(
    ("code", "opening"),
    [(code, {"PASSWORD": PASSWORD}) for code in MFA_CODES]
    + [(code, {"PREFERRED_CHALLENGE": code[0]}) for code in PASSWORDLESS]
    # A PASSWORD preference can still be followed by MFA.
    + [(TOTP, {"PREFERRED_CHALLENGE": "PASSWORD", "PASSWORD": PASSWORD})],
    ids=[f"{code[0]}-after-password" for code in MFA_CODES]
    + [f"{code[0]}-preferred" for code in PASSWORDLESS]
    + ["SOFTWARE_TOKEN_MFA-after-preferred-password"],
)
async def test_one_challenge_then_tokens(
    talk: Conversation, play: Play, code: Code, opening: dict[str, str]
) -> None:
    """An MFA code after the password, or USER_AUTH's preferred SMS_OTP / EMAIL_OTP / WEB_AUTHN with no password.

    The answer goes for the canonical name the service gave, on the challenge's Session.
    """
    name, parameters, answers, handler = code
    flow = "USER_AUTH" if "PREFERRED_CHALLENGE" in opening else None
    talk.client_metadata = META
    talk.initiate(
        challenge_response(name, session(1), {**parameters, "USERNAME": UUID}),
        username=ALIAS,
        flow=flow,
        auth=opening,
    )
    talk.respond(name, answers, tokens_response(), username=UUID, session=session(1))

    outcome = await play(
        talk,
        ALIAS,
        opening.get("PASSWORD"),
        answers=[answers],
        handlers={name: handler},
        flow=flow,
        preferred_challenge=opening.get("PREFERRED_CHALLENGE"),
    )

    assert_signed_in(outcome)
    [asked] = outcome.challenges
    assert (asked.name, asked.session, asked.username) == (name, session(1), UUID)
    assert dict(asked.parameters) == {**parameters, "USERNAME": UUID}
    assert {k: v for k, v in delivery(asked).items() if v is not None} == {
        k: v for k, v in parameters.items() if k.startswith("CODE_DELIVERY")
    }
    assert asked.credential_request_options == parameters.get("CREDENTIAL_REQUEST_OPTIONS")


# -- a choice first: SELECT_MFA_TYPE or SELECT_CHALLENGE -------------------------------

MFAS = ["SMS_MFA", "SOFTWARE_TOKEN_MFA", "EMAIL_OTP"]
AVAILABLE = ["PASSWORD", "PASSWORD_SRP", "EMAIL_OTP", "SMS_OTP", "WEB_AUTHN"]


async def choose_sms(challenge: Challenge) -> str:
    """A SELECT_MFA_TYPE callback: it sees MFAS_CAN_CHOOSE parsed."""
    assert challenge.mfas_can_choose == tuple(MFAS)
    return "SMS_MFA"


#: SELECT_MFA_TYPE after the password: each factor with a handler choosing it.
MFA_CHOICES = [
    (EMAIL_MFA, select_mfa_type(prefer=["EMAIL_OTP"])),
    (SMS_MFA, select_mfa_type(prefer=choose_sms)),
    (TOTP, select_mfa_type()),  # its default order puts the app first
]


@pytest.mark.parametrize(
    ("choice", "code", "chooser"),
    [("SELECT_MFA_TYPE", code, chooser) for code, chooser in MFA_CHOICES]
    + [("SELECT_CHALLENGE", code, select_challenge(prefer=[code[0]])) for code in PASSWORDLESS],
    ids=[f"SELECT_MFA_TYPE-{code[0]}" for code, _ in MFA_CHOICES]
    + [f"SELECT_CHALLENGE-{code[0]}" for code in PASSWORDLESS],
)
async def test_a_choice_then_the_chosen_challenge(
    talk: Conversation, play: Play, choice: str, code: Code, chooser: Handler
) -> None:
    """SELECT_MFA_TYPE (after the password) or SELECT_CHALLENGE (USER_AUTH): the chosen challenge follows on the next Session."""
    name, parameters, answers, handler = code
    talk.client_metadata = META
    if choice == "SELECT_MFA_TYPE":
        first = {"MFAS_CAN_CHOOSE": json.dumps(MFAS), "USER_ID_FOR_SRP": UUID}
        password, flow, available = PASSWORD, None, None
    else:
        first, password, flow, available = {"USERNAME": UUID}, None, "USER_AUTH", AVAILABLE
    opening = {"PASSWORD": password} if password else {}
    talk.initiate(
        challenge_response(choice, session(1), first, available=available),
        username=ALIAS,
        flow=flow,
        auth=opening,
    )
    talk.respond(
        choice,
        {"ANSWER": name},
        challenge_response(name, session(2), parameters),
        username=UUID,
        session=session(1),
    )
    talk.respond(name, answers, tokens_response(), username=UUID, session=session(2))

    outcome = await play(
        talk,
        ALIAS,
        password,
        answers=[{"ANSWER": name}, answers],
        handlers={choice: chooser, name: handler},
        flow=flow,
    )

    assert_signed_in(outcome)
    select, chosen = outcome.challenges
    assert (select.name, select.session, select.username) == (choice, session(1), UUID)
    if choice == "SELECT_MFA_TYPE":
        assert (select.mfas_can_choose, select.available_challenges) == (tuple(MFAS), ())
    else:
        assert (select.mfas_can_choose, select.available_challenges) == ((), tuple(AVAILABLE))
    assert (chosen.name, chosen.session, chosen.username) == (name, session(2), UUID)
    assert dict(chosen.parameters) == parameters


# -- USER_AUTH: choosing PASSWORD, or preferring it ------------------------------------


async def choose_password(challenge: Challenge) -> str:
    """A SELECT_CHALLENGE callback: the challenge it sees holds no password."""
    assert PASSWORD not in json.dumps(challenge.to_dict())
    return "PASSWORD"


async def test_select_challenge_password(talk: Conversation, play: Play, mode: Mode) -> None:
    """Choosing PASSWORD sends the password: start()'s own (a handler never sees it), or resume()'s answer."""
    available = ["PASSWORD", "PASSWORD_SRP", "EMAIL_OTP", "WEB_AUTHN"]
    talk.client_metadata = META
    talk.initiate(
        challenge_response("SELECT_CHALLENGE", session(1), {}, available=available),
        username=USER,
        flow="USER_AUTH",
    )
    talk.respond(
        "SELECT_CHALLENGE",
        {"ANSWER": "PASSWORD", "PASSWORD": PASSWORD},
        tokens_response(),
        username=USER,
        session=session(1),
    )
    # resume() has only the challenge: the caller adds the password (see its docstring).
    answers = {"ANSWER": "PASSWORD"}
    if mode == "resume":
        answers["PASSWORD"] = PASSWORD

    outcome = await play(
        talk,
        USER,
        PASSWORD,
        answers=[answers],
        handlers={"SELECT_CHALLENGE": select_challenge(prefer=choose_password)},
        flow="USER_AUTH",
    )

    assert_signed_in(outcome)
    [asked] = outcome.challenges
    assert asked.available_challenges == tuple(available)
    assert PASSWORD not in json.dumps(asked.to_dict())


@pytest.mark.modes("handlers")  # no challenge: nothing to answer either way
async def test_password_as_preferred_challenge(talk: Conversation, play: Play) -> None:
    """USER_AUTH preferring PASSWORD sends the password in AuthParameters."""
    talk.client_metadata = META
    talk.initiate(
        tokens_response(),
        username=USER,
        flow="USER_AUTH",
        PREFERRED_CHALLENGE="PASSWORD",
        PASSWORD=PASSWORD,
    )

    outcome = await play(talk, USER, PASSWORD, flow="USER_AUTH", preferred_challenge="PASSWORD")

    assert_signed_in(outcome)
    assert outcome.challenges == []


# -- CUSTOM_AUTH ---------------------------------------------------------------------


async def test_custom_auth_three_rounds(talk: Conversation, play: Play, mode: Mode) -> None:
    """CUSTOM_CHALLENGE over three rounds: parameters reach the caller untouched, ANSWER goes back."""
    rounds = [
        {"question": "What is 2 + 2?", "round": "1", "USERNAME": UUID},
        {"question": "Capital of France?", "hint": '{"letters": 5}'},
        {"captchaUrl": "https://example.com/c?id=3&x=%20", "empty": ""},
    ]
    answers = {"What is 2 + 2?": "4", "Capital of France?": "Paris"}
    talk.client_metadata = META
    talk.initiate(
        challenge_response("CUSTOM_CHALLENGE", session(1), rounds[0]),
        username=ALIAS,
        flow="CUSTOM_AUTH",
    )
    for n, answer in enumerate([*answers.values(), "xK9 q"], start=1):
        following = (
            challenge_response("CUSTOM_CHALLENGE", session(n + 1), rounds[n])
            if n < 3
            else tokens_response()
        )
        talk.respond(
            "CUSTOM_CHALLENGE", {"ANSWER": answer}, following, username=UUID, session=session(n)
        )

    async def callback(challenge: Challenge) -> str:
        return answers.get(challenge.parameters.get("question", ""), "xK9 q")

    outcome = await play(
        talk,
        ALIAS,
        answers=[{"ANSWER": "4"}, {"ANSWER": "Paris"}, {"ANSWER": "xK9 q"}],
        handlers={"CUSTOM_CHALLENGE": custom_challenge(callback)},
        flow="CUSTOM_AUTH",
    )

    assert_signed_in(outcome)
    assert [dict(c.parameters) for c in outcome.challenges] == rounds
    assert [(c.session, c.username) for c in outcome.challenges] == [
        (session(1), UUID),
        (session(2), UUID),
        (session(3), UUID),
    ]
    # Handlers are told the round and the ClientMetadata; resume() asks no handler.
    expected = [(1, META), (2, META), (3, META)] if mode == "handlers" else []
    assert [(c.round, c.client_metadata) for c in outcome.contexts] == expected


# -- MFA_SETUP -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "offered", [["EMAIL_OTP"], ["SOFTWARE_TOKEN_MFA", "EMAIL_OTP"]], ids=["email", "totp-or-email"]
)
async def test_mfa_setup_email(talk: Conversation, play: Play, offered: list[str]) -> None:
    """MFA_SETUP offering EMAIL_OTP is answered with EMAIL on its own Session, then the emailed code finishes."""
    address = "alice@example.com"
    talk.client_metadata = META
    talk.initiate(
        challenge_response(
            "MFA_SETUP", session(1), {"MFAS_CAN_SETUP": json.dumps(offered), "USERNAME": UUID}
        ),
        username=ALIAS,
        PASSWORD=PASSWORD,
    )
    talk.respond(
        "MFA_SETUP",
        {"EMAIL": address},
        challenge_response("EMAIL_OTP", session(2), EMAILED),
        username=UUID,
        session=session(1),
    )
    answers = {"EMAIL_OTP_CODE": "55667788"}
    talk.respond("EMAIL_OTP", answers, tokens_response(), username=UUID, session=session(2))

    outcome = await play(
        talk,
        ALIAS,
        PASSWORD,
        answers=[{"EMAIL": address}, answers],
        handlers={
            "MFA_SETUP": mfa_setup_email(answer_with(address)),
            "EMAIL_OTP": email_otp(answer_with("55667788")),
        },
    )

    assert_signed_in(outcome)
    setup, code = outcome.challenges
    assert (setup.name, setup.session, setup.username) == ("MFA_SETUP", session(1), UUID)
    assert setup.mfas_can_setup == tuple(offered)
    assert setup.secret_code is None
    assert (code.name, code.session, code.delivery_medium) == ("EMAIL_OTP", session(2), "EMAIL")


@pytest.mark.parametrize(
    "offered",
    [["SOFTWARE_TOKEN_MFA"], ["SOFTWARE_TOKEN_MFA", "EMAIL_OTP"]],
    ids=["totp-only", "totp-or-email"],
)
async def test_mfa_setup_totp(talk: Conversation, play: Play, offered: list[str]) -> None:
    """MFA_SETUP for an authenticator app: the secret is fetched, a wrong first code is asked again, the right one verified.

    Where email is offered too, the person first chooses (ANSWER=SOFTWARE_TOKEN_MFA);
    nothing is associated before. A wrong first code is refused by
    VerifySoftwareToken with EnableSoftwareTokenMFAException (real Cognito's
    answer; moto's is CodeMismatchException): a CodeMismatchError carrying the setup.
    """
    talk.client_metadata = META
    talk.initiate(
        challenge_response(
            "MFA_SETUP",
            session(1),
            {"MFAS_CAN_SETUP": json.dumps(offered), "USER_ID_FOR_SRP": UUID},
        ),
        username=ALIAS,
        PASSWORD=PASSWORD,
    )
    talk.call(
        "associate_software_token",
        {"Session": session(1)},
        {"SecretCode": SECRET_CODE, "Session": session(2)},
    )
    refused = (
        "EnableSoftwareTokenMFAException",
        "Code mismatch and fail enable Software Token MFA",
    )
    talk.call("verify_software_token", {"Session": session(2), "UserCode": "000000"}, error=refused)
    talk.call(
        "verify_software_token",
        {"Session": session(2), "UserCode": "123456"},
        {"Status": "SUCCESS", "Session": session(3)},
    )
    talk.respond("MFA_SETUP", {}, tokens_response(), username=UUID, session=session(3))
    choice = [{"ANSWER": "SOFTWARE_TOKEN_MFA"}] if len(offered) > 1 else []
    codes = [{"SOFTWARE_TOKEN_MFA_CODE": "000000"}, {"SOFTWARE_TOKEN_MFA_CODE": "123456"}]

    outcome = await play(talk, ALIAS, PASSWORD, answers=choice + codes)

    assert_signed_in(outcome)
    *chose, setup = outcome.challenges
    for asked in chose:
        assert (asked.name, asked.session, asked.username) == ("MFA_SETUP", session(1), UUID)
        assert asked.mfas_can_setup == tuple(offered)
        assert (asked.secret_code, asked.otpauth_uri) == (None, None)
    assert len(chose) == len(choice)
    assert (setup.name, setup.session, setup.username) == ("MFA_SETUP", session(2), UUID)
    assert setup.secret_code == SECRET_CODE
    assert setup.otpauth_uri == (
        f"otpauth://totp/Amazon%20Cognito:{UUID}?secret={SECRET_CODE}&issuer=Amazon%20Cognito"
    )
    [wrong] = outcome.errors
    assert isinstance(wrong, CodeMismatchError)
    assert wrong.code == "EnableSoftwareTokenMFAException"
    assert wrong.challenge == setup


# -- NEW_PASSWORD_REQUIRED and the canonical user name -------------------------------


async def test_new_password_required(talk: Conversation, play: Play) -> None:
    """NEW_PASSWORD_REQUIRED with requiredAttributes is answered with the password and those attributes."""
    talk.client_metadata = META
    talk.initiate(
        challenge_response(
            "NEW_PASSWORD_REQUIRED",
            session(1),
            {
                "USER_ID_FOR_SRP": USER,
                "requiredAttributes": '["userAttributes.name","userAttributes.phone_number"]',
                "userAttributes": '{"email_verified":"true","email":"alice@example.com"}',
            },
        ),
        username=USER,
        PASSWORD=PASSWORD,
    )
    answers = {
        "NEW_PASSWORD": NEW_PASSWORD,
        "userAttributes.name": "Alice Liddell",
        "userAttributes.phone_number": "+15555550100",
    }
    talk.respond(
        "NEW_PASSWORD_REQUIRED", answers, tokens_response(), username=USER, session=session(1)
    )

    async def prompt(challenge: Challenge) -> tuple[str, Mapping[str, str]]:
        return NEW_PASSWORD, {"name": "Alice Liddell", "phone_number": "+15555550100"}

    outcome = await play(
        talk,
        USER,
        PASSWORD,
        answers=[answers],
        handlers={"NEW_PASSWORD_REQUIRED": new_password(prompt)},
    )

    assert_signed_in(outcome)
    [asked] = outcome.challenges
    assert asked.required_attributes == ("name", "phone_number")
    assert asked.user_attributes["email"] == "alice@example.com"


@pytest.mark.parametrize("key", ["USERNAME", "USER_ID_FOR_SRP"])
async def test_canonical_username_sticks(talk: Conversation, play: Play, key: str) -> None:
    """An alias is replaced by the name the service returns, for every later answer and SECRET_HASH."""
    talk.client_metadata = META
    talk.initiate(
        challenge_response(
            "NEW_PASSWORD_REQUIRED",
            session(1),
            {key: UUID, "requiredAttributes": "[]", "userAttributes": "{}"},
        ),
        username=ALIAS,
        PASSWORD=PASSWORD,
    )
    talk.respond(
        "NEW_PASSWORD_REQUIRED",
        {"NEW_PASSWORD": NEW_PASSWORD},
        # The next challenge does not repeat the name: it must stick.
        challenge_response(
            "SELECT_MFA_TYPE", session(2), {"MFAS_CAN_CHOOSE": '["SMS_MFA","SOFTWARE_TOKEN_MFA"]'}
        ),
        username=UUID,
        session=session(1),
    )
    talk.respond(
        "SELECT_MFA_TYPE",
        {"ANSWER": "SOFTWARE_TOKEN_MFA"},
        challenge_response("SOFTWARE_TOKEN_MFA", session(3), {}),
        username=UUID,
        session=session(2),
    )
    talk.respond(
        "SOFTWARE_TOKEN_MFA",
        {"SOFTWARE_TOKEN_MFA_CODE": "424242"},
        tokens_response(),
        username=UUID,
        session=session(3),
    )

    outcome = await play(
        talk,
        ALIAS,
        PASSWORD,
        answers=[
            {"NEW_PASSWORD": NEW_PASSWORD},
            {"ANSWER": "SOFTWARE_TOKEN_MFA"},
            {"SOFTWARE_TOKEN_MFA_CODE": "424242"},
        ],
        handlers={"NEW_PASSWORD_REQUIRED": new_password(answer_with(NEW_PASSWORD))},
    )

    assert_signed_in(outcome)
    assert [c.username for c in outcome.challenges] == [UUID, UUID, UUID]


async def test_user_id_for_srp_wins_over_username(talk: Conversation, play: Play) -> None:
    """When both are given, USER_ID_FOR_SRP is the canonical name the answers are sent for."""
    talk.initiate(
        challenge_response(
            "SOFTWARE_TOKEN_MFA", session(1), {"USERNAME": ALIAS, "USER_ID_FOR_SRP": UUID}
        ),
        username=ALIAS,
        PASSWORD=PASSWORD,
    )
    answers: dict[str, Any] = {"SOFTWARE_TOKEN_MFA_CODE": "135790"}
    talk.respond(
        "SOFTWARE_TOKEN_MFA", answers, tokens_response(), username=UUID, session=session(1)
    )

    outcome = await play(talk, ALIAS, PASSWORD, answers=[answers])

    assert_signed_in(outcome)
    assert outcome.challenges[0].username == UUID


# -- USER_SRP_AUTH: PASSWORD_VERIFIER, answered by the core ---------------------------

#: What PASSWORD_VERIFIER carries besides the names (SRP_B nonzero modulo N).
VERIFIER = {"SALT": "ab12", "SRP_B": "3" * 700, "SECRET_BLOCK": "c2VjcmV0"}


def password_verifier(talk: Conversation, *, username: str, user_id: str) -> Same:
    """USER_SRP_AUTH opens; PASSWORD_VERIFIER comes, as real Cognito sends it, with no Session.

    Returns the matcher of the claim's signature (SRP_A, the signature and the
    TIMESTAMP are the client's own draws; FakeCognito's tests verify them).
    """
    talk.initiate(
        challenge_response(
            "PASSWORD_VERIFIER",
            None,
            {**VERIFIER, "USERNAME": username, "USER_ID_FOR_SRP": user_id},
        ),
        username=ALIAS,
        flow="USER_SRP_AUTH",
        SRP_A=ANY,
    )
    return Same()


def claim(signature: Same) -> dict[str, Any]:
    """The PASSWORD_VERIFIER answer's own keys (USERNAME and SECRET_HASH are added by the script)."""
    return {
        "PASSWORD_CLAIM_SECRET_BLOCK": VERIFIER["SECRET_BLOCK"],
        "PASSWORD_CLAIM_SIGNATURE": signature,
        "TIMESTAMP": ANY,
    }


@pytest.mark.parametrize("moto", [False, True], ids=["cognito", "moto-unknown-user-id"])
async def test_password_verifier(talk: Conversation, play: Play, moto: bool) -> None:
    """The core answers PASSWORD_VERIFIER as USER_ID_FOR_SRP, with no Session, and the MFA follows.

    A service that cannot find USER_ID_FOR_SRP (moto, where users sign in by
    user name) gets the same claim once more as USERNAME; later answers go
    for the name that worked, and a later unknown-user refusal is not retried.
    """
    signature = password_verifier(talk, username=USER, user_id=UUID)
    mfa = challenge_response("SOFTWARE_TOKEN_MFA", session(1))
    if moto:
        unknown = ("UserNotFoundException", "User does not exist.")
        talk.respond(
            "PASSWORD_VERIFIER", claim(signature), None, username=UUID, session=None, error=unknown
        )
    talk.respond(
        "PASSWORD_VERIFIER", claim(signature), mfa, username=USER if moto else UUID, session=None
    )
    code = {"SOFTWARE_TOKEN_MFA_CODE": "123456"}
    if moto:
        talk.respond(
            "SOFTWARE_TOKEN_MFA", code, None, username=USER, session=session(1), error=unknown
        )
    else:
        talk.respond(
            "SOFTWARE_TOKEN_MFA", code, tokens_response(), username=UUID, session=session(1)
        )

    outcome = await play(talk, ALIAS, PASSWORD, answers=[code], flow="USER_SRP_AUTH")

    [asked] = outcome.challenges
    assert (asked.name, asked.session) == ("SOFTWARE_TOKEN_MFA", session(1))
    if moto:
        assert asked.username == USER
        assert isinstance(outcome.error, UserNotFoundError)
    else:
        assert asked.username == UUID
        assert_signed_in(outcome)


@pytest.mark.modes("handlers")  # the sign-in ends before any challenge reaches the caller
@pytest.mark.parametrize(
    ("username", "code", "error"),
    [
        pytest.param(UUID, "UserNotFoundException", UserNotFoundError, id="names-agree"),
        pytest.param(USER, "NotAuthorizedException", NotAuthorizedError, id="wrong-password"),
    ],
)
async def test_password_verifier_refused(
    talk: Conversation, play: Play, username: str, code: str, error: type[ServiceError]
) -> None:
    """Only an unknown USER_ID_FOR_SRP with another USERNAME is retried: other refusals end the sign-in."""
    signature = password_verifier(talk, username=username, user_id=UUID)
    refused = (code, "refused")
    talk.respond(
        "PASSWORD_VERIFIER", claim(signature), None, username=UUID, session=None, error=refused
    )

    outcome = await play(talk, ALIAS, PASSWORD, flow="USER_SRP_AUTH")

    assert type(outcome.error) is error


# -- PASSWORD and PASSWORD_SRP as challenges; device challenges without a device -------


def password_challenge(talk: Conversation, name: str) -> None:
    """USER_AUTH with no preference; the service asks for PASSWORD or PASSWORD_SRP on session(1).

    PASSWORD is answered with the password; PASSWORD_SRP with SRP_A only (the
    password keys the exchange and is never sent), then PASSWORD_VERIFIER.
    """
    talk.initiate(
        challenge_response(name, session(1), {"USERNAME": UUID}), username=ALIAS, flow="USER_AUTH"
    )
    if name == "PASSWORD":
        talk.respond(
            name, {"PASSWORD": PASSWORD}, tokens_response(), username=UUID, session=session(1)
        )
        return
    verifier = {**VERIFIER, "USERNAME": UUID, "USER_ID_FOR_SRP": UUID}
    talk.respond(
        name,
        {"SRP_A": ANY},
        challenge_response("PASSWORD_VERIFIER", session(2), verifier),
        username=UUID,
        session=session(1),
    )
    talk.respond(
        "PASSWORD_VERIFIER", claim(Same()), tokens_response(), username=UUID, session=session(2)
    )


@pytest.mark.modes("handlers")  # the core answers: no challenge reaches the caller
@pytest.mark.parametrize("name", ["PASSWORD", "PASSWORD_SRP"])
async def test_password_challenge_answered_by_the_core(
    talk: Conversation, play: Play, name: str
) -> None:
    """PASSWORD or PASSWORD_SRP asked by the service is answered with the password start() was given."""
    password_challenge(talk, name)

    outcome = await play(talk, ALIAS, PASSWORD, flow="USER_AUTH")

    assert_signed_in(outcome)
    assert outcome.challenges == []


@pytest.mark.parametrize("name", ["PASSWORD", "PASSWORD_SRP"])
async def test_password_challenge_answered_by_the_caller(
    talk: Conversation, play: Play, name: str
) -> None:
    """Without a password given to start(), PASSWORD or PASSWORD_SRP goes to the caller, whose PASSWORD answers it."""
    password_challenge(talk, name)

    outcome = await play(talk, ALIAS, answers=[{"PASSWORD": PASSWORD}], flow="USER_AUTH")

    assert_signed_in(outcome)
    [asked] = outcome.challenges
    assert (asked.name, asked.session, asked.username) == (name, session(1), UUID)


@pytest.mark.modes("resume")  # nobody can answer it: start() hands it back
@pytest.mark.parametrize("name", ["DEVICE_SRP_AUTH", "DEVICE_PASSWORD_VERIFIER"])
async def test_device_challenge_without_a_device_goes_to_the_caller(
    talk: Conversation, play: Play, name: str
) -> None:
    """A device challenge in a sign-in with no remembered device is handed over as it came."""
    parameters = {"USERNAME": UUID, **(VERIFIER if name == "DEVICE_PASSWORD_VERIFIER" else {})}
    talk.initiate(
        challenge_response(name, session(1), parameters), username=ALIAS, PASSWORD=PASSWORD
    )

    outcome = await play(talk, ALIAS, PASSWORD)

    [asked] = outcome.challenges
    assert (asked.name, asked.session, dict(asked.parameters)) == (name, session(1), parameters)
    assert (outcome.result, outcome.errors) == (None, [])
