"""cognito_flow.web: Sealer (sealed challenges and device cookies) and qr_code_svg."""

from __future__ import annotations

import base64
import datetime as dt
import json
import re
import secrets
import traceback
import xml.etree.ElementTree as ET
from typing import Any

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from hypothesis import given, settings
from hypothesis import strategies as st
from web_kit import Clock

from cognito_flow import (
    Challenge,
    ChallengeName,
    ConfigurationError,
    ExpiredTokenError,
    InvalidChallengeError,
    InvalidTokenError,
    RememberedDevice,
)
from cognito_flow.web import Sealer, qr_code_svg

KEY_A = Sealer.generate_key()
KEY_B = Sealer.generate_key()
T0 = 1_750_000_000
SESSION = "AYABeC" + "s3ss10n" * 170  # about the size of a real Cognito Session
SECRET_CODE = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXPJBSW"
OTPAUTH_URI = f"otpauth://totp/Example:alice?secret={SECRET_CODE}&issuer=Example"
TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]+")


def sealer(*keys: str, clock: Clock | None = None, **kw: Any) -> Sealer:
    return Sealer(keys=list(keys or [KEY_A]), clock=clock or Clock(T0), **kw)


CHALLENGES = {
    "software_token_mfa": Challenge(
        name=ChallengeName.SOFTWARE_TOKEN_MFA,
        username="4f1d9e3a-7c55-4a53-9d1e-0123456789ab",
        session=SESSION,
    ),
    "mfa_setup": Challenge(
        name=ChallengeName.MFA_SETUP,
        username="alice",
        session=SESSION,
        parameters={
            "MFAS_CAN_SETUP": '["SOFTWARE_TOKEN_MFA","EMAIL_OTP"]',
            "SECRET_CODE": SECRET_CODE,
            "OTPAUTH_URI": OTPAUTH_URI,
        },
    ),
    "select_challenge": Challenge(
        name=ChallengeName.SELECT_CHALLENGE,
        username="alice",
        session=SESSION,
        available_challenges=("PASSWORD_SRP", "EMAIL_OTP", "WEB_AUTHN"),
    ),
    "with_device": Challenge(
        name=ChallengeName.SMS_MFA,
        username="alice",
        session=SESSION,
        parameters={
            "CODE_DELIVERY_DELIVERY_MEDIUM": "SMS",
            "CODE_DELIVERY_DESTINATION": "+*******1234",
        },
        device_key="eu-west-1_0b2f3c4d-5e6f-7a8b-9c0d-1e2f3a4b5c6d",
    ),
    "custom_unicode": Challenge(
        name="CUSTOM_CHALLENGE",
        username="zoë",
        session=SESSION,
        parameters={"question": "¿Cuál es tu color favorito? 🎨", "empty": ""},
    ),
    "no_session": Challenge(name="FUTURE_CHALLENGE_NAME", username="alice"),
}

DEVICE = RememberedDevice(
    device_key="eu-west-1_0b2f3c4d-5e6f-7a8b-9c0d-1e2f3a4b5c6d",
    device_group_key="-abcDEF12",
    device_password="dev1ce-passw0rd-" + "x" * 24,
)


def tampered(token: str, position: int) -> str:
    swap = "A" if token[position] != "A" else "B"
    return token[:position] + swap + token[position + 1 :]


def assert_no_leak(error: BaseException, *secret_values: str) -> None:
    """Neither the message, the repr nor the formatted traceback holds a secret."""
    text = "".join(traceback.format_exception(error)) + repr(error) + str(error)
    for value in secret_values:
        assert value not in text
    assert error.__cause__ is None
    assert error.__context__ is None


# -- Round trips ------------------------------------------------------------------


@pytest.mark.parametrize("challenge", CHALLENGES.values(), ids=CHALLENGES.keys())
def test_challenge_round_trip(challenge: Challenge) -> None:
    """open_challenge(seal_challenge(c)) == c for every kind of challenge."""
    s = sealer()
    token = s.seal_challenge(challenge)
    opened = s.open_challenge(token)
    assert opened == challenge
    assert opened.session == challenge.session
    assert opened.otpauth_uri == challenge.otpauth_uri
    assert opened.device_key == challenge.device_key


