from iioe.accounts.models import User


def user_get_by_email(*, email: str) -> User | None:
    """Return the user with this address, however its letters are cased.

    One indexed query on the lowercased address.
    """
    return User.objects.filter(email__iexact=email.strip()).first()


def user_language_for_email(*, email: str, default: str) -> str:
    """Return the interface language of the owner of an address, if any."""
    user = user_get_by_email(email=email)
    return (user.language if user is not None else "") or default
