from django.apps import AppConfig
from django.contrib.admin.apps import AdminConfig
from django.utils.translation import gettext_lazy as _


class AcquirerConfig(AppConfig):
    name = "acquirer"
    verbose_name = _("Platform")

    def ready(self):
        from acquirer import (
            receivers,  # noqa: F401 - connects framework hooks (login, password, MFA)
            tasks,  # noqa: F401 - registers the Celery tasks in every process
        )


class AcquirerAdminConfig(AdminConfig):
    default_site = "acquirer.admin_site.AcquirerAdminSite"
