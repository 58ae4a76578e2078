"""``python -m cognito_flow demo``: the story ``make demo`` tells."""

from __future__ import annotations

import subprocess
import sys

import pytest

from cognito_flow import __main__ as cli


def test_demo_runs_the_whole_story(capsys: pytest.CaptureFixture[str]) -> None:
    """The demo exits 0 after every step, printing claims but never a token."""
    assert cli.main(["demo"]) == 0
    out = capsys.readouterr().out
    for step in ("NEW_PASSWORD_REQUIRED", "SOFTWARE_TOKEN_MFA", "resume()", "refresh()", "done"):
        assert step in out
    assert '"cognito:username": "alice"' in out
    # JWTs start with the base64 of '{"': none may be printed.
    assert "eyJ" not in out
    assert "Brand-new-Passw0rd!" not in out


def test_an_unknown_command_is_refused() -> None:
    """An unknown command is refused by the argument parser."""
    with pytest.raises(SystemExit) as info:
        cli.main(["nope"])
    assert info.value.code == 2


def test_the_quick_start_demo_prints_no_traceback() -> None:
    """`make demo` as a person sees it: moto's missing GetTokensFromRefreshToken, which
    refresh() falls back from, leaves no server traceback on the console."""
    ran = subprocess.run(
        [sys.executable, "-m", "cognito_flow", "demo"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert ran.returncode == 0, ran.stderr
    assert "done" in ran.stdout
    assert "Traceback" not in ran.stderr
