from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "iioe.catalog"
    label = "catalog"
