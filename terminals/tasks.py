"""Scheduled jobs of the terminal domain (schedule in acquirer/schedule.py). Each loads nothing itself:
it runs one service inside ``run_job`` (a JobRun row per run; every job is safe to run twice)."""

from celery import shared_task

from acquirer.tasks import JOB_TASK, _run


@shared_task(bind=True, **JOB_TASK)
def maintenance_create_due(self, triggered_by: int | None = None):
    from terminals.services.workorders import maintenance_create_due as job

    return _run(self, "terminals.maintenance_due", lambda: job(), triggered_by, atomic=False)


@shared_task(bind=True, **JOB_TASK)
def tickets_check_sla(self, triggered_by: int | None = None):
    from terminals.services.tickets import tickets_check_sla as job

    return _run(self, "terminals.sla_check", lambda: job(), triggered_by, atomic=False)


@shared_task(bind=True, **JOB_TASK)
def rent_charge_month(self, triggered_by: int | None = None):
    from terminals.services.money import rent_charge_month as job

    return _run(self, "terminals.rent_monthly", lambda: job(), triggered_by, atomic=False)


@shared_task(bind=True, **JOB_TASK)
def terminals_flag_stale(self, triggered_by: int | None = None):
    from terminals.services.health import terminals_flag_stale as job

    return _run(self, "terminals.health_check", lambda: job(), triggered_by, atomic=False)
