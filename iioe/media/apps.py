from django.apps import AppConfig


class MediaConfig(AppConfig):
    name = "iioe.media"
    label = "media"
    verbose_name = "Media"
