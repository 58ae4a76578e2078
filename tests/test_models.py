"""The value classes of cognito_flow._models."""

from __future__ import annotations

import base64
import enum
import json
from typing import Any

import attrs
import botocore.session
import pytest
from hypothesis import given
from hypothesis import strategies as st

from cognito_flow import (
    AuthenticationResult,
    AuthFlow,
    Challenge,
    ChallengeName,
    InvalidChallengeError,
    NewDeviceMetadata,
    UnexpectedResponseError,
)

SESSION = "AYABeSecretSessionValue-0123456789"
SECRET_CODE = "JBSWY3DPEHPK3PXPSECRETSEED"


def make_challenge(**kw: Any) -> Challenge:
    kw.setdefault("name", ChallengeName.SMS_MFA)
    kw.setdefault("username", "alice")
    kw.setdefault("session", SESSION)
    return Challenge(**kw)


def full_dict() -> dict[str, Any]:
    return {
        "name": "SELECT_CHALLENGE",
        "parameters": {"USERNAME": "alice", "CODE_DELIVERY_DESTINATION": "+*******1234"},
        "session": SESSION,
        "username": "alice",
        "available_challenges": ["PASSWORD_SRP", "EMAIL_OTP"],
        "device_key": "eu-west-1_device-key",
    }


def botocore_enum(shape: str) -> list[str]:
    model = botocore.session.get_session().get_service_model("cognito-idp")
    values: list[str] = getattr(model.shape_for(shape), "enum")  # noqa: B009 - untyped
    return values


# -- Challenge: a frozen value ----------------------------------------------


def test_challenge_is_frozen() -> None:
    """Assigning to a Challenge field raises; attrs.evolve makes a changed copy."""
    challenge = make_challenge()
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        challenge.session = "other"  # type: ignore[misc]
    changed = attrs.evolve(challenge, session="new-session-value")
    assert changed.session == "new-session-value"
    assert challenge.session == SESSION


def test_challenge_fields_are_keyword_only() -> None:
    """Challenge takes its fields by keyword only."""
    with pytest.raises(TypeError):
        Challenge("SMS_MFA", {}, SESSION, "alice")  # type: ignore[call-arg]


def test_challenge_defaults() -> None:
    """Only name and username are required; the rest default to empty/None."""
    challenge = Challenge(name="SMS_MFA", username="alice")
    assert dict(challenge.parameters) == {}
    assert challenge.session is None
    assert challenge.available_challenges == ()
    assert challenge.device_key is None


def test_challenge_name_is_a_plain_string() -> None:
    """A ChallengeName member is stored as its plain string value."""
    challenge = make_challenge(name=ChallengeName.SOFTWARE_TOKEN_MFA)
    assert challenge.name == "SOFTWARE_TOKEN_MFA"
    assert type(challenge.name) is str


def test_challenge_accepts_unknown_names() -> None:
    """A challenge name the enum does not know is kept as is."""
    assert make_challenge(name="BRAND_NEW_CHALLENGE").name == "BRAND_NEW_CHALLENGE"


def test_parameters_are_read_only() -> None:
    """challenge.parameters cannot be changed in place."""
    challenge = make_challenge(parameters={"A": "1"})
    with pytest.raises(TypeError):
        challenge.parameters["A"] = "2"  # type: ignore[index]
    with pytest.raises(TypeError):
        del challenge.parameters["A"]  # type: ignore[attr-defined]


def test_parameters_are_copied() -> None:
    """Changing the dict a Challenge was built from does not change the Challenge."""
    source = {"A": "1"}
    challenge = make_challenge(parameters=source)
    source["A"] = "2"
    source["B"] = "3"
    assert dict(challenge.parameters) == {"A": "1"}


def test_non_string_parameter_values_become_json() -> None:
    """A list, number or boolean parameter value is stored as its JSON text."""
    challenge = make_challenge(parameters={"L": ["SMS_MFA"], "N": 3, "B": True})
    assert dict(challenge.parameters) == {"L": '["SMS_MFA"]', "N": "3", "B": "true"}


