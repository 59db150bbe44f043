from django.apps import AppConfig


class SupportConfig(AppConfig):
    name = "tamizdat.support"
