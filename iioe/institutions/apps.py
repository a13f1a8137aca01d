from django.apps import AppConfig


class InstitutionsConfig(AppConfig):
    name = "iioe.institutions"
    label = "institutions"
