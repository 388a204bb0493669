"""The merchants tests read messages in English: the thread and every role's client use English
(Chinese pages are proven by the end-to-end onboarding test and tests/test_i18n.py)."""

import pytest
from django.conf import settings
from django.utils import translation


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def clients(clients):
    for client in clients.values():
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return clients
