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
app for the GIL, a cost no real deployment has), a user with TOTP MFA signs
in in two steps. Four ways, each sending Cognito the same requests (the same
ContextData included):

- the library called directly: ``start()`` then ``resume()`` with the code;
- ``floor_app()``: the least a FastAPI backend can do around those two calls,
  a yardstick for what FastAPI itself costs;
- examples/fastapi_app.py, ``POST /login`` then ``POST /login/answer``, handed
  to the app as an ASGI server hands it a parsed request (``serve()``): the
  app's cost, FastAPI, sealing, opening, RequestContext and JSON included,
  the browser's not;
- the same through httpx's ASGITransport, the test client's own work in this
  process included (httpx looks for sniffio on every request, a filesystem
  search where it is missing: the ``bench`` extra installs it).

First one at a time: the kinds alternate in blocks of ``--sign-ins``,
``--rounds`` times; each figure is the median over the blocks, and each ratio
the median of the round-by-round ratios with its 95% confidence interval
(order statistics: no assumption on how this shared VM's noise is
distributed). Then with
``--concurrency`` sign-ins in flight, where the figure is sign-ins per second
and the CPU seconds each sign-in cost this process (the backend) and moto's
(read from /proc), to show which side is the bottleneck. Targets (issue 9):
the example at least 0.9x the direct rate; sealing plus opening under 1% of
one sign-in.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib.util
import json
import logging
import math
import os
import secrets
import socket
import statistics
import subprocess
import sys
import time
import types
import urllib.error
import urllib.request
from collections.abc import Awaitable, Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import attrs
import cryptography
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from cognito_flow import (
    AuthenticationResult,
    Challenge,
    ChallengeName,
    CodeMismatchError,
    RememberedDevice,
    RequestContext,
)
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
    parser.add_argument("--sign-ins", type=int, default=10, help="sign-ins per block")
    parser.add_argument("--rounds", type=int, default=40, help="blocks of each kind")
    parser.add_argument(
        "--concurrency", type=int, default=8, help="sign-ins in flight, for the second figure"
    )
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
    """Answers start() and resume() at once, as if Cognito took no time: the app's own cost.

    With ``delay``, each answer comes after that many seconds of sleep instead,
    the process idle meanwhile as it is while a real service answers.
    """

    def __init__(self, auth: object, delay: float = 0.0) -> None:
        self.delay = delay
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
        if self.delay:
            await asyncio.sleep(self.delay)
        return self.challenge

    async def resume(self, *args: object, **kwargs: object) -> AuthenticationResult:
        if self.delay:
            await asyncio.sleep(self.delay)
        return self.result


@contextlib.contextmanager
def moto_process() -> Iterator[tuple[str, int]]:
    """moto's server in a process of its own on a free loopback port; its URL and pid."""
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
        yield url, process.pid
    finally:
        process.terminate()
        process.wait(timeout=10)


async def timed_blocks(
    kinds: Mapping[str, Callable[[], Awaitable[None]]], count: int, rounds: int
) -> dict[str, list[float]]:
    """Seconds per call of each kind, one sample per round, the kinds alternating block by block.

    The samples of one round were taken within a second of each other, so a
    ratio of two kinds is best taken round by round (``paired()``): a slow
    spell of the machine then weighs on both sides.
    """
    samples: dict[str, list[float]] = {name: [] for name in kinds}
    for call in kinds.values():  # warm up
        for _ in range(3):
            await call()
    for round_ in range(rounds):
        # Each kind goes first as often as the others.
        order = list(kinds.items())
        shift = round_ % len(order)
        for name, call in order[shift:] + order[:shift]:
            start = time.perf_counter()
            for _ in range(count):
                await call()
            samples[name].append((time.perf_counter() - start) / count)
    return samples


def paired(base: list[float], other: list[float]) -> tuple[float, float, float]:
    """Median of the round-by-round rate ratio other/base, and its 95% confidence interval.

    The interval is the pair of order statistics around the median that
    holds the true median with 95% probability for any distribution of the
    ratios (the normal approximation to the binomial, good from about 20
    rounds); with fewer than 11 rounds it is the whole range.
    """
    ratios = sorted(b / o for b, o in zip(base, other, strict=True))
    n = len(ratios)
    half_width = 1.96 * math.sqrt(n) / 2
    low = max(math.floor(n / 2 - half_width), 1)  # 1-based ranks
    high = min(math.ceil(n / 2 + 1 + half_width), n)
    return statistics.median(ratios), ratios[low - 1], ratios[high - 1]


