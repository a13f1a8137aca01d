from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "iioe.accounts"
    label = "accounts"
