"""How fast three JOSE libraries verify a Cognito-style RS256 access token.

The choice of JOSE library behind ``cognito_flow.tokens`` was made on these
figures (and on maintenance and typing, see the README). Every library gets
the same 2048-bit RSA key, imported once from its JWK (the verifier caches it
the same way), and the same token; each verification checks the signature,
allows RS256 only and returns the claims as a dict. "+ claims" adds the
library's own ``exp`` / ``iss`` checks. ``cryptography`` alone (the RSA
verification every library ends in, plus JSON and base64) is the floor.

Rounds are interleaved and timed in CPU time of this thread, and the best
round of each counts, so a busy machine slows every library alike. It prints
figures (verifications per CPU second) and asserts nothing.

    .venv/bin/python benchmarks/jose_compare.py [--rounds 9] [--number 3000]

Needs the ``bench`` extra (PyJWT, jwcrypto) and the ``tokens`` extra (joserfc).
"""

from __future__ import annotations

import argparse
import base64
import json
import time
import uuid
from collections.abc import Callable
from importlib.metadata import version
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

POOL = "eu-west-1_AbC123def"
ISSUER = f"https://cognito-idp.eu-west-1.amazonaws.com/{POOL}"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def make_token(key: rsa.RSAPrivateKey) -> str:
    """An access token shaped like Cognito's, signed with ``key``."""
    now = int(time.time())
    header = {"kid": "bench", "alg": "RS256"}
    claims = {
        "sub": str(uuid.uuid4()),
        "iss": ISSUER,
        "client_id": "1example23456789",
        "origin_jti": str(uuid.uuid4()),
        "event_id": str(uuid.uuid4()),
        "token_use": "access",
        "scope": "aws.cognito.signin.user.admin",
        "auth_time": now,
        "exp": now + 3600,
        "iat": now,
        "jti": str(uuid.uuid4()),
        "username": "alice",
    }
    signing_input = f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(claims).encode())}"
    signature = key.sign(signing_input.encode(), padding.PKCS1v15(), hashes.SHA256())
    return f"{signing_input}.{_b64(signature)}"


def public_jwk(key: rsa.RSAPrivateKey) -> dict[str, str]:
    """The public half of ``key`` as a JWKS entry, as Cognito publishes it."""
    numbers = key.public_key().public_numbers()

    def encode(n: int) -> str:
        return _b64(n.to_bytes((n.bit_length() + 7) // 8, "big"))

    return {
        "alg": "RS256",
        "e": encode(numbers.e),
        "kid": "bench",
        "kty": "RSA",
        "n": encode(numbers.n),
        "use": "sig",
    }


def candidates(jwk_dict: dict[str, Any], token: str) -> dict[str, Callable[[], dict[str, Any]]]:
    """One verification per library, each with its key imported once."""
    import jwcrypto.jwk
    import jwcrypto.jwt
    import jwt as pyjwt
    from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey
    from joserfc import jwk as jose_jwk
    from joserfc import jwt as jose_jwt

    crypto_key = pyjwt.PyJWK(jwk_dict).key
    assert isinstance(crypto_key, RSAPublicKey)
    pyjwt_key = pyjwt.PyJWK(jwk_dict)
    joserfc_key = jose_jwk.RSAKey.import_key(jwk_dict)
    joserfc_claims = jose_jwt.JWTClaimsRegistry(iss={"essential": True, "value": ISSUER}, leeway=5)
    jwcrypto_key = jwcrypto.jwk.JWK(**jwk_dict)

    def bare_cryptography() -> dict[str, Any]:
        head, body, signature = token.split(".")
        header = json.loads(_unb64(head))
        assert header["alg"] == "RS256"
        crypto_key.verify(
            _unb64(signature), f"{head}.{body}".encode(), padding.PKCS1v15(), hashes.SHA256()
        )
        claims: dict[str, Any] = json.loads(_unb64(body))
        return claims

    def joserfc() -> dict[str, Any]:
        return jose_jwt.decode(token, joserfc_key, algorithms=["RS256"]).claims

    def joserfc_claims_too() -> dict[str, Any]:
        claims = jose_jwt.decode(token, joserfc_key, algorithms=["RS256"]).claims
        joserfc_claims.validate(claims)
        return claims

    no_claim_checks: Any = {"verify_exp": False, "verify_iat": False, "verify_nbf": False}

    def pyjwt_() -> dict[str, Any]:
        claims: dict[str, Any] = pyjwt.decode(
            token, pyjwt_key, algorithms=["RS256"], options=no_claim_checks
        )
        return claims

    def pyjwt_claims_too() -> dict[str, Any]:
        claims: dict[str, Any] = pyjwt.decode(
            token, pyjwt_key, algorithms=["RS256"], issuer=ISSUER, leeway=5
        )
        return claims

    def jwcrypto_() -> dict[str, Any]:
        decoded = jwcrypto.jwt.JWT(jwt=token, key=jwcrypto_key, algs=["RS256"], check_claims=False)
        claims: dict[str, Any] = json.loads(decoded.claims)
        return claims

    def jwcrypto_claims_too() -> dict[str, Any]:
        decoded = jwcrypto.jwt.JWT(
            jwt=token,
            key=jwcrypto_key,
            algs=["RS256"],
            check_claims={"iss": ISSUER, "exp": None},
            expected_type="JWS",
        )
        claims: dict[str, Any] = json.loads(decoded.claims)
        return claims

    return {
        "cryptography alone (floor)": bare_cryptography,
        f"joserfc {version('joserfc')}": joserfc,
        f"joserfc {version('joserfc')} + claims": joserfc_claims_too,
        f"PyJWT {version('pyjwt')}": pyjwt_,
        f"PyJWT {version('pyjwt')} + claims": pyjwt_claims_too,
        f"jwcrypto {version('jwcrypto')}": jwcrypto_,
        f"jwcrypto {version('jwcrypto')} + claims": jwcrypto_claims_too,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--number", type=int, default=3000, help="verifications per round")
    args = parser.parse_args()

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    token = make_token(key)
    runs = candidates(public_jwk(key), token)
    for name, verify in runs.items():  # every library must accept the token first
        assert verify()["username"] == "alice", name

    best = dict.fromkeys(runs, float("inf"))
    for _ in range(args.rounds):
        for name, verify in runs.items():
            start = time.thread_time()
            for _ in range(args.number):
                verify()
            best[name] = min(best[name], time.thread_time() - start)

    floor = args.number / best["cryptography alone (floor)"]
    print(f"RS256 access token, 2048-bit key, best of {args.rounds} rounds x {args.number}")
    print(f"{'library':<32} {'per CPU second':>16} {'us each':>9} {'of floor':>9}")
    for name, seconds in best.items():
        rate = args.number / seconds
        print(f"{name:<32} {rate:>16,.0f} {1e6 / rate:>9.1f} {rate / floor:>9.2f}")


if __name__ == "__main__":
    main()