def test_mfa_setup_keeps_its_secret_and_uri() -> None:
    """A pending MFA_SETUP keeps SECRET_CODE and OTPAUTH_URI through the seal."""
    s = sealer()
    opened = s.open_challenge(s.seal_challenge(CHALLENGES["mfa_setup"]))
    assert opened.secret_code == SECRET_CODE
    assert opened.otpauth_uri == OTPAUTH_URI
    assert opened.mfas_can_setup == ("SOFTWARE_TOKEN_MFA", "EMAIL_OTP")


def test_device_round_trip() -> None:
    """open_device(seal_device(d)) == d, device password included."""
    s = sealer()
    opened = s.open_device(s.seal_device(DEVICE))
    assert opened == DEVICE
    assert opened.device_password == DEVICE.device_password


def test_tokens_are_url_safe_and_fit_in_a_cookie() -> None:
    """A token is [A-Za-z0-9_-] only, and a challenge with a real-sized Session fits in 4 KB."""
    s = sealer(user_pool_id="eu-west-1_AbC123", client_id="1example23456789")
    for challenge in CHALLENGES.values():
        token = s.seal_challenge(challenge)
        assert TOKEN_SHAPE.fullmatch(token)
        assert len(token) < 4000
    assert TOKEN_SHAPE.fullmatch(s.seal_device(DEVICE))


def test_the_browser_cannot_read_a_sealed_challenge() -> None:
    """The token is encrypted: neither the Session nor the TOTP secret can be read from it."""
    token = sealer().seal_challenge(CHALLENGES["mfa_setup"])
    raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    for secret in (SESSION[:40], SECRET_CODE, "alice", "MFA_SETUP"):
        assert secret.encode() not in raw
        assert secret not in token


def test_each_seal_is_different() -> None:
    """Sealing twice gives two tokens (a fresh nonce each time); both open."""
    s = sealer()
    first, second = (s.seal_challenge(CHALLENGES["software_token_mfa"]) for _ in range(2))
    assert first != second
    assert s.open_challenge(first) == s.open_challenge(second)


# -- Keys and rotation ------------------------------------------------------------------


def test_rotation_old_key_opens_new_key_seals() -> None:
    """With keys=[new, old]: tokens of the old key still open, new tokens use the new key."""
    challenge = CHALLENGES["software_token_mfa"]
    old_token = sealer(KEY_A).seal_challenge(challenge)
    rotated = sealer(KEY_B, KEY_A)
    assert rotated.open_challenge(old_token) == challenge
    new_token = rotated.seal_challenge(challenge)
    assert sealer(KEY_B).open_challenge(new_token) == challenge
    with pytest.raises(InvalidTokenError) as info:
        sealer(KEY_A).open_challenge(new_token)
    assert info.value.check == "signature"


def test_wrong_key_is_a_signature_failure() -> None:
    """A token sealed with a key this Sealer does not hold fails the signature check."""
    token = sealer(KEY_A).seal_device(DEVICE)
    with pytest.raises(InvalidTokenError) as info:
        sealer(KEY_B).open_device(token)
    assert info.value.check == "signature"
    assert not isinstance(info.value, ExpiredTokenError)
    assert_no_leak(info.value, token, KEY_A, KEY_B)


def test_generate_key_makes_distinct_working_keys() -> None:
    """generate_key() returns a new str key each time: 32 random bytes (AES-256), URL-safe base64."""
    keys = {Sealer.generate_key() for _ in range(5)}
    assert len(keys) == 5
    for key in keys:
        assert isinstance(key, str)
        assert len(base64.urlsafe_b64decode(key)) == 32
        Sealer(keys=[key])
    Sealer(keys=[KEY_A.encode()])


