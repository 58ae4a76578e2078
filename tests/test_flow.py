"""The sans-IO core, driven step by step with plain dicts."""

from __future__ import annotations

import json
from typing import Any

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cognito_flow import (
    AuthenticationResult,
    AuthFlow,
    Challenge,
    ChallengeName,
    CodeMismatchError,
    CognitoFlowError,
    ConfigurationError,
    InvalidChallengeError,
    TooManyChallengesError,
    UnexpectedResponseError,
)
from cognito_flow._config import FlowConfig
from cognito_flow._devices import RememberedDevice
from cognito_flow._events import Call, Compute
from cognito_flow._flow import SignIn
from cognito_flow._requests import secret_hash
from cognito_flow.exceptions import TransportError, error_for_service

POOL = "eu-west-1_AbC123"
CLIENT = "client-id"
SECRET = "client-secret-value"
TOKENS = {"AccessToken": "a.b.c", "IdToken": "i.d.t", "RefreshToken": "r", "ExpiresIn": 3600}


def config(**kw: Any) -> FlowConfig:
    kw.setdefault("user_pool_id", POOL)
    kw.setdefault("client_id", CLIENT)
    return FlowConfig(**kw)


def challenge_response(name: str, session: str, **params: str) -> dict[str, Any]:
    return {"ChallengeName": name, "Session": session, "ChallengeParameters": params}


# moto encodes with latin-1 where Cognito uses UTF-8, so only ASCII names can
# be checked against it.
@pytest.mark.parametrize("username", ["user", "alice@example.com", "7d1f2c3a-9b8e-4f6a"])
def test_secret_hash_matches_an_independent_implementation(username: str) -> None:
    """SECRET_HASH is what moto's server-side check accepts."""
    from moto.cognitoidp.utils import check_secret_hash

    value = secret_hash(username, CLIENT, SECRET)
    assert check_secret_hash(SECRET, CLIENT, username, value)
    assert not check_secret_hash(SECRET, CLIENT, username + "x", value)


def test_required_attributes_must_be_answered() -> None:
    """NEW_PASSWORD_REQUIRED refuses answers missing a requiredAttributes entry."""
    sign_in = SignIn(config())
    sign_in.initiate("alice", "pw")
    challenge = sign_in.receive(
        challenge_response(
            "NEW_PASSWORD_REQUIRED",
            "s1-session-value-0001",
            requiredAttributes=json.dumps(["userAttributes.name", "userAttributes.email"]),
        )
    )
    assert isinstance(challenge, Challenge)
    assert challenge.required_attributes == ("name", "email")
    with pytest.raises(ConfigurationError, match=r"userAttributes\.email"):
        sign_in.answer(challenge, {"NEW_PASSWORD": "new", "userAttributes.name": "Alice"})
    call = sign_in.answer(
        challenge,
        {"NEW_PASSWORD": "new", "userAttributes.name": "A", "userAttributes.email": "a@x.io"},
    )
    assert isinstance(call, Call)
    assert call.params["ChallengeResponses"]["userAttributes.email"] == "a@x.io"


@pytest.mark.parametrize(
    ("name", "answers", "expected"),
    [
        ("SMS_MFA", {}, "SMS_MFA_CODE"),
        ("SOFTWARE_TOKEN_MFA", {"SMS_MFA_CODE": "1"}, "SOFTWARE_TOKEN_MFA_CODE"),
        ("CUSTOM_CHALLENGE", {}, "ANSWER"),
        ("WEB_AUTHN", {}, "CREDENTIAL"),
    ],
)
def test_answers_missing_their_key_are_refused(
    name: str, answers: dict[str, str], expected: str
) -> None:
    """Answers without the challenge's own key fail before any call, naming the key."""
    sign_in = SignIn(config())
    sign_in.initiate("alice", "pw")
    challenge = sign_in.receive(challenge_response(name, "s1-session-value-0001"))
    assert isinstance(challenge, Challenge)
    with pytest.raises(ConfigurationError, match=expected):
        sign_in.answer(challenge, answers)


@pytest.mark.parametrize("key", ["USERNAME", "SECRET_HASH", "DEVICE_KEY", "Session"])
def test_answers_may_not_set_what_the_core_adds(key: str) -> None:
    """USERNAME, SECRET_HASH, DEVICE_KEY and Session are the core's to set."""
    sign_in = SignIn(config())
    sign_in.initiate("alice", "pw")
    challenge = sign_in.receive(challenge_response("SMS_MFA", "s1-session-value-0001"))
    assert isinstance(challenge, Challenge)
    with pytest.raises(ConfigurationError, match=key):
        sign_in.answer(challenge, {"SMS_MFA_CODE": "1", key: "x"})