@pytest.mark.parametrize(
    ("parameters", "match"),
    [
        (["A"], "parameters must be a mapping"),
        ({1: "x"}, "parameter names must be strings"),
        ({"A": None}, "parameter 'A'"),
        ({"A": object()}, "parameter 'A'"),
    ],
)
def test_bad_parameters_are_refused(parameters: Any, match: str) -> None:
    """Parameters that are not a mapping of strings raise InvalidChallengeError."""
    with pytest.raises(InvalidChallengeError, match=match):
        make_challenge(parameters=parameters)


@pytest.mark.parametrize("available", ["SMS_MFA", 3, [1, 2]])
def test_bad_available_challenges_are_refused(available: Any) -> None:
    """available_challenges must be a list of strings (a bare string is refused)."""
    with pytest.raises(InvalidChallengeError, match="available_challenges"):
        make_challenge(available_challenges=available)


def test_challenge_equality() -> None:
    """Two challenges with the same fields are equal."""
    assert make_challenge(parameters={"A": "1"}) == make_challenge(parameters={"A": "1"})
    assert make_challenge(parameters={"A": "1"}) != make_challenge(parameters={"A": "2"})


def test_challenge_repr_hides_session_and_parameter_values() -> None:
    """repr shows the name, username and parameter names, never the Session or values."""
    challenge = make_challenge(
        name=ChallengeName.MFA_SETUP,
        parameters={"SECRET_CODE": SECRET_CODE, "OTPAUTH_URI": f"otpauth://x?secret={SECRET_CODE}"},
    )
    text = repr(challenge)
    assert "MFA_SETUP" in text
    assert "alice" in text
    assert "SECRET_CODE" in text
    assert "OTPAUTH_URI" in text
    assert SESSION not in text
    assert SECRET_CODE not in text
    assert "session" not in text


# -- Challenge: to_dict / from_dict ---------------------------------------------


def test_to_dict_gives_plain_data() -> None:
    """to_dict returns plain dicts, lists and strings."""
    data = Challenge.from_dict(full_dict()).to_dict()
    assert data == full_dict()
    assert type(data["parameters"]) is dict
    assert type(data["available_challenges"]) is list


def test_round_trip() -> None:
    """from_dict(to_dict()) gives back an equal challenge."""
    challenge = Challenge.from_dict(full_dict())
    assert Challenge.from_dict(challenge.to_dict()) == challenge


def test_round_trip_through_json() -> None:
    """to_dict output survives json.dumps / json.loads unchanged."""
    challenge = make_challenge(
        name=ChallengeName.MFA_SETUP,
        parameters={"MFAS_CAN_SETUP": '["SOFTWARE_TOKEN_MFA"]', "SECRET_CODE": SECRET_CODE},
        device_key="device-key",
    )
    restored = Challenge.from_dict(json.loads(json.dumps(challenge.to_dict())))
    assert restored == challenge
    assert restored.session == SESSION
    assert restored.secret_code == SECRET_CODE


def test_from_dict_minimal() -> None:
    """name and username are enough; the other keys default."""
    challenge = Challenge.from_dict({"name": "SMS_MFA", "username": "alice"})
    assert challenge == Challenge(name="SMS_MFA", username="alice")


names = st.text(min_size=1)
parameters = st.dictionaries(st.text(), st.text(), max_size=5)


@given(
    name=names | st.sampled_from(list(ChallengeName)),
    params=parameters,
    username=names,
    session=st.none() | st.text(),
    available=st.lists(st.text(), max_size=4),
    device_key=st.none() | st.text(),
)
def test_round_trip_property(
    name: str,
    params: dict[str, str],
    username: str,
    session: str | None,
    available: list[str],
    device_key: str | None,
) -> None:
    """Any challenge survives to_dict -> JSON -> from_dict unchanged."""
    challenge = Challenge(
        name=name,
        parameters=params,
        session=session,
        username=username,
        available_challenges=available,
        device_key=device_key,
    )
    data = json.loads(json.dumps(challenge.to_dict()))
    restored = Challenge.from_dict(data)
    assert restored == challenge
    assert restored.to_dict() == challenge.to_dict()


def test_from_dict_rejects_unknown_keys() -> None:
    """Keys from_dict does not know raise InvalidChallengeError naming them."""
    data = full_dict() | {"Session": "x", "extra": 1}
    with pytest.raises(InvalidChallengeError, match="unknown keys: Session, extra"):
        Challenge.from_dict(data)