@pytest.mark.parametrize(
    ("keys", "match"),
    [
        ([], "empty"),
        (KEY_A, "list of keys"),
        (None, "list of keys"),
        (["too-short-key-material"], r"keys\[0\]"),
        ([KEY_A, "Zm9v" * 11], r"keys\[1\]"),
        ([KEY_A, 12345], r"keys\[1\]"),
        (["é" * 44], r"keys\[0\]"),
    ],
)
def test_bad_keys_are_refused_without_quoting_them(keys: Any, match: str) -> None:
    """Bad keys raise ConfigurationError naming the position, never the key material."""
    with pytest.raises(ConfigurationError, match=match) as info:
        Sealer(keys=keys)
    text = "".join(traceback.format_exception(info.value))
    for material in ("too-short-key-material", "Zm9vZm9v", KEY_A, "éé"):
        assert material not in text


def test_repr_shows_no_key() -> None:
    """repr(Sealer) counts the keys and shows the settings, never a key."""
    s = sealer(KEY_A, KEY_B, user_pool_id="eu-west-1_AbC123", client_id="1example")
    text = repr(s)
    assert KEY_A not in text
    assert KEY_B not in text
    assert KEY_A[:12] not in text
    assert text == (
        "Sealer(keys=<2 keys>, user_pool_id='eu-west-1_AbC123', client_id='1example', "
        "challenge_max_age=180, device_max_age=31536000)"
    )
    assert "<1 key>" in repr(sealer())


# -- Refused tokens ---------------------------------------------------------------------


