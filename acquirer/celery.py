"""The Celery app. Broker: Redis at REDIS_URL, or the embedded filesystem broker under var/celery/.

Start a worker with DJANGO_SETTINGS_MODULE set (``make run`` does):
``DJANGO_SETTINGS_MODULE=acquirer.settings.dev celery -A acquirer worker -B -P solo``. This module does
not set it, so importing the package never changes which settings a child process uses.
"""

import os
from pathlib import Path

from celery import Celery

app = Celery("acquirer")

# Longest countdown/ETA/retry backoff we ever use must stay below this (Redis redelivers after it).
VISIBILITY_TIMEOUT = 3600


def _broker_config() -> dict:
    redis_url = os.environ.get("REDIS_URL", "")
    if redis_url:
        return {
            "broker_url": redis_url,
            "result_backend": redis_url,
            "broker_transport_options": {"visibility_timeout": VISIBILITY_TIMEOUT},
        }
    base = Path(os.environ.get("ACQUIRER_VAR_DIR", Path(__file__).resolve().parent.parent / "var")) / "celery"
    folders = {name: base / name for name in ("queue", "processed", "control")}
    for folder in folders.values():
        folder.mkdir(parents=True, exist_ok=True)
    return {
        "broker_url": "filesystem://",
        "broker_transport_options": {
            "data_folder_in": str(folders["queue"]),
            "data_folder_out": str(folders["queue"]),
            "processed_folder": str(folders["processed"]),
            "store_processed": False,
            "control_folder": str(folders["control"]),
        },
        "result_backend": None,
    }


def configure(celery_app: Celery) -> None:
    from acquirer.schedule import beat_schedule

    celery_app.conf.update(
        **_broker_config(),
        task_ignore_result=True,
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_time_limit=30 * 60,
        task_soft_time_limit=25 * 60,
        timezone="Asia/Shanghai",
        enable_utc=True,
        beat_schedule=beat_schedule(),
        beat_schedule_filename=str(
            Path(os.environ.get("ACQUIRER_VAR_DIR", Path(__file__).resolve().parent.parent / "var"))
            / "celerybeat-schedule"
        ),
        worker_hijack_root_logger=False,
        broker_connection_retry_on_startup=True,
    )


configure(app)
app.autodiscover_tasks()
