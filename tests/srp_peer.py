"""The service side of Cognito's SRP, for tests that play Cognito themselves.

moto does not check SRP signatures, so tests that need a peer which really
verifies PASSWORD_CLAIM_SIGNATURE use :class:`SrpVerifierPeer`. It is written
apart from ``cognito_flow.srp`` on purpose: string ``padHex`` as in the JS
client, builtin ``pow()`` and the server's own formula ``S = (A * v^u)^b``, so
that agreement between the two is evidence, not an echo. Not a test module.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
from collections.abc import Mapping
from typing import Any

import attrs

__all__ = ["SrpVerifierPeer"]

N = int(
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
G = 2


def pad_hex(value: int) -> str:
    """The JS client's padHex for a non-negative integer, as a string."""
    text = format(value, "x")
    if len(text) % 2:
        text = "0" + text
    if text[0] in "89abcdef":
        text = "00" + text
    return text


def _hex_hash(hex_text: str) -> str:
    return hashlib.sha256(bytes.fromhex(hex_text)).hexdigest()


def _text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


K = int(_hex_hash(pad_hex(N) + pad_hex(G)), 16)


def _verifier(name: str, user: str, password: str, salt_hex: str) -> int:
    x = int(_hex_hash(pad_hex(int(salt_hex, 16)) + _text_hash(f"{name}{user}:{password}")), 16)
    return pow(G, x, N)


def _salt_hex(salt: bytes | None) -> str:
    # Cognito sends SALT as bare hex: odd lengths and a high first bit occur.
    return format(int.from_bytes(salt if salt is not None else secrets.token_bytes(16), "big"), "x")


@attrs.define
class SrpVerifierPeer:
    """Cognito's side of one SRP exchange: issues SRP_B, checks the signature.

    ``pool_name`` / ``user_id`` are the pool name and USER_ID_FOR_SRP, or for
    device SRP the device group key and device key; ``verifier`` is
    ``v = g^x``. Call :meth:`start` with the client's SRP_A, then
    :meth:`verify` with its PASSWORD_CLAIM_SIGNATURE.
    """

    pool_name: str
    user_id: str
    salt_hex: str
    verifier: int = attrs.field(repr=False)
    secret_block: bytes = attrs.field(factory=lambda: secrets.token_bytes(64), repr=False)
    #: ``b`` used by :meth:`start` when it is given none (else a random one).
    default_b: int | None = attrs.field(default=None, repr=False)
    _srp_a: int | None = attrs.field(default=None, init=False, repr=False)
    _srp_b: int | None = attrs.field(default=None, init=False, repr=False)
    _b: int | None = attrs.field(default=None, init=False, repr=False)

    @classmethod
    def from_password(
        cls, pool_id: str, user_id: str, password: str, salt: bytes | None = None
    ) -> SrpVerifierPeer:
        """A user pool's record of a user: verifier from the password and salt."""
        pool_name = pool_id.split("_", 1)[1]
        salt_hex = _salt_hex(salt)
        return cls(pool_name, user_id, salt_hex, _verifier(pool_name, user_id, password, salt_hex))

    @classmethod
    def from_device(
        cls, device_group_key: str, device_key: str, password: str, salt: bytes | None = None
    ) -> SrpVerifierPeer:
        """A remembered device's record: verifier from the device password and salt."""
        salt_hex = _salt_hex(salt)
        verifier = _verifier(device_group_key, device_key, password, salt_hex)
        return cls(device_group_key, device_key, salt_hex, verifier)

    @classmethod
    def from_vector(cls, case: Mapping[str, Any]) -> SrpVerifierPeer:
        """The server of one srp.json case: its verifier, salt, secret block and b."""
        return cls(
            case["pool_name"],
            case["user_id_for_srp"],
            case["salt_hex"],
            int(case["server_verifier_hex"], 16),
            secret_block=base64.b64decode(case["secret_block_b64"]),
            default_b=int(case["server_b_hex"], 16),
        )

    def start(self, srp_a_hex: str, *, b: int | None = None) -> tuple[str, str, str]:
        """Take SRP_A; return the challenge's (SRP_B hex, SALT hex, SECRET_BLOCK b64)."""
        srp_a = int(srp_a_hex, 16)
        if srp_a % N == 0:
            raise ValueError("SRP_A is zero modulo N")
        if b is None:
            b = self.default_b if self.default_b is not None else 1 + secrets.randbits(256)
        srp_b = (K * self.verifier + pow(G, b, N)) % N
        self._srp_a, self._srp_b, self._b = srp_a, srp_b, b
        block = base64.b64encode(self.secret_block).decode("ascii")
        return format(srp_b, "x"), self.salt_hex, block

    def verify(self, *, signature_b64: str, timestamp: str, secret_block_b64: str) -> bool:
        """Whether the PASSWORD_CLAIM_SIGNATURE proves knowledge of the password."""
        if self._srp_a is None or self._srp_b is None or self._b is None:
            raise RuntimeError("start() first")
        try:
            block = base64.b64decode(secret_block_b64, validate=True)
            signature = base64.b64decode(signature_b64, validate=True)
        except binascii.Error:
            return False
        if block != self.secret_block:
            return False
        u = int(_hex_hash(pad_hex(self._srp_a) + pad_hex(self._srp_b)), 16)
        if u == 0:
            return False
        s = pow(self._srp_a * pow(self.verifier, u, N), self._b, N)
        prk = hmac.new(bytes.fromhex(pad_hex(u)), bytes.fromhex(pad_hex(s)), "sha256").digest()
        key = hmac.new(prk, b"Caldera Derived Key\x01", "sha256").digest()[:16]
        message = (
            self.pool_name.encode("utf-8")
            + self.user_id.encode("utf-8")
            + block
            + timestamp.encode("utf-8")
        )
        expected = hmac.new(key, message, "sha256").digest()
        return hmac.compare_digest(expected, signature)
