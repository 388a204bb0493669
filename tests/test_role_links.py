"""A page shows only the links its reader may follow: for every staff role, the merchant "360" page,
the terminal page and the main lists are rendered, and every same-site link in them (and in the pages
they lead to, one level further) is followed with GET — none answers 403.

The objects are those of the gate matrix (tests/test_gates.py ``ctx``): merchant A with a document, a
contract, a settlement account, an inspection, terminals, work orders, tickets, a firmware campaign…"""

import html
import re
from urllib.parse import urljoin, urlsplit

import pytest
from django.urls import NoReverseMatch, reverse

from tests.conftest import STAFF_ROLES
from tests.test_gates import ctx  # noqa: F401 - the shared fixture of merchant A's objects

LISTS = ["ops:home", "ops:merchant-list", "ops:onboarding-queue", "ops:blacklist-list", "ops:inspection-list",
         "ops:settlement-queue", "ops:terminal-list", "ops:terminal-dashboard", "ops:workorder-list",
         "ops:workorder-mine", "ops:ticket-list", "ops:firmware-list", "ops:rent-list", "ops:health-list",
         "ops:terminal-model-list", "ops:intake-batch-list", "ops:user-list", "ops:job-list", "ops:backup-list",
         "ops:calendar"]
HREF = re.compile(r"""<a\b[^>]*?\bhref=["']([^"'#][^"']*)["']""", re.IGNORECASE)
SKIP_PREFIXES = ("/static/", "/accounts/logout/")
MAX_DEPTH = 2


def _start_pages(ctx) -> list[str]:  # noqa: F811 - ctx is the fixture's value here
    pages = [reverse("ops:merchant-detail", kwargs={"pk": ctx["merchant_a"].pk}),
             reverse("ops:terminal-detail", kwargs={"pk": ctx["lifecycle_terminal"].pk})]
    for name in LISTS:
        try:
            pages.append(reverse(name))
        except NoReverseMatch:
            continue
    return pages


def _links(page_url: str, content: str) -> set[str]:
    found = set()
    for href in HREF.findall(content):
        href = html.unescape(href).strip()
        parts = urlsplit(urljoin(page_url, href))
        if parts.scheme not in ("", "http") or parts.netloc not in ("", "testserver"):
            continue  # another site
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        if not path.startswith(SKIP_PREFIXES):
            found.add(path)
    return found


@pytest.mark.django_db
@pytest.mark.parametrize("role", STAFF_ROLES)
def test_no_link_shown_to_a_role_answers_403(ctx, role):  # noqa: F811
    client = ctx["clients"][role]
    refused, seen = [], {}
    frontier = []
    for url in _start_pages(ctx):
        response = client.get(url)
        if response.status_code == 403:
            continue  # a page this role cannot open is not a starting point (the nav hides it: followed below)
        assert response.status_code == 200, (role, url, response.status_code)
        seen[url] = response.status_code
        frontier += [(link, url, 1) for link in _links(url, response.content.decode())]
    while frontier:
        url, source, depth = frontier.pop(0)
        if url in seen:
            continue
        response = client.get(url)
        seen[url] = response.status_code
        if response.status_code == 403:
            refused.append(f"{url} (linked from {source})")
        elif response.status_code >= 400:
            refused.append(f"{url} (linked from {source}) answers {response.status_code}")
        elif (depth < MAX_DEPTH and response.status_code == 200
              and response.get("Content-Type", "").startswith("text/html")):
            frontier += [(link, url, depth + 1) for link in _links(url, response.content.decode())]
    assert len(seen) > len(_start_pages(ctx)) // 2, seen
    assert not refused, f"{role} is shown links it may not follow:\n" + "\n".join(sorted(refused))
