"""Tests for cognito_flow.srp: known answers, a verifying peer, and error cases."""

from __future__ import annotations

import base64
import importlib.util
import json
import locale
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from srp_peer import SrpVerifierPeer, pad_hex

from cognito_flow import srp

# Known answers of the reference JavaScript client; tests/data/README.md says where they come from.
VECTORS_PATH = Path(__file__).resolve().parent / "data" / "srp.json"
VECTORS: dict[str, Any] = json.loads(VECTORS_PATH.read_text(encoding="utf-8"))
CASES: list[dict[str, Any]] = VECTORS["cases"]
CASE_IDS = [f"{i}-{c['pool_name']}-a{len(c['a_hex']) * 4}" for i, c in enumerate(CASES)]
TIMESTAMPS: list[tuple[int, str]] = [
    (t["epoch_ms"], t["expected"]) for t in VECTORS["timestamps"]
] + [(c["timestamp_epoch_ms"], c["timestamp"]) for c in CASES]

HAVE_GMPY2 = importlib.util.find_spec("gmpy2") is not None


def test_known_answers_live_in_the_repository() -> None:
    """The vectors are read from tests/data, so a fresh clone tests with nothing beside it."""
    repository = Path(__file__).resolve().parents[1]
    assert VECTORS_PATH.is_relative_to(repository)
    assert (VECTORS_PATH.parent / "README.md").read_text(encoding="utf-8").count("srp.json")


BACKENDS = [
    pytest.param("python"),
    pytest.param("gmpy2", marks=pytest.mark.skipif(not HAVE_GMPY2, reason="gmpy2 not installed")),
]


def slow_examples(count: int) -> settings:
    """Few examples (each is a whole SRP exchange), no deadline.

    The backend fixture only switches a module setting, so sharing it across
    Hypothesis examples is what we want.
    """
    return settings(
        max_examples=count,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture],
    )


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> Iterator[str]:
    """Run the test once per big-integer backend, then restore the previous one."""
    previous = srp.backend()
    yield srp.set_backend(request.param)
    srp.set_backend(previous)


def claim(case: dict[str, Any], **overrides: Any) -> str:
    kwargs: dict[str, Any] = {
        "pool_id": case["pool_id"],
        "user_id_for_srp": case["user_id_for_srp"],
        "password": case["password"],
        "a": int(case["a_hex"], 16),
        "srp_b_hex": case["B_hex"],
        "salt_hex": case["salt_hex"],
        "secret_block_b64": case["secret_block_b64"],
        "timestamp": case["timestamp"],
    }
    kwargs.update(overrides)
    return srp.password_claim(**kwargs)


# --------------------------------------------------------------------------
# Known answers from amazon-cognito-identity-js
# --------------------------------------------------------------------------


