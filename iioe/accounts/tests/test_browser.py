"""Sign-up in a real browser: the script that sends the code and counts down."""

import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.core import mail

from iioe.accounts.models import User

playwright_sync = pytest.importorskip("playwright.sync_api")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHROMIUM = "/usr/bin/chromium"


@pytest.fixture
def phone(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """A 360 px wide Chromium page that prefers French."""
    # Playwright runs an event loop in this thread; the test's own database
    # reads are still plain synchronous calls.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with playwright_sync.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM)
        context = browser.new_context(
            viewport={"width": 360, "height": 740}, locale="fr-FR"
        )
        yield context.new_page()
        browser.close()


def test_sign_up_in_french_on_a_phone_with_the_code_countdown(
    live_server: Any, phone: Any
) -> None:
    phone.goto(f"{live_server.url}/register?next=/privacy")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    phone.get_by_label("Prénom").fill("Amina")
    phone.get_by_label("Nom", exact=True).fill("Diallo")
    phone.get_by_label("Date de naissance").fill("1985-03-14")
    phone.get_by_label("Identité").select_option("teacher")
    phone.get_by_label("Femme").check()
    phone.get_by_label("Pays/région").select_option("SN")
    phone.get_by_role("button", name="Suivant").click()

    phone.get_by_label("Adresse e-mail").fill("amina@example.org")
    phone.get_by_role("button", name="Envoyer le code de vérification").click()
    phone.wait_for_selector("#code-status:has-text('Nous avons envoyé')")
    send = phone.locator(".send-code")
    assert send.is_disabled()
    assert re.search(r"Renvoyer dans (5[5-9]|60) s", send.inner_text())
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    code = re.search(r"^    (\d{6})$", mail.outbox[-1].body, re.M).group(1)

    phone.get_by_label("Code de vérification").fill(code)
    phone.get_by_label("Nouveau mot de passe").fill("Baobab7shade")
    phone.get_by_label("Confirmez le mot de passe").fill("Baobab7shade")
    phone.locator("#id_consent").check()
    phone.get_by_role("button", name="S’inscrire").click()

    phone.wait_for_url(f"{live_server.url}/privacy")
    assert User.objects.get().language == "fr"
    assert "Bienvenue sur IIOE, Amina" in phone.inner_text("main")


def test_send_code_without_an_address_shows_the_error_next_to_it(
    live_server: Any, phone: Any
) -> None:
    phone.goto(f"{live_server.url}/register")
    phone.get_by_label("Prénom").fill("Amina")
    phone.get_by_label("Nom", exact=True).fill("Diallo")
    phone.get_by_label("Date de naissance").fill("1985-03-14")
    phone.get_by_label("Identité").select_option("teacher")
    phone.get_by_label("Femme").check()
    phone.get_by_label("Pays/région").select_option("SN")
    phone.get_by_role("button", name="Suivant").click()

    phone.get_by_label("Adresse e-mail").fill("pas-une-adresse")
    phone.get_by_role("button", name="Envoyer le code de vérification").click()

    error = phone.wait_for_selector("#id_email_error")
    assert "adresse" in error.inner_text()
    assert phone.get_attribute("#id_email", "aria-invalid") == "true"
