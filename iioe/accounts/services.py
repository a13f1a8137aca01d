"""Everything that changes accounts: sign-up codes, registration, profiles."""

import datetime
import logging
import secrets
from dataclasses import dataclass
from datetime import timedelta
from enum import Enum

from allauth.account.models import EmailAddress
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from iioe.accounts import selectors
from iioe.accounts.mail import mail_send
from iioe.accounts.models import SignupCode, User

logger = logging.getLogger(__name__)

# Rows of codes nobody used are removed after this long.
CODE_KEEP = timedelta(days=1)


@dataclass(frozen=True)
class SignupProfile:
    """The answers of the first sign-up step."""

    first_name: str
    last_name: str
    date_of_birth: datetime.date
    identity: str
    gender: str
    country: str


@dataclass(frozen=True)
class CodeRequest:
    """What became of a request for a sign-up code."""

    sent: bool
    wait_seconds: int


class CodeProblem(Enum):
    MISSING = "missing"
    WRONG = "wrong"
    EXPIRED = "expired"
    EXHAUSTED = "exhausted"


class SignupError(Exception):
    """Registration cannot go on; ``field`` names the form field to blame."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


class CodeError(SignupError):
    def __init__(self, problem: CodeProblem, attempts_left: int = 0) -> None:
        super().__init__("code", _code_message(problem, attempts_left))
        self.problem = problem


def _code_message(problem: CodeProblem, attempts_left: int) -> str:
    if problem is CodeProblem.MISSING:
        return str(_("Ask for a verification code first, then enter it here."))
    if problem is CodeProblem.EXPIRED:
        return str(_("This code has expired. Ask for a new one."))
    if problem is CodeProblem.EXHAUSTED:
        return str(_("Too many wrong codes. Ask for a new one."))
    return ngettext(
        "This code is not right. You can try %(count)d more time.",
        "This code is not right. You can try %(count)d more times.",
        attempts_left,
    ) % {"count": attempts_left}


def _code_hash(email: str, code: str) -> str:
    # Keyed with SECRET_KEY: a copy of the table alone does not let anyone
    # try the million possible codes offline.
    return salted_hmac(
        "iioe.accounts.SignupCode", f"{email}\n{code}", algorithm="sha256"
    ).hexdigest()


def _code_problem(
    row: SignupCode | None, *, email: str, code: str, now: datetime.datetime
) -> CodeProblem | None:
    if row is None:
        return CodeProblem.MISSING
    if row.failed_attempts >= SignupCode.MAX_WRONG:
        return CodeProblem.EXHAUSTED
    if now >= row.created_at + SignupCode.VALIDITY:
        return CodeProblem.EXPIRED
    if not constant_time_compare(row.code_hash, _code_hash(email, code)):
        return CodeProblem.WRONG
    return None


def signup_code_request(*, email: str, language: str, site_url: str) -> CodeRequest:
    """Mail a fresh sign-up code, or tell the owner the address has an account.

    Both cases write the same row and answer the same way, so the response
    never shows whether the address is registered; only its mailbox learns.
    A request within a minute of the last one sends nothing and says how
    long to wait. A new code replaces the old one. About five queries.
    """
    email = email.strip().lower()
    now = timezone.now()

    with transaction.atomic():
        current = SignupCode.objects.select_for_update().filter(email=email).first()
        if current is not None and (wait := current.resend_wait_seconds(now=now)):
            return CodeRequest(sent=False, wait_seconds=wait)

        code = f"{secrets.randbelow(10**SignupCode.DIGITS):0{SignupCode.DIGITS}d}"
        SignupCode.objects.update_or_create(
            email=email,
            defaults={
                "code_hash": _code_hash(email, code),
                "created_at": now,
                "failed_attempts": 0,
            },
        )
        SignupCode.objects.filter(created_at__lt=now - CODE_KEEP).delete()
        _mail_code_or_warning(email=email, code=code, language=language, url=site_url)

    return CodeRequest(
        sent=True, wait_seconds=int(SignupCode.RESEND_AFTER.total_seconds())
    )


def _mail_code_or_warning(*, email: str, code: str, language: str, url: str) -> None:
    owner = selectors.user_get_by_email(email=email)
    if owner is None:
        context = {
            "code": code,
            "minutes": int(SignupCode.VALIDITY.total_seconds() // 60),
        }
        template_prefix = "accounts/email/signup_code"
    else:
        # The code is never sent: the owner is told to log in instead.
        context = {"user": owner}
        template_prefix = "accounts/email/account_exists"
        language = owner.language or language
    mail_send(
        to=email,
        template_prefix=template_prefix,
        context=context,
        language=language,
        site_url=url,
    )


def signup_code_check(*, email: str, code: str) -> None:
    """Check a sign-up code, counting a wrong one against its five tries.

    Raises CodeError saying what is wrong. A right code stays valid until
    ``user_register`` uses it.
    """
    email = email.strip().lower()
    now = timezone.now()

    attempts_left = 0
    with transaction.atomic():
        row = SignupCode.objects.select_for_update().filter(email=email).first()
        problem = _code_problem(row, email=email, code=code, now=now)
        if problem is CodeProblem.WRONG and row is not None:
            SignupCode.objects.filter(pk=row.pk).update(
                failed_attempts=F("failed_attempts") + 1
            )
            attempts_left = SignupCode.MAX_WRONG - row.failed_attempts - 1
            if attempts_left <= 0:
                problem = CodeProblem.EXHAUSTED

    if problem is not None:
        raise CodeError(problem, attempts_left=attempts_left)


def user_register(
    *,
    email: str,
    code: str,
    password: str,
    profile: SignupProfile,
    language: str,
) -> User:
    """Create an account once its address has proved itself with a code.

    Call ``signup_code_check`` first: it counts wrong codes. Here the code is
    checked again under a lock and used up, so two requests cannot both use
    it. Raises CodeError, or SignupError on the e-mail field when the
    address has an account (only the mailbox's owner, who holds the code,
    can get that far).
    """
    email = email.strip().lower()
    now = timezone.now()

    with transaction.atomic():
        row = SignupCode.objects.select_for_update().filter(email=email).first()
        problem = _code_problem(row, email=email, code=code, now=now)
        if problem is not None:
            raise CodeError(problem)
        if selectors.user_get_by_email(email=email) is not None:
            raise SignupError("email", _account_exists_message())
        try:
            with transaction.atomic():
                user = User.objects.create_user(
                    email=email,
                    password=password,
                    first_name=profile.first_name,
                    last_name=profile.last_name,
                    date_of_birth=profile.date_of_birth,
                    identity=profile.identity,
                    gender=profile.gender,
                    country=profile.country,
                    language=language,
                )
        except IntegrityError as error:
            raise SignupError("email", _account_exists_message()) from error
        EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
        SignupCode.objects.filter(pk=row.pk).delete()  # type: ignore[union-attr]

    logger.info("User %s registered", user.pk)
    return user


def _account_exists_message() -> str:
    return str(
        _(
            "An account already uses this address. Log in, or reset your "
            "password if you have forgotten it."
        )
    )


def user_set_language(*, user: User, language: str) -> None:
    """Remember the interface language a user chose."""
    if user.language != language:
        user.language = language
        user.save(update_fields=["language"])


def user_update_profile(
    *,
    user: User,
    first_name: str,
    last_name: str,
    date_of_birth: datetime.date | None,
    identity: str,
    gender: str,
    country: str,
    language: str,
    data_saver: bool = False,
) -> User:
    """Save the details a person can change about themselves."""
    user.first_name = first_name
    user.last_name = last_name
    user.date_of_birth = date_of_birth
    user.identity = identity
    user.gender = gender
    user.country = country
    user.language = language
    user.data_saver = data_saver
    user.save(
        update_fields=[
            "first_name",
            "last_name",
            "date_of_birth",
            "identity",
            "gender",
            "country",
            "language",
            "data_saver",
        ]
    )
    logger.info("User %s updated their profile", user.pk)
    return user
