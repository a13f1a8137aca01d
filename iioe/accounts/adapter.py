from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from allauth.core.exceptions import ImmediateHttpResponse
from django.http import HttpRequest
from django.shortcuts import redirect
from django.utils import translation

from iioe.accounts import selectors
from iioe.accounts.mail import mail_send


class AccountAdapter(DefaultAccountAdapter):
    """allauth with the platform's own sign-up and mail."""

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        # Sign-up goes through the platform's two-step form: send anyone who
        # reaches allauth's sign-up page there instead.
        raise ImmediateHttpResponse(redirect("accounts:register"))

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        """Send allauth's mails through the platform's queue.

        The mail is rendered in the language of the address's owner, or in
        the language of the current page when the address has no account.
        """
        request = allauth_context.request
        language = selectors.user_language_for_email(
            email=email, default=translation.get_language() or "en"
        )
        site_url = request.build_absolute_uri("/").rstrip("/") if request else None
        mail_context: dict[str, Any] = {
            key: value for key, value in context.items() if key != "request"
        }
        mail_context["email"] = email
        mail_send(
            to=email,
            template_prefix=template_prefix,
            context=mail_context,
            language=language,
            site_url=site_url,
        )

    def login(self, request: HttpRequest, user: Any) -> None:
        """Log in, then speak the user's language from this response on.

        The page that posts the login form was in the visitor's language;
        the "signed in" message and the page that follows should already be
        in the one the user chose.
        """
        super().login(request, user)
        language = getattr(user, "language", "")
        if language and translation.check_for_language(language):
            translation.activate(language)
            request.LANGUAGE_CODE = language
