"""The checks of a Cognito JWT, without IO: the core under ``cognito_flow.tokens``.

Theory of operation. A token is refused unless every check below passes, in
this order; the first that fails raises ``InvalidTokenError`` with ``.check``
naming it:

1. ``format``: a string of three base64url parts, a JSON object for header
   and payload, no critical header members.
2. ``algorithm``: the header says RS256. Nothing else is ever tried: not the
   algorithm the token names, not the one a JWKS key names, never ``none`` or
   an HMAC keyed with the public key.
3. ``kid``: the header names a key of the pool's JWKS (``tokens.py`` fetches it).
4. ``signature``: RSASSA-PKCS1-v1_5 with SHA-256 under that key, by joserfc.
5. ``issuer``, ``token_use``, ``audience`` (``aud`` of an ID token,
   ``client_id`` of an access token), ``expiry`` (``ExpiredTokenError``),
   ``not_before``, ``issued_at``: the claims, with ``leeway`` seconds of slack
   for clock skew.

Nothing here echoes a token: messages are fixed text, and the decoders'
exceptions are dropped (``from None``), as their messages could quote it.
"""

from __future__ import annotations

import base64
import json
import logging
import math
from collections.abc import Collection, Sequence
from typing import Any

from .exceptions import ExpiredTokenError, InvalidTokenError, UnexpectedResponseError

try:
    from joserfc import jws
    from joserfc.errors import JoseError, MissingAlgorithmError
    from joserfc.jwk import RSAKey
except ImportError as exc:  # pragma: no cover - depends on the install
    raise ImportError(
        'cognito_flow.tokens needs joserfc: pip install "cognito-flow[tokens]"'
    ) from exc

__all__ = ["ALGORITHM", "RSAKey", "check_claims", "check_signature", "jwks_keys", "parse"]

logger = logging.getLogger("cognito_flow")

ALGORITHM = "RS256"
# Allows RS256 alone. Header members joserfc does not know are ignored, as
# RFC 7515 asks, unless the token marks them critical (refused in parse()).
_REGISTRY = jws.JWSRegistry(algorithms=[ALGORITHM], strict_check_header=False)
# Far above any real Cognito token, and cheap to refuse before decoding.
_MAX_TOKEN_CHARS = 64 * 1024
# Cognito's keys are 2048-bit; anything weaker is not trusted to sign.
_MIN_RSA_BITS = 2048
# Named in messages when a token asks for one of them; any other value is
# attacker-chosen text and is not repeated.
_KNOWN_ALGORITHMS = frozenset(
    f"{family}{bits}" for family in ("HS", "RS", "PS", "ES") for bits in (256, 384, 512)
) | {"none", "EdDSA", "Ed25519", "Ed448"}


def parse(token: object) -> tuple[jws.CompactSignature, str]:
    """Check the token's form and header; returns it and the kid it names."""
    if not isinstance(token, str):
        raise InvalidTokenError(f"a token is a str, not {type(token).__name__}", check="format")
    if token[:7].lower() == "bearer ":
        raise InvalidTokenError("pass the token without its 'Bearer ' prefix", check="format")
    if len(token) > _MAX_TOKEN_CHARS or token.count(".") != 2:
        raise InvalidTokenError("not a JWT (three base64url parts)", check="format")
    try:
        compact = jws.extract_compact(token.encode("ascii"), registry=_REGISTRY)
    except MissingAlgorithmError:
        raise InvalidTokenError("the token names no algorithm", check="algorithm") from None
    except (JoseError, ValueError, TypeError):
        raise InvalidTokenError("not a JWT (three base64url parts)", check="format") from None
    header = compact.headers()
    if not isinstance(header, dict):  # a JSON list gets through joserfc's own check
        raise InvalidTokenError("not a JWT (its header is not a JSON object)", check="format")
    algorithm = header.get("alg")
    if algorithm != ALGORITHM:
        named = algorithm if isinstance(algorithm, str) and algorithm in _KNOWN_ALGORITHMS else None
        said = f"says {named}" if named else "names an unknown algorithm"
        raise InvalidTokenError(f"the token {said}; only RS256 is accepted", check="algorithm")
    # Cognito never marks header members critical, nor detaches the payload.
    if "crit" in header or "b64" in header:
        raise InvalidTokenError("the token's header has critical members", check="format")
    kid = header.get("kid")
    if not isinstance(kid, str) or not kid:
        raise InvalidTokenError("the token names no key (kid)", check="kid")
    return compact, kid