def test_tampered_tokens_are_refused() -> None:
    """Changing any one character of a token makes it fail the signature check."""
    s = sealer()
    token = s.seal_challenge(CHALLENGES["software_token_mfa"])
    for position in (0, 1, 10, 30, len(token) // 2, len(token) - 50, len(token) - 2):
        with pytest.raises(InvalidTokenError) as info:
            s.open_challenge(tampered(token, position))
        assert info.value.check == "signature"
        assert_no_leak(info.value, token, SESSION[:40])


@pytest.mark.parametrize("cut", [1, 2, 3, 10, 100])
def test_truncated_tokens_are_refused(cut: int) -> None:
    """A token missing its end (a cookie cut short) fails the signature check."""
    s = sealer()
    token = s.seal_challenge(CHALLENGES["software_token_mfa"])
    with pytest.raises(InvalidTokenError) as info:
        s.open_challenge(token[:-cut])
    assert info.value.check == "signature"
    assert_no_leak(info.value, token[:-cut])


@pytest.mark.parametrize(
    ("garbage", "check"),
    [
        ("", "format"),
        ("not a token!", "format"),
        ("gAAAAA==", "format"),
        ("A" * 70_000, "format"),
        (None, "format"),
        (12345, "format"),
        (b"gAAAAABbytes", "format"),
        ("abc", "signature"),
        ("gAAAAA", "signature"),
        (base64.urlsafe_b64encode(secrets.token_bytes(120)).decode().rstrip("="), "signature"),
    ],
)
def test_garbage_is_refused(garbage: Any, check: str) -> None:
    """Anything that is not a token raises InvalidTokenError, never another error."""
    for open_ in (sealer().open_challenge, sealer().open_device):
        with pytest.raises(InvalidTokenError) as info:
            open_(garbage)
        assert info.value.check == check
        if isinstance(garbage, str) and len(garbage) >= 4:
            assert_no_leak(info.value, garbage)


def made_token(payload: Any, key: str = KEY_A, at: int = T0, version: bytes = b"\x01") -> str:
    """A token made by hand, in the layout Sealer documents, with the right key."""
    raw = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    header = version + at.to_bytes(8, "big")
    nonce = secrets.token_bytes(12)
    sealed = header + nonce + AESGCM(base64.urlsafe_b64decode(key)).encrypt(nonce, raw, header)
    return base64.urlsafe_b64encode(sealed).decode().rstrip("=")


def open_by_hand(token: str, key: str = KEY_A) -> tuple[bytes, int, Any]:
    """The version byte, the time and the payload of a token, read in the documented layout."""
    raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    header, nonce, sealed = raw[:9], raw[9:21], raw[21:]
    plaintext = AESGCM(base64.urlsafe_b64decode(key)).decrypt(nonce, sealed, header)
    return header[:1], int.from_bytes(header[1:], "big"), json.loads(plaintext)


def test_the_token_layout_is_the_documented_one() -> None:
    """version 1 | time sealed | nonce | AES-256-GCM with the header as associated data."""
    s = sealer(user_pool_id="eu-west-1_AbC123", client_id="1example")
    version, at, payload = open_by_hand(s.seal_device(DEVICE))
    assert (version, at) == (b"\x01", T0)
    assert payload == {
        "kind": "device",
        "pool": "eu-west-1_AbC123",
        "client": "1example",
        "data": {
            "device_key": DEVICE.device_key,
            "device_group_key": DEVICE.device_group_key,
            "device_password": DEVICE.device_password,
        },
    }
    # A token made by hand in that layout opens.
    assert s.open_device(made_token(payload)) == DEVICE


def test_the_time_sealed_cannot_be_changed() -> None:
    """Re-dating an expired token (the header is associated data) fails the signature check."""
    old = sealer().seal_challenge(CHALLENGES["software_token_mfa"])
    raw = bytearray(base64.urlsafe_b64decode(old + "=" * (-len(old) % 4)))
    raw[1:9] = (T0 + 10_000).to_bytes(8, "big")
    redated = base64.urlsafe_b64encode(bytes(raw)).decode().rstrip("=")
    with pytest.raises(ExpiredTokenError):
        sealer(clock=Clock(T0 + 10_000)).open_challenge(old)
    with pytest.raises(InvalidTokenError) as info:
        sealer(clock=Clock(T0 + 10_000)).open_challenge(redated)
    assert info.value.check == "signature"


def test_a_token_of_another_layout_version_is_refused() -> None:
    """A version byte this Sealer does not know is refused like a forgery, even with the key."""
    good = {
        "kind": "device",
        "data": dict.fromkeys(("device_key", "device_group_key", "device_password"), "x"),
    }
    assert sealer().open_device(made_token(good)).device_key == "x"
    with pytest.raises(InvalidTokenError) as info:
        sealer().open_device(made_token(good, version=b"\x02"))
    assert info.value.check == "signature"


@pytest.mark.parametrize(
    "payload",
    [
        b"hello",
        b"\xff\xfe",
        ["a", "list"],
        {"kind": "challenge", "data": {}},
        {"data": {"name": "SMS_MFA", "username": "alice"}},
        {"kind": "session", "data": {}},
        {"kind": "challenge"},
        {"kind": "challenge", "data": {"name": "SMS_MFA"}},
        {"kind": "challenge", "data": ["not", "a", "dict"]},
    ],
)
def test_foreign_payloads_under_the_right_key_are_format_errors(payload: Any) -> None:
    """Data sealed with the key but not by this library is refused as a format error."""
    with pytest.raises(InvalidTokenError) as info:
        sealer().open_challenge(made_token(payload))
    assert info.value.check == "format"
    assert_no_leak(info.value)


@pytest.mark.parametrize(
    "data",
    [
        {"device_key": "k", "device_group_key": "g"},
        {"device_key": "k", "device_group_key": "g", "device_password": ""},
        {"device_key": "k", "device_group_key": "g", "device_password": 1},
        {"device_key": "k", "device_group_key": "g", "device_password": "p", "extra": "x"},
        "k|g|p",
    ],
)
def test_malformed_devices_are_format_errors(data: Any) -> None:
    """A device payload without exactly its three non-empty strings is a format error."""
    token = made_token({"kind": "device", "data": data})
    with pytest.raises(InvalidTokenError) as info:
        sealer().open_device(token)
    assert info.value.check == "format"


def test_a_device_cookie_never_opens_as_a_challenge() -> None:
    """Kind confusion is refused both ways, with check 'token_use'."""
    s = sealer()
    device_cookie = s.seal_device(DEVICE)
    challenge_token = s.seal_challenge(CHALLENGES["software_token_mfa"])
    with pytest.raises(InvalidTokenError, match="not a sealed challenge") as info:
        s.open_challenge(device_cookie)
    assert info.value.check == "token_use"
    with pytest.raises(InvalidTokenError, match="not a device cookie") as info:
        s.open_device(challenge_token)
    assert info.value.check == "token_use"


# -- Audience ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sealed_for", "opened_by"),
    [
        ({"user_pool_id": "eu-west-1_One"}, {"user_pool_id": "eu-west-1_Two"}),
        ({"client_id": "client-one"}, {"client_id": "client-two"}),
        (
            {"user_pool_id": "eu-west-1_One", "client_id": "client-one"},
            {"user_pool_id": "eu-west-1_One", "client_id": "client-two"},
        ),
        ({}, {"user_pool_id": "eu-west-1_One"}),
    ],
)
def test_tokens_for_another_pool_or_client_are_refused(
    sealed_for: dict[str, Any], opened_by: dict[str, Any]
) -> None:
    """A token sealed for another pool or app client (or for none) fails 'audience'."""
    for seal, open_ in (("seal_challenge", "open_challenge"), ("seal_device", "open_device")):
        value = CHALLENGES["software_token_mfa"] if seal == "seal_challenge" else DEVICE
        token = getattr(sealer(**sealed_for), seal)(value)
        with pytest.raises(InvalidTokenError) as info:
            getattr(sealer(**opened_by), open_)(token)
        assert info.value.check == "audience"


