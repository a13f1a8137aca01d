import datetime
import re
from collections.abc import Callable
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from iioe.accounts import services
from iioe.accounts.models import OutgoingMail, SignupCode, User
from iioe.accounts.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

EMAIL = "new.teacher@example.org"
PROFILE = services.SignupProfile(
    first_name="Kofi",
    last_name="Mensah",
    date_of_birth=datetime.date(1979, 6, 2),
    identity="researcher",
    gender="male",
    country="GH",
)


@pytest.fixture
def request_code(
    django_capture_on_commit_callbacks: Any,
) -> Callable[..., services.CodeRequest]:
    """Ask for a code, send the mail, and return what the service said."""

    def request(email: str = EMAIL, language: str = "en") -> services.CodeRequest:
        with django_capture_on_commit_callbacks(execute=True):
            return services.signup_code_request(
                email=email, language=language, site_url="http://testserver"
            )

    return request


def last_code() -> str:
    match = re.search(r"^    (\d{6})$", mail.outbox[-1].body, re.MULTILINE)
    assert match
    return match.group(1)


def test_code_request_mails_six_digits_and_stores_only_a_keyed_hash(
    request_code: Callable[..., services.CodeRequest],
) -> None:
    result = request_code()

    code = last_code()
    row = SignupCode.objects.get(email=EMAIL)
    assert result == services.CodeRequest(sent=True, wait_seconds=60)
    assert mail.outbox[-1].to == [EMAIL]
    assert re.fullmatch(r"\d{6}", code)
    assert code not in row.code_hash
    assert len(row.code_hash) == 64
    assert not OutgoingMail.objects.exists()


def test_code_request_lowercases_the_address(
    request_code: Callable[..., services.CodeRequest],
) -> None:
    request_code(email="New.Teacher@Example.ORG")

    assert SignupCode.objects.get().email == EMAIL


def test_codes_differ_between_requests(
    request_code: Callable[..., services.CodeRequest],
) -> None:
    codes = set()
    with time_machine.travel(timezone.now(), tick=False) as clock:
        for _ in range(4):
            request_code()
            codes.add(last_code())
            clock.shift(datetime.timedelta(seconds=61))

    assert len(codes) > 1


def test_right_code_passes_the_check(
    request_code: Callable[..., services.CodeRequest],
) -> None:
    request_code()

    services.signup_code_check(email=EMAIL.upper(), code=last_code())


def test_code_request_refuses_a_second_code_within_a_minute(
    request_code: Callable[..., services.CodeRequest],
) -> None:
    with time_machine.travel(timezone.now(), tick=False) as clock:
        request_code()
        first = last_code()
        clock.shift(datetime.timedelta(seconds=45))
        result = request_code()

    assert result == services.CodeRequest(sent=False, wait_seconds=15)
    assert len(mail.outbox) == 1
    services.signup_code_check(email=EMAIL, code=first)


def test_new_code_after_a_minute_replaces_the_old_one(
    request_code: Callable[..., services.CodeRequest],
) -> None:
    with time_machine.travel(timezone.now(), tick=False) as clock:
        request_code()
        old = last_code()
        clock.shift(datetime.timedelta(seconds=61))
        result = request_code()
        new = last_code()

    assert result.sent
    assert SignupCode.objects.count() == 1
    if old != new:
        with pytest.raises(services.CodeError) as rejection:
            services.signup_code_check(email=EMAIL, code=old)
        assert rejection.value.problem is services.CodeProblem.WRONG
    services.signup_code_check(email=EMAIL, code=new)


def test_code_expires_after_ten_minutes(
    request_code: Callable[..., services.CodeRequest],
) -> None:
    with time_machine.travel(timezone.now(), tick=False) as clock:
        request_code()
        code = last_code()
        clock.shift(datetime.timedelta(minutes=9, seconds=59))
        services.signup_code_check(email=EMAIL, code=code)
        clock.shift(datetime.timedelta(seconds=1))
        with pytest.raises(services.CodeError) as rejection:
            services.signup_code_check(email=EMAIL, code=code)

    assert rejection.value.problem is services.CodeProblem.EXPIRED
    assert rejection.value.field == "code"


