"""What sealing and opening a challenge (and a device cookie) costs, and what the
FastAPI example costs over calling the library directly.

Run from the repository root with cognito_flow importable (``make bench``, or
``PYTHONPATH=. python benchmarks/web.py``); ``--help`` lists the options.
Prints figures only: nothing here asserts on timing.

Sealing: each figure is the median, over ``--runs`` samples, of the wall time
of ``--ops`` operations in a row divided by ``--ops``, in microseconds. The
challenge carries a Session of 1,200 characters, about what Cognito sends;
the Sealer holds two keys (the second one opens only) and checks pool and
client, as a production one would.

Sign-in: against one local Cognito (moto's server, in a process of its own,
as the real service is elsewhere: in this process its thread would fight the
app for the GIL, a cost no real deployment has), a user
with TOTP MFA signs in in two steps, one after the other: ``start()`` then
``resume()`` with the code, called directly on the library; and
``POST /login`` then ``POST /login/answer`` through examples/fastapi_app.py
over httpx's ASGITransport (sealing, opening, RequestContext, JSON and
FastAPI included; no sockets). httpx's ASGITransport looks for sniffio on
every request, a filesystem search each time where it is not installed: the
``bench`` extra installs it, so that the figure is the app's, not the test
client's. The two alternate in blocks of ``--sign-ins``,
``--rounds`` times; each figure is the median over the blocks. Targets
(issue 9): the example at least 0.9x the direct rate; sealing plus opening
under 1% of one sign-in.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib.util
import logging
import os
import socket
import statistics
import subprocess
import sys
import time
import types
import urllib.error
import urllib.request
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path

import cryptography

from cognito_flow import AuthenticationResult, Challenge, ChallengeName, RememberedDevice
from cognito_flow.web import Sealer

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "fastapi_app.py"
PASSWORD = "Bench-Passw0rd!"

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
    parser.add_argument("--sign-ins", type=int, default=20, help="sign-ins per block")
    parser.add_argument("--rounds", type=int, default=7, help="blocks of each kind")
    args = parser.parse_args(argv)
    sealer = Sealer(
        keys=[Sealer.generate_key(), Sealer.generate_key()],
        user_pool_id="eu-west-1_AbC123",
        client_id="1example23456789abcdefghij",
    )
    print(f"Python {sys.version.split()[0]}, cryptography {cryptography.__version__}")
    print(f"median of {args.runs} samples of {args.ops} operations, µs per operation")
    print(f"  {'value':26} {'seal':>8} {'open':>8} {'seal+open':>10} {'token':>7}")
    both: dict[str, float] = {}
    for name, challenge in CHALLENGES.items():
        both[name] = row(
            name,
            lambda c=challenge: sealer.seal_challenge(c),  # type: ignore[misc]
            sealer.open_challenge,
            args,
        )
    row("device cookie", lambda: sealer.seal_device(DEVICE), sealer.open_device, args)
    # The sign-in below seals and opens one SOFTWARE_TOKEN_MFA challenge.
    asyncio.run(sign_ins(args, both["SOFTWARE_TOKEN_MFA"]))


def row(
    name: str,
    seal: Callable[[], str],
    open_: Callable[[str], object],
    args: argparse.Namespace,
) -> float:
    """Print seal, open and seal+open figures and the token size for one kind of value.

    Returns the seal+open figure.
    """
    token = seal()
    sealing = per_op(seal, args.ops, args.runs)
    opening = per_op(lambda: open_(token), args.ops, args.runs)
    both = per_op(lambda: open_(seal()), args.ops, args.runs)
    print(f"  {name:26} {sealing:8.1f} {opening:8.1f} {both:10.1f} {len(token):5d} B")
    return both


def load_example() -> types.ModuleType:
    spec = importlib.util.spec_from_file_location("example_fastapi_app", EXAMPLE)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class InstantAuth:
    """Answers start() and resume() at once, as if Cognito took no time: the app's own cost."""

    def __init__(self, auth: object) -> None:
        self.user_pool_id = getattr(auth, "user_pool_id", "")
        self.client_id = getattr(auth, "client_id", "")
        self.challenge = CHALLENGES["SOFTWARE_TOKEN_MFA"]
        # A token whose payload names the user, as result.username reads it.
        self.result = AuthenticationResult(
            access_token="eyJhbGciOiJub25lIn0.eyJ1c2VybmFtZSI6ImJlbmNoIn0.sig",
            id_token="id",
            refresh_token="refresh",
            expires_in=3600,
        )

    async def start(self, *args: object, **kwargs: object) -> Challenge:
        return self.challenge

    async def resume(self, *args: object, **kwargs: object) -> AuthenticationResult:
        return self.result


