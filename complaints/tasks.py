"""Celery tasks of the complaints app (they take ids, load, call a service)."""


# --- reports: the monthly regulator statistics (helper D) -----------------------------------------------------------
from celery import shared_task  # noqa: E402

from acquirer.tasks import JOB_TASK, _run  # noqa: E402


@shared_task(bind=True, **JOB_TASK)
def regulator_monthly(self, triggered_by: int | None = None):
    """The 1st of the month: last month's statistics for the regulator, once (``regulator_monthly`` is idempotent)."""
    from complaints.services.regulator import regulator_monthly as job

    return _run(self, "complaints.regulator_monthly", lambda: job(), triggered_by)
# --- end of the reports block ---------------------------------------------------------------------------------------
