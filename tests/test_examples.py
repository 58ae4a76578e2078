"""The examples run and print what they promise, so they cannot rot."""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
import types
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def load(name: str) -> types.ModuleType:
    """Import examples/<name>.py by path, as a fresh module."""
    path = EXAMPLES / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"example_{name}", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


async def test_custom_challenge(capsys: pytest.CaptureFixture[str]) -> None:
    """custom_challenge.py answers the quiz, gets tokens, then is refused for a wrong answer."""
    example = load("custom_challenge")
    assert await example.main() == 0
    out = capsys.readouterr().out
    assert f"quiz: {example.QUESTION} -> Paris" in out
    assert "signed in: AuthenticationResult(expires_in=3600" in out
    assert f"quiz: {example.QUESTION} -> Lyon" in out
    assert "refused: AdminRespondToAuthChallenge failed with NotAuthorizedException" in out
    # Nothing secret is printed.
    for secret in (example.SESSION, "header.access.sig", "header.id.sig", "opaque-refresh"):
        assert secret not in out


async def test_mfa_setup(capsys: pytest.CaptureFixture[str]) -> None:
    """mfa_setup.py stops at MFA_SETUP, shows the otpauth URI, and resumes to tokens."""
    example = load("mfa_setup")
    assert await example.main() == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0] == "challenge: MFA_SETUP"
    assert lines[1].startswith("scan this: otpauth://totp/Amazon%20Cognito:bob?secret=")
    assert lines[-1] == "signed in as bob"
    # No JWT (they all start with a base64url '{"'), password or Session is printed.
    assert "eyJ" not in out
    assert "Passw0rd" not in out
    assert "session" not in out.lower()


async def test_aiohttp_app(capsys: pytest.CaptureFixture[str]) -> None:
    """aiohttp_app.py signs in over HTTP: TOTP challenge, a wrong code refused, then tokens."""
    example = load("aiohttp_app")
    assert await example.main() == 0
    out = capsys.readouterr().out
    assert out.splitlines() == [
        "carol turned on TOTP MFA",
        "POST /login -> 200 challenge SOFTWARE_TOKEN_MFA",
        "POST /login/answer (wrong code) -> 401 wrong code, try again",
        "POST /login/answer (right code) -> 200 signed-in",
        "signed in as carol",
    ]


@pytest.mark.parametrize("name", ["aiohttp_app", "custom_challenge", "mfa_setup"])
def test_example_runs_as_a_script(name: str) -> None:
    """`python examples/<name>.py` exits with status 0, as the README says."""
    completed = subprocess.run(
        [sys.executable, str(EXAMPLES / f"{name}.py")],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=EXAMPLES.parent,
    )
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout


def test_readme_lists_every_example() -> None:
    """examples/README.md links every example script, and every link exists."""
    readme = (EXAMPLES / "README.md").read_text()
    scripts = sorted(path.name for path in EXAMPLES.glob("*.py"))
    assert scripts
    for script in scripts:
        assert f"({script})" in readme, f"{script} is missing from examples/README.md"
    for linked in re.findall(r"\]\(([\w.-]+)\)", readme):
        assert (EXAMPLES / linked).is_file(), f"examples/README.md links a missing {linked}"


def test_every_example_has_a_main() -> None:
    """Every example defines main() and runs it under `if __name__ == "__main__"`."""
    for path in EXAMPLES.glob("*.py"):
        source = path.read_text()
        assert re.search(r"^(async )?def main\(", source, flags=re.MULTILINE), path.name
        assert 'if __name__ == "__main__":' in source, path.name