def test_matching_audience_opens_and_an_unconfigured_opener_does_not_check() -> None:
    """Same pool and client open; a Sealer given no ids checks none."""
    ids: dict[str, Any] = {"user_pool_id": "eu-west-1_One", "client_id": "client-one"}
    token = sealer(**ids).seal_challenge(CHALLENGES["select_challenge"])
    assert sealer(**ids).open_challenge(token) == CHALLENGES["select_challenge"]
    assert sealer().open_challenge(token) == CHALLENGES["select_challenge"]


@pytest.mark.parametrize("field", ["user_pool_id", "client_id"])
@pytest.mark.parametrize("bad", ["", 42])
def test_bad_ids_are_refused(field: str, bad: Any) -> None:
    """user_pool_id and client_id are non-empty strings or None."""
    with pytest.raises(ConfigurationError, match=field):
        Sealer(keys=[KEY_A], **{field: bad})


# -- Age ----------------------------------------------------------------------------------


def test_challenge_expires_after_its_max_age() -> None:
    """A challenge opens up to challenge_max_age seconds, then raises ExpiredTokenError."""
    clock = Clock(T0)
    s = sealer(clock=clock)
    token = s.seal_challenge(CHALLENGES["software_token_mfa"])
    clock.now = T0 + 180
    assert s.open_challenge(token) == CHALLENGES["software_token_mfa"]
    clock.now = T0 + 181
    with pytest.raises(ExpiredTokenError, match="start the sign-in again") as info:
        s.open_challenge(token)
    assert info.value.check == "expiry"
    assert isinstance(info.value, InvalidTokenError)
    assert_no_leak(info.value, token, SESSION[:40])


def test_longer_challenge_max_age() -> None:
    """challenge_max_age=900 (Cognito's longest session) keeps a challenge for 15 minutes."""
    clock = Clock(T0)
    s = sealer(clock=clock, challenge_max_age=dt.timedelta(minutes=15))
    token = s.seal_challenge(CHALLENGES["software_token_mfa"])
    clock.now = T0 + 900
    s.open_challenge(token)
    clock.now = T0 + 901
    with pytest.raises(ExpiredTokenError):
        s.open_challenge(token)


def test_device_cookie_lasts_a_year_by_default() -> None:
    """A device cookie opens for 365 days by default, and device_max_age changes that."""
    clock = Clock(T0)
    s = sealer(clock=clock)
    cookie = s.seal_device(DEVICE)
    clock.now = T0 + 365 * 86400
    assert s.open_device(cookie) == DEVICE
    clock.now += 1
    with pytest.raises(ExpiredTokenError, match="sign in without it"):
        s.open_device(cookie)
    short = sealer(clock=clock, device_max_age=dt.timedelta(days=30))
    assert short.device_max_age == 30 * 86400


