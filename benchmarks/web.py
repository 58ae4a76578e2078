"""What sealing and opening a challenge (and a device cookie) costs, per operation.

Run from the repository root with cognito_flow importable (``make bench``, or
``PYTHONPATH=. python benchmarks/web.py``); ``--help`` lists the options.
Prints figures only: nothing here asserts on timing.

Each figure is the median, over ``--runs`` samples, of the wall time of
``--ops`` operations in a row divided by ``--ops``, in microseconds. The
challenge carries a Session of 1,200 characters, about what Cognito sends;
the Sealer holds two keys (the second one opens only) and checks pool and
client, as a production one would.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable

import cryptography

from cognito_flow import Challenge, ChallengeName, RememberedDevice
from cognito_flow.web import Sealer

SESSION = "AYABeC" + "x" * 1194
SECRET_CODE = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXPJBSW"

CHALLENGES = {
    "SOFTWARE_TOKEN_MFA": Challenge(
        name=ChallengeName.SOFTWARE_TOKEN_MFA,
        username="4f1d9e3a-7c55-4a53-9d1e-0123456789ab",
        session=SESSION,
        device_key="eu-west-1_0b2f3c4d-5e6f-7a8b-9c0d-1e2f3a4b5c6d",
    ),
    "MFA_SETUP (secret, URI)": Challenge(
        name=ChallengeName.MFA_SETUP,
        username="4f1d9e3a-7c55-4a53-9d1e-0123456789ab",
        session=SESSION,
        parameters={
            "MFAS_CAN_SETUP": '["SOFTWARE_TOKEN_MFA"]',
            "SECRET_CODE": SECRET_CODE,
            "OTPAUTH_URI": f"otpauth://totp/Example:alice?secret={SECRET_CODE}&issuer=Example",
        },
    ),
}

DEVICE = RememberedDevice(
    device_key="eu-west-1_0b2f3c4d-5e6f-7a8b-9c0d-1e2f3a4b5c6d",
    device_group_key="-abcDEF12",
    device_password="x" * 40,
)


def per_op(work: Callable[[], object], ops: int, runs: int) -> float:
    """Median microseconds per call of ``work``."""
    for _ in range(ops):  # warm up
        work()
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        for _ in range(ops):
            work()
        samples.append((time.perf_counter() - start) / ops)
    return statistics.median(samples) * 1e6


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--ops", type=int, default=2000, help="operations per sample")
    parser.add_argument("--runs", type=int, default=15, help="samples per figure")
    args = parser.parse_args(argv)
    sealer = Sealer(
        keys=[Sealer.generate_key(), Sealer.generate_key()],
        user_pool_id="eu-west-1_AbC123",
        client_id="1example23456789abcdefghij",
    )
    print(f"Python {sys.version.split()[0]}, cryptography {cryptography.__version__}")
    print(f"median of {args.runs} samples of {args.ops} operations, µs per operation")
    print(f"  {'value':26} {'seal':>8} {'open':>8} {'seal+open':>10} {'token':>7}")
    for name, challenge in CHALLENGES.items():
        row(name, lambda c=challenge: sealer.seal_challenge(c), sealer.open_challenge, args)  # type: ignore[misc]
    row("device cookie", lambda: sealer.seal_device(DEVICE), sealer.open_device, args)


def row(
    name: str,
    seal: Callable[[], str],
    open_: Callable[[str], object],
    args: argparse.Namespace,
) -> None:
    """Print seal, open and seal+open figures and the token size for one kind of value."""
    token = seal()
    sealing = per_op(seal, args.ops, args.runs)
    opening = per_op(lambda: open_(token), args.ops, args.runs)
    both = per_op(lambda: open_(seal()), args.ops, args.runs)
    print(f"  {name:26} {sealing:8.1f} {opening:8.1f} {both:10.1f} {len(token):5d} B")


if __name__ == "__main__":
    main()