def test_non_string_answers_are_refused() -> None:
    """An answer value that is not a string is a ConfigurationError, not a TypeError."""
    sign_in = SignIn(config())
    sign_in.initiate("alice", "pw")
    challenge = sign_in.receive(challenge_response("SMS_MFA", "s1-session-value-0001"))
    assert isinstance(challenge, Challenge)
    with pytest.raises(ConfigurationError, match="must be a string"):
        sign_in.answer(challenge, {"SMS_MFA_CODE": 123456})


def test_loop_guard_stops_endless_challenges() -> None:
    """The round after max_rounds raises TooManyChallengesError."""
    sign_in = SignIn(config(max_rounds=3))
    sign_in.initiate("alice", "pw")
    for round_ in range(3):
        challenge = sign_in.receive(
            challenge_response("CUSTOM_CHALLENGE", f"s{round_}-session-value-000{round_}")
        )
        assert isinstance(challenge, Challenge)
        sign_in.answer(challenge, {"ANSWER": "x"})
    with pytest.raises(TooManyChallengesError, match="3 challenge rounds"):
        sign_in.receive(challenge_response("CUSTOM_CHALLENGE", "s9-session-value-0009"))


@pytest.mark.parametrize(
    "response",
    [
        {},
        {"ResponseMetadata": {}},
        {"ChallengeName": "SMS_MFA", "Session": 7},
        {"ChallengeName": 7, "Session": "s"},
        {"ChallengeName": "SMS_MFA", "Session": "s", "ChallengeParameters": "nope"},
        {"ChallengeName": "SMS_MFA", "Session": "s", "ChallengeParameters": {"A": object()}},
        {"AuthenticationResult": {}},
        {"AuthenticationResult": {"AccessToken": "a", "ExpiresIn": "soon"}},
        {"AuthenticationResult": {"AccessToken": "a", "NewDeviceMetadata": {"DeviceKey": 1}}},
        {"AuthenticationResult": []},
    ],
)
def test_unexpected_responses_raise_a_flow_error(response: dict[str, Any]) -> None:
    """Shapes the core does not know raise UnexpectedResponseError, never KeyError/TypeError."""
    sign_in = SignIn(config())
    sign_in.initiate("alice", "pw")
    with pytest.raises(UnexpectedResponseError):
        sign_in.receive(response)


def test_non_mapping_response_is_unexpected() -> None:
    """A response that is not an object is an UnexpectedResponseError."""
    sign_in = SignIn(config())
    sign_in.initiate("alice", "pw")
    with pytest.raises(UnexpectedResponseError):
        sign_in.receive(["nope"])


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"username": "", "password": "pw"}, "username"),
        ({"username": "alice", "password": None}, "needs a password"),
        ({"username": "alice", "password": "pw", "flow": "NOPE"}, "not supported"),
        ({"username": "alice", "password": "pw", "flow": "USER_PASSWORD_AUTH"}, "not supported"),
        ({"username": "alice", "password": "pw", "flow": "REFRESH_TOKEN_AUTH"}, "refresh()"),
    ],
)
def test_bad_input_fails_before_any_call(kwargs: dict[str, Any], message: str) -> None:
    """Bad arguments raise ConfigurationError naming the problem."""
    sign_in = SignIn(config())
    with pytest.raises(ConfigurationError, match=message.replace("(", r"\(").replace(")", r"\)")):
        sign_in.initiate(kwargs["username"], kwargs["password"], kwargs.get("flow"))


def test_bad_config_is_refused() -> None:
    """A pool id without a region or a zero loop guard fail at construction."""
    with pytest.raises(ConfigurationError, match="user_pool_id"):
        FlowConfig(user_pool_id="nope", client_id="c")
    with pytest.raises(ConfigurationError, match="max_rounds"):
        FlowConfig(user_pool_id=POOL, client_id="c", max_rounds=0)


