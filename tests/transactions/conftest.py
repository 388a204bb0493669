"""Transaction tests read messages in English (see tests/merchants/conftest.py)."""

from tests.merchants.conftest import clients, english  # noqa: F401 - fixtures re-exported
