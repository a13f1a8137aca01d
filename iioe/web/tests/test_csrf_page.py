import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse


@pytest.mark.django_db
def test_a_form_sent_without_its_token_gets_a_page_of_the_site() -> None:
    client = Client(enforce_csrf_checks=True)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"

    response = client.post(reverse("web:language_set"), {"language": "en"})

    assert response.status_code == 403
    page = response.content.decode()
    assert "Le formulaire a expiré" in page
    assert 'class="site-header"' in page