def test_multiplier_k_matches_reference() -> None:
    """K = H(PAD(N) | PAD(g)) is the JS client's k."""
    assert int(VECTORS["k_hex"], 16) == srp.K
    assert srp.G == 2
    assert srp.N.bit_length() == 3072


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_public_a_matches_reference(case: dict[str, Any], backend: str) -> None:
    """SRP_A is g^a mod N in plain lowercase hex, for 256- and 1024-bit a."""
    a = int(case["a_hex"], 16)
    assert srp.public_a_hex(a) == case["expected_A_hex"]
    assert srp.public_a(a) == int(case["expected_A_hex"], 16)


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_derived_key_matches_reference(case: dict[str, Any], backend: str) -> None:
    """The HKDF key equals the JS client's getPasswordAuthenticationKey."""
    key = srp.derive_key(
        pool_name=case["pool_name"],
        user_id=case["user_id_for_srp"],
        password=case["password"],
        a=int(case["a_hex"], 16),
        srp_b_hex=case["B_hex"],
        salt_hex=case["salt_hex"],
    )
    assert key.hex() == case["expected_hkdf_key_hex"]


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_password_claim_matches_reference(case: dict[str, Any], backend: str) -> None:
    """PASSWORD_CLAIM_SIGNATURE equals the JS client's, with or without SRP_A given."""
    assert claim(case) == case["expected_signature_b64"]
    assert claim(case, srp_a_hex=case["expected_A_hex"]) == case["expected_signature_b64"]


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_device_claim_is_password_construction(case: dict[str, Any], backend: str) -> None:
    """device_claim is the password claim with group key / device key as pool / user."""
    signature = srp.device_claim(
        device_group_key=case["pool_name"],
        device_key=case["user_id_for_srp"],
        device_password=case["password"],
        a=int(case["a_hex"], 16),
        srp_b_hex=case["B_hex"],
        salt_hex=case["salt_hex"],
        secret_block_b64=case["secret_block_b64"],
        timestamp=case["timestamp"],
    )
    assert signature == case["expected_signature_b64"]


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_device_verifier_matches_reference(case: dict[str, Any], backend: str) -> None:
    """ConfirmDevice's PasswordVerifier and Salt equal the JS generateHashDevice's."""
    device = case["device"]
    result = srp.device_verifier(
        device_group_key=device["device_group_key"],
        device_key=device["device_key"],
        password=device["device_password"],
        salt=bytes.fromhex(device["salt_padhex"]),
    )
    assert result.password == device["device_password"]
    assert base64.b64decode(result.verifier_b64).hex() == device["expected_verifier_padhex"]
    assert base64.b64decode(result.salt_b64).hex() == device["salt_padhex"]
    assert result.secret_verifier_config() == {
        "PasswordVerifier": result.verifier_b64,
        "Salt": result.salt_b64,
    }


@pytest.mark.parametrize(("epoch_ms", "expected"), TIMESTAMPS)
def test_timestamp_matches_reference(epoch_ms: int, expected: str) -> None:
    """TIMESTAMP is 'EEE MMM d HH:mm:ss UTC yyyy' from epoch seconds and datetimes."""
    assert srp.format_timestamp(epoch_ms / 1000) == expected
    moment = datetime.fromtimestamp(epoch_ms / 1000, UTC)
    assert srp.format_timestamp(moment) == expected
    assert srp.format_timestamp(moment.astimezone(timezone(timedelta(hours=-7)))) == expected
    assert srp.format_timestamp(moment.replace(tzinfo=None)) == expected


def test_timestamp_defaults_to_now() -> None:
    """format_timestamp() without an argument formats the current UTC time."""
    before = datetime.now(UTC).replace(microsecond=0)
    text = srp.format_timestamp()
    after = datetime.now(UTC)
    assert re.fullmatch(r"[A-Z][a-z]{2} [A-Z][a-z]{2} [1-9]\d? \d\d:\d\d:\d\d UTC \d{4}", text)
    parsed = datetime.strptime(text, "%a %b %d %H:%M:%S UTC %Y").replace(tzinfo=UTC)
    assert before <= parsed <= after


def test_timestamp_ignores_locale() -> None:
    """Day and month names stay English whatever LC_TIME is."""
    candidates = ["de_DE.UTF-8", "de_DE.utf8", "fr_FR.UTF-8", "fr_FR.utf8", "es_ES.UTF-8"]
    candidates += ["ru_RU.UTF-8", "ja_JP.UTF-8", "de_DE", "fr_FR"]
    previous = locale.setlocale(locale.LC_TIME)
    for name in candidates:
        try:
            locale.setlocale(locale.LC_TIME, name)
        except locale.Error:
            continue
        try:
            assert srp.format_timestamp(951782400) == "Tue Feb 29 00:00:00 UTC 2000"
            assert srp.format_timestamp(1746576580) == "Wed May 7 00:09:40 UTC 2025"
        finally:
            locale.setlocale(locale.LC_TIME, previous)
        return
    pytest.skip("no non-English locale is installed")


