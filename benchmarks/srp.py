"""What one SRP sign-in costs, and how long it can stall an asyncio event loop.

Run from the repository root with cognito_flow importable (``make bench``, or
``PYTHONPATH=. python benchmarks/srp.py``); ``--help`` lists the options.
Prints figures only: nothing here asserts on timing.

(a) CPU time (``time.process_time``, median of interleaved runs) of one full
    client-side sign-in computation -- draw ``a``, compute SRP_A, then
    PASSWORD_CLAIM_SIGNATURE -- for cognito_flow on each backend and for
    pycognito's ``AWSSRP`` (constructor + ``process_challenge``) on the same
    inputs (the first case of ``shared/test-vectors/srp.json``).
(b) Event-loop stall: a ticker task sleeps 1 ms in a loop and records how
    late it wakes while N sign-ins run through ``loop.run_in_executor``.
(c) The same stall through the library itself: N concurrent
    ``CognitoAuthClient.authenticate()`` calls (USER_SRP_AUTH) against an
    in-process stand-in for the service that answers at once, so all the
    time is the library's (its core, its executor, the SRP maths).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import functools
import json
import secrets
import statistics
import sys
import time
from collections.abc import Callable
from concurrent.futures import Executor, ThreadPoolExecutor
from pathlib import Path
from typing import Any

from cognito_flow import srp

#: The reference client's known answers, kept in the repository (see tests/data/README.md).
VECTORS = Path(__file__).resolve().parents[1] / "tests" / "data" / "srp.json"


def load_case() -> dict[str, Any]:
    """The first srp.json case, or random inputs of the same shape without it."""
    if VECTORS.exists():
        case: dict[str, Any] = json.loads(VECTORS.read_text(encoding="utf-8"))["cases"][0]
        return case
    print(f"note: {VECTORS} not found, using random inputs")
    return {
        "pool_id": "eu-west-1_AbCdEfGhI",
        "user_id_for_srp": "alice",
        "password": "correct horse battery staple",
        "B_hex": format(secrets.randbelow(srp.N), "x"),
        "salt_hex": secrets.token_hex(16),
        "secret_block_b64": "c2VjcmV0IGJsb2Nr",
        "timestamp": srp.format_timestamp(),
    }


def ours(
    case: dict[str, Any],
    *,
    reuse_a: bool = True,
    yield_hook: Callable[[], object] | None = None,
) -> str:
    """One client-side sign-in with cognito_flow on the active backend."""
    a = srp.generate_secret()
    srp_a_hex = srp.public_a_hex(a, yield_hook=yield_hook)
    return srp.password_claim(
        pool_id=case["pool_id"],
        user_id_for_srp=case["user_id_for_srp"],
        password=case["password"],
        a=a,
        srp_b_hex=case["B_hex"],
        salt_hex=case["salt_hex"],
        secret_block_b64=case["secret_block_b64"],
        timestamp=case["timestamp"],
        srp_a_hex=srp_a_hex if reuse_a else None,
        yield_hook=yield_hook,
    )


def pycognito_contender(case: dict[str, Any]) -> Callable[[], object] | None:
    """pycognito's AWSSRP on the same inputs, or None when it is not installed."""
    try:
        from pycognito.aws_srp import AWSSRP  # type: ignore[import-untyped,unused-ignore]
    except ImportError:
        print("pycognito is not installed: pip install 'cognito-flow[bench]' to compare")
        return None
    challenge = {
        "USER_ID_FOR_SRP": case["user_id_for_srp"],
        "SALT": case["salt_hex"],
        "SRP_B": case["B_hex"],
        "SECRET_BLOCK": case["secret_block_b64"],
    }

    def run() -> object:
        # A stand-in client: the constructor would otherwise build a boto3
        # client, which is not SRP work.
        helper = AWSSRP(
            username="alice",
            password=case["password"],
            pool_id=case["pool_id"],
            client_id="client",
            client=object(),
        )
        return helper.process_challenge(challenge, {"USERNAME": "alice"})

    return run


def with_backend(name: srp.BackendName, fn: Callable[[], object]) -> Callable[[], object]:
    def run() -> object:
        srp.set_backend(name)
        return fn()

    return run