def test_refresh_asks_get_tokens_with_the_client_secret() -> None:
    """A refresh is GetTokensFromRefreshToken, with ClientSecret itself: no user name needed."""
    call = SignIn(config(client_secret=SECRET)).refresh("rt", None)
    assert call.operation == "get_tokens_from_refresh_token"
    assert call.params == {"ClientId": CLIENT, "RefreshToken": "rt", "ClientSecret": SECRET}
    assert {"rt", SECRET} <= call.secrets
    assert not call.retry_safe


def test_refresh_falls_back_where_the_service_lacks_get_tokens() -> None:
    """A bare HTTP 500 (moto) or UnknownOperationException leads to REFRESH_TOKEN_AUTH, once."""
    for error in (
        TransportError("HTTP 500", http_status=500),
        error_for_service("UnknownOperationException", ""),
    ):
        sign_in = SignIn(config(client_secret=SECRET))
        sign_in.refresh("rt", "alice")
        call = sign_in.failed(error)
        assert isinstance(call, Call)
        assert sign_in.fell_back
        assert call.params["AuthFlow"] == "REFRESH_TOKEN_AUTH"
        assert call.params["AuthParameters"] == {
            "REFRESH_TOKEN": "rt",
            "SECRET_HASH": secret_hash("alice", CLIENT, SECRET),
        }
        assert sign_in.failed(error) is None


def test_refusals_of_get_tokens_do_not_fall_back() -> None:
    """A refusal (a spent or reused token, a proxy 502) is the answer: no fallback."""
    for error in (
        error_for_service("NotAuthorizedException", "Invalid Refresh Token"),
        error_for_service("RefreshTokenReuseException", ""),
        TransportError("HTTP 502", http_status=502),
    ):
        sign_in = SignIn(config())
        sign_in.refresh("rt", None)
        assert sign_in.failed(error) is None


def test_refresh_token_auth_with_secret_needs_username() -> None:
    """Falling back to REFRESH_TOKEN_AUTH with a client secret needs the username for SECRET_HASH."""
    with pytest.raises(ConfigurationError, match="username"):
        SignIn(config(client_secret=SECRET)).refresh("rt", None, get_tokens=False)
    call = SignIn(config(client_secret=SECRET)).refresh("rt", "alice", get_tokens=False)
    assert call.params["AuthFlow"] == "REFRESH_TOKEN_AUTH"
    assert call.retry_safe


def test_refresh_answer_keeps_the_token_to_keep() -> None:
    """The rotated token when one came, else the one used; a challenge is unexpected."""
    sign_in = SignIn(config())
    sign_in.refresh("rt", None)
    result = sign_in.receive({"AuthenticationResult": {"AccessToken": "a.b.c"}})
    assert isinstance(result, AuthenticationResult)
    assert (result.refresh_token, result.expires_in) == ("rt", None)
    sign_in = SignIn(config())
    sign_in.refresh("rt", None)
    rotated = sign_in.receive(
        {"AuthenticationResult": {"AccessToken": "a.b.c", "RefreshToken": "new"}}
    )
    assert isinstance(rotated, AuthenticationResult)
    assert rotated.refresh_token == "new"
    sign_in = SignIn(config())
    sign_in.refresh("rt", None, get_tokens=False)
    with pytest.raises(UnexpectedResponseError, match="SMS_MFA challenge"):
        sign_in.receive({"ChallengeName": "SMS_MFA", "Session": "s"})


def test_mfa_setup_associates_verifies_and_answers() -> None:
    """MFA_SETUP: AssociateSoftwareToken, VerifySoftwareToken, then the answer, each with the newest Session."""
    sign_in = SignIn(config(totp_issuer="My App"))
    sign_in.initiate("alice", "pw")
    associate = sign_in.receive(
        challenge_response(
            "MFA_SETUP", "s1-session-value-0001", MFAS_CAN_SETUP='["SOFTWARE_TOKEN_MFA"]'
        )
    )
    assert isinstance(associate, Call)
    assert associate.operation == "associate_software_token"
    assert associate.params == {"Session": "s1-session-value-0001"}
    challenge = sign_in.receive({"SecretCode": "SEED", "Session": "s2-session-value-0002"})
    assert isinstance(challenge, Challenge)
    assert challenge.session == "s2-session-value-0002"
    assert challenge.secret_code == "SEED"
    assert challenge.otpauth_uri == "otpauth://totp/My%20App:alice?secret=SEED&issuer=My%20App"
    assert "SEED" not in repr(challenge)
    verify = sign_in.answer(challenge, {"SOFTWARE_TOKEN_MFA_CODE": "123456"})
    assert isinstance(verify, Call)
    assert verify.operation == "verify_software_token"
    assert verify.params == {"Session": "s2-session-value-0002", "UserCode": "123456"}
    respond = sign_in.receive({"Status": "SUCCESS", "Session": "s3-session-value-0003"})
    assert isinstance(respond, Call)
    assert respond.params["ChallengeName"] == "MFA_SETUP"
    assert respond.params["Session"] == "s3-session-value-0003"
    assert respond.params["ChallengeResponses"] == {"USERNAME": "alice"}


