"""Users of every role and a logged-in client for each (the role matrix uses them all)."""

import pytest
from django.test import Client

from acquirer import roles
from acquirer.models import User
from tests.factories import PASSWORD, make_merchant, make_merchant_user, make_user

STAFF_ROLES = list(roles.ROLES)
# Every actor the role matrix knows: anonymous, each staff role, merchant A, merchant B, auditor.
ACTORS = ["anonymous", *STAFF_ROLES, "merchant_a", "merchant_b", "auditor"]


@pytest.fixture(autouse=True)
def audit_checkpoints(settings, tmp_path_factory):
    """Each test keeps its own audit checkpoints (they live outside the database, which tests roll back)."""
    settings.ACQUIRER_AUDIT_CHECKPOINT_DIR = tmp_path_factory.mktemp("audit-checkpoints")
    return settings.ACQUIRER_AUDIT_CHECKPOINT_DIR


@pytest.fixture(autouse=True)
def empty_ledger_after_transactional_tests(request, django_db_blocker):
    """A transactional test's flush empties Django's managed tables only: the ledger (an unmanaged, partitioned
    table) is emptied here, so its rows never outlive the merchants they name."""
    yield
    marker = request.node.get_closest_marker("django_db")
    if not ((marker and marker.kwargs.get("transaction")) or "transactional_db" in request.fixturenames):
        return
    from django.db import connection

    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute("TRUNCATE transactions_transaction")


# Reference data that migrations load and a transactional test's flush removes (re-loaded, idempotently).
REFERENCE_DATA = ["complaints.migrations.0003_taxonomy_seed", "compliance.migrations.0003_starter_library"]


@pytest.fixture
def role_groups(db):
    """Groups and their permissions, and the migrations' reference data (re-applied: a transactional test's flush
    removes them)."""
    import importlib

    from django.apps import apps

    roles.sync()
    for name in REFERENCE_DATA:
        importlib.import_module(name).forwards(apps, None)


@pytest.fixture
def merchant_a(db):
    return make_merchant("Merchant A Trading Co., Ltd.")


@pytest.fixture
def merchant_b(db):
    return make_merchant("Merchant B Trading Co., Ltd.")


@pytest.fixture
def users(role_groups, merchant_a, merchant_b):
    """One user per actor name in ACTORS (but anonymous)."""
    result = {role: make_user(username=role.replace("_", ""), roles=[role]) for role in STAFF_ROLES}
    result["merchant_a"] = make_merchant_user(merchant_a, username="merchanta")
    result["merchant_b"] = make_merchant_user(merchant_b, username="merchantb")
    result["auditor"] = make_user(kind=User.Kind.AUDITOR, username="auditor1")
    return result


@pytest.fixture
def clients(users):
    """A logged-in Django test client per actor; "anonymous" is not logged in."""
    result = {"anonymous": Client()}
    for name, user in users.items():
        client = Client()
        client.force_login(user)
        result[name] = client
    return result


@pytest.fixture
def ops_client(clients):
    return clients[roles.OPERATIONS_MANAGER]


@pytest.fixture
def password():
    return PASSWORD
