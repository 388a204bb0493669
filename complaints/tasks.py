"""Celery tasks of the complaints app (they take ids, load, call a service). Scheduled jobs run one service inside
``run_job`` (a JobRun row per run; every job is safe to run twice)."""

from celery import shared_task

from acquirer.tasks import JOB_TASK, _run

# --- complaints (SLA) -----------------------------------------------------------------------------------------------

@shared_task(bind=True, **JOB_TASK)
def complaints_check_sla(self, triggered_by: int | None = None):
    """Warn before a breach, stamp breaches and escalate once per level (``complaints.services.sla``)."""
    from complaints.services.sla import complaints_check_sla as job

    return _run(self, "complaints.check_sla", lambda: job(), triggered_by, atomic=False)
# --- end of the complaints block ------------------------------------------------------------------------------------


# --- reports: the monthly regulator statistics ----------------------------------------------------------------------

@shared_task(bind=True, **JOB_TASK)
def regulator_monthly(self, triggered_by: int | None = None):
    """The 1st of the month: last month's statistics for the regulator, once (``regulator_monthly`` is idempotent)."""
    from complaints.services.regulator import regulator_monthly as job

    return _run(self, "complaints.regulator_monthly", lambda: job(), triggered_by)
# --- end of the reports block ---------------------------------------------------------------------------------------
