"""The core's panel on the auditor's home page: the auditor's own last five exports with their status and a link to
"My downloads" — real exports through the export service, both languages, a fixed number of queries."""

import re

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from acquirer import roles
from acquirer.models import Export, User
from acquirer.services.exports import export_request, export_write
from tests.factories import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def _home(client, language="en") -> str:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.get(reverse("audit:home"))
    assert response.status_code == 200
    return response.content.decode()


def _panel(html: str) -> str:
    return html.split("Recent exports", 1)[1].split("</section>", 1)[0]


def test_recent_exports_shows_the_auditors_own_last_five_with_status_and_links_to_my_downloads(clients, users,
                                                                                              media):
    auditor = users["auditor"]
    html = _home(clients["auditor"])
    assert 'id="home-exports-none"' in _panel(html)
    assert f'href="{reverse("export-list")}"' in _panel(html)
    done = export_request(actor=auditor, kind="audit.trail", fmt="csv", data={})
    export_write(export_id=done.pk)
    assert Export.objects.get(pk=done.pk).status == Export.Status.DONE
    queued = [export_request(actor=auditor, kind="audit.trail", fmt="csv", data={}) for _ in range(5)]
    # someone else's export never shows
    other_auditor = make_user(kind=User.Kind.AUDITOR, username="auditor2")
    others = export_request(actor=other_auditor, kind="audit.trail", fmt="csv", data={})
    panel = _panel(_home(clients["auditor"]))
    shown = [int(pk) for pk in re.findall(r'data-export="(\d+)"', panel)]
    assert shown == [export.pk for export in reversed(queued)]
    assert done.pk not in shown and others.pk not in shown
    assert 'data-status="queued"' in panel and "Queued" in panel
    assert "Audit trail" in panel


def test_finished_export_shows_ready(clients, users, media):
    export = export_request(actor=users["auditor"], kind="audit.trail", fmt="csv", data={})
    export_write(export_id=export.pk)
    panel = _panel(_home(clients["auditor"]))
    assert f'data-export="{export.pk}" data-status="done"' in panel and "Ready" in panel


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_panel_renders_in_both_languages(clients, users, language):
    export_request(actor=users["auditor"], kind="audit.trail", fmt="csv", data={})
    html = _home(clients["auditor"], language)
    assert f'<html lang="{language}">' in html and 'id="home-exports"' in html


def test_the_panel_is_on_the_audit_home_only(clients):
    assert 'id="home-exports' not in clients[roles.OPERATIONS_MANAGER].get(reverse("ops:home")).content.decode()


def test_the_home_page_queries_do_not_grow_with_exports(clients, users):
    client = clients["auditor"]
    export_request(actor=users["auditor"], kind="audit.trail", fmt="csv", data={})
    _home(client)
    with CaptureQueriesContext(connection) as small:
        _home(client)
    for _ in range(8):
        export_request(actor=users["auditor"], kind="audit.trail", fmt="csv", data={})
    with CaptureQueriesContext(connection) as large:
        _home(client)
    assert len(large) == len(small)
