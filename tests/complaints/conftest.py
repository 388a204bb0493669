"""Shared fixtures of the complaint tests (helper A owns this file; other complaint tests put their own fixtures at
the top of their modules)."""

import importlib

import pytest
from django.apps import apps

from complaints.models import Category, RootCause


@pytest.fixture(autouse=True)
def english_messages():
    """Services answer in the active language: these tests read their refusals in English (the pages' language is
    each request's own)."""
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def complaint_taxonomy(request, django_db_blocker):
    """The starter taxonomy, root causes and SLA policies of migration 0003 (a transactional test's flush empties
    them), for every test that uses the database."""
    uses_db = request.node.get_closest_marker("django_db") or {"db", "transactional_db"} & set(request.fixturenames)
    if not uses_db:
        return
    with django_db_blocker.unblock():
        if not Category.objects.exists():
            importlib.import_module("complaints.migrations.0003_taxonomy_seed").forwards(apps, None)


@pytest.fixture
def categories(db):
    """The seeded taxonomy (migration 0003), by code."""
    return {category.code: category for category in Category.objects.all()}


@pytest.fixture
def root_cause(db):
    return RootCause.objects.get(code="process")


@pytest.fixture
def service(users):
    return users["customer_service"]
