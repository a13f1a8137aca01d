import datetime
import logging
import re
import socket
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from iioe.accounts.mail import mail_send
from iioe.accounts.models import OutgoingMail
from iioe.accounts.tasks import mail_deliver
from iioe.accounts.tests.factories import UserFactory
from iioe.accounts.tests.helpers import fill_step_one, send_code, sign_up
from iioe.accounts.tests.smtp import Inbox, code_in, html_of, text_of

pytestmark = pytest.mark.django_db


def test_mail_waits_for_the_transaction_to_commit(
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        mail_send(
            to="someone@example.org",
            template_prefix="accounts/email/signup_code",
            context={"code": "123456", "minutes": 10},
            language="en",
        )

    assert len(callbacks) == 1
    assert mail.outbox == []
    assert OutgoingMail.objects.count() == 1


def test_sent_mail_is_forgotten(django_capture_on_commit_callbacks: Any) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        mail_send(
            to="someone@example.org",
            template_prefix="accounts/email/signup_code",
            context={"code": "123456", "minutes": 10},
            language="en",
        )

    assert len(mail.outbox) == 1
    assert not OutgoingMail.objects.exists()


def test_mail_the_server_refuses_is_kept_for_another_try(
    refusing_smtp: None, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        mail_send(
            to="someone@example.org",
            template_prefix="accounts/email/signup_code",
            context={"code": "123456", "minutes": 10},
            language="en",
        )

    kept = OutgoingMail.objects.get()
    assert kept.attempts == 1
    assert "123456" in kept.body_text


def test_mail_goes_out_in_the_recipients_language_not_the_pages(
    client: Client, smtp_inbox: Inbox, django_capture_on_commit_callbacks: Any
) -> None:
    UserFactory(email="amina@example.org", language="zh-hans")
    client.cookies["django_language"] = "fr"

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("account_reset_password"), {"email": "amina@example.org"})

    message = smtp_inbox.last_to("amina@example.org")
    assert "密码" in message["Subject"]
    assert "验证码" in text_of(message) or "代码" in text_of(message)
    assert 'lang="zh-hans"' in html_of(message)


def test_mail_to_an_unknown_address_follows_the_pages_language(
    client: Client, smtp_inbox: Inbox, django_capture_on_commit_callbacks: Any
) -> None:
    client.cookies["django_language"] = "fr"

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("account_reset_password"), {"email": "x@example.org"})

    assert "Aucun compte" in smtp_inbox.last_to("x@example.org")["Subject"]


def test_account_exists_mail_follows_the_owners_language(
    client: Client, smtp_inbox: Inbox, django_capture_on_commit_callbacks: Any
) -> None:
    UserFactory(email="amina@example.org", language="fr")
    fill_step_one(client)

    with django_capture_on_commit_callbacks(execute=True):
        send_code(client, "amina@example.org")

    message = smtp_inbox.last_to("amina@example.org")
    assert "compte" in message["Subject"]
    assert "http://testserver/login" in text_of(message)
    assert "http://testserver/accounts/password/reset/" in text_of(message)


def test_logs_never_hold_codes_or_addresses(
    client: Client,
    smtp_inbox: Inbox,
    django_capture_on_commit_callbacks: Any,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    fill_step_one(client)
    with django_capture_on_commit_callbacks(execute=True):
        send_code(client, "amina@example.org")
    code = code_in(smtp_inbox.last_to("amina@example.org"))
    sign_up(client, "amina@example.org", code)

    ours = [r for r in caplog.records if r.name.startswith("iioe.")]
    logged = "\n".join(r.getMessage() for r in ours)
    assert ours
    assert code not in logged
    assert not re.search(r"amina|example\.org", logged)


@pytest.fixture
def refusing_smtp(settings: Any) -> None:
    """Point mail at a local port where nothing listens."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = closed_port


def test_refused_mail_is_tried_again_later_by_the_worker(
    settings: Any, refusing_smtp: None
) -> None:
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {
        "default": {
            "BACKEND": "django_tasks_db.DatabaseBackend",
            "QUEUES": ["default", "video"],
        }
    }
    stored = OutgoingMail.objects.create(
        to="someone@example.org", subject="s", body_text="b"
    )

    with pytest.raises(OSError):
        mail_deliver.call(stored.pk)

    retry = DBTaskResult.objects.get()
    assert retry.args_kwargs["args"] == [stored.pk]
    assert retry.run_after > timezone.now() + datetime.timedelta(seconds=50)
    assert OutgoingMail.objects.get().attempts == 1


def test_mail_refused_too_often_is_dropped(refusing_smtp: None) -> None:
    stored = OutgoingMail.objects.create(
        to="someone@example.org", subject="s", body_text="b", attempts=5
    )

    with pytest.raises(OSError):
        mail_deliver.call(stored.pk)

    assert not OutgoingMail.objects.exists()