def test_mfa_setup_verify_error_status_is_a_code_mismatch() -> None:
    """VerifySoftwareToken status ERROR raises CodeMismatchError."""
    sign_in = SignIn(config())
    sign_in.initiate("alice", "pw")
    sign_in.receive(
        challenge_response(
            "MFA_SETUP", "s1-session-value-0001", MFAS_CAN_SETUP='["SOFTWARE_TOKEN_MFA"]'
        )
    )
    challenge = sign_in.receive({"SecretCode": "SEED", "Session": "s2-session-value-0002"})
    assert isinstance(challenge, Challenge)
    sign_in.answer(challenge, {"SOFTWARE_TOKEN_MFA_CODE": "000000"})
    with pytest.raises(CodeMismatchError):
        sign_in.receive({"Status": "ERROR"})


def test_mfas_can_setup_as_a_list_is_accepted() -> None:
    """A peer sending MFAS_CAN_SETUP as a JSON list (moto) is read like the real string."""
    sign_in = SignIn(config())
    sign_in.initiate("alice", "pw")
    call = sign_in.receive(
        {
            "ChallengeName": "MFA_SETUP",
            "Session": "s-session-value-0000",
            "ChallengeParameters": {"MFAS_CAN_SETUP": ["SOFTWARE_TOKEN_MFA"]},
        }
    )
    assert isinstance(call, Call)
    assert call.operation == "associate_software_token"


def test_device_key_goes_on_every_call() -> None:
    """With a remembered device, DEVICE_KEY is sent on the initiate and on each answer."""
    device = RememberedDevice(
        device_key="dev-key", device_group_key="group", device_password="device-password"
    )
    sign_in = SignIn(config(), device=device)
    call = sign_in.initiate("alice", "pw")
    assert isinstance(call, Call)
    assert call.params["AuthParameters"]["DEVICE_KEY"] == "dev-key"
    challenge = sign_in.receive(challenge_response("SMS_MFA", "s1-session-value-0001"))
    assert isinstance(challenge, Challenge)
    assert challenge.device_key == "dev-key"
    call = sign_in.answer(challenge, {"SMS_MFA_CODE": "1"})
    assert isinstance(call, Call)
    assert call.params["ChallengeResponses"]["DEVICE_KEY"] == "dev-key"


def test_srp_flow_computes_off_the_core() -> None:
    """USER_SRP_AUTH asks the shell to compute SRP_A, then sends it."""
    sign_in = SignIn(config(admin=False, srp_secret=lambda: 12345))
    step = sign_in.initiate("alice", "pw", AuthFlow.USER_SRP_AUTH)
    assert isinstance(step, Compute)
    call = sign_in.computed(step.fn(None))
    assert isinstance(call, Call)
    assert call.params["AuthParameters"]["SRP_A"] == format(
        pow(2, 12345, __import__("cognito_flow.srp", fromlist=["N"]).N), "x"
    )


def test_unknown_challenge_names_flow_through() -> None:
    """A challenge the enum does not know is handed to the caller as a plain string."""
    sign_in = SignIn(config())
    sign_in.initiate("alice", "pw")
    challenge = sign_in.receive(
        challenge_response("BRAND_NEW_CHALLENGE", "s1-session-value-0001", X="1")
    )
    assert isinstance(challenge, Challenge)
    assert challenge.name == "BRAND_NEW_CHALLENGE"
    call = sign_in.answer(challenge, {"WHATEVER": "1"})
    assert isinstance(call, Call)
    assert call.params["ChallengeName"] == "BRAND_NEW_CHALLENGE"


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=10,
)
known_keys = st.sampled_from(
    [
        "ChallengeName",
        "Session",
        "ChallengeParameters",
        "AuthenticationResult",
        "AvailableChallenges",
    ]
)
responses = st.dictionaries(
    known_keys | st.text(max_size=6), json_values, max_size=5
) | st.fixed_dictionaries(
    {
        "ChallengeName": st.sampled_from([*ChallengeName, "OTHER"]) | st.text(max_size=5),
        "Session": st.text(max_size=5) | st.none(),
    },
    optional={
        "ChallengeParameters": st.dictionaries(st.text(max_size=12), json_values, max_size=4),
        "AvailableChallenges": json_values,
        "AuthenticationResult": st.dictionaries(
            st.sampled_from(
                [
                    "AccessToken",
                    "IdToken",
                    "RefreshToken",
                    "ExpiresIn",
                    "TokenType",
                    "NewDeviceMetadata",
                ]
            ),
            json_values,
        ),
    },
)