def cpu_figures(case: dict[str, Any], runs: int) -> None:
    """(a): median CPU milliseconds per sign-in, contenders interleaved."""
    contenders: dict[str, Callable[[], object]] = {}
    backends = available_backends()
    for backend in backends:
        contenders[f"cognito_flow {backend}"] = with_backend(backend, functools.partial(ours, case))
        contenders[f"cognito_flow {backend}, A recomputed"] = with_backend(
            backend, functools.partial(ours, case, reuse_a=False)
        )
    baseline = pycognito_contender(case)
    if baseline is not None:
        contenders["pycognito AWSSRP"] = baseline
    if "gmpy2" not in backends:
        print("gmpy2 is not installed: pip install 'cognito-flow[fast]' to measure it")

    samples: dict[str, list[float]] = {name: [] for name in contenders}
    for fn in contenders.values():  # warm-up: builds the comb tables
        fn()
    for _ in range(runs):
        for name, fn in contenders.items():
            start = time.process_time()
            fn()
            samples[name].append(time.process_time() - start)

    reference = statistics.median(samples["pycognito AWSSRP"]) if baseline else None
    print(f"\n(a) CPU per sign-in (SRP_A + PASSWORD_CLAIM_SIGNATURE), median of {runs}")
    for name, values in samples.items():
        median = statistics.median(values)
        ratio = f"  {median / reference:5.3f}x pycognito" if reference else ""
        print(f"  {name:38} {median * 1e3:7.2f} ms{ratio}")


def available_backends() -> list[srp.BackendName]:
    """python, and gmpy2 when it is installed."""
    names: list[srp.BackendName] = ["python"]
    previous = srp.backend()
    try:
        with contextlib.suppress(ImportError):
            srp.set_backend("gmpy2")
            names.append("gmpy2")
    finally:
        srp.set_backend(previous)
    return names


async def measure_stall(
    work: Callable[[asyncio.AbstractEventLoop], Any], tick: float = 0.001
) -> tuple[float, float, float, int]:
    """Run `work` while a ticker records its lateness: (max ms, p99 ms, wall s, ticks)."""
    loop = asyncio.get_running_loop()
    lateness: list[float] = []
    done = asyncio.Event()

    async def ticker() -> None:
        while not done.is_set():
            start = time.perf_counter()
            await asyncio.sleep(tick)
            lateness.append(time.perf_counter() - start - tick)

    task = asyncio.create_task(ticker())
    await asyncio.sleep(0.02)  # let the ticker settle
    lateness.clear()
    start = time.perf_counter()
    await work(loop)
    wall = time.perf_counter() - start
    done.set()
    await task
    lateness.sort()
    p99 = lateness[min(len(lateness) - 1, int(len(lateness) * 0.99))]
    return lateness[-1] * 1e3, p99 * 1e3, wall, len(lateness)


def sign_ins(
    case: dict[str, Any], jobs: int, executor: Executor | None, hook: Callable[[], object] | None
) -> Callable[[asyncio.AbstractEventLoop], Any]:
    async def work(loop: asyncio.AbstractEventLoop) -> None:
        call = functools.partial(ours, case, yield_hook=hook)
        await asyncio.gather(*(loop.run_in_executor(executor, call) for _ in range(jobs)))

    return work