# --------------------------------------------------------------------------
# The test peer, checked against the vectors, and property tests against it
# --------------------------------------------------------------------------


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_peer_verifies_reference_signature(case: dict[str, Any]) -> None:
    """The test peer reproduces each vector's B and accepts only its signature."""
    peer = SrpVerifierPeer.from_vector(case)
    srp_b_hex, salt_hex, block = peer.start(case["expected_A_hex"])
    assert int(srp_b_hex, 16) == int(case["B_hex"], 16)
    assert (salt_hex, block) == (case["salt_hex"], case["secret_block_b64"])
    good = case["expected_signature_b64"]
    assert peer.verify(signature_b64=good, timestamp=case["timestamp"], secret_block_b64=block)
    tampered = base64.b64encode(bytes([base64.b64decode(good)[0] ^ 1]) + base64.b64decode(good)[1:])
    assert not peer.verify(
        signature_b64=tampered.decode(), timestamp=case["timestamp"], secret_block_b64=block
    )
    assert not peer.verify(
        signature_b64=good, timestamp="Thu Jan 1 00:00:00 UTC 1970", secret_block_b64=block
    )
    assert not peer.verify(signature_b64=good, timestamp=case["timestamp"], secret_block_b64="AAAA")


def sign_in(peer: SrpVerifierPeer, pool_id: str, user_id: str, password: str) -> bool:
    """One USER_SRP_AUTH exchange against the peer; True when the peer accepts."""
    a = srp.generate_secret()
    srp_a_hex = srp.public_a_hex(a)
    srp_b_hex, salt_hex, block = peer.start(srp_a_hex)
    timestamp = srp.format_timestamp()
    signature = srp.password_claim(
        pool_id=pool_id,
        user_id_for_srp=user_id,
        password=password,
        a=a,
        srp_b_hex=srp_b_hex,
        salt_hex=salt_hex,
        secret_block_b64=block,
        timestamp=timestamp,
    )
    return peer.verify(signature_b64=signature, timestamp=timestamp, secret_block_b64=block)


pool_ids = st.from_regex(r"(us-east-1|eu-west-1|ap-southeast-2)_[A-Za-z0-9]{9}", fullmatch=True)
texts = st.text(min_size=1, max_size=40)
salts = st.binary(min_size=1, max_size=32)


@slow_examples(15)
@given(pool_id=pool_ids, user_id=texts, password=texts, salt=salts)
def test_peer_accepts_right_password(
    backend: str, pool_id: str, user_id: str, password: str, salt: bytes
) -> None:
    """A verifying server always accepts the claim made with the right password."""
    peer = SrpVerifierPeer.from_password(pool_id, user_id, password, salt)
    assert sign_in(peer, pool_id, user_id, password)


@slow_examples(15)
@given(pool_id=pool_ids, user_id=texts, password=texts, wrong=texts, salt=salts)
def test_peer_rejects_wrong_password(
    backend: str, pool_id: str, user_id: str, password: str, wrong: str, salt: bytes
) -> None:
    """A verifying server never accepts a claim made with another password."""
    assume(wrong != password)
    peer = SrpVerifierPeer.from_password(pool_id, user_id, password, salt)
    assert not sign_in(peer, pool_id, user_id, wrong)


@slow_examples(10)
@given(group=texts, key=texts, salt=salts)
def test_device_sign_in_verifies(backend: str, group: str, key: str, salt: bytes) -> None:
    """A device registered with device_verifier signs in with device_claim."""
    registered = srp.device_verifier(device_group_key=group, device_key=key, salt=salt)
    peer = SrpVerifierPeer.from_device(group, key, registered.password, salt)
    assert base64.b64decode(registered.verifier_b64) == bytes.fromhex(pad_hex(peer.verifier))
    a = srp.generate_secret()
    srp_b_hex, salt_hex, block = peer.start(srp.public_a_hex(a))
    timestamp = "Tue Feb 29 00:00:00 UTC 2000"
    signature = srp.device_claim(
        device_group_key=group,
        device_key=key,
        device_password=registered.password,
        a=a,
        srp_b_hex=srp_b_hex,
        salt_hex=salt_hex,
        secret_block_b64=block,
        timestamp=timestamp,
    )
    assert peer.verify(signature_b64=signature, timestamp=timestamp, secret_block_b64=block)


