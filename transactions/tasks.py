"""Celery tasks of the transactions app. Scheduled jobs run one service inside ``run_job`` (a JobRun row per run;
every job is safe to run twice)."""

from celery import shared_task

from acquirer.tasks import JOB_TASK, _run


@shared_task(bind=True, **JOB_TASK)
def partitions_ensure(self, triggered_by: int | None = None):
    from transactions.services.partitions import partitions_ensure as job

    return _run(self, "transactions.partitions", lambda: job(), triggered_by, atomic=False)


@shared_task(bind=True, **JOB_TASK)
def settlement_daily(self, triggered_by: int | None = None):
    from transactions.services.settlement import settlement_daily as job

    return _run(self, "transactions.settlement_daily", lambda: job(), triggered_by, atomic=False)
