from iioe.accounts.models import User


def user_set_language(*, user: User, language: str) -> None:
    """Remember the interface language a user chose."""
    if user.language != language:
        user.language = language
        user.save(update_fields=["language"])
