"""examples/fastapi_app.py served by uvicorn in a subprocess, configured from the environment.

Not a test module: tests/test_fastapi_example.py (two processes) and
tests/test_browser.py use it.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

from cognito_flow.testing import LocalCognito

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "fastapi_app.py"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def environment(cognito: LocalCognito, sealing_key: str) -> dict[str, str]:
    """What a process of the example gets: the key and where Cognito is, nothing else shared."""
    env = dict(os.environ)
    env.update(
        SEALING_KEYS=sealing_key,
        COGNITO_USER_POOL_ID=cognito.user_pool_id,
        COGNITO_CLIENT_ID=cognito.client_id,
        COGNITO_API="admin",
        COGNITO_ENDPOINT_URL=cognito.endpoint_url,
        COGNITO_JWKS_URL=f"{cognito.endpoint_url}/{cognito.user_pool_id}/.well-known/jwks.json",
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_EC2_METADATA_DISABLED="true",
    )
    env.pop("COGNITO_CLIENT_SECRET", None)
    return env


@contextlib.contextmanager
def serve(cognito: LocalCognito, sealing_key: str, *, timeout: float = 30.0) -> Iterator[str]:
    """Run ``fastapi_app.py serve`` on a free port; yield its base URL; stop it."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, str(EXAMPLE), "serve", "--port", str(port)],
        env=environment(cognito, sealing_key),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        cwd=EXAMPLE.parent.parent,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            if process.poll() is not None:
                _, err = process.communicate()
                raise RuntimeError(f"the example server exited: {err.decode()[-2000:]}")
            try:
                with urllib.request.urlopen(f"{url}/", timeout=1):
                    break
            except (urllib.error.URLError, OSError):
                if time.monotonic() > deadline:
                    raise RuntimeError("the example server did not start in time") from None
                time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        try:
            process.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate()
