"""Custom authentication: answer a one-time quiz question (CUSTOM_CHALLENGE).

With the CUSTOM_AUTH flow, your user pool's Lambda triggers decide what to ask
(Define/Create auth challenge) and whether the answer is right (Verify auth
challenge response). cognito_flow hands the question to your handler and sends
its answer back, threading the Session for you.

moto (the local Cognito of ``cognito_flow.testing``) does not run those
triggers, so this example plays the service itself: an aiobotocore client
wrapped in ``AioStubber``, scripted with the responses Cognito would give.

Run it with ``python examples/custom_challenge.py``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping

import aiobotocore.session
from aiobotocore.stub import AioStubber

from cognito_flow import (
    AuthFlow,
    Challenge,
    ChallengeContext,
    ChallengeName,
    CognitoAuthClient,
    HandlerRegistry,
    NotAuthorizedError,
)

POOL_ID = "eu-west-1_Example"
CLIENT_ID = "example-app-client"
QUESTION = "What is the capital of France?"
# Cognito's Session is an opaque string of 20 characters or more.
SESSION = "AYABeExampleOpaqueSessionValue"


def script_the_service(stubber: AioStubber, *, expected_answer: str, correct: bool) -> None:
    """Queue what Cognito would answer to one custom-auth sign-in."""
    common = {"UserPoolId": POOL_ID, "ClientId": CLIENT_ID}
    # 1. AdminInitiateAuth(CUSTOM_AUTH): the Create-auth-challenge trigger asks the question.
    stubber.add_response(
        "admin_initiate_auth",
        {
            "ChallengeName": "CUSTOM_CHALLENGE",
            "Session": SESSION,
            "ChallengeParameters": {"USERNAME": "alice", "question": QUESTION},
        },
        expected_params={
            **common,
            "AuthFlow": "CUSTOM_AUTH",
            "AuthParameters": {"USERNAME": "alice"},
        },
    )
    # 2. AdminRespondToAuthChallenge: the stubber checks that the library sent
    # the handler's ANSWER with USERNAME and the Session of step 1.
    expected = {
        **common,
        "ChallengeName": "CUSTOM_CHALLENGE",
        "ChallengeResponses": {"USERNAME": "alice", "ANSWER": expected_answer},
        "Session": SESSION,
    }
    if correct:
        # The Verify trigger accepts the answer: tokens.
        tokens = {
            "AccessToken": "header.access.sig",
            "IdToken": "header.id.sig",
            "RefreshToken": "opaque-refresh",
            "ExpiresIn": 3600,
            "TokenType": "Bearer",
        }
        stubber.add_response(
            "admin_respond_to_auth_challenge",
            {"AuthenticationResult": tokens},
            expected_params=expected,
        )
    else:
        # The Define trigger gives up after a wrong answer.
        stubber.add_client_error(
            "admin_respond_to_auth_challenge",
            service_error_code="NotAuthorizedException",
            service_message="Incorrect username or password.",
            expected_params=expected,
        )


async def main() -> int:
    """Sign alice in twice: once with the right answer, once with a wrong one."""
    registry = HandlerRegistry()
    # In a real application your UI asks the person; here they type these.
    typed = iter(["Paris", "Lyon"])

    # A handler gets the challenge and returns only its own answers; the
    # library adds USERNAME (and SECRET_HASH, DEVICE_KEY) and the Session.
    # (``cognito_flow.handlers.custom_challenge(ask)`` builds the same handler.)
    @registry.handler(ChallengeName.CUSTOM_CHALLENGE)
    async def quiz(challenge: Challenge, context: ChallengeContext) -> Mapping[str, str]:
        question = challenge.parameters["question"]
        answer = next(typed)
        print(f"quiz: {question} -> {answer}")
        return {"ANSWER": answer}

    session = aiobotocore.session.get_session()
    async with session.create_client(
        "cognito-idp",
        region_name="eu-west-1",
        aws_access_key_id="example",
        aws_secret_access_key="example",
    ) as idp:
        with AioStubber(idp) as stubber:
            auth = CognitoAuthClient(idp, user_pool_id=POOL_ID, client_id=CLIENT_ID, admin=True)

            # The right answer: the sign-in ends with tokens. No password is
            # needed for CUSTOM_AUTH; repr() never shows a token.
            script_the_service(stubber, expected_answer="Paris", correct=True)
            result = await auth.authenticate("alice", flow=AuthFlow.CUSTOM_AUTH, handlers=registry)
            print(f"signed in: {result!r}")

            # A wrong answer: the Define trigger fails the sign-in, and the
            # service's refusal arrives as NotAuthorizedError.
            script_the_service(stubber, expected_answer="Lyon", correct=False)
            try:
                await auth.authenticate("alice", flow=AuthFlow.CUSTOM_AUTH, handlers=registry)
            except NotAuthorizedError as exc:
                print(f"refused: {exc}")
            else:
                return 1

            stubber.assert_no_pending_responses()
    return 0


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
