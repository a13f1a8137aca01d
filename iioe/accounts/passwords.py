"""Password rules: 8 to 64 characters, letters and digits, nothing guessable.

The validators are listed in AUTH_PASSWORD_VALIDATORS. Each refuses one kind
of weakness with its own message, so a person learns exactly what to change.
"""

import functools
import re
from typing import Any

from django.contrib.auth.password_validation import CommonPasswordValidator
from django.core.exceptions import ValidationError
from django.utils.functional import lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

MIN_LENGTH = 8
MAX_LENGTH = 64


def _help_text() -> str:
    return gettext(
        "%(min)d to %(max)d characters with both letters and digits; special "
        "characters are allowed. Avoid common words, names and keyboard runs."
    ) % {"min": MIN_LENGTH, "max": MAX_LENGTH}


# The rule as one sentence, shown under every new-password field.
HELP_TEXT = lazy(_help_text, str)()


class LengthValidator:
    def validate(self, password: str, user: Any = None) -> None:
        if len(password) < MIN_LENGTH:
            raise ValidationError(
                gettext("Use at least %(min)d characters.") % {"min": MIN_LENGTH},
                code="password_too_short",
            )
        if len(password) > MAX_LENGTH:
            raise ValidationError(
                gettext("Use at most %(max)d characters.") % {"max": MAX_LENGTH},
                code="password_too_long",
            )

    def get_help_text(self) -> str:
        return gettext("Between %(min)d and %(max)d characters.") % {
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
        return gettext("Both letters and digits; special characters are allowed.")


# Alphabets, digits and keyboard rows (QWERTY, AZERTY, and the number row):
# three or more neighbours in a row, forwards or backwards, count as a run.
_SEQUENCES = (
    "abcdefghijklmnopqrstuvwxyz",
    "01234567890",
    "qwertyuiop",
    "asdfghjkl",
    "zxcvbnm",
    "azertyuiop",
    "qsdfghjklm",
    "wxcvbn",
    "1qaz2wsx3edc4rfv5tgb6yhn7ujm8ik9ol0p",
)

# The substitutions people make to dress up a word: "P@ssw0rd" is "password".
_LEET = str.maketrans(
    {"@": "a", "4": "a", "8": "b", "3": "e", "1": "i", "!": "i", "|": "i",
     "0": "o", "$": "s", "5": "s", "7": "t", "+": "t", "2": "z"}
)  # fmt: skip

# Words tied to this site that attackers try first against its accounts.
_SITE_WORDS = frozenset({"iioe", "unesco", "ichei", "iioeorg", "welcome"})

# Years are the digits people add most often, after their name or a word.
_YEAR = re.compile(r"(?:19|20)[0-9]{2}")
_RUN_LENGTH = 3
# A password whose letters-and-digits left over after removing runs, repeats
# and a dictionary word are fewer than this is refused as guessable.
_MIN_LEFTOVER = 4


@functools.cache
def _common_passwords() -> frozenset[str]:
    """Return Django's list of 20,000 common passwords, read once."""
    return frozenset(CommonPasswordValidator().passwords)


def _without_runs(text: str) -> str:
    """Remove every run of three or more keyboard or alphabet neighbours."""
    keep = [True] * len(text)
    for sequence in _SEQUENCES:
        for source in (sequence, sequence[::-1]):
            for start in range(len(text) - _RUN_LENGTH + 1):
                end = start + _RUN_LENGTH
                if text[start:end] in source:
                    while end < len(text) and text[start : end + 1] in source:
                        end += 1
                    keep[start:end] = [False] * (end - start)
    return "".join(char for char, kept in zip(text, keep, strict=True) if kept)


def _without_repeats(text: str) -> str:
    """Collapse a unit repeated back to back: "abcabc" and "aaaa" to one."""
    return re.sub(r"(.+?)\1+", r"\1", text)


def _known_words(user: Any) -> set[str]:
    """Return the words of a person's own details, lowercased."""
    words = set(_SITE_WORDS)
    if user is None:
        return words
    for attribute in ("first_name", "last_name"):
        value = (getattr(user, attribute, "") or "").lower()
        words.update(part for part in re.split(r"\W+", value) if len(part) >= 3)
    email = (getattr(user, "email", "") or "").lower()
    local_part = email.split("@", 1)[0]
    words.update(part for part in re.split(r"[\W_]+", local_part) if len(part) >= 3)
    return words


class GuessablePatternValidator:
    """Refuse passwords that are a dressed-up common word, run or repeat.

    A password passes when, after the common disguises are stripped (digits
    and symbols around a word, letter-for-digit swaps, keyboard runs, repeated
    chunks, the person's own name), enough of it is left that an attacker
    would have to guess.
    """

    def validate(self, password: str, user: Any = None) -> None:
        if self._is_guessable(password, user):
            raise ValidationError(
                _("This password is too easy to guess."), code="password_guessable"
            )

    def _is_guessable(self, password: str, user: Any) -> bool:
        lowered = password.lower()
        if len(set(lowered)) <= 3:
            return True

        common = _common_passwords()
        known = _known_words(user)
        for candidate in {lowered, lowered.translate(_LEET)}:
            core = re.sub(r"^[\W\d_]+|[\W\d_]+$", "", candidate)
            if core in common or core in known:
                return True
            if candidate in common:
                return True

        leftover = re.sub(r"[\W_]+", "", lowered)
        for word in known:
            leftover = leftover.replace(word, "")
        leftover = _YEAR.sub("", leftover)
        leftover = _without_repeats(_without_runs(leftover))
        return len(leftover) < _MIN_LEFTOVER

    def get_help_text(self) -> str:
        return gettext("Not a common word, name, keyboard run or repeated pattern.")
