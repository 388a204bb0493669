"""The Celery app. Broker: Redis at REDIS_URL, or the embedded filesystem broker under var/celery/.

Start a worker with DJANGO_SETTINGS_MODULE set (``make run`` does):
``DJANGO_SETTINGS_MODULE=acquirer.settings.dev celery -A acquirer worker -B -P solo``. This module does
not set it, so importing the package never changes which settings a child process uses.

A dead broker must never hold a web request for long: task results are not stored (no result backend, whose
reconnect loop blocked a publish for ~20 s), a publish retries once after 0.2 s, and Redis sockets time out
(connect 0.5 s, commands 1 s). Web code never publishes directly anyway: it writes an outbox row
(``acquirer.outbox.enqueue``) that is sent after commit or by the ``outbox.relay`` job.
"""

import os
from pathlib import Path

from celery import Celery

app = Celery("acquirer")

# Longest countdown/ETA/retry backoff we ever use must stay below this (Redis redelivers after it).
VISIBILITY_TIMEOUT = 3600
# Seconds: connecting to the broker, and any one Redis command (a publish is a couple of them).
BROKER_CONNECT_TIMEOUT = 0.5
BROKER_SOCKET_TIMEOUT = 1.0
# A publish that fails is retried once, 0.2 s later; then the error reaches the caller (the outbox keeps
# the message for the relay). The worker's own reconnect loop is unaffected (broker_connection_retry).
PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0.2, "interval_step": 0.2, "interval_max": 0.2}


def _broker_config() -> dict:
    redis_url = os.environ.get("REDIS_URL", "")
    if redis_url:
        return {
            "broker_url": redis_url,
            "result_backend": None,  # results are ignored (task_ignore_result); see the module docstring
            "broker_transport_options": {
                "visibility_timeout": VISIBILITY_TIMEOUT,
                "socket_connect_timeout": BROKER_CONNECT_TIMEOUT,
                "socket_timeout": BROKER_SOCKET_TIMEOUT,
            },
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
        broker_connection_timeout=BROKER_CONNECT_TIMEOUT,
        task_publish_retry=True,
        task_publish_retry_policy=PUBLISH_RETRY_POLICY,
    )


configure(app)
app.autodiscover_tasks()
