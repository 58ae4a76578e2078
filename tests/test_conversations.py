"""The conversation players themselves: a script the library does not follow fails the test."""

from __future__ import annotations

from collections.abc import Mapping

import pytest
from conversations import Conversation, Play
from stubbed import challenge_response, session, tokens_response

from cognito_flow import Challenge, ChallengeContext

CODE = {"SOFTWARE_TOKEN_MFA_CODE": "123456"}


def mfa_conversation(talk: Conversation, *, answered_for: str) -> None:
    """The service names the user "uuid-1"; the answer is scripted for ``answered_for``."""
    talk.initiate(
        challenge_response("SOFTWARE_TOKEN_MFA", session(1), {"USERNAME": "uuid-1"}),
        username="alice",
        PASSWORD="pw-123456",
    )
    talk.respond(
        "SOFTWARE_TOKEN_MFA", CODE, tokens_response(), username=answered_for, session=session(1)
    )


async def test_a_request_other_than_the_scripted_one_fails(talk: Conversation, play: Play) -> None:
    """An answer sent for another USERNAME (and so another SECRET_HASH) than scripted is caught."""
    mfa_conversation(talk, answered_for="alice")

    with pytest.raises(AssertionError):
        await play(talk, "alice", "pw-123456", answers=[CODE])


@pytest.mark.modes("handlers")  # no challenge: nothing to answer either way
async def test_a_request_other_than_the_scripted_one_fails_where_an_error_is_expected(
    talk: Conversation, play: Play
) -> None:
    """The stubbed client's refusal of a request is not mistaken for the error the test expects."""
    talk.initiate(
        None, username="bob", PASSWORD="pw-123456", error=("NotAuthorizedException", "no")
    )

    with pytest.raises(AssertionError):
        await play(talk, "alice", "pw-123456")


async def test_a_scripted_call_never_made_fails(talk: Conversation, play: Play) -> None:
    """A conversation that ends before its script does is caught."""
    mfa_conversation(talk, answered_for="uuid-1")
    talk.initiate(tokens_response(), username="alice", PASSWORD="pw-123456")

    with pytest.raises(AssertionError):
        await play(talk, "alice", "pw-123456", answers=[CODE])


@pytest.mark.modes("handlers")  # only handlers are checked against the script
async def test_a_handler_answering_other_than_the_script_fails(
    talk: Conversation, play: Play
) -> None:
    """A test's handler must give exactly the answers the script expects."""
    mfa_conversation(talk, answered_for="uuid-1")

    async def other(challenge: Challenge, context: ChallengeContext) -> Mapping[str, str]:
        return {"SOFTWARE_TOKEN_MFA_CODE": "654321"}

    with pytest.raises(AssertionError):
        await play(
            talk, "alice", "pw-123456", answers=[CODE], handlers={"SOFTWARE_TOKEN_MFA": other}
        )


async def test_the_scripted_conversation_passes(talk: Conversation, play: Play) -> None:
    """The same conversation, followed: tokens, and the challenge the caller saw."""
    mfa_conversation(talk, answered_for="uuid-1")

    outcome = await play(talk, "alice", "pw-123456", answers=[CODE])

    assert outcome.result is not None
    assert [(c.name, c.username) for c in outcome.challenges] == [("SOFTWARE_TOKEN_MFA", "uuid-1")]