def test_code_dies_after_five_wrong_tries(
    request_code: Callable[..., services.CodeRequest],
) -> None:
    request_code()
    code = last_code()
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"

    problems = []
    for _ in range(5):
        with pytest.raises(services.CodeError) as rejection:
            services.signup_code_check(email=EMAIL, code=wrong)
        problems.append(rejection.value.problem)
    with pytest.raises(services.CodeError) as last:
        services.signup_code_check(email=EMAIL, code=code)

    assert problems == [services.CodeProblem.WRONG] * 4 + [
        services.CodeProblem.EXHAUSTED
    ]
    assert last.value.problem is services.CodeProblem.EXHAUSTED
    assert SignupCode.objects.get().failed_attempts == 5


def test_wrong_code_message_counts_the_tries_left(
    request_code: Callable[..., services.CodeRequest],
) -> None:
    request_code()
    wrong = f"{(int(last_code()) + 1) % 1_000_000:06d}"

    with pytest.raises(services.CodeError) as rejection:
        services.signup_code_check(email=EMAIL, code=wrong)

    assert "4 more times" in rejection.value.message


def test_check_without_a_request_asks_for_a_code_first() -> None:
    with pytest.raises(services.CodeError) as rejection:
        services.signup_code_check(email=EMAIL, code="123456")

    assert rejection.value.problem is services.CodeProblem.MISSING


def test_registered_address_gets_a_warning_mail_and_no_usable_code(
    request_code: Callable[..., services.CodeRequest],
) -> None:
    UserFactory(email=EMAIL, language="fr")

    result = request_code(email=EMAIL.upper())

    message = mail.outbox[-1]
    assert result == services.CodeRequest(sent=True, wait_seconds=60)
    assert SignupCode.objects.filter(email=EMAIL).exists()
    assert "compte" in message.subject
    assert not re.search(r"^    \d{6}$", message.body, re.MULTILINE)
    assert "/login" in message.body
    assert "/accounts/password/reset/" in message.body


def test_user_register_creates_the_account_and_uses_up_the_code(
    request_code: Callable[..., services.CodeRequest],
) -> None:
    request_code()
    code = last_code()

    user = services.user_register(
        email="New.Teacher@example.org",
        code=code,
        password="Baobab7shade",
        profile=PROFILE,
        language="zh-hans",
    )

    assert user.email == EMAIL
    assert user.check_password("Baobab7shade")
    assert user.password.startswith("argon2")
    assert (user.first_name, user.country.code, user.identity) == (
        "Kofi",
        "GH",
        "researcher",
    )
    assert user.language == "zh-hans"
    assert user.emailaddress_set.get().verified
    assert not SignupCode.objects.exists()
    with pytest.raises(services.CodeError):
        services.user_register(
            email=EMAIL, code=code, password="x", profile=PROFILE, language="en"
        )


def test_user_register_with_a_valid_code_for_a_taken_address_blames_the_address(
    request_code: Callable[..., services.CodeRequest],
) -> None:
    request_code()
    code = last_code()
    UserFactory(email=EMAIL)

    with pytest.raises(services.SignupError) as refusal:
        services.user_register(
            email=EMAIL,
            code=code,
            password="Baobab7shade",
            profile=PROFILE,
            language="en",
        )

    assert refusal.value.field == "email"
    assert User.objects.filter(email__iexact=EMAIL).count() == 1


def test_stale_code_rows_are_cleaned_up_by_later_requests(
    request_code: Callable[..., services.CodeRequest],
) -> None:
    with time_machine.travel(timezone.now(), tick=False) as clock:
        request_code(email="old@example.org")
        clock.shift(datetime.timedelta(days=2))
        request_code()

    assert list(SignupCode.objects.values_list("email", flat=True)) == [EMAIL]
