"""SRP-6a arithmetic for Amazon Cognito's USER_SRP_AUTH and DEVICE_SRP_AUTH flows.

Pure functions: no IO, no asyncio, no global state except caches. The maths
matches amazon-cognito-identity-js (``AuthenticationHelper``) bit for bit:

* group: the 3072-bit MODP prime ``N`` of RFC 3526 with generator ``G = 2``;
  hash ``H`` is SHA-256;
* ``PAD(n)`` is the JS client's ``padHex``: the shortest big-endian
  two's-complement encoding of a non-negative integer (a leading zero byte is
  added when the top bit is set), so ``PAD(0x80) == b"\\x00\\x80"``;
* ``K = H(PAD(N) | PAD(G))``, ``u = H(PAD(A) | PAD(B))``,
  ``x = H(PAD(salt) | H(pool_name | user_id | ":" | password))``;
* ``S = (B - K * G^x) ^ (a + u * x) mod N``, and the 16-byte key is HKDF-SHA256
  with salt ``PAD(u)``, input ``PAD(S)`` and info ``"Caldera Derived Key"``;
* the claim is ``HMAC-SHA256(key, pool_name | user_id | secret_block | timestamp)``
  in base64. Device SRP is the same construction with the device group key in
  place of the pool name and the device key in place of the user id.

Speed
-----
The maths runs on plain Python ints or, when it imports, gmpy2 (the ``fast``
extra): :func:`set_backend` / the ``COGNITO_FLOW_SRP_BACKEND`` environment
variable (``python``, ``gmpy2`` or ``auto``) choose. The heavy functions take
a keyword-only ``yield_hook``, called between slices of about 0.4 ms of work:
:func:`release_gil` there lets an event loop in another thread run.
``_modexp.py`` holds that machinery (comb tables, sliding windows, slices)
and its theory of operation.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import secrets
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Final, Literal

import attrs

from ._modexp import (
    SECRET_BITS,
    Backend,
    Meter,
    comb_table,
    gmpy2_backend,
    pow_g,
    pow_var,
    python_backend,
    release_gil,
)

__all__ = [
    "BACKEND_ENV_VAR",
    "BackendName",
    "DeviceVerifier",
    "G",
    "K",
    "N",
    "backend",
    "derive_key",
    "device_claim",
    "device_verifier",
    "format_timestamp",
    "generate_secret",
    "password_claim",
    "precompute",
    "public_a",
    "public_a_hex",
    "release_gil",
    "set_backend",
]

#: The 3072-bit safe prime of RFC 3526 section 4, the group Cognito uses.
N: Final[int] = int(
    "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74"
    "020BBEA63B139B22514A08798E3404DDEF9519B3CD3A431B302B0A6DF25F1437"
    "4FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED"
    "EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF05"
    "98DA48361C55D39A69163FA8FD24CF5F83655D23DCA3AD961C62F356208552BB"
    "9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B"
    "E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF695581718"
    "3995497CEA956AE515D2261898FA051015728E5A8AAAC42DAD33170D04507A33"
    "A85521ABDF1CBA64ECFB850458DBEF0A8AEA71575D060C7DB3970F85A6E1E4C7"
    "ABF5AE8CDB0933D71E8C94E04A25619DCEE3D2261AD2EE6BF12FFA06D98A0864"
    "D87602733EC86A64521F2B18177B200CBBE117577A615D6C770988C0BAD946E2"
    "08E24FA074E5AB3143DB5BFCE0FD108E4B82D120A93AD2CAFFFFFFFFFFFFFFFF",
    16,
)

#: The generator of the group.
G: Final[int] = 2

#: Name of the environment variable read at import to pick the backend.
BACKEND_ENV_VAR: Final[str] = "COGNITO_FLOW_SRP_BACKEND"

_INFO: Final[bytes] = b"Caldera Derived Key\x01"  # HKDF info plus the T(1) counter
_HEX_DIGITS: Final[frozenset[str]] = frozenset("0123456789abcdefABCDEF")
_WEEKDAYS: Final[tuple[str, ...]] = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS: Final[tuple[str, ...]] = (
    "Jan", "Feb", "Mar", "Apr", "May", "Jun",
    "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
)  # fmt: skip


def _pad(value: int) -> bytes:
    """PAD(): shortest big-endian two's-complement bytes of a non-negative int."""
    # bit_length() // 8 + 1 bytes always leave room for a zero sign bit, which
    # is exactly the JS client's padHex (odd length -> "0", top bit -> "00").
    return value.to_bytes(value.bit_length() // 8 + 1, "big")


def _sha256(*parts: bytes) -> bytes:
    return hashlib.sha256(b"".join(parts)).digest()


def _to_int(digest: bytes) -> int:
    return int.from_bytes(digest, "big")


#: The SRP-6a multiplier, K = H(PAD(N) | PAD(G)).
K: Final[int] = _to_int(_sha256(_pad(N), _pad(G)))


# --------------------------------------------------------------------------
# Backends (the machinery itself is in _modexp.py)
# --------------------------------------------------------------------------

_BACKENDS: Final[dict[str, Backend | None]] = {
    "python": python_backend(N, K, G),
    "gmpy2": gmpy2_backend(N, K, G),
}
_active: Backend = python_backend(N, K, G)


BackendName = Literal["python", "gmpy2", "auto"]
_BACKEND_NAMES: Final[tuple[BackendName, ...]] = ("python", "gmpy2", "auto")


def set_backend(name: BackendName = "auto") -> str:
    """Choose the big-integer backend for later calls and return its name.

    ``"auto"`` picks ``"gmpy2"`` when the gmpy2 package imports and
    ``"python"`` otherwise. Asking for ``"gmpy2"`` without gmpy2 installed
    raises :class:`ImportError`; an unknown name raises :class:`ValueError`.
    A call already running keeps the backend it started with.
    """
    global _active  # noqa: PLW0603 - the backend is a process-wide choice
    if name == "auto":
        chosen = _BACKENDS["gmpy2"] or _BACKENDS["python"]
    elif name in _BACKENDS:
        chosen = _BACKENDS[name]
        if chosen is None:
            raise ImportError(f"the {name!r} SRP backend needs {name} installed")
    else:
        raise ValueError(f"unknown SRP backend {name!r}: use python, gmpy2 or auto")
    assert chosen is not None
    _active = chosen
    return chosen.name


def backend() -> Literal["python", "gmpy2"]:
    """Return the name of the backend in use: ``"python"`` or ``"gmpy2"``."""
    return _active.name


def _backend_from_env() -> None:
    requested = os.environ.get(BACKEND_ENV_VAR, "").strip().lower() or "auto"
    for name in _BACKEND_NAMES:
        if name == requested:
            set_backend(name)
            return
    raise ValueError(f"{BACKEND_ENV_VAR} must be python, gmpy2 or auto, not {requested!r}")


_backend_from_env()


def precompute(*, yield_hook: Callable[[], object] | None = None) -> None:
    """Build the fixed-base table of the active backend now (idempotent).

    Otherwise the first sign-in pays for it (about 40 ms of CPU in pure
    Python, 5 ms with gmpy2). ``yield_hook`` is called between slices.
    """
    be = _active
    comb_table(be, Meter(yield_hook, be.slice_ops))


# --------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------


def generate_secret(randbits: Callable[[int], int] = secrets.randbits) -> int:
    """Draw the client's secret exponent ``a``: 256 random bits.

    ``randbits`` (default :func:`secrets.randbits`) is injectable for tests.
    ``A = G^a`` can never be 0 mod the prime ``N``; the degenerate ``A = 1``
    happens exactly when ``a`` is a multiple of the group order, which for a
    value below 2**256 means ``a == 0``, so zero is redrawn.
    """
    for _ in range(64):
        a = randbits(SECRET_BITS)
        if 0 < a < N:
            return a
    raise RuntimeError("the random source returned no usable SRP secret in 64 draws")


def _check_secret(a: int) -> None:
    if not 0 < a < N:
        raise ValueError("the SRP secret a must be an integer with 0 < a < N")


def public_a(a: int, *, yield_hook: Callable[[], object] | None = None) -> int:
    """Return ``A = G^a mod N``, the client's public value, for secret ``a``.

    ``yield_hook`` is called between slices (only the first call of a process,
    which builds the fixed-base table, has more than a couple of them).
    """
    _check_secret(a)
    be = _active
    big_a = int(pow_g(be, a, Meter(yield_hook, be.slice_ops)))
    if big_a % N == 0:  # impossible for a prime N; checked as the JS client does
        raise ValueError("SRP_A is zero modulo N")
    return big_a


def public_a_hex(a: int, *, yield_hook: Callable[[], object] | None = None) -> str:
    """Return ``A`` as plain lowercase hex, the form SRP_A is sent in."""
    return format(public_a(a, yield_hook=yield_hook), "x")


def format_timestamp(when: datetime | float | None = None) -> str:
    """Format the TIMESTAMP Cognito expects: ``"EEE MMM d HH:mm:ss UTC yyyy"``.

    ``when`` is an aware or naive-UTC :class:`~datetime.datetime`, seconds
    since the epoch, or ``None`` for now. English names are built in (not
    strftime) so the result does not depend on the process locale, and the
    day of the month is not zero-padded, as in the JS client.
    """
    if when is None:
        moment = datetime.now(UTC)
    elif isinstance(when, datetime):
        # Naive datetimes are taken as UTC: utcnow() is what pycognito uses.
        aware = when if when.tzinfo is not None else when.replace(tzinfo=UTC)
        moment = aware.astimezone(UTC)
    else:
        moment = datetime.fromtimestamp(when, UTC)
    return (
        f"{_WEEKDAYS[moment.weekday()]} {_MONTHS[moment.month - 1]} {moment.day} "
        f"{moment.hour:02d}:{moment.minute:02d}:{moment.second:02d} UTC {moment.year}"
    )


def _parse_hex(name: str, value: str) -> int:
    # int(value, 16) alone would also take "-1", "0x1" and "1_0".
    if not value or not _HEX_DIGITS.issuperset(value):
        raise ValueError(f"{name} must be a non-empty hexadecimal string")
    return int(value, 16)


def _parse_b64(name: str, value: str) -> bytes:
    try:
        # Not validate=True: like amazon-cognito-identity-js and pycognito, skip
        # stray characters, so moto's UUID SECRET_BLOCK gets through too.
        return base64.b64decode(value)
    except binascii.Error:
        raise ValueError(f"{name} must be base64") from None


def _compute_u(big_a: int, big_b: int) -> int:
    return _to_int(_sha256(_pad(big_a), _pad(big_b)))


def derive_key(
    *,
    pool_name: str,
    user_id: str,
    password: str,
    a: int,
    srp_b_hex: str,
    salt_hex: str,
    srp_a_hex: str | None = None,
    yield_hook: Callable[[], object] | None = None,
) -> bytes:
    """Derive the 16-byte SRP session key (the JS ``getPasswordAuthenticationKey``).

    ``pool_name`` is the part of the pool id after ``_`` (for device SRP: the
    device group key), ``user_id`` the USER_ID_FOR_SRP (or the device key),
    ``a`` the secret from :func:`generate_secret`, ``srp_b_hex`` and
    ``salt_hex`` the SRP_B and SALT challenge parameters. Raises
    :class:`ValueError` when B is 0 mod N or u is 0 (a broken or hostile
    peer). ``srp_a_hex``, the SRP_A already sent for ``a``, saves
    recomputing ``G^a`` (about 0.7 ms in pure Python); it must be the value
    :func:`public_a_hex` returned, or the key is simply wrong. ``yield_hook``
    is called between slices of the computation.
    """
    _check_secret(a)
    big_b = _parse_hex("srp_b_hex", srp_b_hex)
    salt = _parse_hex("salt_hex", salt_hex)
    if big_b % N == 0:
        raise ValueError("SRP_B is zero modulo N: the server's value is invalid")
    be = _active
    meter = Meter(yield_hook, be.slice_ops)
    big_a = int(pow_g(be, a, meter)) if srp_a_hex is None else _parse_hex("srp_a_hex", srp_a_hex)
    u = _compute_u(big_a, big_b)
    if u == 0:
        raise ValueError("u = H(A | B) is zero: the server's SRP_B is unusable")
    identity = _sha256(f"{pool_name}{user_id}:{password}".encode())
    x = _to_int(_sha256(_pad(salt), identity))
    g_x = pow_g(be, x, meter)
    base = (be.residue(big_b) - be.k * g_x) % be.n
    s = int(pow_var(be, base, a + u * x, meter))
    prk = hmac.digest(_pad(u), _pad(s), "sha256")
    return hmac.digest(prk, _INFO, "sha256")[:16]


def _signed_claim(
    name: str,
    user_id: str,
    password: str,
    *,
    a: int,
    srp_b_hex: str,
    salt_hex: str,
    secret_block_b64: str,
    timestamp: str,
    srp_a_hex: str | None,
    yield_hook: Callable[[], object] | None,
) -> str:
    # Checked before the expensive part, so a bad block fails at once.
    block = _parse_b64("secret_block_b64", secret_block_b64)
    key = derive_key(
        pool_name=name,
        user_id=user_id,
        password=password,
        a=a,
        srp_b_hex=srp_b_hex,
        salt_hex=salt_hex,
        srp_a_hex=srp_a_hex,
        yield_hook=yield_hook,
    )
    message = name.encode() + user_id.encode() + block + timestamp.encode()
    return base64.b64encode(hmac.digest(key, message, "sha256")).decode("ascii")


def _pool_name(pool_id: str) -> str:
    region, sep, name = pool_id.partition("_")
    if not (region and sep and name) or "_" in name:
        raise ValueError("pool_id must look like '<region>_<name>'")
    return name


def password_claim(
    *,
    pool_id: str,
    user_id_for_srp: str,
    password: str,
    a: int,
    srp_b_hex: str,
    salt_hex: str,
    secret_block_b64: str,
    timestamp: str,
    srp_a_hex: str | None = None,
    yield_hook: Callable[[], object] | None = None,
) -> str:
    """Return PASSWORD_CLAIM_SIGNATURE for a PASSWORD_VERIFIER challenge.

    The base64 HMAC-SHA256, keyed with :func:`derive_key`, of
    ``pool_name | user_id_for_srp | secret block bytes | timestamp``, where
    ``pool_name`` is the part of ``pool_id`` after ``_`` and ``timestamp`` the
    string sent as TIMESTAMP (see :func:`format_timestamp`). ``srp_a_hex``
    and ``yield_hook`` are as in :func:`derive_key`.
    """
    return _signed_claim(
        _pool_name(pool_id),
        user_id_for_srp,
        password,
        a=a,
        srp_b_hex=srp_b_hex,
        salt_hex=salt_hex,
        secret_block_b64=secret_block_b64,
        timestamp=timestamp,
        srp_a_hex=srp_a_hex,
        yield_hook=yield_hook,
    )


def device_claim(
    *,
    device_group_key: str,
    device_key: str,
    device_password: str,
    a: int,
    srp_b_hex: str,
    salt_hex: str,
    secret_block_b64: str,
    timestamp: str,
    srp_a_hex: str | None = None,
    yield_hook: Callable[[], object] | None = None,
) -> str:
    """Return PASSWORD_CLAIM_SIGNATURE for a DEVICE_PASSWORD_VERIFIER challenge.

    As :func:`password_claim`, with the device group key in place of the pool
    name and the device key in place of the user id, and the device password
    that was registered with :func:`device_verifier`. ``srp_a_hex`` and
    ``yield_hook`` are as in :func:`derive_key`.
    """
    return _signed_claim(
        device_group_key,
        device_key,
        device_password,
        a=a,
        srp_b_hex=srp_b_hex,
        salt_hex=salt_hex,
        secret_block_b64=secret_block_b64,
        timestamp=timestamp,
        srp_a_hex=srp_a_hex,
        yield_hook=yield_hook,
    )


@attrs.frozen(kw_only=True)
class DeviceVerifier:
    """A device's SRP credentials for ConfirmDevice.

    Keep :attr:`password` (the device password for later DEVICE_SRP_AUTH
    sign-ins) secret; send the other two as ``DeviceSecretVerifierConfig``
    (see :meth:`secret_verifier_config`).
    """

    #: The random device password (base64 text); never shown in repr.
    password: str = attrs.field(repr=False)
    #: ``Salt``: base64 of PAD(salt).
    salt_b64: str
    #: ``PasswordVerifier``: base64 of PAD(G^x).
    verifier_b64: str

    def secret_verifier_config(self) -> dict[str, str]:
        """Return ConfirmDevice's ``DeviceSecretVerifierConfig`` parameter."""
        return {"PasswordVerifier": self.verifier_b64, "Salt": self.salt_b64}


def device_verifier(
    *,
    device_group_key: str,
    device_key: str,
    password: str | None = None,
    salt: bytes | None = None,
    token_bytes: Callable[[int], bytes] = secrets.token_bytes,
    yield_hook: Callable[[], object] | None = None,
) -> DeviceVerifier:
    """Create the verifier that ConfirmDevice registers for a new device.

    ``password`` defaults to 40 random bytes in base64 and ``salt`` to 16
    random bytes, both from ``token_bytes``. The verifier is
    ``G^x`` with ``x = H(PAD(salt) | H(device_group_key | device_key | ":" |
    password))``, the salt being read as a big-endian integer.
    """
    if password is None:
        password = base64.b64encode(token_bytes(40)).decode("ascii")
    if salt is None:
        salt = token_bytes(16)
    salt_pad = _pad(int.from_bytes(salt, "big"))
    identity = _sha256(f"{device_group_key}{device_key}:{password}".encode())
    x = _to_int(_sha256(salt_pad, identity))
    be = _active
    verifier = int(pow_g(be, x, Meter(yield_hook, be.slice_ops)))
    return DeviceVerifier(
        password=password,
        salt_b64=base64.b64encode(salt_pad).decode("ascii"),
        verifier_b64=base64.b64encode(_pad(verifier)).decode("ascii"),
    )
