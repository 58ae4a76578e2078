"""The FastAPI example's page in a real browser: Debian's Chromium, driven through Playwright.

The app runs under uvicorn in a subprocess (tests/example_server.py) against
the local Cognito. Playwright's own browser downloads are never used: the
browser is the system's ``chromium`` (``.ci/run`` installs it); without it
these tests are skipped, saying why.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from example_server import serve

from cognito_flow.testing import LocalCognito, fresh_totp_code, wrong_totp_code
from cognito_flow.web import Sealer

playwright_api = pytest.importorskip("playwright.async_api", reason="Playwright is not installed")

CHROMIUM = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
if not Path(CHROMIUM).exists():
    pytest.skip(
        f"no Chromium at {CHROMIUM}: install Debian's chromium package (apt-get install chromium)",
        allow_module_level=True,
    )

PASSWORD = "Initial-Passw0rd!"
TEMPORARY = "Temporary-Passw0rd!"
NEW_PASSWORD = "Brand-new-Passw0rd!"


@pytest.fixture
async def page() -> AsyncIterator[Any]:
    """A fresh page in headless Chromium (a browser of its own, cookies and all)."""
    async with playwright_api.async_playwright() as driver:
        browser = await driver.chromium.launch(executable_path=CHROMIUM, headless=True)
        try:
            tab = await browser.new_page()
            tab.set_default_timeout(15_000)
            yield tab
        finally:
            await browser.close()


async def sign_in(page: Any, url: str, username: str, password: str) -> None:
    await page.goto(url)
    await page.fill("#login input[name=username]", username)
    await page.fill("#login input[name=password]", password)
    await page.click("#login button")


async def test_sign_in_with_a_code(local_cognito: LocalCognito, page: Any) -> None:
    """Sign in, a wrong code (the form stays, says so), the right code, then "signed in as carol"."""
    await local_cognito.create_user("carol", PASSWORD)
    first = await local_cognito.auth_client().authenticate("carol", PASSWORD)
    secret = await local_cognito.enable_totp(first.access_token)
    with serve(local_cognito, Sealer.generate_key()) as url:
        await sign_in(page, url, "carol", PASSWORD)
        await page.wait_for_selector("#challenge", state="visible")
        assert "authenticator app" in await page.inner_text("#prompt")
        assert await page.input_value("#login input[name=password]") == ""

        code = page.locator("input[name=SOFTWARE_TOKEN_MFA_CODE]")
        await code.fill(wrong_totp_code(secret))
        await page.click("#challenge button")
        await page.wait_for_function(
            "document.getElementById('error').textContent.includes('wrong code')"
        )
        assert await page.is_visible("#challenge")

        await page.locator("input[name=SOFTWARE_TOKEN_MFA_CODE]").fill(
            await fresh_totp_code(secret)
        )
        await page.click("#challenge button")
        await page.wait_for_selector("#done", state="visible")
        assert await page.inner_text("#who") == "carol"
        assert await page.inner_text("#error") == ""

        await page.click("#logout")
        await page.wait_for_selector("#login", state="visible")


async def test_new_password_then_mfa_setup_with_the_qr_code(
    local_cognito: LocalCognito, page: Any
) -> None:
    """A temporary password: the new-password form, then the QR code and its key, then signed in."""
    await local_cognito.require_mfa()
    await local_cognito.create_user("dora", TEMPORARY, temporary=True)
    with serve(local_cognito, Sealer.generate_key()) as url:
        await sign_in(page, url, "dora", TEMPORARY)
        await page.wait_for_selector("input[name=NEW_PASSWORD]")
        assert await page.get_attribute("input[name=NEW_PASSWORD]", "type") == "password"
        await page.fill("input[name=NEW_PASSWORD]", NEW_PASSWORD)
        await page.click("#challenge button")

        await page.wait_for_selector("#qr svg", state="visible")
        box = await page.locator("#qr svg").bounding_box()
        assert box is not None
        assert box["width"] > 100  # a QR code a phone can read, not a dot
        assert "Scan this code" in await page.inner_text("#prompt")
        secret = await page.inner_text("#secret-code")
        assert secret  # moto's fixed seed is short; a real one is 32 characters or more

        await page.fill("input[name=SOFTWARE_TOKEN_MFA_CODE]", await fresh_totp_code(secret))
        await page.click("#challenge button")
        await page.wait_for_selector("#done", state="visible")
        assert await page.inner_text("#who") == "dora"