@pytest.mark.parametrize("key", ["name", "username"])
def test_from_dict_needs_name_and_username(key: str) -> None:
    """A missing or empty name/username raises InvalidChallengeError naming it."""
    data = full_dict()
    del data[key]
    with pytest.raises(InvalidChallengeError, match=repr(key)):
        Challenge.from_dict(data)
    with pytest.raises(InvalidChallengeError, match=repr(key)):
        Challenge.from_dict(full_dict() | {key: ""})


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("name", 3),
        ("name", None),
        ("username", ["alice"]),
        ("session", 3),
        ("session", {"s": 1}),
        ("device_key", 1.5),
        ("parameters", ["A", "B"]),
        ("parameters", "A=B"),
        ("parameters", 0),
        ("parameters", {"A": None}),
        ("available_challenges", "PASSWORD"),
        ("available_challenges", [1]),
        ("available_challenges", 0),
    ],
)
def test_from_dict_rejects_wrong_types(key: str, value: Any) -> None:
    """A field of the wrong type raises InvalidChallengeError naming the field."""
    field = "parameter" if key == "parameters" else key
    with pytest.raises(InvalidChallengeError, match=field):
        Challenge.from_dict(full_dict() | {key: value})


@pytest.mark.parametrize("data", [None, "{}", ["name", "username"]])
def test_from_dict_needs_a_mapping(data: Any) -> None:
    """from_dict of something that is not a mapping raises InvalidChallengeError."""
    with pytest.raises(InvalidChallengeError, match="needs a mapping"):
        Challenge.from_dict(data)


def test_from_dict_error_hides_the_session() -> None:
    """from_dict's errors never quote the Session."""
    with pytest.raises(InvalidChallengeError) as info:
        Challenge.from_dict(full_dict() | {"username": 3})
    assert SESSION not in str(info.value)


# -- Challenge: parameter properties --------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ('["SMS_MFA", "SOFTWARE_TOKEN_MFA"]', ("SMS_MFA", "SOFTWARE_TOKEN_MFA")),
        ('"SMS_MFA"', ("SMS_MFA",)),
        ("SMS_MFA, SOFTWARE_TOKEN_MFA", ("SMS_MFA", "SOFTWARE_TOKEN_MFA")),
        ("['SOFTWARE_TOKEN_MFA']", ("SOFTWARE_TOKEN_MFA",)),
        (["EMAIL_OTP"], ("EMAIL_OTP",)),
        ("", ()),
        ("[]", ()),
    ],
)
def test_mfas_can_choose_and_setup(raw: Any, expected: tuple[str, ...]) -> None:
    """MFAS_CAN_CHOOSE / MFAS_CAN_SETUP are read as a list of names in any peer's shape."""
    choose = make_challenge(parameters={"MFAS_CAN_CHOOSE": raw})
    setup = make_challenge(parameters={"MFAS_CAN_SETUP": raw})
    assert choose.mfas_can_choose == expected
    assert setup.mfas_can_setup == expected


def test_mfas_missing_is_empty() -> None:
    """Without MFAS_CAN_CHOOSE / MFAS_CAN_SETUP the properties are empty tuples."""
    challenge = make_challenge()
    assert challenge.mfas_can_choose == ()
    assert challenge.mfas_can_setup == ()


def test_mfas_of_the_wrong_json_shape_is_refused() -> None:
    """A JSON object where a list of names belongs raises InvalidChallengeError."""
    challenge = make_challenge(parameters={"MFAS_CAN_CHOOSE": '{"SMS_MFA": 1}'})
    with pytest.raises(InvalidChallengeError):
        _ = challenge.mfas_can_choose


def test_required_attributes_drop_the_prefix() -> None:
    """requiredAttributes are given without their userAttributes. prefix."""
    challenge = make_challenge(
        name=ChallengeName.NEW_PASSWORD_REQUIRED,
        parameters={"requiredAttributes": '["userAttributes.name", "userAttributes.email"]'},
    )
    assert challenge.required_attributes == ("name", "email")
    assert make_challenge().required_attributes == ()