@settings(max_examples=300, deadline=None)
@given(st.lists(responses, min_size=1, max_size=4), st.booleans(), st.booleans())
def test_core_survives_arbitrary_responses(
    batch: list[dict[str, Any]], admin: bool, secret: bool
) -> None:
    """Any response gives a Challenge, a result, a next step, or a CognitoFlowError."""
    sign_in = SignIn(config(admin=admin, client_secret=SECRET if secret else None))
    sign_in.initiate("alice", "pw", AuthFlow.USER_PASSWORD_AUTH if not admin else None)
    for response in batch:
        try:
            event = sign_in.receive(response)
        except CognitoFlowError:
            return
        assert isinstance(event, Challenge | AuthenticationResult | Call | Compute)
        if isinstance(event, Challenge):
            try:
                nxt = sign_in.answer(event, {"ANSWER": "a", "SMS_MFA_CODE": "1"})
            except CognitoFlowError:
                return
            if not isinstance(nxt, Call):
                return
        else:
            return


def test_mfa_setup_answer_must_choose_the_app() -> None:
    """ANSWER on MFA_SETUP other than SOFTWARE_TOKEN_MFA is refused, naming the fix."""
    sign_in = SignIn(config())
    sign_in.initiate("alice", "pw")
    offered = '["SOFTWARE_TOKEN_MFA","EMAIL_OTP"]'
    challenge = sign_in.receive(
        challenge_response("MFA_SETUP", "s1-session-value-0001", MFAS_CAN_SETUP=offered)
    )
    assert isinstance(challenge, Challenge)
    with pytest.raises(ConfigurationError, match="EMAIL"):
        sign_in.answer(challenge, {"ANSWER": "SMS_MFA"})


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"user_pool_id": ""}, "user_pool_id"),
        ({"client_id": ""}, "client_id"),
        ({"client_secret": ""}, "client_secret"),
        ({"max_rounds": "3"}, "max_rounds"),
        ({"max_rounds": True}, "max_rounds"),
    ],
)
def test_bad_config_fields_are_named(kwargs: dict[str, Any], message: str) -> None:
    """Each bad FlowConfig field raises ConfigurationError naming that field."""
    with pytest.raises(ConfigurationError, match=message):
        config(**kwargs)


@pytest.mark.parametrize(
    ("args", "kwargs", "message"),
    [
        (("alice", ""), {}, "password"),
        (("alice", "pw", "USER_AUTH"), {"preferred_challenge": ""}, "preferred_challenge"),
        (("alice", "pw"), {"preferred_challenge": "PASSWORD"}, "USER_AUTH flow only"),
        (("alice", None, "USER_AUTH"), {"preferred_challenge": "PASSWORD"}, "needs a password"),
        (("alice", None, "USER_AUTH"), {"preferred_challenge": "PASSWORD_SRP"}, "needs a password"),
        (("alice", "pw", 42), {}, "flow must be"),
    ],
)
def test_bad_initiate_arguments_are_named(
    args: tuple[Any, ...], kwargs: dict[str, Any], message: str
) -> None:
    """initiate() refuses bad arguments before any call, naming them."""
    with pytest.raises(ConfigurationError, match=message):
        SignIn(config()).initiate(*args, **kwargs)


@pytest.mark.parametrize(
    ("token", "username", "message"),
    [("", None, "refresh_token"), ("rt", "", "username")],
)
def test_bad_refresh_arguments_are_named(token: str, username: str | None, message: str) -> None:
    """refresh() refuses an empty token or user name."""
    with pytest.raises(ConfigurationError, match=message):
        SignIn(config()).refresh(token, username)


