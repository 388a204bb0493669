from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TerminalsConfig(AppConfig):
    name = "terminals"
    verbose_name = _("Terminals")

    def ready(self):
        from terminals import tasks  # noqa: F401 - registers the Celery tasks in every process
