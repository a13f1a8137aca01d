from django import template
from django.conf import settings

register = template.Library()


@register.simple_tag
def interface_languages() -> list[tuple[str, str]]:
    """Return the interface languages, each named in its own language.

    Django's get_available_languages translates the names, so a French page
    would offer "Anglais"; a reader looks for their own language's name.
    """
    return list(settings.LANGUAGES)
