"""Celery tasks of the transactions app. Scheduled jobs run one service inside ``run_job`` (a JobRun row per run;
every job is safe to run twice)."""

from celery import shared_task

from acquirer.tasks import JOB_TASK, _run


@shared_task(bind=True, **JOB_TASK)
def partitions_ensure(self, triggered_by: int | None = None):
    from transactions.services.partitions import partitions_ensure as job

    return _run(self, "transactions.partitions", lambda: job(), triggered_by, atomic=False)


# ingest ---------------------------------------------------------------------------------------------------------

@shared_task(bind=True, acks_late=True, max_retries=3, default_retry_delay=60, soft_time_limit=6 * 3600,
             time_limit=6 * 3600 + 300)
def ingest_file(self, file_id: int):
    """Run one uploaded file (``transactions.services.ingest.ingest_stored``). Safe to run twice: a finished file
    is left alone, and every row is inserted with ``ON CONFLICT DO NOTHING``."""
    from django.db import OperationalError

    from transactions.services.ingest import ingest_stored

    try:
        record = ingest_stored(file_id=file_id)
    except OperationalError as error:  # the database went away: the file is still running, try again
        raise self.retry(exc=error) from error
    return {"file": file_id, "status": record.status if record else "missing"}
