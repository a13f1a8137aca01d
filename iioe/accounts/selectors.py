from django.utils import timezone

from iioe.accounts.models import SignupCode, User


def user_get_by_email(*, email: str) -> User | None:
    """Return the user with this address, however its letters are cased.

    One indexed query on the lowercased address.
    """
    return User.objects.filter(email__iexact=email.strip()).first()


def user_language_for_email(*, email: str, default: str) -> str:
    """Return the interface language of the owner of an address, if any."""
    user = user_get_by_email(email=email)
    return (user.language if user is not None else "") or default


def signup_code_wait_seconds(*, email: str) -> int:
    """Return how long an address must wait before it may ask for a new code.

    The answer is the same whether or not the address has an account.
    """
    code = SignupCode.objects.filter(email=email.strip().lower()).first()
    return code.resend_wait_seconds(now=timezone.now()) if code else 0
