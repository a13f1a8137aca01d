from django.db import models
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField


class Institution(models.Model):
    """A university, company or organisation that offers courses or joins."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    country = CountryField(_("country/region"), blank=True)
    website = models.URLField(_("website"), blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
