"""``python -m cognito_flow demo``: the story ``make demo`` tells."""

from __future__ import annotations

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
