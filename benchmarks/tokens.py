"""What TokenVerifier costs on top of joserfc, and how often it fetches the JWKS.

Runs one local Cognito (moto's server), signs a user in, and then:

1. first verification: a fresh TokenVerifier verifies the access token, which
   includes fetching the pool's JWKS from moto over HTTP (one verifier, then
   the median of ``--fresh`` more fresh verifiers);
2. cached throughput: the same verifier verifies the same access token again
   and again (every check: signature, issuer, token_use, client, times),
   against joserfc's ``jwt.decode`` called directly with the same key
   (signature and JSON only): adjacent pairs of short batches, timed in CPU
   time of the benchmark's thread (verifying is all CPU; moto's thread and
   other processes do not count); the rates are from the median batch, the
   ratio is the median of the pairs' ratios;
3. the JWKS requests the measured verifier made in all that, counted on the
   wire by an aiohttp trace on the session it was given.

It prints figures and the targets next to them; it asserts nothing about time.

    .venv/bin/python benchmarks/tokens.py [--pairs 300] [--batch 100] [--fresh 20]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from typing import Any

import aiohttp
from joserfc import jwt
from joserfc.jwk import RSAKey

from cognito_flow import AuthenticationResult
from cognito_flow.testing import LocalCognito, local_cognito
from cognito_flow.tokens import TokenVerifier

PASSWORD = "Bench-Passw0rd!"
RATIO_TARGET = 0.9
FETCH_TARGET = 1


def jwks_url(cognito: LocalCognito) -> str:
    return f"{cognito.endpoint_url}/{cognito.user_pool_id}/.well-known/jwks.json"


def counting_session(requests: list[str]) -> aiohttp.ClientSession:
    """A session that notes the URL of every request it sends."""

    async def note(session: Any, context: Any, params: aiohttp.TraceRequestStartParams) -> None:
        requests.append(str(params.url))

    trace = aiohttp.TraceConfig()
    trace.on_request_start.append(note)
    return aiohttp.ClientSession(trace_configs=[trace])


async def first_verification(cognito: LocalCognito, token: str) -> float:
    """Seconds for a fresh verifier's first verify(), JWKS fetch included."""
    verifier = TokenVerifier(
        cognito.user_pool_id, client_ids=[cognito.client_id], jwks_url=jwks_url(cognito)
    )
    start = time.perf_counter()
    await verifier.verify(token, token_use="access")
    return time.perf_counter() - start


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=300, help="pairs of timed batches")
    parser.add_argument("--batch", type=int, default=100, help="verifications per batch")
    parser.add_argument("--fresh", type=int, default=20, help="fresh verifiers for the median")
    args = parser.parse_args()

    async with local_cognito() as cognito:
        await cognito.create_user("alice", PASSWORD)
        result = await cognito.auth_client().authenticate("alice", PASSWORD)
        assert isinstance(result, AuthenticationResult)
        token = result.access_token

        requests: list[str] = []
        async with counting_session(requests) as session:
            verifier = TokenVerifier(
                cognito.user_pool_id,
                client_ids=[cognito.client_id],
                jwks_url=jwks_url(cognito),
                session=session,
            )
            start = time.perf_counter()
            await verifier.verify(token, token_use="access")
            first = time.perf_counter() - start
            fresh = [await first_verification(cognito, token) for _ in range(args.fresh)]

            # The key joserfc gets is imported from the same JWKS document.
            async with session.get(jwks_url(cognito)) as response:
                document = await response.json()
            requests.pop()  # that request was the benchmark's, not the verifier's
            key = RSAKey.import_key(document["keys"][0])

            # CPU time of this thread: moto's server thread and other
            # processes on the machine do not count against either side.
            async def ours() -> float:
                start = time.thread_time()
                for _ in range(args.batch):
                    await verifier.verify(token, token_use="access")
                return time.thread_time() - start

            def bare() -> float:
                start = time.thread_time()
                for _ in range(args.batch):
                    jwt.decode(token, key, algorithms=["RS256"])
                return time.thread_time() - start

            # Short batches in adjacent pairs, alternating which side goes
            # first: a slow spell of the machine hits both halves of a pair.
            ours_times: list[float] = []
            bare_times: list[float] = []
            for n in range(args.pairs):
                if n % 2:
                    bare_times.append(bare())
                    ours_times.append(await ours())
                else:
                    ours_times.append(await ours())
                    bare_times.append(bare())

    verifications = 1 + args.pairs * args.batch
    rate_ours = args.batch / statistics.median(ours_times)
    rate_bare = args.batch / statistics.median(bare_times)
    ratio = statistics.median(b / o for o, b in zip(ours_times, bare_times, strict=True))
    print(
        f"Access token of a local Cognito (moto); {args.pairs} pairs of batches of "
        f"{args.batch}, medians"
    )
    print(f"{'figure':<52} {'value':>14}  (target)")
    print(f"{'first verify() with the JWKS fetch':<52} {first * 1e3:>11.2f} ms")
    median = statistics.median(fresh) * 1e3
    print(f"{f'... median of {args.fresh} fresh verifiers':<52} {median:>11.2f} ms")
    print(f"{'TokenVerifier.verify(), cached JWKS, per CPU second':<52} {rate_ours:>11,.0f} /s")
    print(f"{'joserfc jwt.decode() alone, same key, per CPU second':<52} {rate_bare:>11,.0f} /s")
    verdict = "met" if ratio >= RATIO_TARGET else "missed"
    print(f"{'ratio, median of the pairs':<52} {ratio:>14.3f}  (>= {RATIO_TARGET}: {verdict})")
    fetches = len(requests)
    label = f"JWKS fetches by that verifier in {verifications:,} verifications"
    verdict = "met" if fetches <= FETCH_TARGET else "missed"
    print(f"{label:<52} {fetches:>14}  ({FETCH_TARGET}: {verdict})")


if __name__ == "__main__":
    asyncio.run(main())
