"""The README says what the library does: its tables are checked, its web backend is run."""

from __future__ import annotations

import re
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any

import httpx
import pytest
from fake_cognito import FakeCognito

from cognito_flow import Challenge, ChallengeName, CognitoAuthClient
from cognito_flow.testing import LocalCognito, fresh_totp_code, totp_code, wrong_totp_code
from cognito_flow.tokens import TokenVerifier
from cognito_flow.web import Sealer

README = Path(__file__).resolve().parent.parent / "README.md"

#: In the enum, never sent as a challenge (the service model keeps the name).
NEVER_SENT = {ChallengeName.ADMIN_NO_SRP_AUTH}


def table_after(heading: str) -> dict[str, list[str]]:
    """The first Markdown table under ``heading``: its first column -> the other cells."""
    text = README.read_text(encoding="utf-8")
    start = text.index(heading)
    rows: dict[str, list[str]] = {}
    for line in text[start:].splitlines()[1:]:
        if line.startswith("#"):
            break
        if not line.startswith("|") or set(line) <= {"|", "-"}:
            continue
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        rows[cells[0]] = cells[1:]
    return rows


ANSWER_KEYS_TABLE = table_after("### What a form asks for: `Challenge.answer_keys`")


def test_every_challenge_the_service_sends_has_a_row() -> None:
    """No challenge is missing from the table, and the table names no unknown one."""
    sent = {name.value for name in ChallengeName} - NEVER_SENT
    assert set(ANSWER_KEYS_TABLE) - {"Challenge"} == sent


@pytest.mark.parametrize("name", sorted(set(ChallengeName) - NEVER_SENT))
def test_the_readme_lists_the_answer_keys_challenge_answer_keys_gives(name: str) -> None:
    """Each row's alternatives are exactly ``Challenge.answer_keys`` for that challenge."""
    cell = ANSWER_KEYS_TABLE[name][0]
    documented = {frozenset({key}) for key in re.findall(r"`([A-Z_]+)`", cell)}
    challenge = Challenge(name=name, username="alice")
    assert documented == set(challenge.answer_keys)
    assert all(len(option) == 1 for option in challenge.answer_keys)  # one key per cell entry


# -- The "Web backends" block, run as it stands ----------------------------------------

PASSWORD = "Readme-Passw0rd!"
TOTP_SEED = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def readme_backend(auth: CognitoAuthClient, verifier: TokenVerifier | None = None) -> Any:
    """The FastAPI app of the README's "Web backends" block, its placeholders filled in.

    ``auth`` and ``verifier`` replace the block's own (a lifespan's client,
    and the JWKS on AWS) once it has run, as a test's fixtures would.
    """
    text = README.read_text(encoding="utf-8")
    section = text[text.index("### Web backends") :]
    code = section.split("```python\n", 1)[1].split("```", 1)[0]
    namespace: dict[str, Any] = {
        "KEY": Sealer.generate_key(),
        "OLD_KEY": Sealer.generate_key(),
        "POOL_ID": auth.user_pool_id,
        "CLIENT_ID": auth.client_id,
    }
    # dont_inherit: run as a user runs it, without this file's "from __future__".
    exec(compile(code, "README.md", "exec", dont_inherit=True), namespace)
    namespace["auth"] = auth
    if verifier is not None:
        namespace["verifier"] = verifier
    return namespace["app"]


def browser(app: Any) -> httpx.AsyncClient:
    """One browser: its own cookie jar, on https so that Secure cookies come back."""
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="https://testserver")


async def test_the_readme_backend_signs_in_with_totp(local_cognito: LocalCognito) -> None:
    """Against the local Cognito: a sealed challenge, a wrong code (401), the right one, /me."""
    await local_cognito.create_user("carol", PASSWORD)
    first = await local_cognito.auth_client().authenticate("carol", PASSWORD)
    secret = await local_cognito.enable_totp(first.access_token)
    verifier = TokenVerifier(
        local_cognito.user_pool_id,
        client_ids=[local_cognito.client_id],
        jwks_url=f"{local_cognito.endpoint_url}/{local_cognito.user_pool_id}/.well-known/jwks.json",
    )
    app = readme_backend(local_cognito.auth_client(), verifier)
    async with browser(app) as web:
        resp = await web.post("/login", json={"username": "carol", "password": "Wrong-Passw0rd!"})
        assert resp.status_code == 401
        assert PASSWORD not in resp.text

        step = (await web.post("/login", json={"username": "carol", "password": PASSWORD})).json()
        assert step["challenge"] == "SOFTWARE_TOKEN_MFA"
        assert step["answer_keys"] == [["SOFTWARE_TOKEN_MFA_CODE"]]

        forged = step["pending"][:-4] + ("AAAA" if step["pending"][-4:] != "AAAA" else "BBBB")
        resp = await web.post("/login/answer", json={"pending": forged, "answers": {}})
        assert resp.status_code == 400

        wrong = {"SOFTWARE_TOKEN_MFA_CODE": wrong_totp_code(secret)}
        resp = await web.post("/login/answer", json={"pending": step["pending"], "answers": wrong})
        assert resp.status_code == 401
        retry = resp.json()
        assert retry["challenge"] == "SOFTWARE_TOKEN_MFA"
        assert retry["pending"] != step["pending"]

        right = {"SOFTWARE_TOKEN_MFA_CODE": await fresh_totp_code(secret)}
        resp = await web.post("/login/answer", json={"pending": retry["pending"], "answers": right})
        assert resp.status_code == 200, resp.text
        token = resp.json()["access_token"]
        assert resp.headers["cache-control"] == "no-store"

        assert (await web.get("/me")).status_code == 401
        me = await web.get("/me", headers={"Authorization": f"Bearer {token}"})
        assert me.json() == {"username": "carol"}


async def test_the_readme_backend_keeps_a_device_per_browser(
    service: FakeCognito, make: Any
) -> None:
    """Against the in-test service: browser A's device cookie skips MFA for A only."""
    service.add_user("alice", PASSWORD, totp_secret=TOTP_SEED)
    app = readme_backend(make())  # the public API: USER_SRP_AUTH, then devices

    async def sign_in(client: httpx.AsyncClient) -> httpx.Response:
        resp = await client.post("/login", json={"username": "alice", "password": PASSWORD})
        step = resp.json()
        if "challenge" not in step:
            return resp
        assert step["challenge"] == "SOFTWARE_TOKEN_MFA"
        code = {"SOFTWARE_TOKEN_MFA_CODE": totp_code(TOTP_SEED)}
        return await client.post(
            "/login/answer", json={"pending": step["pending"], "answers": code}
        )

    async with browser(app) as a, browser(app) as b:
        resp = await sign_in(a)
        assert "access_token" in resp.json()
        jar: SimpleCookie = SimpleCookie()
        jar.load(resp.headers["set-cookie"])
        cookie = jar["device"]
        assert (cookie["httponly"], cookie["secure"], cookie["samesite"]) == (True, True, "strict")

        # Browser A again: its device is sent, and the pool skips MFA for it.
        service.requests.clear()
        resp = await a.post("/login", json={"username": "alice", "password": PASSWORD})
        assert "access_token" in resp.json(), resp.json()
        assert "DEVICE_KEY" in service.calls("InitiateAuth")[0]["AuthParameters"]

        # Browser B, same user and password: no DEVICE_KEY, and MFA is asked.
        service.requests.clear()
        resp = await b.post("/login", json={"username": "alice", "password": PASSWORD})
        assert resp.json()["challenge"] == "SOFTWARE_TOKEN_MFA"
        assert "DEVICE_KEY" not in service.calls("InitiateAuth")[0]["AuthParameters"]
