"""The credits of the bundled clips, on the sources and credits page."""

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse


@pytest.mark.django_db
def test_the_credits_page_names_the_films_and_their_licences(client: Client) -> None:
    html = client.get(reverse("web:credits")).content.decode()

    assert "Popeye the Sailor Meets Sindbad the Sailor" in html
    assert "public domain" in html
    assert "© 2008 Blender Foundation" in html
    assert 'href="https://creativecommons.org/licenses/by/3.0/"' in html


@pytest.mark.django_db
def test_the_credits_are_translated(client: Client) -> None:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"

    html = client.get(reverse("web:credits")).content.decode()

    assert "演示课程的视频片段" in html
