"""The beat schedule: every scheduled job of the project, in one place.

The core's own jobs are here (``CORE_JOBS``); each app declares its own in its ``plugin.py`` (``jobs=``), merged
through ``acquirer.registry`` into ``JOBS`` when first read (after Django has loaded the apps), so this module
imports no domain app. Keys are job names (also stored in ``JobRun.job``); ``task`` is the Celery task name.
``period`` (seconds) is how often the job should succeed: the jobs console flags a job with no success within
twice its period.
"""

from collections.abc import Iterator, Mapping

from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

CORE_JOBS = {
    "backups.nightly": {
        "title": _("Nightly backup"),
        "task": "acquirer.tasks.nightly_backup",
        "schedule": crontab(hour=1, minute=30),
        "period": 24 * 3600,
        "description": _("Encrypted backup of the database and uploaded files, then retention pruning; "
                         "queues the restore verification."),
    },
    "backups.verify": {
        "title": _("Backup verification"),
        "task": "acquirer.tasks.verify_backup",
        "schedule": crontab(hour=4, minute=30),
        "period": 24 * 3600,
        "description": _("Restore the newest backup into a scratch database and compare row counts, "
                         "checksums and the audit chain (also queued after each backup)."),
    },
    "users.disable_inactive": {
        "title": _("Disable inactive accounts"),
        "task": "acquirer.tasks.disable_inactive_users",
        "schedule": crontab(hour=2, minute=30),
        "period": 24 * 3600,
        "description": _("Disable accounts unused for 90 days (PCI DSS 8.2.6)."),
    },
    "exports.fail_abandoned": {
        "title": _("Abandoned exports"),
        "task": "acquirer.tasks.fail_abandoned_exports",
        "schedule": crontab(minute=15),
        "period": 3600,
        "description": _("Mark failed the exports still being written an hour after they started (their worker "
                         "stopped), so their owners can run them again."),
    },
    "exports.remove_expired": {
        "title": _("Expired export files"),
        "task": "acquirer.tasks.remove_expired_exports",
        "schedule": crontab(hour=4, minute=20),
        "period": 24 * 3600,
        "description": _("Remove the files of exports finished more than ACQUIRER_EXPORT_KEEP_DAYS days ago (7 "
                         "by default); their owners can write them again."),
    },
    "audit.verify_chain": {
        "title": _("Audit trail verification"),
        "task": "acquirer.tasks.verify_audit_chain",
        "schedule": crontab(hour=3, minute=0),
        "period": 24 * 3600,
        "description": _("Check the audit trail's hash chain; alert operations managers if a row was altered."),
    },
    "sessions.clear_expired": {
        "title": _("Clear expired sessions"),
        "task": "acquirer.tasks.clear_expired_sessions",
        "schedule": crontab(minute=15),
        "period": 3600,
        "description": _("Delete expired sessions from the database."),
    },
    "notifications.retry_email": {
        "title": _("Retry notification e-mails"),
        "task": "acquirer.tasks.retry_notification_emails",
        "schedule": crontab(minute="*/5"),
        "period": 300,
        "description": _("Re-send notification e-mails that were not delivered."),
    },
    "outbox.relay": {
        "title": _("Send queued work"),
        "task": "acquirer.tasks.relay_outbox",
        "schedule": crontab(),
        "period": 60,
        "description": _("Send the queued tasks the task queue could not take when they were committed "
                         "(the outbox); delete sent ones after 7 days."),
    },
}


class _Merged(Mapping):
    """A read-only mapping built on first use and rebuilt when the registry changes (the registry needs the app
    registry to be ready; Celery's configuration is built when the ``acquirer`` package is imported, before that)."""

    def __init__(self, build):
        self._build = build
        self._data = None
        self._version = None

    def _items(self) -> dict:
        from acquirer.registry import registry

        version = registry().version
        if self._data is None or self._version != version:
            self._data, self._version = self._build(), version
        return self._data

    def __getitem__(self, key):
        return self._items()[key]

    def __iter__(self) -> Iterator:
        return iter(self._items())

    def __len__(self) -> int:
        return len(self._items())

    def __repr__(self) -> str:
        return repr(self._items()) if self._data is not None else f"<{type(self).__name__} (not read yet)>"


def _all_jobs() -> dict:
    from acquirer.registry import registry

    jobs = dict(CORE_JOBS)
    for name, job in registry().jobs.items():
        if name in jobs:
            raise ValueError(f"job {name!r} is declared twice")
        jobs[name] = job
    return jobs


# Every job: the core's, then each app's in INSTALLED_APPS order.
JOBS: Mapping[str, dict] = _Merged(_all_jobs)


def job_title(name: str) -> str:
    """The job's name as people read it (the key is for machines)."""
    job = JOBS.get(name)
    return str(job["title"]) if job and job.get("title") else name


def cron_text(schedule) -> str:
    """``30 1 * * *`` for a crontab (minute hour day month weekday, Asia/Shanghai)."""
    text = repr(schedule)
    if text.startswith("<crontab: ") and " (" in text:
        return text[len("<crontab: "):text.index(" (")]
    return text


def beat_schedule() -> Mapping[str, dict]:
    """Celery's ``beat_schedule``: computed when beat first reads it (see ``_Merged``)."""
    return _Merged(lambda: {name: {"task": job["task"], "schedule": job["schedule"]} for name, job in JOBS.items()})


def job_for_task(task_name: str) -> str | None:
    return next((name for name, job in JOBS.items() if job["task"] == task_name), None)
