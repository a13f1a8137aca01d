from allauth.account.adapter import DefaultAccountAdapter


class AccountAdapter(DefaultAccountAdapter):
    """Sign-up goes through the platform's own two-step form, not allauth's."""

    def is_open_for_signup(self, request: object) -> bool:
        return False
