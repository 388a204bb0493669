"""Celery tasks of the complaints app (they take ids, load, call a service)."""
