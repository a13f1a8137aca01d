from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "iioe.web"
    label = "web"
