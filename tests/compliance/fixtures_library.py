"""Fixtures of the library and assessment tests: the starter library of migration 0003 (a transactional test's
flush empties it) and a quarterly assessment to work on."""

import importlib
from datetime import date

import pytest
from django.apps import apps

from compliance.models import ChecklistTemplate, Framework

STARTER = "compliance.migrations.0003_starter_library"


def load_starter_library() -> None:
    if not Framework.objects.filter(code="pci-dss").exists():
        importlib.import_module(STARTER).forwards(apps, None)


@pytest.fixture(name="library")
def library_fixture(db):
    load_starter_library()
    return {framework.code: framework for framework in Framework.objects.all()}


@pytest.fixture(name="quarterly")
def quarterly_fixture(library):
    return ChecklistTemplate.objects.get(name_en="Quarterly self-assessment")


@pytest.fixture(name="pci_annual")
def pci_annual_fixture(library):
    return ChecklistTemplate.objects.get(name_en="Annual PCI DSS assessment")


def start_quarterly(*, template, officer, reviewer, assignee, period_start=date(2026, 10, 1)):
    from compliance.services.assessments import assessment_start

    return assessment_start(actor=officer, template=template, title="2026-Q4 self-assessment", scope="All merchants",
                            period_start=period_start, period_end=date(period_start.year, period_start.month + 2, 28),
                            due_on=date(2027, 1, 29), reviewer=reviewer, assignee=assignee)


@pytest.fixture(name="english")
def english_fixture(clients):
    """Every client reads the pages in English."""
    from django.conf import settings

    for client in clients.values():
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return clients