def test_resume_needs_a_challenge_and_threads_only_the_session_it_has() -> None:
    """resume() refuses a dict (use from_dict); a challenge without a Session is answered without one."""
    with pytest.raises(InvalidChallengeError, match="from_dict"):
        SignIn(config()).resume({"name": "SMS_MFA"}, {})  # type: ignore[arg-type]
    call = SignIn(config()).resume(Challenge(name="SMS_MFA", username="a"), {"SMS_MFA_CODE": "1"})
    assert isinstance(call, Call)
    assert "Session" not in call.params
    assert call.params["ChallengeResponses"] == {"SMS_MFA_CODE": "1", "USERNAME": "a"}


def test_steps_out_of_order_are_a_programming_error() -> None:
    """Feeding a response before initiating is a RuntimeError naming the state."""
    with pytest.raises(RuntimeError, match="awaits Idle"):
        SignIn(config()).receive({})


def test_password_challenge_is_answered_with_the_known_password() -> None:
    """A PASSWORD challenge is answered by the core when start() was given the password."""
    sign_in = SignIn(config())
    sign_in.initiate("alice", "pw", AuthFlow.USER_AUTH)
    call = sign_in.receive(challenge_response("PASSWORD", "s1-session-value-0001"))
    assert isinstance(call, Call)
    assert call.params["ChallengeResponses"] == {"PASSWORD": "pw", "USERNAME": "alice"}


def test_select_challenge_password_without_a_password_is_refused() -> None:
    """ANSWER=PASSWORD or PASSWORD_SRP with no password known names what is missing."""
    for answer in ("PASSWORD", "PASSWORD_SRP"):
        sign_in = SignIn(config())
        sign_in.initiate("alice", None, AuthFlow.USER_AUTH)
        challenge = sign_in.receive(challenge_response("SELECT_CHALLENGE", "s1-session-value-0001"))
        assert isinstance(challenge, Challenge)
        with pytest.raises(ConfigurationError, match="needs PASSWORD"):
            sign_in.answer(challenge, {"ANSWER": answer})


def test_verifiers_out_of_sequence_are_unexpected() -> None:
    """PASSWORD_VERIFIER without SRP, or DEVICE_PASSWORD_VERIFIER first, is UnexpectedResponseError."""
    srp_params = {"SRP_B": "3", "SALT": "ab", "SECRET_BLOCK": "c2VjcmV0"}
    sign_in = SignIn(config())
    sign_in.initiate("alice", "pw")
    with pytest.raises(UnexpectedResponseError, match="did not start SRP"):
        sign_in.receive(
            challenge_response("PASSWORD_VERIFIER", "s1-session-value-0001", **srp_params)
        )
    device = RememberedDevice(
        device_key="dev-key", device_group_key="group", device_password="device-password"
    )
    sign_in = SignIn(config(), device=device)
    sign_in.initiate("alice", "pw")
    with pytest.raises(UnexpectedResponseError, match="before DEVICE_SRP_AUTH"):
        sign_in.receive(
            challenge_response("DEVICE_PASSWORD_VERIFIER", "s1-session-value-0001", **srp_params)
        )
    sign_in = SignIn(config(), device=device)
    sign_in.initiate("alice", "pw")
    with pytest.raises(UnexpectedResponseError, match="without SALT"):
        sign_in.receive(
            challenge_response("DEVICE_PASSWORD_VERIFIER", "s1-session-value-0001", SRP_B="3")
        )


def test_mfa_setup_code_needs_a_fetched_secret() -> None:
    """A TOTP code for an MFA_SETUP whose secret was never fetched is refused."""
    challenge = Challenge(
        name="MFA_SETUP",
        session="s1-session-value-0001",
        username="alice",
        parameters={"MFAS_CAN_SETUP": '["SOFTWARE_TOKEN_MFA","EMAIL_OTP"]'},
    )
    with pytest.raises(InvalidChallengeError, match="no authenticator secret"):
        SignIn(config()).resume(challenge, {"SOFTWARE_TOKEN_MFA_CODE": "123456"})
    only_email = attrs.evolve(challenge, parameters={"MFAS_CAN_SETUP": '["EMAIL_OTP"]'})
    with pytest.raises(ConfigurationError, match="does not offer"):
        SignIn(config()).resume(only_email, {"ANSWER": "SOFTWARE_TOKEN_MFA"})


