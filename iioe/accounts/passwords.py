"""Password rules: 8 to 64 characters, letters and digits, nothing guessable."""

import re
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

MIN_LENGTH = 8
MAX_LENGTH = 64


class LengthValidator:
    def validate(self, password: str, user: Any = None) -> None:
        if len(password) < MIN_LENGTH:
            raise ValidationError(
                _("Use at least %(min)d characters.") % {"min": MIN_LENGTH},
                code="password_too_short",
            )
        if len(password) > MAX_LENGTH:
            raise ValidationError(
                _("Use at most %(max)d characters.") % {"max": MAX_LENGTH},
                code="password_too_long",
            )

    def get_help_text(self) -> str:
        return _("Between %(min)d and %(max)d characters.") % {
            "min": MIN_LENGTH,
            "max": MAX_LENGTH,
        }


class LettersAndDigitsValidator:
    def validate(self, password: str, user: Any = None) -> None:
        has_letter = any(char.isalpha() for char in password)
        has_digit = any(char.isdigit() for char in password)
        if not (has_letter and has_digit):
            raise ValidationError(
                _("Use both letters and digits."), code="password_letters_digits"
            )

    def get_help_text(self) -> str:
        return _("Both letters and digits; special characters are allowed.")


# Keyboard rows and alphabets, read forwards and backwards: a password made of
# a run from these with a few digits is among the first any attacker tries.
_SEQUENCES = (
    "abcdefghijklmnopqrstuvwxyz",
    "qwertyuiopasdfghjklzxcvbnm",
    "azertyuiopqsdfghjklmwxcvbn",
    "01234567890",
)


class GuessablePatternValidator:
    """Refuse passwords built from one repeated or sequential run."""

    def validate(self, password: str, user: Any = None) -> None:
        core = password.lower()
        if len(set(core)) <= 3 or self._is_sequence(core):
            raise ValidationError(
                _("This password is too easy to guess."), code="password_guessable"
            )

    def _is_sequence(self, text: str) -> bool:
        letters = re.sub(r"[^a-z]", "", text)
        digits = re.sub(r"[^0-9]", "", text)
        for part in (letters, digits):
            if len(part) < 4:
                continue
            for sequence in _SEQUENCES:
                if part in sequence or part in sequence[::-1]:
                    return len(part) >= len(text) - 4
        return False

    def get_help_text(self) -> str:
        return _("Not a common word, keyboard run or repeated character.")
