"""What cognito_flow costs on top of hand-written aiobotocore calls.

Runs one local Cognito (moto's server) and compares, on the same aiobotocore
client (so only the library differs):

1. latency: one NEW_PASSWORD_REQUIRED sign-in (AdminInitiateAuth, then
   AdminRespondToAuthChallenge with USERNAME, NEW_PASSWORD and the Session),
   done by ``CognitoAuthClient.authenticate()`` with the ``new_password``
   handler and by two raw calls. Each iteration signs in two fresh users
   (created outside the timed region), alternating which side goes first.
2. throughput: 1,000 concurrent ADMIN_USER_PASSWORD_AUTH sign-ins on one
   client, run raw, ours, raw, ours; the best run of each side counts.

It prints figures and the targets next to them; it asserts nothing about time.

    .venv/bin/python benchmarks/overhead.py [--iterations 80] [--concurrent 1000]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from collections.abc import Awaitable, Callable
from typing import Any

from cognito_flow import AuthenticationResult, ChallengeName, CognitoAuthClient, HandlerRegistry
from cognito_flow.handlers import new_password
from cognito_flow.testing import LocalCognito, local_cognito, moto_server

TEMPORARY = "Temporary-Passw0rd!"
NEW_PASSWORD = "Brand-new-Passw0rd!"
PASSWORD = "Bench-Passw0rd!"

TIME_RATIO_TARGET = 1.05
THROUGHPUT_RATIO_TARGET = 0.95


async def _choose(challenge: Any) -> str:
    return NEW_PASSWORD


def _registry() -> HandlerRegistry:
    registry = HandlerRegistry()
    registry.register(ChallengeName.NEW_PASSWORD_REQUIRED, new_password(_choose))
    return registry


async def raw_new_password(cognito: LocalCognito, username: str) -> dict[str, Any]:
    """The same sign-in written by hand against aiobotocore."""
    first = await cognito.idp.admin_initiate_auth(
        UserPoolId=cognito.user_pool_id,
        ClientId=cognito.client_id,
        AuthFlow="ADMIN_USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": username, "PASSWORD": TEMPORARY},
    )
    assert first["ChallengeName"] == "NEW_PASSWORD_REQUIRED"
    second = await cognito.idp.admin_respond_to_auth_challenge(
        UserPoolId=cognito.user_pool_id,
        ClientId=cognito.client_id,
        ChallengeName="NEW_PASSWORD_REQUIRED",
        ChallengeResponses={"USERNAME": username, "NEW_PASSWORD": NEW_PASSWORD},
        Session=first["Session"],
    )
    result: dict[str, Any] = dict(second["AuthenticationResult"])
    return result


async def raw_sign_in(cognito: LocalCognito, username: str) -> dict[str, Any]:
    response = await cognito.idp.admin_initiate_auth(
        UserPoolId=cognito.user_pool_id,
        ClientId=cognito.client_id,
        AuthFlow="ADMIN_USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": username, "PASSWORD": PASSWORD},
    )
    result: dict[str, Any] = dict(response["AuthenticationResult"])
    return result


async def _timed(fn: Callable[[], Awaitable[object]]) -> float:
    start = time.perf_counter()
    await fn()
    return time.perf_counter() - start


async def latency(
    cognito: LocalCognito, auth: CognitoAuthClient, iterations: int, warmup: int
) -> None:
    registry = _registry()
    ours: list[float] = []
    raw: list[float] = []
    ratios: list[float] = []
    for i in range(warmup + iterations):
        mine, theirs = f"lat-ours-{i}", f"lat-raw-{i}"
        await asyncio.gather(
            cognito.create_user(mine, TEMPORARY, temporary=True),
            cognito.create_user(theirs, TEMPORARY, temporary=True),
        )

        async def run_ours(name: str = mine) -> AuthenticationResult:
            return await auth.authenticate(name, TEMPORARY, handlers=registry)

        async def run_raw(name: str = theirs) -> dict[str, Any]:
            return await raw_new_password(cognito, name)

        if i % 2:
            t_raw = await _timed(run_raw)
            t_ours = await _timed(run_ours)
        else:
            t_ours = await _timed(run_ours)
            t_raw = await _timed(run_raw)
        if i >= warmup:
            ours.append(t_ours)
            raw.append(t_raw)
            ratios.append(t_ours / t_raw)

    med_ours, med_raw = statistics.median(ours), statistics.median(raw)
    ratio = statistics.median(ratios)
    verdict = "ok" if ratio <= TIME_RATIO_TARGET else "MISSED"
    print(
        f"NEW_PASSWORD_REQUIRED sign-in, {iterations} interleaved iterations after {warmup} warm-up"
    )
    print(f"  ours (authenticate + new_password handler): median {med_ours * 1e3:7.2f} ms")
    print(f"  raw  (admin_initiate_auth + respond)      : median {med_raw * 1e3:7.2f} ms")
    print(f"  difference of medians                     : {(med_ours - med_raw) * 1e6:+7.0f} us")
    print(f"  median ratio ours/raw: {ratio:.3f}   (target <= {TIME_RATIO_TARGET}: {verdict})")


async def _burst(fn: Callable[[str], Awaitable[object]], names: list[str]) -> tuple[float, int]:
    start = time.perf_counter()
    results = await asyncio.gather(*(fn(name) for name in names), return_exceptions=True)
    elapsed = time.perf_counter() - start
    errors = sum(isinstance(r, BaseException) for r in results)
    return elapsed, errors


async def throughput(cognito: LocalCognito, auth: CognitoAuthClient, count: int) -> None:
    names = [f"burst-{i:04d}" for i in range(count)]
    limit = asyncio.Semaphore(100)

    async def create(name: str) -> None:
        async with limit:
            await cognito.create_user(name, PASSWORD)

    await asyncio.gather(*(create(name) for name in names))

    async def ours(name: str) -> AuthenticationResult:
        return await auth.authenticate(name, PASSWORD)

    async def raw(name: str) -> dict[str, Any]:
        return await raw_sign_in(cognito, name)

    runs: dict[str, list[tuple[float, int]]] = {"raw": [], "ours": []}
    for side, fn in (("raw", raw), ("ours", ours), ("raw", raw), ("ours", ours)):
        runs[side].append(await _burst(fn, names))

    print(
        f"{count} concurrent ADMIN_USER_PASSWORD_AUTH sign-ins on one client (raw, ours, raw, ours)"
    )
    best: dict[str, float] = {}
    for side in ("ours", "raw"):
        elapsed = min(t for t, _ in runs[side])
        errors = sum(e for _, e in runs[side])
        best[side] = count / elapsed
        each = ", ".join(f"{count / t:.0f}" for t, _ in runs[side])
        print(
            f"  {side:4}: best {best[side]:7.1f} sign-ins/s (runs: {each}); "
            f"errors {errors}   (target 0: {'ok' if errors == 0 else 'MISSED'})"
        )
    ratio = best["ours"] / best["raw"]
    verdict = "ok" if ratio >= THROUGHPUT_RATIO_TARGET else "MISSED"
    print(
        f"  throughput ratio ours/raw: {ratio:.3f}   (target >= {THROUGHPUT_RATIO_TARGET}: {verdict})"
    )


async def main(iterations: int, warmup: int, concurrent: int) -> None:
    with moto_server() as endpoint:
        async with local_cognito(endpoint, max_pool_connections=100) as cognito:
            auth = cognito.auth_client()
            await latency(cognito, auth, iterations, warmup)
            await throughput(cognito, auth, concurrent)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--iterations", type=int, default=80, help="timed iterations (>= 60)")
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--concurrent", type=int, default=1000)
    args = parser.parse_args()
    asyncio.run(main(args.iterations, args.warmup, args.concurrent))
