from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MerchantsConfig(AppConfig):
    name = "merchants"
    verbose_name = _("Merchants")

    def ready(self):
        from merchants import tasks  # noqa: F401 - registers the Celery tasks in every process