def test_user_attributes_are_parsed() -> None:
    """userAttributes is parsed from JSON into a read-only mapping."""
    challenge = make_challenge(
        name=ChallengeName.NEW_PASSWORD_REQUIRED,
        parameters={"userAttributes": '{"email": "a@example.com", "email_verified": "true"}'},
    )
    attributes = challenge.user_attributes
    assert dict(attributes) == {"email": "a@example.com", "email_verified": "true"}
    with pytest.raises(TypeError):
        attributes["email"] = "b@example.com"  # type: ignore[index]
    assert dict(make_challenge().user_attributes) == {}


@pytest.mark.parametrize("raw", ["{not json", '["a", "b"]'])
def test_bad_user_attributes_are_refused(raw: str) -> None:
    """userAttributes that is not a JSON object raises InvalidChallengeError."""
    challenge = make_challenge(parameters={"userAttributes": raw})
    with pytest.raises(InvalidChallengeError, match="userAttributes"):
        _ = challenge.user_attributes


def test_code_delivery_properties() -> None:
    """delivery_medium and destination read CODE_DELIVERY_* parameters."""
    challenge = make_challenge(
        parameters={
            "CODE_DELIVERY_DELIVERY_MEDIUM": "SMS",
            "CODE_DELIVERY_DESTINATION": "+*******1234",
        }
    )
    assert challenge.delivery_medium == "SMS"
    assert challenge.destination == "+*******1234"
    assert make_challenge().delivery_medium is None
    assert make_challenge().destination is None


def test_credential_request_options() -> None:
    """credential_request_options reads CREDENTIAL_REQUEST_OPTIONS of WEB_AUTHN."""
    options = '{"challenge": "abc", "rpId": "example.com"}'
    challenge = make_challenge(
        name=ChallengeName.WEB_AUTHN, parameters={"CREDENTIAL_REQUEST_OPTIONS": options}
    )
    assert challenge.credential_request_options == options
    assert make_challenge().credential_request_options is None


def test_totp_setup_properties() -> None:
    """secret_code and otpauth_uri read SECRET_CODE and OTPAUTH_URI."""
    uri = f"otpauth://totp/Amazon%20Cognito:alice?secret={SECRET_CODE}"
    challenge = make_challenge(
        name=ChallengeName.MFA_SETUP, parameters={"SECRET_CODE": SECRET_CODE, "OTPAUTH_URI": uri}
    )
    assert challenge.secret_code == SECRET_CODE
    assert challenge.otpauth_uri == uri
    assert make_challenge().secret_code is None
    assert make_challenge().otpauth_uri is None


# -- AuthenticationResult ---------------------------------------------------------

TOKENS = {
    "AccessToken": "access.token.value",
    "IdToken": "id.token.value",
    "RefreshToken": "refresh-token-value",
    "ExpiresIn": 300,
    "TokenType": "Bearer",
}


def test_from_response_reads_every_field() -> None:
    """from_response maps every member of the service's AuthenticationResult."""
    response = TOKENS | {
        "NewDeviceMetadata": {"DeviceKey": "eu-west-1_dk", "DeviceGroupKey": "-group"}
    }
    result = AuthenticationResult.from_response(response)
    assert result == AuthenticationResult(
        access_token="access.token.value",
        id_token="id.token.value",
        refresh_token="refresh-token-value",
        expires_in=300,
        token_type="Bearer",
        new_device_metadata=NewDeviceMetadata("eu-west-1_dk", "-group"),
    )
    assert result.new_device_metadata is not None
    assert result.new_device_metadata.device_key == "eu-west-1_dk"
    assert result.new_device_metadata.device_group_key == "-group"


def test_from_response_defaults() -> None:
    """Only AccessToken is required: no refresh/id token, no invented lifetime, Bearer, no device."""
    result = AuthenticationResult.from_response({"AccessToken": "a.b.c"})
    assert result.id_token is None
    assert result.refresh_token is None
    assert result.expires_in is None
    assert result.token_type == "Bearer"
    assert result.new_device_metadata is None


def test_authentication_result_is_frozen() -> None:
    """AuthenticationResult fields cannot be reassigned."""
    result = AuthenticationResult.from_response(TOKENS)
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        result.access_token = "x"  # type: ignore[misc]