async def sign_ins(args: argparse.Namespace, seal_open_us: float) -> None:
    """The two-step TOTP sign-in, direct and through the FastAPI example."""
    before = cpu_times()
    with moto_process() as (endpoint, pid):
        await sign_ins_on(endpoint, pid, args, seal_open_us)
    after = cpu_times()
    total = sum(after) - sum(before)
    if total > 0 and len(after) > 7:
        # On a shared VM the hypervisor runs other guests on "our" CPUs: the
        # more it takes, the noisier every figure above.
        stolen = (after[7] - before[7]) / total
        print(f"  CPU time the hypervisor took from this VM during the sign-ins: {stolen:.1%}")


#: What a browser's fetch() sends besides the body (the allow-listed ones
#: reach Cognito in the ContextData).
BROWSER_HEADERS = (
    (b"host", b"example.com"),
    (b"user-agent", b"Mozilla/5.0 (X11; Linux x86_64) Chrome/131.0 Safari/537.36"),
    (b"accept", b"*/*"),
    (b"accept-language", b"en-GB,en;q=0.9"),
    (b"origin", b"https://example.com"),
    (b"content-type", b"application/json"),
)


def asgi_scope(path: str, length: int) -> dict[str, object]:
    """The scope an ASGI server (uvicorn) hands the app for one POST from a browser."""
    return {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.4"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "https",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": [*BROWSER_HEADERS, (b"content-length", str(length).encode())],
        "client": ("203.0.113.7", 52100),
        "server": ("10.0.0.5", 443),
        "state": {},
    }


async def serve(app: Callable[..., Awaitable[None]], path: str, body: object) -> object:
    """Hand one JSON POST to ``app`` as an ASGI server does once it has parsed it.

    What a server does around this (HTTP parsing, the socket) and what the
    browser does are not counted: the figure is the app's, FastAPI included.
    """
    raw = json.dumps(body).encode()
    received = False
    done = asyncio.Event()
    chunks: list[bytes] = []
    status = 0

    async def receive() -> dict[str, object]:
        nonlocal received
        if not received:
            received = True
            return {"type": "http.request", "body": raw, "more_body": False}
        await done.wait()  # as a server does: nothing more until the client goes
        return {"type": "http.disconnect"}

    async def send(message: dict[str, object]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = int(message["status"])  # type: ignore[call-overload]
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))  # type: ignore[arg-type]
            if not message.get("more_body"):
                done.set()

    await app(asgi_scope(path, len(raw)), receive, send)
    # 401: the example's "wrong code, try again", with the challenge sealed again.
    if status not in (200, 401):
        raise RuntimeError(f"{path} answered {status}: {b''.join(chunks)[:200]!r}")
    return json.loads(b"".join(chunks))


def floor_app(auth: Any) -> FastAPI:
    """The least a FastAPI backend can do around the same sign-in, as a yardstick.

    Two routes; the body read with ``request.json()`` (no pydantic model);
    the same ``RequestContext.from_asgi()`` as the example; the pending
    challenge kept in this process's memory under a random key (no sealing,
    so no second worker could resume it); only the access token in reply (no
    cookies, no form fields). What FastAPI itself costs, and nothing else.
    """
    pending: dict[str, Challenge] = {}
    app = FastAPI()

    def waiting(step: Challenge, status: int = 200, **extra: str) -> JSONResponse:
        key = secrets.token_urlsafe(16)
        pending[key] = step
        return JSONResponse({"status": "challenge", "pending": key, **extra}, status_code=status)

    @app.post("/login")
    async def login(request: Request) -> JSONResponse:
        body = await request.json()
        step = await auth.start(
            body["username"],
            body["password"],
            device=None,
            remember_device=True,
            context=RequestContext.from_asgi(request.scope),
        )
        return waiting(step)

    @app.post("/login/answer")
    async def answer(request: Request) -> JSONResponse:
        body = await request.json()
        step = pending.pop(body["pending"])
        try:
            done = await auth.resume(
                step,
                body["answers"],
                device=None,
                remember_device=True,
                context=RequestContext.from_asgi(request.scope),
            )
        except CodeMismatchError as err:
            if err.challenge is None:
                raise
            return waiting(err.challenge, 401, error="wrong code, try again")
        return JSONResponse({"status": "signed-in", "access_token": done.access_token})

    return app


def cpu_times() -> list[int]:
    """The machine's CPU time so far by kind, in ticks: the first line of /proc/stat (Linux).

    Index 7 is steal: time the hypervisor gave another guest. Empty elsewhere.
    """
    try:
        return [
            int(field) for field in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
        ]
    except (OSError, ValueError):
        return []


