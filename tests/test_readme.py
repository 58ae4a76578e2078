"""The README's tables say what the library does: they are checked against it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from cognito_flow import Challenge, ChallengeName

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