@pytest.mark.parametrize(
    "response",
    [
        None,
        "tokens",
        ["AccessToken"],
        {},
        {"AccessToken": ""},
        {"AccessToken": 42},
        TOKENS | {"ExpiresIn": "3600"},
        TOKENS | {"ExpiresIn": True},
        TOKENS | {"ExpiresIn": 3600.0},
        TOKENS | {"IdToken": 1},
        TOKENS | {"RefreshToken": ["r"]},
        TOKENS | {"TokenType": 0},
        TOKENS | {"NewDeviceMetadata": "device"},
        TOKENS | {"NewDeviceMetadata": {"DeviceKey": "dk"}},
        TOKENS | {"NewDeviceMetadata": {"DeviceKey": 1, "DeviceGroupKey": "g"}},
    ],
)
def test_from_response_refuses_bad_shapes(response: Any) -> None:
    """A malformed AuthenticationResult raises UnexpectedResponseError, not KeyError/TypeError."""
    with pytest.raises(UnexpectedResponseError):
        AuthenticationResult.from_response(response)


def test_from_response_errors_hide_tokens() -> None:
    """The error for a malformed result does not quote the tokens it did get."""
    with pytest.raises(UnexpectedResponseError) as info:
        AuthenticationResult.from_response(TOKENS | {"ExpiresIn": "soon"})
    text = str(info.value)
    for token in ("access.token.value", "id.token.value", "refresh-token-value"):
        assert token not in text


def test_authentication_result_repr_hides_tokens() -> None:
    """repr shows expiry, type and device, never a token."""
    result = AuthenticationResult.from_response(
        TOKENS | {"NewDeviceMetadata": {"DeviceKey": "dk", "DeviceGroupKey": "gk"}}
    )
    text = repr(result)
    assert "expires_in=300" in text
    assert "Bearer" in text
    assert "dk" in text
    for token in ("access.token.value", "id.token.value", "refresh-token-value"):
        assert token not in text


# -- the enums ----------------------------------------------------------------------


@pytest.mark.parametrize("enum_cls", [ChallengeName, AuthFlow])
def test_enums_are_str_enums_equal_to_their_strings(enum_cls: type[enum.StrEnum]) -> None:
    """Every member is a str equal to its value, and its name is that value."""
    assert issubclass(enum_cls, enum.StrEnum)
    for member in enum_cls:
        assert isinstance(member, str)
        assert member == member.value == member.name
        assert str(member) == member.value
        assert f"{member}" == member.value
        assert enum_cls(member.value) is member
        assert {member.value: 1}[member] == 1


@pytest.mark.parametrize(
    ("enum_cls", "shape"), [(ChallengeName, "ChallengeNameType"), (AuthFlow, "AuthFlowType")]
)
def test_enums_match_the_service_model(enum_cls: type[enum.StrEnum], shape: str) -> None:
    """ChallengeName / AuthFlow have exactly the values of botocore's enum."""
    values = botocore_enum(shape)
    assert values
    assert {member.value for member in enum_cls} == set(values)


@pytest.mark.parametrize(
    ("name", "keys"),
    [
        ("SMS_MFA", (frozenset({"SMS_MFA_CODE"}),)),
        (
            "MFA_SETUP",
            (frozenset({"SOFTWARE_TOKEN_MFA_CODE"}), frozenset({"EMAIL"}), frozenset({"ANSWER"})),
        ),
        ("SELECT_CHALLENGE", (frozenset({"ANSWER"}),)),
        ("PASSWORD_VERIFIER", ()),
        ("SOMETHING_NEW", ()),
    ],
)
def test_a_challenge_says_which_answer_keys_it_expects(
    name: str, keys: tuple[frozenset[str], ...]
) -> None:
    """answer_keys lists the alternatives a form must offer; none where the library answers itself."""
    assert Challenge(name=name, username="alice").answer_keys == keys


def test_the_result_names_the_canonical_user() -> None:
    """AuthenticationResult.username is the access token's username claim, or None."""
    claims = base64.urlsafe_b64encode(b'{"username": "0b9e-uuid"}').decode().rstrip("=")
    result = AuthenticationResult.from_response({"AccessToken": f"h.{claims}.s"})
    assert result.username == "0b9e-uuid"
    assert AuthenticationResult.from_response({"AccessToken": "opaque"}).username is None