def test_mfa_setup_sends_the_friendly_device_name_and_keeps_the_session() -> None:
    """FRIENDLY_DEVICE_NAME goes to VerifySoftwareToken; without a new Session the last one answers."""
    challenge = Challenge(
        name="MFA_SETUP",
        session="s2-session-value-0002",
        username="alice",
        parameters={"MFAS_CAN_SETUP": '["SOFTWARE_TOKEN_MFA"]', "SECRET_CODE": "SEED"},
    )
    sign_in = SignIn(config())
    verify = sign_in.resume(
        challenge, {"SOFTWARE_TOKEN_MFA_CODE": "123456", "FRIENDLY_DEVICE_NAME": "phone"}
    )
    assert isinstance(verify, Call)
    assert verify.params["FriendlyDeviceName"] == "phone"
    answer = sign_in.receive({"Status": "SUCCESS"})
    assert isinstance(answer, Call)
    assert answer.params["Session"] == "s2-session-value-0002"
    assert answer.params["ChallengeName"] == "MFA_SETUP"


def test_other_errors_carry_no_challenge() -> None:
    """A spent Session is not resumable: SessionExpiredError has no .challenge."""
    sign_in = SignIn(config())
    sign_in.initiate("alice", "pw")
    challenge = sign_in.receive(challenge_response("SMS_MFA", "s1-session-value-0001"))
    assert isinstance(challenge, Challenge)
    sign_in.answer(challenge, {"SMS_MFA_CODE": "000000"})
    error = error_for_service("NotAuthorizedException", "Invalid session for the user.")
    assert sign_in.failed(error) is None
    assert error.challenge is None


# -- every (state, event) pair, h2's way ---------------------------------------
#
# Each state of the conversation is reached by a short script, then every
# event is fed to it with Hypothesis-drawn payloads. The outcome is always one
# of: the next step (a Call, Compute, Challenge or AuthenticationResult, or
# None from failed()), a CognitoFlowError, or - only for an event that state
# does not accept - a RuntimeError that leaves the state as it was.

PASSWORD_OF_REACH = "reach-Passw0rd-1"
SRP_PARAMS = {"SRP_B": "3" * 40, "SALT": "ab12", "SECRET_BLOCK": "c2VjcmV0LWJsb2Nr"}


def reach(state: str) -> tuple[SignIn, Compute | None]:
    """A SignIn in ``state`` (a record of cognito_flow._states), and the Compute it waits on."""
    sign_in = SignIn(config(admin=False, client_secret=SECRET))
    if state == "Idle":
        return sign_in, None
    if state == "AwaitingRefresh":
        sign_in.refresh("refresh-token", "alice")
        return sign_in, None
    if state == "AwaitingVerification":
        challenge = Challenge(
            name="MFA_SETUP",
            session="s" * 20,
            username="alice",
            parameters={"MFAS_CAN_SETUP": '["SOFTWARE_TOKEN_MFA"]', "SECRET_CODE": "SEED"},
        )
        sign_in.resume(challenge, {"SOFTWARE_TOKEN_MFA_CODE": "123456"})
        return sign_in, None
    if state in ("AwaitingSrpA", "AwaitingClaim"):
        compute = sign_in.initiate("alice", PASSWORD_OF_REACH, AuthFlow.USER_SRP_AUTH)
        assert isinstance(compute, Compute)
        if state == "AwaitingSrpA":
            return sign_in, compute
        sign_in.computed(compute.fn(None))
        claim = sign_in.receive(
            challenge_response("PASSWORD_VERIFIER", "s1-session-value-0001", **SRP_PARAMS)
        )
        assert isinstance(claim, Compute)
        return sign_in, claim
    sign_in.initiate("alice", PASSWORD_OF_REACH, AuthFlow.USER_PASSWORD_AUTH)
    if state == "AwaitingAuth":
        return sign_in, None
    response = {
        "AwaitingAnswer": challenge_response("SMS_MFA", "s1-session-value-0001"),
        "AwaitingSecret": challenge_response(
            "MFA_SETUP", "s1-session-value-0001", MFAS_CAN_SETUP='["SOFTWARE_TOKEN_MFA"]'
        ),
        "Done": {"AuthenticationResult": {"AccessToken": "a.b.c"}},
    }[state]
    sign_in.receive(response)
    return sign_in, None