@slow_examples(40)
@given(a=st.integers(min_value=1, max_value=(1 << 300)))
def test_public_a_is_modular_power(a: int) -> None:
    """public_a(a) == pow(2, a, N), across the comb table's 256-bit edge."""
    assert srp.public_a(a) == pow(2, a, srp.N)


# --------------------------------------------------------------------------
# Randomness, backends, slicing
# --------------------------------------------------------------------------


def test_generate_secret_uses_injected_randbits() -> None:
    """generate_secret asks the given source for at least 256 bits and redraws zero."""
    requested: list[int] = []
    answers = iter([0, 12345])

    def fake_randbits(bits: int) -> int:
        requested.append(bits)
        return next(answers)

    assert srp.generate_secret(fake_randbits) == 12345
    assert requested == [256, 256]


def test_generate_secret_gives_up_on_a_broken_source() -> None:
    """A source that only returns zero ends in RuntimeError, not an endless loop."""
    with pytest.raises(RuntimeError, match="random source"):
        srp.generate_secret(lambda bits: 0)


def test_generate_secret_default_is_random_256_bits() -> None:
    """The default draws from secrets: distinct values of at most 256 bits."""
    values = {srp.generate_secret() for _ in range(8)}
    assert len(values) == 8
    assert all(0 < v < 1 << 256 for v in values)


def test_device_verifier_defaults_use_injected_token_bytes() -> None:
    """device_verifier draws a 40-byte password and a 16-byte salt from token_bytes."""
    requested: list[int] = []

    def fake_token_bytes(size: int) -> bytes:
        requested.append(size)
        return bytes([0xA5]) * size

    result = srp.device_verifier(
        device_group_key="-k2zwEQHf", device_key="us-east-1_x", token_bytes=fake_token_bytes
    )
    assert requested == [40, 16]
    assert result.password == base64.b64encode(bytes([0xA5]) * 40).decode()
    assert base64.b64decode(result.salt_b64) == b"\x00" + bytes([0xA5]) * 16


def test_set_backend_switches_and_reports() -> None:
    """set_backend returns the backend in use and backend() reports it."""
    previous = srp.backend()
    try:
        assert srp.set_backend("python") == "python" == srp.backend()
        expected_auto = "gmpy2" if HAVE_GMPY2 else "python"
        assert srp.set_backend("auto") == expected_auto == srp.backend()
        assert srp.set_backend() == expected_auto
        with pytest.raises(ValueError, match="unknown SRP backend"):
            srp.set_backend("rust")  # type: ignore[arg-type]
    finally:
        srp.set_backend(previous)


def test_set_backend_gmpy2_without_gmpy2(monkeypatch: pytest.MonkeyPatch) -> None:
    """Forcing gmpy2 when it is not installed raises ImportError; auto falls back."""
    previous = srp.backend()
    monkeypatch.setitem(srp._BACKENDS, "gmpy2", None)
    try:
        with pytest.raises(ImportError, match="gmpy2"):
            srp.set_backend("gmpy2")
        assert srp.set_backend("auto") == "python"
    finally:
        monkeypatch.undo()
        srp.set_backend(previous)


