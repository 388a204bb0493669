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