def test_expired_and_forged_is_a_signature_failure() -> None:
    """An old token under a foreign key is reported as not authentic, not as expired."""
    old = sealer(KEY_B).seal_challenge(CHALLENGES["software_token_mfa"])
    with pytest.raises(InvalidTokenError) as info:
        sealer(KEY_A, clock=Clock(T0 + 10_000)).open_challenge(old)
    assert info.value.check == "signature"


def test_expired_token_of_the_wrong_kind_is_a_kind_error() -> None:
    """Expiry is checked last: an old device cookie given as a challenge is 'token_use'."""
    cookie = sealer().seal_device(DEVICE)
    with pytest.raises(InvalidTokenError) as info:
        sealer(clock=Clock(T0 + 10_000)).open_challenge(cookie)
    assert info.value.check == "token_use"


def test_token_from_the_future_is_refused() -> None:
    """A token sealed more than a minute ahead of this clock fails 'timestamp'; less is skew."""
    token = sealer(clock=Clock(T0 + 120)).seal_challenge(CHALLENGES["software_token_mfa"])
    with pytest.raises(InvalidTokenError) as info:
        sealer(clock=Clock(T0)).open_challenge(token)
    assert info.value.check == "timestamp"
    assert not isinstance(info.value, ExpiredTokenError)
    near = sealer(clock=Clock(T0 + 30)).seal_challenge(CHALLENGES["software_token_mfa"])
    sealer(clock=Clock(T0)).open_challenge(near)


@pytest.mark.parametrize("good", [1, 180, 900, dt.timedelta(minutes=5)])
def test_challenge_max_age_accepts_one_to_900_seconds(good: Any) -> None:
    """challenge_max_age may be any whole number of seconds from 1 to 900."""
    Sealer(keys=[KEY_A], challenge_max_age=good)


@pytest.mark.parametrize(
    "bad", [0, -1, 901, 3600, True, 1.5, "180", None, dt.timedelta(seconds=1.5)]
)
def test_challenge_max_age_out_of_bounds_is_refused(bad: Any) -> None:
    """More than 900 s (no Session lives longer), less than 1 s, or not seconds: refused."""
    with pytest.raises(ConfigurationError, match="challenge_max_age"):
        Sealer(keys=[KEY_A], challenge_max_age=bad)


@pytest.mark.parametrize("bad", [0, -5, 2.5, "1y", dt.timedelta(0)])
def test_device_max_age_must_be_positive_seconds(bad: Any) -> None:
    """device_max_age is a positive whole number of seconds or a timedelta."""
    with pytest.raises(ConfigurationError, match="device_max_age"):
        Sealer(keys=[KEY_A], device_max_age=bad)


def test_clock_must_be_callable() -> None:
    """clock= takes a function such as time.time."""
    with pytest.raises(ConfigurationError, match="clock"):
        Sealer(keys=[KEY_A], clock=12345)  # type: ignore[arg-type]


# -- What may be sealed -------------------------------------------------------------------


def test_seal_refuses_what_it_cannot_seal() -> None:
    """seal_challenge needs a Challenge and seal_device a RememberedDevice."""
    s = sealer()
    with pytest.raises(ConfigurationError, match="needs a Challenge"):
        s.seal_challenge(CHALLENGES["software_token_mfa"].to_dict())  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError, match="no device was confirmed"):
        s.seal_device(None)  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError, match="needs a RememberedDevice"):
        s.seal_device(DEVICE.device_key)  # type: ignore[arg-type]


def test_a_challenge_that_could_not_be_opened_is_refused_when_sealing() -> None:
    """A Challenge that from_dict() would refuse (empty username) fails at seal time."""
    with pytest.raises(InvalidChallengeError, match="username"):
        sealer().seal_challenge(Challenge(name="SMS_MFA", username="", session=SESSION))


def test_sealer_is_immutable() -> None:
    """A Sealer's settings cannot change after its checks ran."""
    s = sealer()
    with pytest.raises(AttributeError):
        s.challenge_max_age = 5000  # type: ignore[misc]


# -- Property: every challenge survives a seal ------------------------------------------

