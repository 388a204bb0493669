"""Reading the early-warning page in tests: one figure's count and its link, by the figure's key."""

import html
import re

from django.urls import reverse


def figure(client, key: str, area: str = "ops") -> tuple[str, str | None]:
    """(the count as shown, the "Open the list" link or None) of the figure ``key`` on ``area``'s page."""
    response = client.get(reverse(f"{area}:early-warning"))
    assert response.status_code == 200
    page = response.content.decode()
    section = re.search(rf'data-warning="{re.escape(key)}".*?</section>', page, re.S)
    assert section, f"figure {key} is not on the page"
    count = re.search(r'data-count="([^"]*)"', section.group(0)).group(1)
    link = re.search(r'href="([^"]*)"', section.group(0))
    return count, html.unescape(link.group(1)) if link else None


def count_of(client, key: str, area: str = "ops") -> int:
    return int(figure(client, key, area)[0])
