"""Mail rendered in the recipient's language, sent without making anyone wait.

Any app can call ``mail_send``: it renders ``<prefix>_subject.txt``,
``<prefix>_message.txt`` and, when it exists, ``<prefix>_message.html`` in
the recipient's language, stores the result and, once the current transaction
commits, hands it to a background task that talks to the mail server.
"""

import logging
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import F
from django.template import TemplateDoesNotExist
from django.template.loader import render_to_string
from django.utils import translation

from iioe.accounts.models import OutgoingMail

logger = logging.getLogger(__name__)


def mail_render(
    *, template_prefix: str, context: Mapping[str, Any], language: str
) -> tuple[str, str, str]:
    """Return the subject, text body and HTML body (maybe empty) of a mail."""
    with translation.override(language):
        subject = render_to_string(f"{template_prefix}_subject.txt", dict(context))
        text = render_to_string(f"{template_prefix}_message.txt", dict(context))
        try:
            html = render_to_string(f"{template_prefix}_message.html", dict(context))
        except TemplateDoesNotExist:
            html = ""
    return " ".join(subject.split()), text.strip() + "\n", html.strip()


def mail_send(
    *,
    to: str,
    template_prefix: str,
    context: Mapping[str, Any],
    language: str,
    site_url: str | None = None,
) -> OutgoingMail:
    """Render a mail for one recipient and send it after the transaction.

    ``language`` is the recipient's, not necessarily the current request's.
    ``site_url`` (scheme and host, no trailing slash) prefixes the links in
    the mail; it defaults to the SITE_URL setting. The message is stored
    first, so it is not lost if the mail server is down.
    """
    full_context = {
        "site_url": (site_url or settings.SITE_URL).rstrip("/"),
        "site_name": settings.SITE_NAME,
        "language": language,
        **context,
    }
    subject, text, html = mail_render(
        template_prefix=template_prefix, context=full_context, language=language
    )

    mail = OutgoingMail.objects.create(
        to=to, subject=subject[:255], body_text=text, body_html=html
    )
    transaction.on_commit(lambda: _enqueue(mail.pk))
    logger.info("Mail %s queued from %s", mail.pk, template_prefix)
    return mail


def _enqueue(mail_id: int) -> None:
    from iioe.accounts.tasks import mail_deliver

    mail_deliver.enqueue(mail_id)


def mail_deliver_now(*, mail_id: int) -> bool:
    """Hand a stored mail to the mail server, then forget it.

    Returns False when there is nothing to send (already sent). Raises the
    mail server's error after counting the attempt, so the caller can retry.
    """
    mail = OutgoingMail.objects.filter(pk=mail_id).first()
    if mail is None:
        return False

    message = EmailMultiAlternatives(
        subject=mail.subject,
        body=mail.body_text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[mail.to],
    )
    if mail.body_html:
        message.attach_alternative(mail.body_html, "text/html")
    try:
        message.send()
    except Exception:
        OutgoingMail.objects.filter(pk=mail.pk).update(attempts=F("attempts") + 1)
        logger.warning("Mail %s could not be sent", mail.pk)
        raise

    mail.delete()
    logger.info("Mail %s sent", mail_id)
    return True