def test_yield_hook_runs_between_slices(backend: str) -> None:
    """The yield hook is called during the work and does not change any result."""
    case = CASES[0]
    calls: list[None] = []

    def hook() -> None:
        calls.append(None)

    srp.precompute(yield_hook=hook)
    calls.clear()
    assert claim(case, yield_hook=hook) == case["expected_signature_b64"]
    # ~700 multiplications: python slices are 24 of them, gmpy2 slices 160.
    assert len(calls) >= (3 if backend == "gmpy2" else 20)
    assert srp.public_a_hex(int(case["a_hex"], 16), yield_hook=hook) == case["expected_A_hex"]
    device = case["device"]
    kwargs = {
        "device_group_key": device["device_group_key"],
        "device_key": device["device_key"],
        "password": device["device_password"],
        "salt": bytes.fromhex(device["salt_padhex"]),
    }
    assert srp.device_verifier(**kwargs, yield_hook=hook) == srp.device_verifier(**kwargs)


def test_release_gil_is_a_valid_hook() -> None:
    """release_gil can be passed as the yield hook."""
    assert claim(CASES[0], yield_hook=srp.release_gil) == CASES[0]["expected_signature_b64"]


# --------------------------------------------------------------------------
# Errors and secrets
# --------------------------------------------------------------------------


SECRET_PASSWORD = "Tr0ub4dor&3-not-in-messages"


def assert_no_secret(message: str, case: dict[str, Any]) -> None:
    """Neither the password nor the secret a (hex or decimal) is in the message."""
    a = int(case["a_hex"], 16)
    for secret in (SECRET_PASSWORD, case["a_hex"], str(a), format(a, "X")):
        assert secret not in message


@pytest.mark.parametrize("srp_b", [0, srp.N, 2 * srp.N], ids=["zero", "N", "2N"])
def test_b_zero_mod_n_is_rejected(srp_b: int, backend: str) -> None:
    """An SRP_B that is 0 mod N raises ValueError naming the problem, no secrets."""
    case = CASES[0]
    with pytest.raises(ValueError, match="SRP_B is zero modulo N") as info:
        claim(case, password=SECRET_PASSWORD, srp_b_hex=format(srp_b, "x"))
    assert_no_secret(str(info.value), case)


def test_u_zero_is_rejected(monkeypatch: pytest.MonkeyPatch) -> None:
    """A hash u = H(A | B) of zero raises ValueError naming u, no secrets."""
    monkeypatch.setattr(srp, "_compute_u", lambda big_a, big_b: 0)
    case = CASES[0]
    with pytest.raises(ValueError, match="u = H") as info:
        claim(case, password=SECRET_PASSWORD)
    assert_no_secret(str(info.value), case)


@pytest.mark.parametrize(
    ("override", "match"),
    [
        ({"srp_b_hex": ""}, "srp_b_hex"),
        ({"srp_b_hex": "-1"}, "srp_b_hex"),
        ({"srp_b_hex": "0x12"}, "srp_b_hex"),
        ({"salt_hex": "zz"}, "salt_hex"),
        ({"srp_a_hex": "g"}, "srp_a_hex"),
        ({"secret_block_b64": "not base64!"}, "secret_block_b64"),
        ({"pool_id": "nounderscore"}, "pool_id"),
        ({"pool_id": "a_b_c"}, "pool_id"),
        ({"a": 0}, "secret a"),
        ({"a": srp.N}, "secret a"),
    ],
)
def test_bad_input_names_the_parameter(override: dict[str, Any], match: str) -> None:
    """Malformed inputs raise ValueError naming the parameter, without secrets."""
    case = CASES[0]
    with pytest.raises(ValueError, match=match) as info:
        claim(case, **{"password": SECRET_PASSWORD, **override})
    assert_no_secret(str(info.value), case)


def test_public_a_rejects_bad_secret() -> None:
    """public_a refuses a secret outside 0 < a < N."""
    for bad in (0, -5, srp.N):
        with pytest.raises(ValueError, match="secret a"):
            srp.public_a(bad)


def test_device_verifier_repr_hides_password() -> None:
    """DeviceVerifier's repr shows the salt and verifier but never the password."""
    result = srp.device_verifier(device_group_key="g", device_key="k", password="s3cr3t-pw")
    assert "s3cr3t-pw" not in repr(result)
    assert result.salt_b64 in repr(result)