texts = st.text(max_size=40)
names = st.one_of(st.sampled_from(list(ChallengeName)), st.text(min_size=1, max_size=30))
challenges = st.builds(
    Challenge,
    name=names,
    username=st.text(min_size=1, max_size=40),
    parameters=st.dictionaries(texts, texts, max_size=6),
    session=st.one_of(st.none(), st.text(max_size=300)),
    available_challenges=st.lists(texts, max_size=4).map(tuple),
    device_key=st.one_of(st.none(), texts),
)


@settings(max_examples=200, deadline=None)
@given(challenge=challenges, pool=st.one_of(st.none(), st.text(min_size=1, max_size=20)))
def test_any_challenge_round_trips(challenge: Challenge, pool: str | None) -> None:
    """Any challenge opens back equal, with or without a pool id, and its token is URL-safe."""
    s = sealer(KEY_B, KEY_A, user_pool_id=pool)
    token = s.seal_challenge(challenge)
    assert TOKEN_SHAPE.fullmatch(token)
    assert s.open_challenge(token) == challenge


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200))
def test_any_string_opens_or_raises_invalid_token(text: str) -> None:
    """Opening any string raises only InvalidTokenError."""
    with pytest.raises(InvalidTokenError):
        sealer().open_challenge(text)


# -- qr_code_svg ----------------------------------------------------------------------------


def test_qr_code_svg_is_a_standalone_svg() -> None:
    """The SVG has the SVG namespace, no XML declaration, and the quiet zone in its size."""
    svg = qr_code_svg(OTPAUTH_URI)
    assert svg.startswith("<svg ")
    root = ET.fromstring(svg)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    width = int(root.get("width", "0"))
    # A full QR code is 21 + 4*(version - 1) modules wide, plus 4 on each side.
    modules = width // 4 - 8
    assert width % 4 == 0
    assert modules >= 21
    assert (modules - 21) % 4 == 0


def test_qr_code_svg_depends_on_the_uri_and_scale() -> None:
    """Different URIs give different codes; scale multiplies the size; output is stable."""
    svg = qr_code_svg(OTPAUTH_URI)
    assert svg == qr_code_svg(OTPAUTH_URI)
    assert svg != qr_code_svg(OTPAUTH_URI.replace("alice", "bob"))
    big = ET.fromstring(qr_code_svg(OTPAUTH_URI, scale=8))
    assert int(big.get("width", "0")) == 2 * int(ET.fromstring(svg).get("width", "0"))


def test_qr_code_svg_title_is_escaped() -> None:
    """title becomes an escaped <title> element."""
    svg = qr_code_svg(OTPAUTH_URI, title="Scan <me> & go")
    title = ET.fromstring(svg).find("{http://www.w3.org/2000/svg}title")
    assert title is not None
    assert title.text == "Scan <me> & go"


def test_qr_code_svg_of_a_pending_challenge() -> None:
    """The URI of a sealed and opened MFA_SETUP challenge makes the same code."""
    s = sealer()
    opened = s.open_challenge(s.seal_challenge(CHALLENGES["mfa_setup"]))
    assert opened.otpauth_uri is not None
    assert qr_code_svg(opened.otpauth_uri) == qr_code_svg(OTPAUTH_URI)


@pytest.mark.parametrize(
    "bad", [None, "", "https://example.com/?secret=" + SECRET_CODE, f"totp {SECRET_CODE}", 42]
)
def test_qr_code_svg_refuses_other_text_without_quoting_it(bad: Any) -> None:
    """Only otpauth:// URIs are drawn; the error never repeats what it was given."""
    with pytest.raises(ConfigurationError, match="otpauth") as info:
        qr_code_svg(bad)
    assert SECRET_CODE not in str(info.value)


@pytest.mark.parametrize("bad", [0, 65, True, 2.0])
def test_qr_code_svg_scale_bounds(bad: Any) -> None:
    """scale is a whole number of pixels from 1 to 64."""
    with pytest.raises(ConfigurationError, match="scale"):
        qr_code_svg(OTPAUTH_URI, scale=bad)