async def stall_figures(case: dict[str, Any], jobs: int, repeats: int) -> None:
    """(b): the longest and 99th-percentile lateness of a 1 ms ticker."""
    print(f"\n(b) event-loop stall while {jobs} sign-ins run concurrently (1 ms ticker)")

    async def idle(loop: asyncio.AbstractEventLoop) -> None:
        await asyncio.sleep(0.5)

    def show(label: str, figures: list[tuple[float, float, float, int]]) -> None:
        worst = max(figures)
        p99 = max(f[1] for f in figures)
        wall = statistics.median(f[2] for f in figures)
        print(f"  {label:58} max {worst[0]:6.2f} ms  p99 {p99:6.2f} ms  wall {wall:5.2f} s")

    show("baseline: no SRP work (noise floor)", [await measure_stall(idle) for _ in range(repeats)])
    backends = available_backends()
    setups: list[tuple[str, Callable[[], Executor], Callable[[], object] | None]] = [
        (
            "1 dedicated thread, yield_hook=release_gil",
            lambda: ThreadPoolExecutor(1),
            srp.release_gil,
        ),
        ("1 dedicated thread, no yield_hook", lambda: ThreadPoolExecutor(1), None),
        (
            "default pool (many threads), yield_hook=release_gil",
            ThreadPoolExecutor,
            srp.release_gil,
        ),
    ]
    for backend in backends:
        srp.set_backend(backend)
        srp.precompute()
        for label, make_executor, hook in setups:
            figures = []
            for _ in range(repeats):
                with make_executor() as executor:
                    # Start the worker threads before measuring.
                    await asyncio.get_running_loop().run_in_executor(executor, int)
                    figures.append(await measure_stall(sign_ins(case, jobs, executor, hook)))
            show(f"{backend:6}: {label}", figures)
    print("  (max = worst of the repeats; wall = median time for all sign-ins)")


class InstantService:
    """Answers InitiateAuth with PASSWORD_VERIFIER and the answer with tokens, without delay."""

    def __init__(self, case: dict[str, Any]) -> None:
        self.challenge = {
            "ChallengeName": "PASSWORD_VERIFIER",
            "Session": "session-" + "x" * 24,
            "ChallengeParameters": {
                "SRP_B": case["B_hex"],
                "SALT": case["salt_hex"],
                "SECRET_BLOCK": case["secret_block_b64"],
                "USERNAME": case["user_id_for_srp"],
                "USER_ID_FOR_SRP": case["user_id_for_srp"],
            },
        }
        self.tokens = {"AuthenticationResult": {"AccessToken": "a.b.c", "ExpiresIn": 3600}}

    # Each answer comes after one trip through the event loop, as a network
    # call's does; answering synchronously would run whole sign-ins in one
    # callback, which no real service can make happen.
    async def initiate_auth(self, **params: Any) -> dict[str, Any]:
        await asyncio.sleep(0)
        return self.challenge

    async def respond_to_auth_challenge(self, **params: Any) -> dict[str, Any]:
        await asyncio.sleep(0)
        return self.tokens


async def library_stall_figures(case: dict[str, Any], jobs: int, repeats: int) -> None:
    """(c): the stall while the library itself runs concurrent SRP sign-ins."""
    from cognito_flow import CognitoAuthClient

    print(f"\n(c) event-loop stall while {jobs} authenticate() calls run (USER_SRP_AUTH)")
    auth = CognitoAuthClient(
        InstantService(case),  # type: ignore[arg-type]
        user_pool_id=case["pool_id"],
        client_id="benchmark",
        admin=False,
    )

    async def work(loop: asyncio.AbstractEventLoop) -> None:
        await asyncio.gather(
            *(auth.authenticate(case["user_id_for_srp"], case["password"]) for _ in range(jobs))
        )

    for backend in available_backends():
        srp.set_backend(backend)
        await work(asyncio.get_running_loop())  # warm up: tables, worker thread
        figures = [await measure_stall(work) for _ in range(repeats)]
        worst = max(figures)
        p99 = max(f[1] for f in figures)
        wall = statistics.median(f[2] for f in figures)
        per = wall / jobs * 1e3
        print(
            f"  {backend:6}: max {worst[0]:6.2f} ms  p99 {p99:6.2f} ms  "
            f"wall {wall:5.2f} s ({per:.1f} ms a sign-in)"
        )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=30, help="CPU samples per contender")
    parser.add_argument("--jobs", type=int, default=50, help="concurrent sign-ins for (b)")
    parser.add_argument("--repeats", type=int, default=3, help="repeats of each stall setup")
    args = parser.parse_args(argv)
    case = load_case()
    print(f"Python {sys.version.split()[0]}, default SRP backend: {srp.backend()}")
    cpu_figures(case, args.runs)
    asyncio.run(stall_figures(case, args.jobs, args.repeats))
    asyncio.run(library_stall_figures(case, args.jobs, args.repeats))


if __name__ == "__main__":
    main()
