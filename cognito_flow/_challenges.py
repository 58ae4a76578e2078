"""What happens when challenge X arrives: the rules of each challenge, on one screen.

Two tables at the bottom say it. ``ANSWERED_BY_THE_CORE``: the challenges
the core answers without the caller, when it can (SRP claims, a password it
was given, the authenticator secret of MFA_SETUP). ``CALLER_ANSWERS``: what
the core does with the caller's answers before they go out. Any other
challenge is handed to the caller, and its answers go out as given, with
USERNAME, SECRET_HASH, DEVICE_KEY and the Session added (``_requests.py``).

``ChallengeRules`` is the half of ``SignIn`` (``_flow.py``) that these
tables point into; the other half is the conversation's state machine.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from . import _srp_steps as srp_steps
from ._answers import check_required_attributes, mfa_setup_step, secret_values
from ._config import FlowConfig
from ._errors import ConfigurationError, UnexpectedResponseError
from ._events import Call, Compute, Event
from ._models import Challenge, RememberedDevice
from ._names import ChallengeName
from ._requests import Requests
from ._responses import srp_parameters
from ._states import (
    AwaitingAuth,
    AwaitingClaim,
    AwaitingSecret,
    AwaitingSrpA,
    AwaitingVerification,
    PendingAnswer,
    PendingInitiate,
    SrpA,
    State,
)

__all__ = ["ANSWERED_BY_THE_CORE", "CALLER_ANSWERS", "ChallengeRules"]


class ChallengeRules:
    """How the core answers each challenge, and completes the caller's answers.

    A mixin of ``SignIn``, which holds the fields declared here.
    """

    config: FlowConfig
    device: RememberedDevice | None
    state: State
    _password: str | None
    _srp: SrpA | None
    _requests: Requests

    # -- sending ------------------------------------------------------------------

    def _respond(
        self,
        name: str,
        username: str,
        session: str | None,
        answers: Mapping[str, str],
        *,
        secrets: frozenset[str] = frozenset(),
        answering: Challenge | None = None,
    ) -> Call:
        self.state = AwaitingAuth()
        return self._requests.respond(
            name,
            username,
            session,
            answers,
            secret_values(name, answers) | secrets,
            answering=answering,
        )

    def _srp_a_for(self, request: PendingInitiate | PendingAnswer) -> Compute:
        # SRP_A is a 3072-bit modular power too: computed off the loop, then
        # sent with the request that needs it.
        self.state = AwaitingSrpA(request)
        return srp_steps.new_srp_a(self.config.srp_secret)

    # The core answers these itself (see ANSWERED_BY_THE_CORE); None hands
    # the challenge to the caller.

    def _password_verifier(self, challenge: Challenge) -> Event:
        params = srp_parameters(challenge)
        password, srp_a = self._password, self._srp
        if password is None or srp_a is None:
            raise UnexpectedResponseError(
                "PASSWORD_VERIFIER arrived, but this sign-in did not start SRP "
                "(use flow USER_SRP_AUTH, or PASSWORD_SRP, with a password)"
            )
        # USERNAME and SECRET_HASH of the answer use this name, not the alias
        # the person typed.
        user_id = params.get("USER_ID_FOR_SRP") or challenge.username
        self.state = AwaitingClaim(challenge, user_id)
        return srp_steps.password_claim(
            pool_id=self.config.user_pool_id,
            user_id=user_id,
            password=password,
            srp_a=srp_a,
            params=params,
            timestamp=self.config.srp_timestamp,
        )

    def _device_srp_auth(self, challenge: Challenge) -> Event | None:
        if self.device is None:
            return None
        return self._srp_a_for(PendingAnswer(challenge, {}))

    def _device_password_verifier(self, challenge: Challenge) -> Event | None:
        device, srp_a = self.device, self._srp
        if device is None:
            return None
        params = srp_parameters(challenge)
        if srp_a is None:
            raise UnexpectedResponseError(
                "DEVICE_PASSWORD_VERIFIER arrived before DEVICE_SRP_AUTH was answered"
            )
        self.state = AwaitingClaim(challenge, challenge.username)
        return srp_steps.device_claim(
            device=device, srp_a=srp_a, params=params, timestamp=self.config.srp_timestamp
        )

    def _password_challenge(self, challenge: Challenge) -> Event | None:
        if self._password is None:
            return None
        return self._respond(
            challenge.name, challenge.username, challenge.session, {"PASSWORD": self._password}
        )

    def _password_srp(self, challenge: Challenge) -> Event | None:
        if self._password is None:
            return None
        return self._srp_a_for(PendingAnswer(challenge, {}))

    def _mfa_setup(self, challenge: Challenge) -> Event | None:
        # Only an authenticator app can be set up, and the caller needs its
        # secret to show a QR code: fetch it now. When email MFA is offered
        # too, the person chooses first (ANSWER=SOFTWARE_TOKEN_MFA or EMAIL),
        # as Amplify does, so no secret is made for a factor nobody wants.
        offered = challenge.mfas_can_setup
        if (
            ChallengeName.SOFTWARE_TOKEN_MFA in offered
            and ChallengeName.EMAIL_OTP not in offered
            and not challenge.secret_code
        ):
            return self._associate(challenge)
        return None

    def _associate(self, challenge: Challenge) -> Call:
        # AssociateSoftwareToken hands back a new Session along with the secret.
        if challenge.session is None:
            raise UnexpectedResponseError(
                "the MFA_SETUP challenge came without a Session, which AssociateSoftwareToken needs"
            )
        self.state = AwaitingSecret(challenge)
        return self._requests.associate_software_token(challenge.session)

    def _send_claim(self, challenge: Challenge, username: str, answers: dict[str, str]) -> Call:
        self._srp = None  # each SRP exchange draws its own exponent
        signature = frozenset({answers["PASSWORD_CLAIM_SIGNATURE"]})
        call = self._respond(
            challenge.name, username, challenge.session, answers, secrets=signature
        )
        other = challenge.parameters.get("USERNAME")
        if challenge.name == ChallengeName.PASSWORD_VERIFIER and other and other != username:
            fallback = self._requests.respond(
                challenge.name, other, challenge.session, answers, call.secrets
            )
            self.state = AwaitingAuth(fallback=fallback, fallback_username=other)
        return call

    # What the core adds to the caller's answers (see CALLER_ANSWERS).

    def _answer_as_given(self, challenge: Challenge, given: dict[str, str]) -> Event:
        return self._respond(
            challenge.name, challenge.username, challenge.session, given, answering=challenge
        )

    def _answer_new_password(self, challenge: Challenge, given: dict[str, str]) -> Event:
        check_required_attributes(challenge.required_attributes, given)
        return self._answer_as_given(challenge, given)

    def _answer_mfa_setup(self, challenge: Challenge, given: dict[str, str]) -> Event:
        step = mfa_setup_step(
            given,
            offered=challenge.mfas_can_setup,
            has_secret=bool(challenge.secret_code),
            has_session=challenge.session is not None,
        )
        if step == "email":
            return self._answer_as_given(challenge, given)
        if step == "associate":  # ANSWER chose the app among several factors
            return self._associate(challenge)
        self.state = AwaitingVerification(challenge)
        return self._requests.verify_software_token(
            challenge.session or "",
            given["SOFTWARE_TOKEN_MFA_CODE"],
            given.get("FRIENDLY_DEVICE_NAME"),
            answering=challenge,
        )

    def _answer_with_password_srp(self, challenge: Challenge, given: dict[str, str]) -> Event:
        # The password is never sent: it keys the SRP exchange that follows.
        self._password = given.pop("PASSWORD", None) or self._password
        if self._password is None:
            raise ConfigurationError(f"answering {challenge.name} with PASSWORD_SRP needs PASSWORD")
        return self._srp_a_for(PendingAnswer(challenge, given, answering=challenge))

    def _answer_select_challenge(self, challenge: Challenge, given: dict[str, str]) -> Event:
        choice = given["ANSWER"]
        if choice == ChallengeName.PASSWORD_SRP:
            return self._answer_with_password_srp(challenge, given)
        if choice == ChallengeName.PASSWORD and "PASSWORD" not in given:
            if self._password is None:
                raise ConfigurationError("answering SELECT_CHALLENGE with PASSWORD needs PASSWORD")
            given["PASSWORD"] = self._password
        return self._answer_as_given(challenge, given)


#: What happens when challenge X arrives, part 1: the challenges the core
#: answers itself, and how. The method returns the next step, or None when
#: it cannot answer (then the caller must).
#:
#:   PASSWORD_VERIFIER         sign the SRP password claim (the password and SRP_A of this sign-in)
#:   DEVICE_SRP_AUTH           send a fresh SRP_A, when a remembered device signs in
#:   DEVICE_PASSWORD_VERIFIER  sign the device claim with the device password
#:   PASSWORD                  send the password start() was given, if it was
#:   PASSWORD_SRP              SRP with the password start() was given, if it was
#:   MFA_SETUP                 fetch the authenticator secret (AssociateSoftwareToken)
#:                             when an authenticator app is the only factor offered
ANSWERED_BY_THE_CORE: Mapping[str, Callable[[ChallengeRules, Challenge], Event | None]] = {
    ChallengeName.PASSWORD_VERIFIER: ChallengeRules._password_verifier,
    ChallengeName.DEVICE_SRP_AUTH: ChallengeRules._device_srp_auth,
    ChallengeName.DEVICE_PASSWORD_VERIFIER: ChallengeRules._device_password_verifier,
    ChallengeName.PASSWORD: ChallengeRules._password_challenge,
    ChallengeName.PASSWORD_SRP: ChallengeRules._password_srp,
    ChallengeName.MFA_SETUP: ChallengeRules._mfa_setup,
}

#: Part 2: what the core does with the caller's answers (checked against
#: ``_answers.ANSWER_KEYS`` first). Any other challenge is answered as given,
#: with USERNAME, SECRET_HASH, DEVICE_KEY and the Session added.
#:
#:   NEW_PASSWORD_REQUIRED  every requiredAttributes entry must be answered
#:   MFA_SETUP              a code -> VerifySoftwareToken, then the answer;
#:                          ANSWER=SOFTWARE_TOKEN_MFA -> AssociateSoftwareToken;
#:                          EMAIL -> as given
#:   PASSWORD_SRP           the PASSWORD keys an SRP exchange, never sent
#:   SELECT_CHALLENGE       ANSWER=PASSWORD_SRP -> SRP; ANSWER=PASSWORD -> the known password added
CALLER_ANSWERS: Mapping[str, Callable[[ChallengeRules, Challenge, dict[str, str]], Event]] = {
    ChallengeName.NEW_PASSWORD_REQUIRED: ChallengeRules._answer_new_password,
    ChallengeName.MFA_SETUP: ChallengeRules._answer_mfa_setup,
    ChallengeName.PASSWORD_SRP: ChallengeRules._answer_with_password_srp,
    ChallengeName.SELECT_CHALLENGE: ChallengeRules._answer_select_challenge,
}