@contextlib.contextmanager
def moto_process() -> Iterator[str]:
    """moto's server in a process of its own on a free loopback port; its URL."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = dict(os.environ, MOTO_COGNITO_IDP_USER_POOL_ENABLE_TOTP="true")
    process = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"{url}/moto-api/", timeout=1):
                    break
            except (urllib.error.URLError, OSError):
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("moto's server did not start") from None
                time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


async def timed_blocks(
    kinds: dict[str, Callable[[], Awaitable[None]]], count: int, rounds: int
) -> dict[str, float]:
    """Median seconds per call of each kind, the kinds alternating block by block."""
    samples: dict[str, list[float]] = {name: [] for name in kinds}
    for call in kinds.values():  # warm up
        for _ in range(3):
            await call()
    for _ in range(rounds):
        for name, call in kinds.items():
            start = time.perf_counter()
            for _ in range(count):
                await call()
            samples[name].append((time.perf_counter() - start) / count)
    return {name: statistics.median(values) for name, values in samples.items()}


async def sign_ins(args: argparse.Namespace, seal_open_us: float) -> None:
    """The two-step TOTP sign-in, direct and through the FastAPI example."""
    with moto_process() as endpoint:
        await sign_ins_on(endpoint, args, seal_open_us)


async def sign_ins_on(endpoint: str, args: argparse.Namespace, seal_open_us: float) -> None:
    import httpx

    from cognito_flow.testing import local_cognito, totp_code

    example = load_example()
    logging.getLogger(example.__name__).setLevel(logging.WARNING)
    async with local_cognito(endpoint) as cognito:
        await cognito.create_user("bench", PASSWORD)
        auth = cognito.auth_client()
        first = await auth.authenticate("bench", PASSWORD)
        secret = await cognito.enable_totp(first.access_token)
        sealer = Sealer(
            keys=[Sealer.generate_key(), Sealer.generate_key()],
            user_pool_id=auth.user_pool_id,
            client_id=auth.client_id,
        )
        app = example.make_app(auth, sealer)
        transport = httpx.ASGITransport(app=app)

        async def direct() -> None:
            step = await auth.start("bench", PASSWORD)
            assert isinstance(step, Challenge)
            done = await auth.resume(step, {"SOFTWARE_TOKEN_MFA_CODE": totp_code(secret)})
            assert isinstance(done, AuthenticationResult)

        async with httpx.AsyncClient(transport=transport, base_url="https://testserver") as web:

            async def through_app() -> None:
                resp = await web.post("/login", json={"username": "bench", "password": PASSWORD})
                code = {"SOFTWARE_TOKEN_MFA_CODE": totp_code(secret)}
                body = {"pending": resp.json()["pending"], "answers": code}
                resp = await web.post("/login/answer", json=body)
                assert resp.json()["status"] == "signed-in", resp.text

            figures = await timed_blocks(
                {"direct": direct, "example": through_app}, args.sign_ins, args.rounds
            )
        # The same two requests with Cognito answering at once (a stand-in
        # for the library): what FastAPI, the example and the test client
        # add to each sign-in, apart from the service.
        stub_app = example.make_app(InstantAuth(auth), sealer)
        stub_transport = httpx.ASGITransport(app=stub_app)
        async with httpx.AsyncClient(
            transport=stub_transport, base_url="https://testserver"
        ) as stub_web:

            async def instant() -> None:
                resp = await stub_web.post(
                    "/login", json={"username": "bench", "password": PASSWORD}
                )
                body = {"pending": resp.json()["pending"], "answers": {"X": "1"}}
                resp = await stub_web.post("/login/answer", json=body)
                assert resp.json()["status"] == "signed-in", resp.text

            app_only = (await timed_blocks({"instant": instant}, args.sign_ins * 5, args.rounds))[
                "instant"
            ]
    direct_s, example_s = figures["direct"], figures["example"]
    print()
    print(
        f"two-request TOTP sign-in against the local Cognito (moto, its own process), "
        f"median of {args.rounds} blocks "
        f"of {args.sign_ins}, one at a time"
    )
    print(f"  {'':34} {'ms/sign-in':>10} {'sign-ins/s':>10} {'requests/s':>10}")
    for name, seconds in (
        ("library: start() + resume()", direct_s),
        ("FastAPI example (ASGITransport)", example_s),
    ):
        print(f"  {name:34} {seconds * 1e3:10.2f} {1 / seconds:10.1f} {2 / seconds:10.1f}")
    print(f"  example / direct throughput: {direct_s / example_s:.3f}x (target >= 0.9x)")
    print(
        f"  the example and FastAPI alone, Cognito answering at once: {app_only * 1e3:.2f} ms "
        f"per sign-in (2 requests, httpx client included); measured gap: "
        f"{(example_s - direct_s) * 1e3:.2f} ms"
    )
    share = seal_open_us / (direct_s * 1e6) * 100
    print(
        f"  seal+open of one challenge: {seal_open_us:.1f} µs = {share:.3f}% of one sign-in "
        "round trip (target < 1%)"
    )


if __name__ == "__main__":
    main()
