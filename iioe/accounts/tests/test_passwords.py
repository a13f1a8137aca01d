import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError

from iioe.accounts import passwords
from iioe.accounts.models import User


def person() -> User:
    return User(
        email="amina.diallo@example.org", first_name="Amina", last_name="Diallo"
    )


def codes(password: str) -> set[str]:
    try:
        validate_password(password, person())
    except ValidationError as error:
        return {e.code for e in error.error_list if e.code}
    return set()


@pytest.mark.parametrize(
    "password",
    [
        "Sandstone42river",
        "correct7horse",
        "Lumiere77blanche",
        "mY2cats&aDog",
        "Xk9#mP2q",
        "r1ver2bank",
        "长城2024望远Ab",
        "Tr0ub4dor&3",
        "Vq3sL9pXz7Kc1Rt5Wm8Ny2Hb6Jd4Fg0Lk9Zx3Qa7We5Rt1Yu8Io2Pl6Mn4Bv0Cx",
    ],
)
def test_passwords_of_8_to_64_letters_and_digits_are_accepted(password: str) -> None:
    assert 8 <= len(password) <= 64
    assert codes(password) == set()


def test_password_shorter_than_8_is_refused() -> None:
    assert "password_too_short" in codes("Gx7#kq2")


def test_password_longer_than_64_is_refused() -> None:
    assert "password_too_long" in codes("Gx7#kq2mWz" * 6 + "Lp4v9")


@pytest.mark.parametrize("password", ["Sandstoneriver", "4829175036", "!!##$$%%&&"])
def test_password_without_both_letters_and_digits_is_refused(password: str) -> None:
    assert "password_letters_digits" in codes(password)


@pytest.mark.parametrize(
    "password",
    [
        "password1",
        "P@ssw0rd2024",
        "qwerty123",
        "Qwertyuiop1",
        "azerty2021",
        "abcdef12",
        "1234abcd!",
        "aaaa1111",
        "abc1abc1abc1",
        "1qaz2wsx",
        "zxcvbn99",
        "Monkey123!",
        "dragon42",
        "Iioe2021",
        "Unesco2024!",
    ],
)
def test_common_and_dressed_up_passwords_are_refused(password: str) -> None:
    assert codes(password) & {"password_too_common", "password_guessable"}


@pytest.mark.parametrize("password", ["Amina1985", "Diallo2024!", "Amina2024x"])
def test_password_built_on_the_persons_name_is_refused(password: str) -> None:
    assert codes(password) & {"password_guessable", "password_too_similar"}


def test_special_characters_are_allowed() -> None:
    assert codes("Quartz&Ink#9 flows") == set()


def test_help_text_states_the_rule() -> None:
    text = str(passwords.HELP_TEXT)

    assert "8 to 64 characters" in text
    assert "letters and digits" in text
    assert "special characters are allowed" in text


def test_passwords_are_hashed_with_argon2() -> None:
    user = person()
    user.set_password("Sandstone42river")

    assert user.password.startswith("argon2$")