def check_signature(compact: jws.CompactSignature, key: RSAKey) -> dict[str, Any]:
    """Verify the RS256 signature under ``key``; returns the payload's claims."""
    try:
        valid = jws.validate_compact(compact, key, registry=_REGISTRY)
    except (JoseError, ValueError, TypeError):
        raise InvalidTokenError("the token's header is not valid", check="format") from None
    if not valid:
        raise InvalidTokenError("the signature does not match the pool's key", check="signature")
    try:
        claims = json.loads(compact.payload)
    except ValueError:
        claims = None
    if not isinstance(claims, dict):
        raise InvalidTokenError("the token's payload is not a JSON object", check="format")
    return claims


def _number(claims: dict[str, Any], name: str) -> float | None:
    """The claim as seconds; None when absent, NaN when not a finite number."""
    value = claims.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return math.nan
    return float(value)


def check_claims(
    claims: dict[str, Any],
    *,
    token_use: str,
    issuers: Sequence[str],
    clients: Collection[str],
    now: float,
    leeway: float,
) -> None:
    """Check issuer, token_use, audience and the three times of verified claims."""
    if claims.get("iss") not in issuers:
        raise InvalidTokenError(f"the token was not issued by {issuers[0]}", check="issuer")
    if claims.get("token_use") != token_use:
        raise InvalidTokenError(f"the token is not an {token_use} token", check="token_use")
    if token_use == "access":
        client = claims.get("client_id")
        allowed = isinstance(client, str) and client in clients
    else:
        audience = claims.get("aud")
        audiences = [audience] if isinstance(audience, str) else audience
        allowed = isinstance(audiences, list) and any(
            isinstance(a, str) and a in clients for a in audiences
        )
    if not allowed:
        raise InvalidTokenError("the token was issued to another app client", check="audience")
    # NaN compares false both ways: the "not ... >=" forms refuse it.
    expires = _number(claims, "exp")
    if expires is None or math.isnan(expires):
        raise InvalidTokenError("the token has no valid expiry time (exp)", check="expiry")
    if now > expires + leeway:
        raise ExpiredTokenError(f"the token expired {now - expires:.0f} s ago")
    not_before = _number(claims, "nbf")
    if not_before is not None and not now + leeway >= not_before:
        raise InvalidTokenError("the token is not valid yet (nbf)", check="not_before")
    issued = _number(claims, "iat")
    if issued is None or not now + leeway >= issued:
        raise InvalidTokenError(
            "the token has no issue time (iat), or one in the future", check="issued_at"
        )


def _unb64(text: object) -> bytes:
    if not isinstance(text, str):
        raise TypeError("not a base64url string")
    return base64.b64decode(text + "=" * (-len(text) % 4), altchars=b"-_", validate=True)


def jwks_keys(body: bytes, url: str) -> dict[str, RSAKey]:
    """The RS256 signing keys of a JWKS document, by kid.

    Raises ``UnexpectedResponseError`` when ``body`` is not a JWKS. Keys for
    other uses, types or algorithms, and weak RSA keys, are left out.
    """
    try:
        document = json.loads(body)
    except ValueError:
        raise UnexpectedResponseError(f"the JWKS at {url} is not JSON") from None
    entries = document.get("keys") if isinstance(document, dict) else None
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise UnexpectedResponseError(f"the JWKS at {url} has no list of keys")
    keys: dict[str, RSAKey] = {}
    for entry in entries:
        kid = entry.get("kid")
        # The key's own "alg" selects nothing: RS256 is fixed, so a key meant
        # for another algorithm (or for encryption) is simply not kept.
        if (
            entry.get("kty") != "RSA"
            or entry.get("use", "sig") != "sig"
            or entry.get("alg", ALGORITHM) != ALGORITHM
            or ("key_ops" in entry and "verify" not in (entry["key_ops"] or ()))
            or not isinstance(kid, str)
            or not kid
            or kid in keys
        ):
            continue
        modulus, exponent = entry.get("n"), entry.get("e")
        try:
            if int.from_bytes(_unb64(modulus), "big").bit_length() < _MIN_RSA_BITS:
                logger.debug("JWKS key %r skipped: an RSA key under 2048 bits", kid)
                continue
            # Only the public members: nothing else in the entry can steer joserfc.
            keys[kid] = RSAKey.import_key({"kty": "RSA", "n": modulus, "e": exponent})
        except (JoseError, ValueError, TypeError):
            raise UnexpectedResponseError(
                f"the JWKS at {url} holds key {kid!r}, which is not an RSA public key"
            ) from None
    return keys