def cpu_seconds(pid: int) -> float:
    """User plus system CPU seconds of process ``pid`` so far (Linux), or NaN."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return float("nan")
    # utime and stime are the 14th and 15th fields of stat(5), counted from 1.
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def sign_ins_on(
    endpoint: str, moto_pid: int, args: argparse.Namespace, seal_open_us: float
) -> None:
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
        # The same sign-in: the ContextData the example sends for these requests.
        login_context = RequestContext.from_asgi(asgi_scope("/login", 0))
        answer_context = RequestContext.from_asgi(asgi_scope("/login/answer", 0))
        # moto takes a TOTP code of the current 30 s step only; one computed
        # just before the step ends can be refused: every kind answers again.
        retries = {"direct": 0, "apps": 0}

        async def direct() -> None:
            step = await auth.start(
                "bench", PASSWORD, device=None, remember_device=True, context=login_context
            )
            assert isinstance(step, Challenge)
            while True:
                try:
                    done = await auth.resume(
                        step,
                        {"SOFTWARE_TOKEN_MFA_CODE": totp_code(secret)},
                        device=None,
                        remember_device=True,
                        context=answer_context,
                    )
                except CodeMismatchError as err:  # the code's 30 s step ended on the way
                    if err.challenge is None:
                        raise
                    step = err.challenge
                    retries["direct"] += 1
                    continue
                assert isinstance(done, AuthenticationResult)
                return

        async def through(served: Any) -> None:
            reply = await serve(served, "/login", {"username": "bench", "password": PASSWORD})
            while True:
                assert isinstance(reply, dict)
                code = {"SOFTWARE_TOKEN_MFA_CODE": totp_code(secret)}
                body = {"pending": reply["pending"], "answers": code}
                reply = await serve(served, "/login/answer", body)
                assert isinstance(reply, dict)
                if reply["status"] == "signed-in":
                    return
                assert reply.get("error") == "wrong code, try again", reply
                retries["apps"] += 1

        floor = floor_app(auth)

        async def floor_fastapi() -> None:
            await through(floor)

        async def example_app() -> None:
            await through(app)

        headers = {k.decode(): v.decode() for k, v in BROWSER_HEADERS if k != b"host"}
        async with httpx.AsyncClient(
            transport=transport, base_url="https://example.com", headers=headers
        ) as web:

            async def test_client() -> None:
                resp = await web.post("/login", json={"username": "bench", "password": PASSWORD})
                code = {"SOFTWARE_TOKEN_MFA_CODE": totp_code(secret)}
                body = {"pending": resp.json()["pending"], "answers": code}
                resp = await web.post("/login/answer", json=body)
                if resp.status_code == 401:  # the code's 30 s step ended on the way
                    retries["apps"] += 1
                    code = {"SOFTWARE_TOKEN_MFA_CODE": totp_code(secret)}
                    body = {"pending": resp.json()["pending"], "answers": code}
                    resp = await web.post("/login/answer", json=body)
                assert resp.json()["status"] == "signed-in", resp.text

            kinds = {
                "direct": direct,
                "floor": floor_fastapi,
                "example": example_app,
                "test client": test_client,
            }
            figures = await timed_blocks(kinds, args.sign_ins, args.rounds)
            in_flight = await concurrent_blocks(
                {"direct": direct, "floor": floor_fastapi, "example": example_app},
                args.concurrency,
                args.sign_ins * 2,
                min(max(3, args.rounds // 3), 5),
                moto_pid,
            )
        # The same requests with Cognito answering at once (a stand-in for
        # the library): what FastAPI and the example alone cost; then with
        # answers that take 4 ms, about what moto takes here.
        app_cpu = []
        for delay in (0.0, 0.004):
            stub_app = example.make_app(InstantAuth(auth, delay), sealer)

            async def stub(stub_app: Any = stub_app) -> None:
                reply = await serve(stub_app, "/login", {"username": "bench", "password": PASSWORD})
                assert isinstance(reply, dict)
                body = {"pending": reply["pending"], "answers": {"X": "1"}}
                reply = await serve(stub_app, "/login/answer", body)
                assert isinstance(reply, dict)
                assert reply["status"] == "signed-in", reply

            count = args.sign_ins * 25 if not delay else args.sign_ins * 2
            app_cpu.append(await cpu_per_call(stub, count, min(args.rounds, 15)))
    report(args, figures, in_flight, app_cpu, seal_open_us)
    print(f"  answers refused at a TOTP step's end and given again: {retries}")


@attrs.frozen
class Load:
    """Medians over the blocks of one kind of sign-in run ``concurrency`` at a time."""

    rate: float  # sign-ins per second
    cpu: float  # CPU seconds of this process (the backend) per sign-in
    moto_cpu: float  # CPU seconds of moto's process per sign-in
    moto_busy: float  # moto's CPU seconds per wall second


async def concurrent_blocks(
    kinds: Mapping[str, Callable[[], Awaitable[None]]],
    concurrency: int,
    count: int,
    rounds: int,
    moto_pid: int,
) -> dict[str, Load]:
    """Sign-ins per second of each kind with ``concurrency`` in flight, block by block."""
    samples: dict[str, list[tuple[float, float, float, float]]] = {name: [] for name in kinds}

    async def worker(call: Callable[[], Awaitable[None]]) -> None:
        for _ in range(count):
            await call()

    done = concurrency * count
    for _ in range(rounds):
        for name, call in kinds.items():
            moto_start, cpu_start = cpu_seconds(moto_pid), time.process_time()
            start = time.perf_counter()
            await asyncio.gather(*(worker(call) for _ in range(concurrency)))
            wall = time.perf_counter() - start
            moto = cpu_seconds(moto_pid) - moto_start
            cpu = time.process_time() - cpu_start
            samples[name].append((done / wall, cpu / done, moto / done, moto / wall))
    return {
        name: Load(*(statistics.median(column) for column in zip(*rows, strict=True)))
        for name, rows in samples.items()
    }


async def cpu_per_call(call: Callable[[], Awaitable[None]], count: int, rounds: int) -> float:
    """Median CPU seconds of this process per call of ``call``."""
    for _ in range(count // 10):  # warm up
        await call()
    samples = []
    for _ in range(rounds):
        start = time.process_time()
        for _ in range(count):
            await call()
        samples.append((time.process_time() - start) / count)
    return statistics.median(samples)


def report(
    args: argparse.Namespace,
    figures: dict[str, list[float]],
    in_flight: dict[str, Load],
    app_cpu: list[float],
    seal_open_us: float,
) -> None:
    median = {name: statistics.median(values) for name, values in figures.items()}
    print()
    print(
        "two-request TOTP sign-in against the local Cognito (moto, its own process), "
        f"{args.rounds} rounds of blocks of {args.sign_ins}, one at a time; medians"
    )
    print(
        f"  {'':44} {'ms/sign-in':>10} {'sign-ins/s':>10} {'requests/s':>10} "
        f"{'/ direct, round by round (95% CI)':>35}"
    )
    for name, key in (
        ("library: start() + resume()", "direct"),
        ("least FastAPI app (floor_app), over ASGI", "floor"),
        ("FastAPI example, served over ASGI", "example"),
        ("FastAPI example, httpx test client included", "test client"),
    ):
        seconds = median[key]
        ratio = ""
        if key != "direct":
            middle, low, high = paired(figures["direct"], figures[key])
            ratio = f"{middle:.3f}x ({low:.3f} to {high:.3f})"
        print(
            f"  {name:44} {seconds * 1e3:10.2f} {1 / seconds:10.1f} {2 / seconds:10.1f} {ratio:>35}"
        )
    print("  target: the example at least 0.9x the direct rate")
    # The example's own work, FastAPI's taken out: both sides pay it.
    middle, low, high = paired(figures["floor"], figures["example"])
    print(
        f"  example / least FastAPI app, round by round: {middle:.3f}x "
        f"(95% CI {low:.3f} to {high:.3f})"
    )
    direct_load, example_load = in_flight["direct"], in_flight["example"]
    print(
        f"  {args.concurrency} sign-ins in flight: library {direct_load.rate:.1f}/s, "
        f"least app {in_flight['floor'].rate:.1f}/s, "
        f"example {example_load.rate:.1f}/s: {example_load.rate / direct_load.rate:.3f}x"
    )
    for name, load in (
        ("library", direct_load),
        ("least app", in_flight["floor"]),
        ("example", example_load),
    ):
        print(
            f"    {name:9} CPU per sign-in: this process {load.cpu * 1e3:.2f} ms, "
            f"moto {load.moto_cpu * 1e3:.2f} ms (moto busy {load.moto_busy:.0%} of one core)"
        )
    print(
        f"  CPU of the example and FastAPI alone per sign-in (2 requests), Cognito answering "
        f"at once: {app_cpu[0] * 1e3:.2f} ms; after 4 ms: {app_cpu[1] * 1e3:.2f} ms"
    )
    share = seal_open_us / (median["direct"] * 1e6) * 100
    print(
        f"  seal+open of one challenge: {seal_open_us:.1f} µs = {share:.3f}% of one sign-in "
        "round trip (target < 1%)"
    )


if __name__ == "__main__":
    main()
