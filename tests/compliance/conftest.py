"""Shared fixtures of the compliance tests (the lead owns this file; each helper puts its own fixtures at the top
of its modules or in a ``fixtures_<part>.py`` imported there)."""

import pytest


@pytest.fixture(autouse=True)
def english_messages():
    """Services answer in the active language: these tests read their refusals in English (the pages' language is
    each request's own)."""
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def english_pages(request):
    """The pages answer in the reader's language (Chinese by default): these tests read them in English, unless
    a test sets another language itself."""
    if "clients" not in request.fixturenames:
        return
    from django.conf import settings

    for client in request.getfixturevalue("clients").values():
        if settings.LANGUAGE_COOKIE_NAME not in client.cookies:
            client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
