"""A real Celery worker for the tests that need one, and whether the broker answers."""

import os
import subprocess
import sys
from contextlib import contextmanager

from django.db import connection


def broker_answers() -> tuple[bool, str]:
    url = os.environ.get("REDIS_URL", "")
    if not url:
        return True, "embedded filesystem broker"
    try:
        import redis

        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
        return True, f"Redis at {url}"
    except Exception as error:  # noqa: BLE001
        return False, f"REDIS_URL is set but Redis does not answer ({error})"


@contextmanager
def real_worker(queue: str, log_path):
    """A real Celery worker process on the test database, consuming only ``queue``."""
    db = connection.settings_dict
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "acquirer.settings.test",
           "DATABASE_URL": "postgres://{}@{}:{}/{}".format(
               db["USER"], (db["HOST"] or "localhost").replace("/", "%2F"), db["PORT"] or 5432, db["NAME"])}
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "acquirer", "worker", "-P", "solo", "-Q", queue, "-l", "INFO",
         "--without-gossip", "--without-mingle", "--without-heartbeat", "-n", f"{queue}@%h"],
        env=env, stdout=log_path.open("w"), stderr=subprocess.STDOUT)
    try:
        yield worker
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
