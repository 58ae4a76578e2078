"""The SRP steps of a sign-in, as Computes: what the shell runs off the event loop.

Each function returns the ``Compute`` whose value ``SignIn.computed()``
receives: a new ``SrpA`` for the request that carries SRP_A, or the answers
(PASSWORD_CLAIM_SECRET_BLOCK, TIMESTAMP, PASSWORD_CLAIM_SIGNATURE) to a
*_PASSWORD_VERIFIER challenge.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import Any

from . import srp
from ._events import Compute, YieldHook
from ._models import RememberedDevice
from ._states import SrpA

__all__ = ["device_claim", "new_srp_a", "password_claim"]


def new_srp_a(draw: Callable[[], int]) -> Compute:
    """Draw a secret exponent with ``draw`` and compute its SRP_A (a 3072-bit power)."""
    return Compute(functools.partial(_draw_srp_a, draw), "srp-a")


def password_claim(
    *,
    pool_id: str,
    user_id: str,
    password: str,
    srp_a: SrpA,
    params: Mapping[str, str],
    timestamp: Callable[[], str],
) -> Compute:
    """Sign PASSWORD_VERIFIER with the password, as ``user_id`` (USER_ID_FOR_SRP)."""
    sign = functools.partial(
        srp.password_claim,
        pool_id=pool_id,
        user_id_for_srp=user_id,
        password=password,
        **_exchange(srp_a, params),
    )
    return _claim(sign, params, timestamp, "srp-password-claim")


def device_claim(
    *,
    device: RememberedDevice,
    srp_a: SrpA,
    params: Mapping[str, str],
    timestamp: Callable[[], str],
) -> Compute:
    """Sign DEVICE_PASSWORD_VERIFIER with the remembered device's password."""
    sign = functools.partial(
        srp.device_claim,
        device_group_key=device.device_group_key,
        device_key=device.device_key,
        device_password=device.device_password,
        **_exchange(srp_a, params),
    )
    return _claim(sign, params, timestamp, "srp-device-claim")


def _exchange(srp_a: SrpA, params: Mapping[str, str]) -> dict[str, Any]:
    """The values of this SRP exchange: our secret exponent and A, the service's B and salt."""
    return {
        "a": srp_a.a,
        "srp_a_hex": srp_a.a_hex,
        "srp_b_hex": params["SRP_B"],
        "salt_hex": params["SALT"],
        "secret_block_b64": params["SECRET_BLOCK"],
    }


def _claim(
    sign: Callable[..., str],
    params: Mapping[str, str],
    timestamp: Callable[[], str],
    purpose: str,
) -> Compute:
    return Compute(
        functools.partial(_claim_answers, params["SECRET_BLOCK"], timestamp, sign), purpose
    )


def _draw_srp_a(draw: Callable[[], int], yield_hook: YieldHook) -> SrpA:
    a = draw()
    return SrpA(a, srp.public_a_hex(a, yield_hook=yield_hook))


def _claim_answers(
    block: str, timestamp: Callable[[], str], sign: Callable[..., str], yield_hook: YieldHook
) -> dict[str, str]:
    # The clock is read right before signing: the service refuses a TIMESTAMP
    # that is a few minutes off.
    when = timestamp()
    return {
        "PASSWORD_CLAIM_SECRET_BLOCK": block,
        "TIMESTAMP": when,
        "PASSWORD_CLAIM_SIGNATURE": sign(timestamp=when, yield_hook=yield_hook),
    }