STATES = [
    "Idle",
    "AwaitingSrpA",
    "AwaitingClaim",
    "AwaitingAuth",
    "AwaitingRefresh",
    "AwaitingSecret",
    "AwaitingVerification",
    "AwaitingAnswer",
    "Done",
]
#: Which state accepts which event: written from the protocol, not read from the code.
ACCEPTS = {
    "receive": {"AwaitingAuth", "AwaitingRefresh", "AwaitingSecret", "AwaitingVerification"},
    "failed": {"AwaitingAuth", "AwaitingRefresh", "AwaitingSecret", "AwaitingVerification"},
    "computed": {"AwaitingSrpA", "AwaitingClaim"},
    "answer": {"AwaitingAnswer"},
    "initiate": {"Idle"},
    "refresh": {"Idle"},
    "resume": {"Idle"},
}

texts = st.text(max_size=12)
responses = st.one_of(
    st.dictionaries(
        st.sampled_from(
            [
                "ChallengeName",
                "Session",
                "ChallengeParameters",
                "AuthenticationResult",
                "AvailableChallenges",
                "SecretCode",
                "Status",
            ]
        ),
        st.one_of(
            texts,
            st.sampled_from([*ChallengeName, "SUCCESS", "ERROR"]),
            st.dictionaries(texts, texts, max_size=3),
            st.just({"AccessToken": "a.b.c"}),
            st.just(SRP_PARAMS),
            st.lists(texts, max_size=2),
            st.none(),
            st.integers(),
        ),
        max_size=5,
    ),
    st.none(),
    st.lists(texts, max_size=2),
)
errors = st.one_of(
    st.builds(
        error_for_service,
        st.sampled_from(
            [
                "CodeMismatchException",
                "NotAuthorizedException",
                "UserNotFoundException",
                "UnknownOperationException",
                "ResourceNotFoundException",
                "InvalidPasswordException",
            ]
        ),
        texts,
    ),
    st.builds(TransportError, texts, http_status=st.sampled_from([None, 500, 502])),
)
answer_maps = st.one_of(
    st.dictionaries(
        st.sampled_from(["SMS_MFA_CODE", "ANSWER", "EMAIL", "SOFTWARE_TOKEN_MFA_CODE", "X"]),
        texts,
        max_size=3,
    ),
    st.none(),
    st.integers(),
)


def feed(sign_in: SignIn, pending: Compute | None, event: str, data: st.DataObject) -> object:
    """Feed ``event`` with a drawn payload; computed() gets what the pending Compute makes."""
    if event == "receive":
        return sign_in.receive(data.draw(responses))
    if event == "failed":
        return sign_in.failed(data.draw(errors))
    if event == "computed":
        return sign_in.computed(pending.fn(None) if pending is not None else None)
    if event == "answer":
        challenge = getattr(sign_in.state, "challenge", Challenge(name="SMS_MFA", username="a"))
        return sign_in.answer(challenge, data.draw(answer_maps))
    if event == "initiate":
        return sign_in.initiate("alice", data.draw(st.sampled_from(["pw", None])))
    if event == "refresh":
        return sign_in.refresh(data.draw(st.sampled_from(["rt", ""])), None)
    challenge = Challenge(name=data.draw(st.sampled_from(list(ChallengeName))), username="a")
    return sign_in.resume(challenge, data.draw(answer_maps))


@pytest.mark.parametrize("event", sorted(ACCEPTS))
@pytest.mark.parametrize("state", STATES)
@settings(max_examples=25, deadline=None)
@given(data=st.data())
def test_every_state_and_event(state: str, event: str, data: st.DataObject) -> None:
    """Each event in each state gives the next step, a CognitoFlowError, or (if not accepted) a RuntimeError."""
    sign_in, pending = reach(state)
    assert type(sign_in.state).__name__ == state
    before = sign_in.state
    try:
        outcome = feed(sign_in, pending, event, data)
    except RuntimeError:
        assert state not in ACCEPTS[event]
        assert sign_in.state == before
        return
    except CognitoFlowError:
        assert state in ACCEPTS[event] or event in ("initiate", "refresh", "resume")
        return
    assert state in ACCEPTS[event]
    assert outcome is None or isinstance(outcome, Call | Compute | Challenge | AuthenticationResult)
    assert PASSWORD_OF_REACH not in repr(sign_in)
    assert "refresh-token" not in repr(sign_in)
