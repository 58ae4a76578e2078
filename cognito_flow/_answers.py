"""Answers to challenges: which keys each challenge expects, checks, and which are secret."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Literal

from ._errors import ConfigurationError, InvalidChallengeError, check_text
from ._names import ChallengeName

__all__ = [
    "ANSWER_KEYS",
    "RESERVED_ANSWER_KEYS",
    "check_required_attributes",
    "mfa_setup_step",
    "parse_answers",
    "secret_values",
]

#: Answer keys the core fills in; a handler that returns one is refused.
RESERVED_ANSWER_KEYS = frozenset({"USERNAME", "SECRET_HASH", "DEVICE_KEY", "SESSION", "Session"})

#: The answer keys each challenge expects from the caller: the alternatives,
#: each a set of keys that must all be there (more are allowed, e.g.
#: NEW_PASSWORD_REQUIRED's ``userAttributes.*``). The challenges the core
#: answers alone (PASSWORD_VERIFIER, DEVICE_*) have none.
ANSWER_KEYS: Mapping[str, tuple[frozenset[str], ...]] = {
    ChallengeName.NEW_PASSWORD_REQUIRED: (frozenset({"NEW_PASSWORD"}),),
    ChallengeName.SMS_MFA: (frozenset({"SMS_MFA_CODE"}),),
    ChallengeName.SOFTWARE_TOKEN_MFA: (frozenset({"SOFTWARE_TOKEN_MFA_CODE"}),),
    ChallengeName.EMAIL_OTP: (frozenset({"EMAIL_OTP_CODE"}),),
    ChallengeName.SMS_OTP: (frozenset({"SMS_OTP_CODE"}),),
    ChallengeName.SELECT_MFA_TYPE: (frozenset({"ANSWER"}),),
    ChallengeName.CUSTOM_CHALLENGE: (frozenset({"ANSWER"}),),
    ChallengeName.SELECT_CHALLENGE: (frozenset({"ANSWER"}),),
    ChallengeName.WEB_AUTHN: (frozenset({"CREDENTIAL"}),),
    ChallengeName.PASSWORD: (frozenset({"PASSWORD"}),),
    ChallengeName.PASSWORD_SRP: (frozenset({"PASSWORD"}),),
    ChallengeName.MFA_SETUP: (
        frozenset({"SOFTWARE_TOKEN_MFA_CODE"}),
        frozenset({"EMAIL"}),
        frozenset({"ANSWER"}),
    ),
}

#: Challenges whose ANSWER names a factor or a challenge, not a secret.
_CHOICE_CHALLENGES = frozenset(
    {ChallengeName.SELECT_MFA_TYPE, ChallengeName.SELECT_CHALLENGE, ChallengeName.MFA_SETUP}
)


def parse_answers(challenge_name: str, answers: object) -> dict[str, str]:
    """Check answers to ``challenge_name`` and return them as a plain dict.

    Raises ``ConfigurationError`` naming the problem (never a value).
    """
    if not isinstance(answers, Mapping):
        raise ConfigurationError(
            f"answers to {challenge_name} must be a mapping of strings, "
            f"not {type(answers).__name__}"
        )
    out: dict[str, str] = {}
    for key, value in answers.items():
        if not isinstance(key, str):
            raise ConfigurationError(
                f"answers to {challenge_name}: keys must be strings, not {type(key).__name__}"
            )
        if not isinstance(value, str):
            raise ConfigurationError(
                f"answers to {challenge_name}: {key} must be a string, not {type(value).__name__}"
            )
        if key in RESERVED_ANSWER_KEYS:
            raise ConfigurationError(
                f"answers to {challenge_name} must not set {key}: the library adds it"
            )
        out[key] = value
    check_text(out, f"answers to {challenge_name}", ConfigurationError)
    options = ANSWER_KEYS.get(challenge_name)
    if options and not any(option <= out.keys() for option in options):
        wanted = " or ".join("+".join(sorted(option)) for option in options)
        raise ConfigurationError(f"answers to {challenge_name} must include {wanted}")
    return out


def secret_values(challenge_name: str, answers: Mapping[str, str]) -> set[str]:
    """The answer values never to log or echo.

    Every answer is treated as secret (a custom challenge's ANSWER is often a
    one-time code) except an email address given to MFA_SETUP and the names
    of factors and challenges chosen.
    """
    public = ("ANSWER", "EMAIL") if challenge_name in _CHOICE_CHALLENGES else ("EMAIL",)
    return {value for key, value in answers.items() if key not in public}


def check_required_attributes(required: Iterable[str], given: Mapping[str, str]) -> None:
    """NEW_PASSWORD_REQUIRED: every ``requiredAttributes`` entry must be answered."""
    missing = [
        f"userAttributes.{name}" for name in required if f"userAttributes.{name}" not in given
    ]
    if missing:
        raise ConfigurationError(
            "answers to NEW_PASSWORD_REQUIRED must set the required attributes: "
            + ", ".join(missing)
        )


MfaSetupStep = Literal["email", "verify", "associate"]


def mfa_setup_step(
    given: Mapping[str, str], *, offered: Iterable[str], has_secret: bool, has_session: bool
) -> MfaSetupStep:
    """What answers to MFA_SETUP ask for, checked: email setup, a code to verify, or a factor choice.

    A code needs the authenticator secret fetched first (and a Session for
    VerifySoftwareToken); ANSWER can only choose the authenticator app (email
    MFA is set up by answering EMAIL).
    """
    if "EMAIL" in given:
        return "email"
    if "SOFTWARE_TOKEN_MFA_CODE" in given:
        if not has_secret:
            raise InvalidChallengeError(
                "this MFA_SETUP challenge has no authenticator secret yet: answer "
                "ANSWER=SOFTWARE_TOKEN_MFA first to fetch one, or EMAIL for email MFA"
            )
        if not has_session:
            raise InvalidChallengeError(
                "this MFA_SETUP challenge has no Session, which VerifySoftwareToken needs"
            )
        return "verify"
    if given["ANSWER"] != ChallengeName.SOFTWARE_TOKEN_MFA:
        raise ConfigurationError(
            "answers to MFA_SETUP: ANSWER can only choose SOFTWARE_TOKEN_MFA; "
            "set up email MFA by answering EMAIL"
        )
    if ChallengeName.SOFTWARE_TOKEN_MFA not in offered:
        raise ConfigurationError("this MFA_SETUP does not offer SOFTWARE_TOKEN_MFA")
    return "associate"
